"""Victims' Code pages: the Code as data (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_code

urlpatterns: list[URLPattern] = [
    path("code/", views_code.code, name="code"),
    path("code/<str:version>/", views_code.code, name="code_version"),
    path("code/entitlements/<int:pk>/edit/", views_code.entitlement_edit, name="entitlement_edit"),
    path("code/metrics/<int:pk>/edit/", views_code.metric_edit, name="metric_edit"),
]
