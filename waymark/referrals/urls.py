"""Staff pages for referrals and outreach events, mounted at /referrals/."""

from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_create, name="create"),
    path("police-upload/", views.police_upload, name="police_upload"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<uuid:public_id>/", views.event_detail, name="event_detail"),
    path("events/<uuid:public_id>/referral/", views.event_referral_create, name="event_referral_create"),
    path("<uuid:public_id>/", views.referral_detail, name="detail"),
    path("<uuid:public_id>/contact/", views.referral_contact, name="contact"),
    path("<uuid:public_id>/outcome/", views.referral_triage, name="triage"),
    path("<uuid:public_id>/duplicate-reviewed/", views.referral_duplicate_review, name="duplicate_review"),
]
