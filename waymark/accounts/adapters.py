"""allauth and axes hooks: no self sign-up, and lockouts keyed on the e-mail address."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by an OPCC admin; nobody signs themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Sign-up is closed."""
        return False


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address being tried, from allauth's credentials or the posted form."""
    if credentials:
        for key in ("email", "login", "username"):
            if credentials.get(key):
                return str(credentials[key]).strip().lower()
    return str(request.POST.get("login", "")).strip().lower()
