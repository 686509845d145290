from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns = [
    path("", views.ImportStartView.as_view(), name="start"),
    path("mau.xlsx", views.TemplateDownloadView.as_view(), name="template"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="detail"),
    path("<int:pk>/trang-thai/", views.ImportStatusView.as_view(), name="status"),
    path("<int:pk>/xac-nhan/", views.ImportConfirmView.as_view(), name="confirm"),
    path("<int:pk>/huy/", views.ImportDiscardView.as_view(), name="discard"),
    path("<int:pk>/chay-lai/", views.ImportRetryView.as_view(), name="retry"),
]
