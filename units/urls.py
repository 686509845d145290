from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.UnitTreeView.as_view(), name="unit_tree"),
    path("<int:pk>/chi-tieu/", views.ChildTargetsView.as_view(), name="child_targets"),
    path("<int:pk>/chi-tieu-nguon/", views.ChildPoolTargetsView.as_view(), name="child_pool_targets"),
    path("<int:pk>/khoa-so/", views.QuarterCloseView.as_view(), name="quarter_close"),
    path("<int:pk>/sap-xep-to-chuc/", views.ReorganisationView.as_view(), name="reorganisation"),
    path("<int:pk>/khoa-so/<int:closure_pk>/mo-lai/", views.QuarterReopenView.as_view(), name="quarter_reopen"),
]
