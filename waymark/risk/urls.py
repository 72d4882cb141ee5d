from django.urls import path

from . import views

app_name = "risk"

urlpatterns = [
    path("cases/<uuid:case_id>/", views.case_risk, name="case_risk"),
    path("cases/<uuid:case_id>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("cases/<uuid:case_id>/incidents/new/", views.incident_create, name="incident_create"),
    path("cases/<uuid:case_id>/marac/new/", views.marac_referral_create, name="marac_referral_create"),
    path("assessments/<uuid:public_id>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<uuid:public_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<uuid:public_id>/correct/", views.assessment_correct, name="assessment_correct"),
    path("marac/", views.marac_list, name="marac_list"),
    path("reviews/", views.review_list, name="review_list"),
]
