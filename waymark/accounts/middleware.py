"""Every staff member must have a second factor before they see anything."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .access import has_authenticator_app

# Paths a signed-in person without a second factor may still reach: setting one up,
# signing out, static files and the health check.
_OPEN_PREFIXES = (
    "/account/2fa/",
    "/account/logout/",
    "/account/reauthenticate/",
    "/static/",
    "/healthz",
    "/api/",
)


class RequireMFAMiddleware:
    """Send a signed-in person with no authenticator app to set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.WAYMARK_MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not has_authenticator_app(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.get_full_path())
        return self.get_response(request)
