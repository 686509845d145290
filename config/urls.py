from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from dashboard.views import HomeView
from units.twofactor import exempt as two_factor_exempt
from units.twofactor_views import SignInView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("dang-nhap/", SignInView.as_view(), name="login"),
    path("dang-xuat/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("ngon-ngu/", two_factor_exempt(login_not_required(set_language)), name="set_language"),
    path("xac-thuc-hai-buoc/", include("units.twofactor_urls")),
    path("quan-chung/", include("recruitment.urls")),
    path("nhap-du-lieu/", include("recruitment.import_urls")),
    path("don-vi/", include("units.urls")),
    path("tai-khoan/", include("units.account_urls")),
    path("don-vi/", include("dashboard.urls")),
    path("bao-cao/", include("reports.urls")),
    # One way in: the admin's own login would skip the second step.
    path(
        "quan-tri/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_login_redirect",
    ),
    path("quan-tri/", admin.site.urls),
]
