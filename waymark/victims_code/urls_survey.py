"""The public feedback survey, under /feedback/: reached only by a victim's one-time link."""

from django.urls import URLPattern, path

from . import views_survey

app_name = "survey"

urlpatterns: list[URLPattern] = [
    path("thank-you/", views_survey.done, name="done"),
    path("<str:token>/", views_survey.respond, name="respond"),
]
