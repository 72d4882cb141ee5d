"""Funding pages: money (included by `urls.py`): funding sources with their allocations and
commitments, and awards with their funding lines, budget lines and variations."""

from django.urls import URLPattern, path

from . import views_money as views

urlpatterns: list[URLPattern] = [
    path("sources/", views.source_list, name="sources"),
    path("sources/add/", views.source_add, name="source_add"),
    path("sources/<uuid:public_id>/", views.source_detail, name="source_detail"),
    path("sources/<uuid:public_id>/change/", views.source_edit, name="source_edit"),
    path("sources/<uuid:public_id>/allocations/add/", views.allocation_add, name="allocation_add"),
    path("sources/<uuid:public_id>/commitments/add/", views.commitment_add, name="commitment_add"),
    path("awards/", views.award_list, name="awards"),
    path("awards/add/", views.award_add, name="award_add"),
    path("awards/<uuid:public_id>/", views.award_detail, name="award_detail"),
    path("awards/<uuid:public_id>/change/", views.award_edit, name="award_edit"),
    path("awards/<uuid:public_id>/lines/add/", views.award_line_add, name="award_line_add"),
    path("awards/<uuid:public_id>/budget/add/", views.award_budget_add, name="award_budget_add"),
    path("awards/<uuid:public_id>/vary/", views.award_vary, name="award_vary"),
]
