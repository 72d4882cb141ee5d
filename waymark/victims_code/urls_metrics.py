"""Victims' Code pages: metrics (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_metrics

urlpatterns: list[URLPattern] = [
    path("", views_metrics.overview, name="overview"),
    path("metrics/", views_metrics.metric_list, name="metrics"),
    path("metrics/<str:code>/", views_metrics.metric_detail, name="metric"),
    path("equity/", views_metrics.equity, name="equity"),
    path("quarterly-return/", views_metrics.quarterly_return, name="quarterly_return"),
    path(
        "quarterly-return/download.<str:file_format>",
        views_metrics.quarterly_return_download,
        name="quarterly_return_download",
    ),
    path("my-services/", views_metrics.provider_metrics, name="provider_metrics"),
]
