from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dashboard.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("ngon-ngu/", login_not_required(set_language), name="set_language"),
    path("quan-chung/", include("recruitment.urls")),
    path("nhap-du-lieu/", include("recruitment.import_urls")),
    path("don-vi/", include("units.urls")),
    path("tai-khoan/", include("units.account_urls")),
    path("don-vi/", include("dashboard.urls")),
    path("bao-cao/", include("reports.urls")),
    path("quan-tri/", admin.site.urls),
]
