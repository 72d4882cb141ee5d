"""Funding pages: match funding, providers' monitoring returns and returns to funders (included
by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_returns

urlpatterns: list[URLPattern] = [
    path("match/", views_returns.match_portfolio, name="match"),
    path("match/<uuid:public_id>/", views_returns.award_match, name="award_match"),
    path("returns/", views_returns.return_list, name="returns"),
    path("returns/schedule/", views_returns.return_schedule, name="returns_schedule"),
    path("returns/<uuid:public_id>/", views_returns.return_detail, name="return_detail"),
    path("returns/<uuid:public_id>/submit/", views_returns.return_submit, name="return_submit"),
    path("returns/<uuid:public_id>/review/", views_returns.return_review, name="return_review"),
    path("funder-returns/", views_returns.funder_return_list, name="funder_returns"),
    path("funder-returns/build/", views_returns.funder_return_build, name="funder_return_build"),
    path("funder-returns/<uuid:public_id>/", views_returns.funder_return_detail, name="funder_return_detail"),
    path(
        "funder-returns/<uuid:public_id>/csv/",
        views_returns.funder_return_download,
        {"file_format": "csv"},
        name="funder_return_csv",
    ),
    path(
        "funder-returns/<uuid:public_id>/xlsx/",
        views_returns.funder_return_download,
        {"file_format": "xlsx"},
        name="funder_return_xlsx",
    ),
    path(
        "funder-returns/<uuid:public_id>/submitted/",
        views_returns.funder_return_submitted,
        name="funder_return_submitted",
    ),
]
