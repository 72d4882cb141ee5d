"""Every URL Waymark serves."""

from django.contrib import admin
from django.urls import include, path

from waymark.api.api import api

urlpatterns = [
    path("", include("waymark.core.urls")),
    path("account/", include("allauth.urls")),
    path("", include("waymark.accounts.urls")),
    path("audit/", include("waymark.audit.urls")),
    path("api-tokens/", include("waymark.api.urls")),
    path("jobs/", include("waymark.jobs.urls")),
    path("referrals/", include("waymark.referrals.urls")),
    path("cases/", include("waymark.cases.urls")),
    path("risk/", include("waymark.risk.urls")),
    path("returns/", include("waymark.returns.urls")),
    path("crime/examples/", include("waymark.crime.urls_components")),
    path("crime/", include("waymark.crime.urls")),
    path("victims-code/", include("waymark.victims_code.urls")),
    path("feedback/", include("waymark.victims_code.urls_survey")),
    path("funding/", include("waymark.funding.urls")),
    path("get-support/", include("waymark.referrals.urls_public")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]
