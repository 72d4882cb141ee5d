"""Victims' Code pages: imports (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_imports

urlpatterns: list[URLPattern] = [
    path("imports/", views_imports.imports, name="imports"),
    path("imports/upload/", views_imports.upload, name="upload"),
    path("imports/upload-return/", views_imports.upload_aggregate_return, name="upload_aggregate_return"),
    path("imports/jobs/<uuid:public_id>/problems/", views_imports.import_problems, name="import_problems"),
]
