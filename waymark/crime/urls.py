"""Crime data pages, under /crime/."""

from django.urls import URLPattern, path

from . import dashboards, views

app_name = "crime"

urlpatterns: list[URLPattern] = [
    path("vawg/", dashboards.vawg_dashboard, name="vawg"),
    path("vawg/map.geojson", dashboards.vawg_map_geojson, name="vawg_map"),
    path("vawg/download/<slug:table>.csv", dashboards.vawg_download, name="vawg_download"),
    path("rasso/", dashboards.rasso_dashboard, name="rasso"),
    path("rasso/map.geojson", dashboards.rasso_map_geojson, name="rasso_map"),
    path("rasso/download/<slug:table>.csv", dashboards.rasso_download, name="rasso_download"),
    path("imports/", views.imports, name="imports"),
    path("imports/upload/", views.upload, name="upload"),
    path("imports/<uuid:public_id>/extraction-date/", views.redate, name="redate"),
    path("imports/jobs/<uuid:public_id>/problems/", views.import_problems, name="import_problems"),
    path("imports/police-uk/upload/", views.upload_police_uk, name="upload_police_uk"),
    path(
        "imports/police-uk/jobs/<uuid:public_id>/problems/",
        views.police_uk_problems,
        name="police_uk_problems",
    ),
]
