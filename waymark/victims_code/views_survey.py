"""The public feedback survey at /feedback/<token>/: reached only by a victim's one-time link.

No account, Exit this page, one short page (so nothing is kept between pages: no session is
written), every question optional. Nothing here reads the client's address or user agent.
A link that is unknown, used or expired gets one page, "This link cannot be used", with status
404 whatever the reason: 410 Gone would tell a visitor that the link once existed, and a
different answer per reason would tell them which.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.core.forms import add_service_errors

from .models import Confidence, Satisfaction, YesNoDontKnow
from .voice import (
    COMMENTS_MAX_LENGTH,
    SurveyLinkUnusableError,
    survey_invitation_usable,
    survey_response_submit,
)

_CHOOSE = {"invalid_choice": "Select one of the answers shown, or leave the question blank"}


def _choice(label: str, choices: Any, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, required=False, help_text=hint, error_messages=_CHOOSE
    )


class SurveyForm(forms.Form):
    """The questions (research/victims-code.md §3): the Home Office user satisfaction survey's five
    stages, the Victims' Commissioner's survey items, and recall of four Code entitlements."""

    ease_of_contact = _choice(
        "How satisfied were you with how easy it was to contact the police?", Satisfaction.choices
    )
    actions_taken = _choice("How satisfied were you with the action the police took?", Satisfaction.choices)
    kept_informed = _choice(
        "How satisfied were you with how well the police kept you informed of progress?", Satisfaction.choices
    )
    treatment = _choice("How satisfied were you with the way the police treated you?", Satisfaction.choices)
    whole_experience = _choice(
        "Overall, how satisfied were you with your whole experience of the police?", Satisfaction.choices
    )
    would_report_again = _choice(
        "If you were a victim of crime again, would you report it to the police?", YesNoDontKnow.choices
    )
    confidence = _choice("How confident are you that justice will be done in your case?", Confidence.choices)
    aware_of_code = _choice(
        "Before today, had you heard of the Victims' Code?",
        YesNoDontKnow.choices,
        hint="The Code of Practice for Victims of Crime sets out what victims are entitled to.",
    )
    recall_written_confirmation = _choice(
        "After you reported the crime, did the police give you written confirmation of it?",
        YesNoDontKnow.choices,
        hint="For example a letter, email or text message with the crime reference number.",
    )
    recall_referral_offer = _choice(
        "Did the police offer to refer you to a service that supports victims?", YesNoDontKnow.choices
    )
    recall_vps_offer = _choice(
        "Were you offered the chance to make a Victim Personal Statement?",
        YesNoDontKnow.choices,
        hint="A statement, in your own words, of how the crime has affected you.",
    )
    recall_updates = _choice(
        "Did the police keep you updated about the investigation?", YesNoDontKnow.choices
    )
    comments = forms.CharField(
        label="Is there anything else you want to tell us about your experience?",
        required=False,
        max_length=COMMENTS_MAX_LENGTH,
        help_text="Optional. Please do not include names, addresses or phone numbers.",
        widget=forms.Textarea,
        error_messages={"max_length": f"Your comments must be {COMMENTS_MAX_LENGTH:,} characters or fewer"},
    )

    SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
        (
            "Your contact with the police",
            ("ease_of_contact", "actions_taken", "kept_informed", "treatment", "whole_experience"),
        ),
        ("Reporting and justice", ("would_report_again", "confidence")),
        (
            "What you were told and offered",
            (
                "aware_of_code",
                "recall_written_confirmation",
                "recall_referral_offer",
                "recall_vps_offer",
                "recall_updates",
            ),
        ),
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Keep the link out of caches and out of any Referer header sent to another site (same-origin,
    not no-referrer: the answer's POST must carry the page's origin for the CSRF check)."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _unusable(request: HttpRequest) -> HttpResponse:
    return _private(
        render(request, "survey/unusable.html", {"page_title": "This link cannot be used"}, status=404)
    )


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The survey: shown while the link works; on a valid submit, stored and the link killed."""
    if not survey_invitation_usable(token=token):
        return _unusable(request)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_response_submit(token=token, answers=form.cleaned_data)
        except SurveyLinkUnusableError:
            return _unusable(request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("survey:done")
    status = 400 if form.is_bound and form.errors else 200
    return _private(
        render(
            request,
            "survey/respond.html",
            {"form": form, "page_title": "Tell us about your experience"},
            status=status,
        )
    )


@require_http_methods(["GET"])
def done(request: HttpRequest) -> HttpResponse:
    """Thank you: echoes nothing the person answered."""
    return _private(render(request, "survey/done.html", {"page_title": "Thank you"}))
