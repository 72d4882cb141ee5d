"""The public feedback survey, under /feedback/: reached only by a victim's one-time link."""

from django.urls import URLPattern, path  # noqa: F401 (patterns are added here)

app_name = "survey"

urlpatterns: list[URLPattern] = []
