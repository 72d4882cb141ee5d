"""Safe contact is enforced by the software: unsafe channels are refused and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from waymark.referrals.contact import contact_attempt_record, ensure_channel_is_safe, safe_contact_summary
from waymark.referrals.models import ContactAttempt, ContactMethod, Referral

from .factories import make_contact_method, make_person


@pytest.mark.parametrize(
    ("channel", "flag", "message"),
    [
        ("call", "safe_to_call", "This number is not marked safe to call: do not call."),
        (
            "voicemail",
            "safe_voicemail",
            "This number is not marked safe for voicemail: do not leave a message.",
        ),
        ("text", "safe_text", "This number is not marked safe for text messages: do not send a text."),
    ],
)
def test_phone_channels_need_their_flag(world, channel, flag, message):
    person = make_person(service=world.service)
    method = make_contact_method(person=person)
    with pytest.raises(ValidationError) as refused:
        ensure_channel_is_safe(method, channel)
    assert refused.value.message_dict == {"channel": [message]}
    setattr(method, flag, True)
    ensure_channel_is_safe(method, channel)


def test_email_letter_and_in_person(world):
    person = make_person(service=world.service)
    email = make_contact_method(person=person, kind=ContactMethod.Kind.EMAIL)
    post = make_contact_method(person=person, kind=ContactMethod.Kind.POST, value="1 Fake Street")
    with pytest.raises(ValidationError, match="not marked safe for e-mail"):
        ensure_channel_is_safe(email, "email")
    with pytest.raises(ValidationError, match="not marked safe for post: do not send a letter"):
        ensure_channel_is_safe(post, "letter")
    with pytest.raises(ValidationError, match="cannot be used"):
        ensure_channel_is_safe(post, "call")
    ensure_channel_is_safe(post, "in_person")  # needs nothing
    email.safe_email = True
    ensure_channel_is_safe(email, "email")


def test_unsafe_channel_is_refused_and_nothing_recorded(world, referral):
    caseworker = world.member("caseworker")
    method = referral.person.contact_methods.get()
    with pytest.raises(ValidationError) as refused:
        contact_attempt_record(
            by=caseworker,
            referral=referral,
            contact_method=method,
            channel="voicemail",
            outcome="message_left",
            at=timezone.now(),
        )
    assert "not marked safe for voicemail: do not leave a message" in str(refused.value)
    assert ContactAttempt.objects.count() == 0
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


def test_message_left_on_a_call_needs_voicemail_to_be_safe(world, referral):
    method = referral.person.contact_methods.get()  # safe to call, not for voicemail
    with pytest.raises(ValidationError, match="voicemail"):
        contact_attempt_record(
            by=world.member("caseworker"),
            referral=referral,
            contact_method=method,
            channel="call",
            outcome="message_left",
            at=timezone.now(),
        )
    assert not ContactAttempt.objects.exists()


def test_safe_attempt_is_recorded_and_moves_to_contacting(world, referral):
    method = referral.person.contact_methods.get()
    attempt = contact_attempt_record(
        by=world.member("caseworker"),
        referral=referral,
        contact_method=method,
        channel="call",
        outcome="no_answer",
        at=timezone.now() - timedelta(minutes=3),
        notes="Rang once",
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CONTACTING
    assert attempt.notes == "Rang once"


def test_someone_elses_contact_method_is_refused(world, referral):
    other = make_contact_method(person=make_person(service=world.service), safe_to_call=True)
    with pytest.raises(ValidationError, match="someone else"):
        contact_attempt_record(
            by=world.member("caseworker"),
            referral=referral,
            contact_method=other,
            channel="call",
            outcome="no_answer",
            at=timezone.now(),
        )


def test_attempt_in_future_is_refused(world, referral):
    with pytest.raises(ValidationError, match="future"):
        contact_attempt_record(
            by=world.member("caseworker"),
            referral=referral,
            contact_method=referral.person.contact_methods.get(),
            channel="call",
            outcome="no_answer",
            at=timezone.now() + timedelta(days=1),
        )


def test_another_providers_caseworker_may_not_record(world, referral):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        contact_attempt_record(
            by=world.member("caseworker_other"),
            referral=referral,
            contact_method=referral.person.contact_methods.get(),
            channel="call",
            outcome="no_answer",
            at=timezone.now(),
        )


def test_summary_lists_safe_and_unsafe_channels(world, referral):
    [summary] = safe_contact_summary(list(referral.person.contact_methods.all()))
    assert summary.safe_channels == ["Phone call"]
    assert summary.unsafe_channels == ["Voicemail", "Text message"]
    assert summary.code_word == "Bluebell"
    assert summary.safe_times == "Weekdays 10 to 2"
