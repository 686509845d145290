from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("tep/<int:pk>/", views.ReportFileView.as_view(), name="file"),
    path("tep/<int:pk>/trang-thai/", views.ReportFileStatusView.as_view(), name="file_status"),
    path("tep/<int:pk>/tai-ve/", views.ReportFileDownloadView.as_view(), name="file_download"),
    path("tep/<int:pk>/tao-lai/", views.ReportFileRetryView.as_view(), name="file_retry"),
    path("<str:code>/tien-do/", views.ProgressView.as_view(), name="progress"),
    path("<str:code>/co-cau/", views.BreakdownView.as_view(), name="breakdown"),
    path("<str:code>/quy-trinh/", views.PipelineView.as_view(), name="pipeline"),
    path("<str:code>/chua-ket-nap/", views.CoverageView.as_view(), name="coverage"),
    path("<str:code>/du-bi/", views.ProbationView.as_view(), name="probation"),
    path("<str:code>/du-kien-khong-dat/", views.OutlookView.as_view(), name="outlook"),
    path("<str:code>/nop-bao-cao/", views.ReturnsView.as_view(), name="returns"),
    path(
        "<str:code>/nop-bao-cao/<int:year>-<int:quarter>/gui/", views.SubmitReturnView.as_view(), name="return_submit"
    ),
    path(
        "<str:code>/nop-bao-cao/<int:year>-<int:quarter>/khoa-so/",
        views.CloseQuarterView.as_view(),
        name="return_close",
    ),
    path(
        "<str:code>/nop-bao-cao/<int:year>-<int:quarter>/mo-lai/",
        views.ReopenQuarterView.as_view(),
        name="return_reopen",
    ),
    path("bao-cao-da-nop/<int:pk>.xlsx", views.submitted_return_download, name="submitted_return"),
    path("<str:code>/bao-cao-quy.xlsx", views.QuarterlyReturnView.as_view(), name="quarterly_return"),
    path("<str:code>/<slug:report>.xlsx", views.ReportExportView.as_view(), name="export"),
]
