"""Safe contact, enforced by the software.

A victim may live with the person who harmed them: a voicemail, a text or a letter can get
them hurt. Each contact method records which uses of it are safe, and nothing in Waymark
records or generates contact through a channel that is not marked safe. Every attempt to
reach someone goes through `contact_attempt_record`; every message Waymark itself sends goes
through `ensure_channel_is_safe` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record

from .models import ContactAttempt, ContactMethod, Referral

if TYPE_CHECKING:
    from waymark.cases.models import Case

Channel = ContactAttempt.Channel
Kind = ContactMethod.Kind

# Which flag on the contact method makes each channel safe; in person needs none.
CHANNEL_FLAG: dict[str, str | None] = {
    Channel.CALL: "safe_to_call",
    Channel.VOICEMAIL: "safe_voicemail",
    Channel.TEXT: "safe_text",
    Channel.EMAIL: "safe_email",
    Channel.LETTER: "safe_post",
    Channel.IN_PERSON: None,
}

# Which channels make sense for each kind of contact method.
KIND_CHANNELS: dict[str, frozenset[str]] = {
    Kind.MOBILE: frozenset({Channel.CALL, Channel.VOICEMAIL, Channel.TEXT}),
    Kind.LANDLINE: frozenset({Channel.CALL, Channel.VOICEMAIL}),
    Kind.EMAIL: frozenset({Channel.EMAIL}),
    Kind.POST: frozenset({Channel.LETTER}),
    Kind.THIRD_PARTY: frozenset(
        {Channel.CALL, Channel.VOICEMAIL, Channel.TEXT, Channel.EMAIL, Channel.LETTER}
    ),
}

# How to name the contact method and the use refused, in the refusal message.
_NOUN: dict[str, str] = {
    Kind.MOBILE: "This number",
    Kind.LANDLINE: "This number",
    Kind.EMAIL: "This e-mail address",
    Kind.POST: "This address",
    Kind.THIRD_PARTY: "This contact",
}
_REFUSAL: dict[str, str] = {
    Channel.CALL: "is not marked safe to call: do not call",
    Channel.VOICEMAIL: "is not marked safe for voicemail: do not leave a message",
    Channel.TEXT: "is not marked safe for text messages: do not send a text",
    Channel.EMAIL: "is not marked safe for e-mail: do not send an e-mail",
    Channel.LETTER: "is not marked safe for post: do not send a letter",
}

# An attempt may be recorded a little after it happened, never in the future (clock drift aside).
_FUTURE_TOLERANCE = timedelta(minutes=5)


class UnsafeChannelError(ValidationError):
    """The contact method is not marked safe for the channel; the message says which."""


def ensure_channel_is_safe(contact_method: ContactMethod, channel: str) -> None:
    """Raise UnsafeChannelError (keyed by "channel") unless `channel` is safe for `contact_method`."""
    if channel not in CHANNEL_FLAG:
        raise ValidationError({"channel": f"'{channel}' is not a contact channel."})
    flag = CHANNEL_FLAG[channel]
    if flag is None:
        return
    if channel not in KIND_CHANNELS.get(contact_method.kind, frozenset()):
        raise UnsafeChannelError(
            {
                "channel": f"A {contact_method.get_kind_display().lower()} cannot be used for "
                f"{Channel(channel).label.lower()}: choose another contact method."
            }
        )
    if not getattr(contact_method, flag):
        raise UnsafeChannelError({"channel": f"{_NOUN[contact_method.kind]} {_REFUSAL[channel]}."})


def is_channel_safe(contact_method: ContactMethod, channel: str) -> bool:
    """Whether `ensure_channel_is_safe` would allow it."""
    try:
        ensure_channel_is_safe(contact_method, channel)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class SafeContactSummary:
    """What a caseworker must see before contacting someone through one contact method."""

    contact_method: ContactMethod
    safe_channels: list[str]
    unsafe_channels: list[str]

    @property
    def code_word(self) -> str:
        """The agreed code word, or an empty string."""
        return self.contact_method.code_word or ""

    @property
    def safe_times(self) -> str:
        """When it is safe to use, as the person said."""
        return self.contact_method.safe_times


def safe_contact_summary(contact_methods: list[ContactMethod]) -> list[SafeContactSummary]:
    """The "before you contact" summary: per method, the channels that are and are not safe."""
    summaries = []
    for method in contact_methods:
        channels = [c for c in KIND_CHANNELS.get(method.kind, frozenset()) if c in _REFUSAL]
        ordered = [c for c in _REFUSAL if c in channels]
        summaries.append(
            SafeContactSummary(
                contact_method=method,
                safe_channels=[Channel(c).label for c in ordered if is_channel_safe(method, c)],
                unsafe_channels=[Channel(c).label for c in ordered if not is_channel_safe(method, c)],
            )
        )
    return summaries


def _ensure_message_is_safe(contact_method: ContactMethod, channel: str, outcome: str) -> None:
    """A message left by phone needs the number to be safe for voicemail; none is left in person."""
    if outcome != ContactAttempt.Outcome.MESSAGE_LEFT:
        return
    if channel in (Channel.CALL, Channel.VOICEMAIL):
        ensure_channel_is_safe(contact_method, Channel.VOICEMAIL)
    elif channel == Channel.IN_PERSON:
        raise UnsafeChannelError(
            {"outcome": "A message cannot be left in person: it could reach someone other than the person."}
        )


@transaction.atomic
def contact_attempt_record(
    *,
    by: Any,
    referral: Referral | None = None,
    case: Case | None = None,
    contact_method: ContactMethod | None,
    channel: str,
    outcome: str,
    at: datetime,
    notes: str = "",
) -> ContactAttempt:
    """Record one attempt to reach the person about `referral` or `case`.

    Refuses (ValidationError keyed by field, nothing written) a channel the contact method is
    not marked safe for, a message left where voicemail is not safe, a contact method of
    someone else, and a time in the future. The first attempt on a received referral moves it
    to "contacting".
    """
    if (referral is None) == (case is None):
        raise ValueError("Give exactly one of referral or case.")
    person_id: int
    if referral is not None:
        if not by.has_perm("referrals.contact", referral):
            raise PermissionDenied("Not allowed: referrals.contact")
        if referral.status not in Referral.OPEN_STATUSES:
            closed = referral.get_status_display().lower()
            raise ValidationError({"__all__": f"This referral is {closed}: record contact on its case."})
        person_id = referral.person_id
    else:
        from waymark.cases.models import Case

        assert case is not None
        if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
            raise PermissionDenied("Not allowed: contact on this case")
        person_id = case.person_id

    if outcome not in ContactAttempt.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened."})
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose how you tried to make contact."})
    if channel != Channel.IN_PERSON and contact_method is None:
        raise ValidationError({"contact_method": "Choose the contact method you used."})
    if contact_method is not None:
        if contact_method.person_id != person_id:
            raise ValidationError({"contact_method": "That contact method belongs to someone else."})
        ensure_channel_is_safe(contact_method, channel)
        _ensure_message_is_safe(contact_method, channel, outcome)
    elif outcome == ContactAttempt.Outcome.MESSAGE_LEFT:
        _ensure_message_is_safe(ContactMethod(), channel, outcome)
    if at > timezone.now() + _FUTURE_TOLERANCE:
        raise ValidationError({"at": "The time of the attempt cannot be in the future."})

    attempt = ContactAttempt.objects.create(
        referral=referral,
        case=case,
        contact_method=contact_method,
        channel=channel,
        outcome=outcome,
        at=at,
        by=by,
        notes=notes or None,
    )
    if referral is not None and referral.status == Referral.Status.RECEIVED:
        referral.status = Referral.Status.CONTACTING
        referral.save(update_fields=["status", "updated_at"])
        access_log_record(actor=by, action=AccessLog.Action.CHANGE, obj=referral, detail="Contacting")
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=attempt,
        record_label=f"Contact attempt on {referral or case}",
    )
    return attempt
