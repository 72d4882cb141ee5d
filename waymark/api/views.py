"""Pages for API tokens: list, make (the secret is shown once), revoke."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.core.forms import add_service_errors, form_page

from . import selectors, services
from .forms import ApiTokenForm

manage_tokens = permission_required("api.manage_tokens", raise_exception=True)


@login_required
@manage_tokens
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens of the organisations the person manages, newest first."""
    return render(
        request,
        "api_tokens/list.html",
        {"tokens": selectors.api_token_list_for_user(user=request.user)},
    )


@login_required
@manage_tokens
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token; the answer to the POST is the only time its secret is shown."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                by=request.user,  # type: ignore[arg-type]
                organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Rendered, not redirected: the secret must never be stored, not even in the session.
            return render(request, "api_tokens/created.html", {"token": token, "secret": secret})
    return form_page(
        request,
        form=form,
        title="Make an API token",
        submit="Make token",
        back_url=reverse("api_tokens:list"),
    )


@login_required
@manage_tokens
@require_POST
def token_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Revoke a token the person manages; another organisation's token is a 404."""
    token = selectors.api_token_get(user=request.user, public_id=public_id)
    services.api_token_revoke(by=request.user, token=token)  # type: ignore[arg-type]
    messages.success(
        request, f"{token.name} ({token.prefix}) is revoked. Calls made with it will be refused."
    )
    return redirect("api_tokens:list")
