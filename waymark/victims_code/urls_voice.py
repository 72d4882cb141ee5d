"""Victims' Code pages: voice (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_voice

urlpatterns: list[URLPattern] = [
    path("voice/", views_voice.voice_gap, name="voice"),
    path("voice/download.csv", views_voice.voice_download, name="voice_download"),
    path("voice/survey-links/", views_voice.survey_invitations, name="survey_invitations"),
]
