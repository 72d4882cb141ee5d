"""The pages where managers make and revoke API tokens (the API itself is in api.py)."""

from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("<uuid:public_id>/revoke/", views.token_revoke, name="revoke"),
]
