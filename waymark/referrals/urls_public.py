"""The public pages, mounted at /get-support/."""

from django.urls import path

from . import views_public

app_name = "public"
urlpatterns = [
    path("", views_public.self_referral, name="self_referral"),
    path("sent/", views_public.self_referral_done, name="self_referral_done"),
]
