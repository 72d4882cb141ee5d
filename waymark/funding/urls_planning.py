"""Funding pages: planning (included by `urls.py`)."""

from django.urls import URLPattern, path  # noqa: F401 (patterns are added here)

urlpatterns: list[URLPattern] = []
