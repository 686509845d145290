from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("<int:pk>/lich-su/", views.UnitHistoryView.as_view(), name="unit_history"),
    path("<int:pk>/nhat-ky-doc/", views.ReadLogView.as_view(), name="read_log"),
]
