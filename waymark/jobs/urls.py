"""Background jobs' pages, under /jobs/."""

from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("maintenance/", views.maintenance, name="maintenance"),
    path("<uuid:public_id>/", views.job_detail, name="detail"),
]
