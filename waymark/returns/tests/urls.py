"""The site's URLs plus the returns pages, until `config/urls.py` includes them."""

from django.urls import URLResolver, include, path

from config.urls import urlpatterns as site_urlpatterns

_included = any(
    isinstance(pattern, URLResolver) and pattern.namespace == "returns" for pattern in site_urlpatterns
)
urlpatterns = [*site_urlpatterns, *([] if _included else [path("returns/", include("waymark.returns.urls"))])]
