"""Funding pages: import and export, and the 360Giving file (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_transfer

urlpatterns: list[URLPattern] = [
    path("import/", views_transfer.import_upload, name="import"),
    path("import/commit/", views_transfer.import_commit, name="import_commit"),
    path("export/", views_transfer.export, name="export"),
    path("export/<slug:table>.<slug:file_format>", views_transfer.export_download, name="export_download"),
    path("360giving/", views_transfer.giving360, name="giving360"),
    path("360giving/grants.<slug:file_format>", views_transfer.giving360_download, name="giving360_download"),
]
