"""The interactive API documentation (Swagger UI), served from our own origin.

Ninja renders Swagger UI from a CDN unless "ninja" is in INSTALLED_APPS; our Content
Security Policy forbids third-party scripts. Ninja ships the Swagger UI files in its
package, so we serve those files ourselves (an allow-list, from the installed package,
so they always match the ninja version) and render the page from our own template.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import json_script
from django.views.static import serve
from ninja.openapi.docs import Swagger, _csrf_needed

if TYPE_CHECKING:
    from ninja import NinjaAPI

NINJA_STATIC_DIR = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"})


class SelfHostedSwagger(Swagger):
    """Swagger UI with its scripts and styles from our origin, and no calls to other sites."""

    default_settings = {
        **Swagger.default_settings,
        # Swagger UI otherwise sends the schema to validator.swagger.io for a badge.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        """The documentation page for `api`."""
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        namespace = api.urls_namespace
        return render(
            request,
            "api_tokens/docs.html",
            {
                "api": api,
                "settings_script": json_script(swagger_settings, "swagger-settings"),
                "add_csrf": _csrf_needed(api),
                "assets": {
                    name: reverse(f"{namespace}:docs-asset", kwargs={"name": name}) for name in DOCS_ASSETS
                },
            },
        )


def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    """One of Swagger UI's files from the installed ninja package; nothing else."""
    if name not in DOCS_ASSETS:
        raise Http404("No such file.")
    return serve(request, name, document_root=str(NINJA_STATIC_DIR))  # type: ignore[return-value]
