from django.urls import path

from . import account_views as views

app_name = "accounts"
urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("them/", views.AccountCreateView.as_view(), name="create"),
    path("them-nhieu/", views.AccountBulkCreateView.as_view(), name="bulk_create"),
    path("dot/<int:pk>/", views.AccountBatchView.as_view(), name="batch"),
    path("dot/<int:pk>/tai-ve/", views.AccountBatchDownloadView.as_view(), name="batch_download"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/dat-lai-mat-khau/", views.AccountResetPasswordView.as_view(), name="reset_password"),
    path("<int:pk>/khoa/", views.AccountActiveView.as_view(), name="set_active"),
    path("<int:pk>/chuyen/", views.AccountMoveView.as_view(), name="move"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path("dat-mat-khau/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
