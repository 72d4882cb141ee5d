"""Request types for views behind `login_required`."""

from django.http import HttpRequest

from waymark.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request from a signed-in person (what `login_required` guarantees)."""

    user: User
