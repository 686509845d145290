from django.urls import path

from . import course_views, export_views, pool_views, views

app_name = "recruitment"
urlpatterns = [
    path("", views.CandidateListView.as_view(), name="candidate_list"),
    path("xuat-excel/", export_views.candidate_export, name="candidate_export"),
    path("xuat-excel/<int:pk>/", export_views.CandidateExportFileView.as_view(), name="candidate_export_file"),
    path(
        "xuat-excel/<int:pk>/trang-thai/",
        export_views.CandidateExportStatusView.as_view(),
        name="candidate_export_status",
    ),
    path(
        "xuat-excel/<int:pk>/tai-ve/",
        export_views.CandidateExportDownloadView.as_view(),
        name="candidate_export_download",
    ),
    path(
        "xuat-excel/<int:pk>/thu-lai/", export_views.CandidateExportRetryView.as_view(), name="candidate_export_retry"
    ),
    path("them/", views.CandidateCreateView.as_view(), name="candidate_create"),
    path("<int:pk>/", views.CandidateDetailView.as_view(), name="candidate_detail"),
    path("<int:pk>/sua/", views.ProfileUpdateView.as_view(), name="profile_update"),
    path("<int:pk>/buoc/<str:kind>/", views.StepRecordView.as_view(), name="step_record"),
    path("quy-trinh/", views.PipelineBoardView.as_view(), name="board"),
    path("quy-trinh/<int:unit_pk>/", views.PipelineBoardView.as_view(), name="board_unit"),
    path("viec-can-lam/", views.TodoView.as_view(), name="todo"),
    path("viec-can-lam/<int:unit_pk>/", views.TodoView.as_view(), name="todo_unit"),
    # Awareness courses
    path("lop-boi-duong/", course_views.CourseListView.as_view(), name="course_list"),
    path("lop-boi-duong/mo-lop/", course_views.CourseCreateView.as_view(), name="course_create"),
    path("lop-boi-duong/<int:pk>/", course_views.CourseDetailView.as_view(), name="course_detail"),
    path("lop-boi-duong/<int:pk>/sua/", course_views.CourseUpdateView.as_view(), name="course_update"),
    path("lop-boi-duong/<int:pk>/ghi-danh/", course_views.CourseEnrolView.as_view(), name="course_enrol"),
    path("lop-boi-duong/<int:pk>/ket-qua/", course_views.CourseResultsView.as_view(), name="course_results"),
    path(
        "lop-boi-duong/<int:pk>/bo/<int:participant_pk>/",
        course_views.CourseWithdrawView.as_view(),
        name="course_withdraw",
    ),
    path(
        "lop-boi-duong/<int:pk>/cap-giay-chung-nhan/",
        course_views.CourseCertificatesView.as_view(),
        name="course_certificates",
    ),
    path(
        "lop-boi-duong/<int:pk>/danh-sach.xlsx",
        course_views.CourseExportView.as_view(),
        name="course_roster_export",
    ),
    path(
        "lop-boi-duong/<int:pk>/giay-chung-nhan.xlsx",
        course_views.CourseExportView.as_view(certificates=True),
        name="course_certificate_export",
    ),
    # The pool of outstanding persons
    path("ra-soat-nguon/", pool_views.PoolReviewView.as_view(), name="pool_review"),
    path("ra-soat-nguon/<int:pk>/", pool_views.PoolReviewView.as_view(), name="pool_review_cell"),
    path("nguon-ket-nap/", pool_views.PoolReportView.as_view(), name="pool_report"),
    path("nguon-ket-nap/<int:pk>/", pool_views.PoolReportView.as_view(), name="pool_report_unit"),
]
