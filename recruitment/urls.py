from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("", views.CandidateListView.as_view(), name="candidate_list"),
    path("xuat-excel/", views.candidate_export, name="candidate_export"),
    path("them/", views.CandidateCreateView.as_view(), name="candidate_create"),
    path("<int:pk>/", views.CandidateDetailView.as_view(), name="candidate_detail"),
    path("<int:pk>/sua/", views.ProfileUpdateView.as_view(), name="profile_update"),
    path("<int:pk>/buoc/<str:kind>/", views.StepRecordView.as_view(), name="step_record"),
    path("quy-trinh/", views.PipelineBoardView.as_view(), name="board"),
    path("quy-trinh/<int:unit_pk>/", views.PipelineBoardView.as_view(), name="board_unit"),
    path("viec-can-lam/", views.TodoView.as_view(), name="todo"),
    path("viec-can-lam/<int:unit_pk>/", views.TodoView.as_view(), name="todo_unit"),
]
