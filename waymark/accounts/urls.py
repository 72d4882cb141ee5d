from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:public_id>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<uuid:public_id>/edit/", views.organisation_update, name="organisation_update"),
    path("organisations/<uuid:public_id>/services/new/", views.service_create, name="service_create"),
    path("organisations/<uuid:public_id>/teams/new/", views.team_create, name="team_create"),
    path("services/<uuid:public_id>/edit/", views.service_update, name="service_update"),
    path("teams/<uuid:public_id>/edit/", views.team_update, name="team_update"),
    path("people/", views.user_list, name="user_list"),
    path("people/new/", views.user_create, name="user_create"),
    path("people/<uuid:public_id>/", views.user_detail, name="user_detail"),
    path("people/<uuid:public_id>/edit/", views.user_update, name="user_update"),
    path("people/<uuid:public_id>/active/", views.user_set_active, name="user_set_active"),
    path("people/<uuid:public_id>/roles/new/", views.membership_create, name="membership_create"),
    path("roles/<uuid:public_id>/teams/", views.membership_teams, name="membership_teams"),
    path("roles/<uuid:public_id>/end/", views.membership_end, name="membership_end"),
]
