from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.UnitTreeView.as_view(), name="unit_tree"),
    path("<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("<int:pk>/chi-tieu/", views.ChildTargetsView.as_view(), name="child_targets"),
]
