from django.urls import path

from . import views

app_name = "returns"

urlpatterns = [
    path("", views.provider_return, name="provider_return"),
    path("download.<str:file_format>", views.provider_return_download, name="provider_return_download"),
]
