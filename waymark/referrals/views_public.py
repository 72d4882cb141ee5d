"""The public self-referral at /get-support/: no account, Exit this page, nothing remembered.

No IP address is read or stored here (nothing reads the client address), and no confirmation
e-mail is sent unless the person marked their e-mail address safe for e-mail.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from waymark.accounts.models import Service
from waymark.core.forms import add_service_errors

from . import services
from .contact import UnsafeChannelError, ensure_channel_is_safe
from .forms import PublicSelfReferralForm
from .models import ContactMethod, Referral

logger = logging.getLogger(__name__)

# Deliberately bland: the e-mail may be read by someone else even when the person thinks it safe.
CONFIRMATION_SUBJECT = "We have received your message"
CONFIRMATION_BODY = (
    "Thank you. We have received your request and will contact you in the ways you said are safe.\n\n"
    "Your reference is {reference}.\n"
)


def _self_referral_services() -> list[Service]:
    return list(
        Service.objects.filter(
            is_active=True, organisation__is_active=True, type__in=services.SELF_REFERRAL_SERVICE_TYPES
        )
        .select_related("organisation")
        .order_by("name")
    )


def send_confirmation_if_safe(referral: Referral) -> bool:
    """E-mail a confirmation only to an address marked safe for e-mail; True if one was sent."""
    for method in referral.person.contact_methods.filter(kind=ContactMethod.Kind.EMAIL):
        try:
            ensure_channel_is_safe(method, "email")
        except UnsafeChannelError:
            continue
        send_mail(
            CONFIRMATION_SUBJECT,
            CONFIRMATION_BODY.format(reference=referral.reference),
            None,
            [method.value or ""],
        )
        return True
    return False


def self_referral(request: HttpRequest) -> HttpResponse:
    """Ask for support: safety first, then the service, then what happened."""
    choices = _self_referral_services()
    by_id = {str(s.public_id): s for s in choices}
    form = PublicSelfReferralForm(request.POST or None, services=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.ReferralDetails(
            service=by_id.get(data["service"]),
            source=Referral.Source.SELF_WEB,
            consent=Referral.Consent.GIVEN if data["consent"] else Referral.Consent.NOT_GIVEN,
            person=services.PersonDetails(full_name=data["full_name"]),
            contact_methods=form.contact_details(),
            reason=data["reason"],
            crime_reference=data["crime_reference"],
            is_safe_to_contact=data["is_safe_to_contact"],
        )
        try:
            referral, _ = services.referral_create(by=None, details=details)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            send_confirmation_if_safe(referral)
            return redirect("public:self_referral_done")
    return render(
        request,
        "public/self_referral.html",
        {"form": form, "page_title": "Get support"},
        status=400 if form.is_bound and form.errors else 200,
    )


def self_referral_done(request: HttpRequest) -> HttpResponse:
    """A short confirmation that echoes nothing the person wrote."""
    return render(request, "public/self_referral_done.html", {"page_title": "Request sent"})
