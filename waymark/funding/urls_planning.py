"""Funding pages: planning (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_planning

urlpatterns: list[URLPattern] = [
    path("", views_planning.overview, name="overview"),
    path("plan.csv", views_planning.overview_download, name="overview_download"),
    path("plan.xlsx", views_planning.overview_download, {"file_format": "xlsx"}, name="overview_xlsx"),
    path("scenario/", views_planning.scenario, name="scenario"),
    path("scenario/unfunded-posts.csv", views_planning.scenario_download, name="scenario_download"),
    path(
        "scenario/unfunded-posts.xlsx",
        views_planning.scenario_download,
        {"file_format": "xlsx"},
        name="scenario_xlsx",
    ),
]
