"""Funding pages, under /funding/: one URL module per area, each with its own views module."""

from django.urls import URLPattern, URLResolver

from . import urls_money, urls_planning, urls_posts, urls_returns, urls_transfer

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_planning.urlpatterns,
    *urls_money.urlpatterns,
    *urls_posts.urlpatterns,
    *urls_returns.urlpatterns,
    *urls_transfer.urlpatterns,
]
