"""Helpers for form pages: one template, service errors shown against their fields, and the
fields every upload page asks for."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .date_input import DateInputField


class UploadedFileField(forms.FileField):
    """The file chosen on an upload page, refused by its name before it is stored or read
    unless the name ends with one of `suffixes`: a spreadsheet or a PDF sent by mistake is
    told so at once, not reported as a file full of bad rows.

    Its messages name what the page asks for: `required_message` for no file ("Choose the CSV
    file to upload."), "The file is empty.", and `wrong_kind` for a file of another kind.
    """

    def __init__(
        self,
        *,
        label: str,
        suffixes: Sequence[str] = (".csv",),
        required_message: str = "Choose the CSV file to upload.",
        wrong_kind: str = "The file must be a CSV file (its name ending .csv).",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            label=label,
            error_messages={"required": required_message, "empty": "The file is empty."},
            **kwargs,
        )
        self.suffixes = tuple(suffix.lower() for suffix in suffixes)
        self.wrong_kind = wrong_kind

    def clean(self, data: Any, initial: Any = None) -> Any:
        """The upload, if its name ends as it should."""
        upload = super().clean(data, initial)
        if upload and not (upload.name or "").lower().endswith(self.suffixes):
            raise ValidationError(self.wrong_kind, code="wrong_kind")
        return upload


def extraction_date_field(*, help_text: str = "") -> DateInputField:
    """The date the force extracted a file's data. A file of the force's extract does not carry
    it, and it is shown beside every figure from the file, so it is asked for; it cannot be in
    the future."""
    return DateInputField(
        label="Date the force extracted the data", help_text=help_text, not_after_today=True
    )


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
