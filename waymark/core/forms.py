"""Helpers for form pages: one template, and service errors shown against their fields."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: against a field where it names one."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            field = name if name in form.fields else None
            for message in messages:
                form.add_error(field, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    submit: str,
    back_url: str,
    caption: str = "",
    intro: list[str] | None = None,
    no_autocomplete: bool = False,
    status: int | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render a one-form page; a form with errors is answered with 400.

    `intro` is paragraphs of guidance above the form; `no_autocomplete` stops the browser
    remembering what was typed (pages about a victim).
    """
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "page_title": title,
        "submit": submit,
        "back_url": back_url,
        "caption": caption,
        "intro": intro or [],
        "no_autocomplete": no_autocomplete,
    }
    return render(request, "core/form_page.html", {**context, **(extra or {})}, status=status)


def form_flow(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str] | str,
    then: Callable[[Any], Any],
    **page: Any,
) -> HttpResponse:
    """The whole life of a one-form page: show it; on a valid POST call the service.

    `save(cleaned_data)` calls the service; a ValidationError it raises is shown on the form
    and nothing is saved. On success the person sees `success` (text, or a function of what
    `save` returned) and is redirected to `then(result)`.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(then(result))
    return form_page(request, form=form, **page)
