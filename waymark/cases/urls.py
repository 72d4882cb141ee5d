"""Case pages, mounted at /cases/."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("team/", views.team_queue, name="team_queue"),
    path("closures/", views.closures, name="closures"),
    path("overdue-first-contacts/", views.overdue_first_contacts, name="overdue_first_contacts"),
    path("risk-reviews-due/", views.risk_reviews_due, name="risk_reviews_due"),
    path("marac-referrals-due/", views.marac_referrals_due, name="marac_referrals_due"),
    path("incoming/", views.incoming, name="incoming"),
    path("incoming/<uuid:onward_id>/accept/", views.onward_accept, name="onward_accept"),
    path("incoming/<uuid:onward_id>/reject/", views.onward_reject, name="onward_reject"),
    path("disclosures/", views.disclosure_register, name="disclosure_register"),
    path("disclosures/<uuid:public_id>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<uuid:public_id>/decide/", views.disclosure_decide, name="disclosure_decide"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/allocate/", views.allocate, name="allocate"),
    path("<uuid:public_id>/status/", views.status, name="status"),
    path("<uuid:public_id>/close/", views.request_closure, name="request_closure"),
    path("<uuid:public_id>/closure-decision/", views.closure_decision, name="closure_decision"),
    path("<uuid:public_id>/tier/", views.support_tier, name="support_tier"),
    path("<uuid:public_id>/needs/", views.needs_assessment, name="needs_assessment"),
    path("<uuid:public_id>/goals/add/", views.goal_add, name="goal_add"),
    path("<uuid:public_id>/goals/<uuid:goal_id>/", views.goal_status, name="goal_status"),
    path("<uuid:public_id>/safety-plan/", views.safety_plan, name="safety_plan"),
    path("<uuid:public_id>/activities/add/", views.activity_add, name="activity_add"),
    path("<uuid:public_id>/consents/add/", views.consent_add, name="consent_add"),
    path(
        "<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<uuid:public_id>/onward/add/", views.onward_add, name="onward_add"),
    path("<uuid:public_id>/onward/<uuid:onward_id>/send/", views.onward_send, name="onward_send"),
    path("<uuid:public_id>/onward/<uuid:onward_id>/revoke/", views.onward_revoke, name="onward_revoke"),
    path("<uuid:public_id>/hate-crime/", views.hate_crime, name="hate_crime"),
    path("<uuid:public_id>/outcomes/add/", views.outcomes_add, name="outcomes_add"),
    path("<uuid:public_id>/link-victim-case/", views.link_victim_case, name="link_victim_case"),
    path("<uuid:public_id>/disclosures/add/", views.disclosure_add, name="disclosure_add"),
]
