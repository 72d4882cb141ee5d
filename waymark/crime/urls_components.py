"""The dashboard components' examples page, under /crime/examples/ (see views_components)."""

from django.urls import URLPattern, path

from . import views_components

app_name = "crime_examples"

urlpatterns: list[URLPattern] = [
    path("", views_components.examples, name="examples"),
    path("hexmap.geojson", views_components.examples_hexmap, name="hexmap"),
    path("<slug:table>.csv", views_components.examples_csv, name="csv"),
]
