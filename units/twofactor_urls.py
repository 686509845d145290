from django.urls import path

from . import twofactor_views as views

app_name = "twofactor"
urlpatterns = [
    path("", views.TwoFactorOverviewView.as_view(), name="overview"),
    path("dang-ky/", views.EnrolView.as_view(), name="enrol"),
    path("ma-du-phong/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("tat/", views.DisableView.as_view(), name="disable"),
    path("ma-dang-nhap/", views.SignInCodeView.as_view(), name="sign_in_code"),
]
