"""Victims' Code pages: governance (included by `urls.py`): the complaint register, review
meetings and actions, and dip-sample audits."""

from django.urls import URLPattern, path

from . import views_governance as views

urlpatterns: list[URLPattern] = [
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/download/", views.complaint_download, name="complaints_download"),
    path("complaints/add/", views.complaint_add, name="complaint_add"),
    path("complaints/<uuid:public_id>/", views.complaint_edit, name="complaint_edit"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/add/", views.review_add, name="review_add"),
    path("reviews/<uuid:public_id>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:public_id>/actions/add/", views.action_add, name="action_add"),
    path("actions/<uuid:public_id>/", views.action_update, name="action_update"),
    path("audits/", views.audit_list, name="audits"),
    path("audits/add/", views.audit_add, name="audit_add"),
    path("audits/<uuid:public_id>/", views.audit_detail, name="audit_detail"),
    path("audits/<uuid:public_id>/cases/add/", views.audit_case_add, name="audit_case_add"),
]
