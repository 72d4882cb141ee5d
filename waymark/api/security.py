"""Who is calling: a system with an API token, or a person signed in through the browser."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from waymark.accounts.access import has_authenticator_app
from waymark.accounts.models import User

from .errors import ApiError
from .models import ApiToken
from .services import api_token_authenticate


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer wm_...`: the call acts for the token's organisation."""

    openapi_bearerFormat = "wm_<prefix>_<secret>"  # noqa: N815 - the OpenAPI field's own name

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        """The usable token, or None (ninja then tries the session, then answers 401)."""
        api_token = api_token_authenticate(raw=token)
        if api_token is None:
            return None
        # The access log groups a token's calls by a hash of this, as it does a session's.
        request.auth_token_ref = str(api_token.public_id)  # type: ignore[attr-defined]
        return api_token


class SignedInSessionAuth(SessionAuth):
    """A signed-in person's session, for pages that call the API from the browser.

    As ninja's `django_auth`, unsafe methods must carry the CSRF token. Unlike it, a
    request with no session is not CSRF-checked (there is nothing to protect), so it gets
    a clear 401 rather than a CSRF failure; and, as in the rest of the site, a person
    without a second factor is refused.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise ApiError(
                403,
                "CSRF check failed: send the page's CSRF token in the X-CSRFToken header.",
                code="csrf_failed",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        """The signed-in person, or None; a person without a second factor is refused."""
        user = request.user
        if not user.is_authenticated:
            return None
        if settings.WAYMARK_MFA_REQUIRED and not has_authenticator_app(user):
            raise ApiError(
                403, "Set up an authenticator app before using Waymark.", code="second_factor_required"
            )
        return user


def caller_token(request: HttpRequest) -> ApiToken | None:
    """The API token the call was made with, or None for a person's session."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def ensure_caller_may(request: HttpRequest, *, scope: ApiToken.Scope, permission: str) -> None:
    """Refuse the call unless a token caller has `scope`, or a person has `permission`.

    A token is limited by the scopes it was given; a person by their role, as on the site.
    """
    token = caller_token(request)
    if token is not None:
        if not token.has_scope(scope):
            raise ApiError(
                403, f"This API token does not have the '{scope.value}' scope.", code="insufficient_scope"
            )
    elif not request.user.has_perm(permission):
        raise ApiError(403, "You do not have permission to do that.")


api_token_auth = ApiTokenAuth()
session_auth = SignedInSessionAuth()
