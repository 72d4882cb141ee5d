"""A date asked for as GOV.UK asks for one: day, month and year in three boxes.

The GOV.UK Design System's date input (https://design-system.service.gov.uk/components/date-input/)
is the pattern for a date a person knows or has in front of them: a date of birth, the date on a
letter, the date an extract was taken. This module is its Django side: a form field that reads
the three boxes (`<name>-day`, `<name>-month`, `<name>-year`) and gives the errors the Design
System words ("… must include a month", "… must be a real date", "… must include 4 numbers"),
and `date_input`, which turns a bound field into the parameters of the `govukDateInput` macro
with only the boxes in error marked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone

PARTS = ("day", "month", "year")

# The Design System asks services to accept a month's name or its abbreviation as well as its
# number ("Sept" as well as "9").
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def _named(label: str) -> str:
    """The label as the messages name the date: without a last word in brackets, such as GOV.UK's
    "(optional)" or "(extensions only)", which guides the person and is not the date's name."""
    return re.sub(r"\s*\([^()]*\)$", "", label)


def _sentence(label: str) -> str:
    """The label as it reads inside a sentence: "Date of birth" → "date of birth", but
    "MARAC meeting date" kept as it is."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


# The years a date typed into Waymark may fall in. Beyond them a typo ("2205", "0025") would
# reach code that counts years, days or financial years from it.
EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
_RANGES = {"day": (1, 31), "month": (1, 12), "year": (1, 9999)}
_NUMBER = re.compile(r"[0-9]{1,4}")


def _ascii(text: str) -> str:
    """The box's text trimmed, its spaces single, full-width letters and signs as plain ones, and
    digits of any script (Arabic-Indic, full-width) as 0 to 9."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def _wrong(message: str, code: str, parts: list[str]) -> ValidationError:
    """An error that names the boxes to mark."""
    return ValidationError(message, code=code, params={"parts": parts})


def _listed(parts: Sequence[str]) -> str:
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


class DatePartsWidget(forms.Widget):
    """The three boxes of a GOV.UK date input. Rendered by the `field` macro in
    templates/includes/forms.html (with `date_input`), not by Django."""

    parts: tuple[str, ...] = PARTS

    def __init__(self, autocomplete: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        # "bday" for a date of birth: the boxes take "bday-day", "bday-month", "bday-year".
        # "off" on a page a victim uses, where the browser should remember nothing typed.
        self.autocomplete = autocomplete

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> list[str]:
        if self._one_box(data, name):
            return self.parts_of(str(data[name]))
        return [str(data.get(f"{name}-{part}", "")) for part in self.parts]

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return all(f"{name}-{part}" not in data for part in self.parts) and name not in data

    def _one_box(self, data: Mapping[str, Any], name: str) -> bool:
        # A link made before dates had three boxes (`?date_from=2026-11-01`) still works.
        return name in data and all(f"{name}-{part}" not in data for part in self.parts)

    def parts_of(self, iso: str) -> list[str]:
        """An ISO date ("2026-11-01") as the boxes. Anything else goes in the day box, shown back
        and refused (the month and year missing) rather than dropped."""
        try:
            day = date.fromisoformat(iso.strip())
        except ValueError:
            return [iso, "", ""]
        return [str(day.day), str(day.month), str(day.year)]


class DateTimePartsWidget(DatePartsWidget):
    """A date input's three boxes and a fourth for the time of day."""

    parts = (*PARTS, "time")

    def parts_of(self, iso: str) -> list[str]:
        """ "2025-03-14 10:30" as the boxes; anything else in the day box, to be refused."""
        try:
            moment = datetime.fromisoformat(iso.strip())
        except ValueError:
            return [iso, "", "", ""]
        if moment.tzinfo is not None:
            moment = timezone.localtime(moment)  # "…T10:30+05:00" is 06:30 in London in summer
        return [str(moment.day), str(moment.month), str(moment.year), f"{moment:%H:%M}"]


class DateInputField(forms.Field):
    """A date typed into a GOV.UK date input, its messages naming the field as its label does.

    `not_after_today` refuses a date in the future ("… must be today or in the past"), for a
    date something already happened. `example` is the date the hint shows, as the Design System
    writes it ("For example, 27 3 2007").
    """

    widget = DatePartsWidget

    def __init__(
        self,
        *,
        label: str,
        required: bool = True,
        help_text: str = "",
        example: date | None = None,
        not_after_today: bool = False,
        autocomplete: str = "",
        **kwargs: Any,
    ) -> None:
        example = example or date(2025, 4, 1)
        hint = f"For example, {example.day} {example.month} {example.year}"
        kwargs.setdefault("widget", DatePartsWidget(autocomplete=autocomplete))
        super().__init__(
            label=label,
            required=required,
            help_text=f"{help_text} {hint}".strip(),
            error_messages={"required": f"Enter the {_sentence(_named(label))}"},
            **kwargs,
        )
        self.not_after_today = not_after_today

    def prepare_value(self, value: Any) -> list[str]:
        """The three boxes' text: what was typed, or the day, month and year of a date."""
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, list | tuple) and len(value) == len(PARTS):
            return [str(part) for part in value]
        return ["", "", ""]

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        typed = dict(zip(PARTS, (_ascii(part) for part in self.prepare_value(value)), strict=True))
        if not any(typed.values()):
            return None
        return self._date_of(typed)

    @property
    def _name(self) -> str:
        return _named(str(self.label or "The date"))

    def _date_of(self, typed: dict[str, str], also_missing: tuple[str, ...] = ()) -> date:
        """The date the boxes hold, or the Design System's error naming the boxes to mark
        (`also_missing`: other empty boxes of the same question, named in the same message)."""
        name = self._name
        missing = [part for part in PARTS if not typed[part]] + list(also_missing)
        if missing:
            raise _wrong(f"{name} must include a {_listed(missing)}", "incomplete", missing)
        day, month, year = (
            typed["day"],
            _MONTHS.get(typed["month"].lower().rstrip("."), typed["month"]),
            typed["year"],
        )
        if year.isdigit() and len(year) != 4:
            raise _wrong(f"The year of the {_sentence(name)} must include 4 numbers", "year", ["year"])
        # Numbers only: int() would also take "+2", "1_5" or a sign.
        wrong = [
            part
            for part, text in (("day", day), ("month", str(month)), ("year", year))
            if not _NUMBER.fullmatch(text)
        ]
        if not wrong:
            number = {"day": int(day), "month": int(month), "year": int(year)}
            wrong = [part for part, (low, high) in _RANGES.items() if not low <= number[part] <= high]
        if not wrong:
            try:
                return date(number["year"], number["month"], number["day"])
            except ValueError:
                wrong = ["day"]  # a day the month does not have: 31 4, or 29 2 outside a leap year
        raise _wrong(f"{name} must be a real date", "invalid", wrong)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        day = _day_of(cleaned)
        if day is not None and not EARLIEST <= day <= LATEST:
            limit, side = (EARLIEST, "after") if day < EARLIEST else (LATEST, "before")
            message = f"{self._name} must be the same as or {side} {limit.day} {limit:%B %Y}"
            raise _wrong(message, "range", ["year"])
        return cleaned

    def validate(self, value: Any) -> None:
        super().validate(value)
        day = _day_of(value)
        if self.not_after_today and day is not None and day > timezone.localdate():
            raise ValidationError(f"{self._name} must be today or in the past", code="future")


def _day_of(value: date | datetime | None) -> date | None:
    """The calendar day of a date, or of a date and time where it is (in Waymark's time zone)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# A time of day as people write it: "14:15", "9:30am", "9.30 pm", "9am", "1415".
_TIME = re.compile(
    r"(?:(?P<hour>[0-9]{1,2})[:.](?P<minute>[0-9]{2})|(?P<hour4>[0-9]{2})(?P<minute4>[0-9]{2})|(?P<hour_only>[0-9]{1,2}))"
    r"(?:\s?(?P<half>[ap])\.?\s?m?\.?)?"
)


def _time_of(text: str) -> time | None:
    """The time written, or None if it is not one."""
    words = {
        "midday": time(12),
        "noon": time(12),
        "12 noon": time(12),
        "12noon": time(12),
        "midnight": time(0),
    }
    if text.lower() in words:
        return words[text.lower()]
    match = _TIME.fullmatch(text.lower())
    if match is None:
        return None
    hour = int(match["hour"] or match["hour4"] or match["hour_only"])
    minute, half = int(match["minute"] or match["minute4"] or 0), match["half"]
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    elif match["hour_only"] is not None:
        return None  # "14" alone: an hour with neither minutes nor am or pm is not a time
    return time(hour, minute) if hour < 24 and minute < 60 else None


class DateTimeInputField(DateInputField):
    """A date and a time of day: the date input's three boxes and a fourth, "Time", inside the
    same fieldset. The Design System has no date-and-time component; this is its date input and
    the time written as people write one ("14:15", "9:30am"), read in Waymark's time zone."""

    widget = DateTimePartsWidget

    def __init__(self, *, example: datetime | None = None, **kwargs: Any) -> None:
        example = example or datetime(2025, 4, 1, 14, 15)
        kwargs.setdefault("widget", DateTimePartsWidget(autocomplete=kwargs.pop("autocomplete", "")))
        super().__init__(example=example.date(), **kwargs)
        assert isinstance(self.help_text, str)
        self.help_text = f"{self.help_text}, {example:%-H:%M}"

    def prepare_value(self, value: Any) -> list[str]:
        """The four boxes' text: what was typed, or a date and time's parts."""
        if isinstance(value, datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [str(local.day), str(local.month), str(local.year), f"{local:%H:%M}"]
        if isinstance(value, list | tuple) and len(value) == len(DateTimePartsWidget.parts):
            return [str(part) for part in value]
        return ["", "", "", ""]

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value
        texts = [_ascii(part) for part in self.prepare_value(value)]
        typed = dict(zip(DateTimePartsWidget.parts, texts, strict=True))
        if not any(typed.values()):
            return None
        day = self._date_of(typed, () if typed["time"] else ("time",))
        moment = _time_of(typed["time"])
        if moment is None:
            raise _wrong(f"{self._name} must be a real time, like 9:30am or 14:15", "time", ["time"])
        wall = datetime.combine(day, moment)
        # The first of the two when the clocks go back (fold 0); refused in the hour skipped when
        # they go forward, which no clock showed (make_aware would take it without a word).
        aware = wall.replace(tzinfo=timezone.get_current_timezone())
        # Through UTC: astimezone() to the zone a value already has would hand it back unchanged.
        if aware.astimezone(UTC).astimezone(aware.tzinfo).replace(tzinfo=None) != wall:
            raise _wrong(
                f"{self._name} must be a real time: the clocks went forward an hour that night",
                "time",
                ["time"],
            )
        return aware

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Changed only if the boxes now say another minute than they showed: a stored time kept
        to the second, or the second of two 1:30s when the clocks went back, is kept as it is
        when the form comes back untouched."""
        try:
            typed = self.to_python(data)
        except ValidationError:
            return True
        return self.prepare_value(typed) != self.prepare_value(initial)

    def validate(self, value: Any) -> None:
        # The required check; a time in the future is refused to the minute, not the day.
        forms.Field.validate(self, value)
        if self.not_after_today and isinstance(value, datetime) and value > timezone.now():
            raise ValidationError(f"{self._name} must be in the past", code="future")


def parts_in_error(bound: BoundField) -> list[str]:
    """The boxes to mark: those a message names (a missing month, a short year), else all."""
    if not bound.errors:
        return []
    parts = _widget(bound).parts
    named: list[str] = []
    for error in bound.form.errors.as_data().get(bound.name, []):
        params = error.params or {}
        named += [part for part in params.get("parts", []) if part not in named]
    return [part for part in parts if part in named] or list(parts)


def _widget(bound: BoundField) -> DatePartsWidget:
    widget = bound.field.widget
    assert isinstance(widget, DatePartsWidget)
    return widget


_WIDTHS = {"year": "govuk-input--width-4", "time": "govuk-input--width-5"}


def _autocomplete(given: str, part: str) -> str | None:
    """A box's autocomplete: "bday" gives "bday-day" and so on; "off" stays "off"."""
    if not given or given == "off":
        return given or None
    return f"{given}-{part}"


def date_input(bound: BoundField) -> dict[str, Any]:
    """The `govukDateInput` parameters for a bound `DateInputField`: its legend, hint, error,
    and the boxes with what was typed in them."""
    widget = _widget(bound)
    values = bound.value() or [""] * len(widget.parts)
    wrong = parts_in_error(bound)
    items = []
    for part, value in zip(widget.parts, values, strict=True):
        width = _WIDTHS.get(part, "govuk-input--width-2")
        items.append(
            {
                "name": part,
                "label": part.capitalize(),
                "value": value,
                "classes": f"{width} govuk-input--error" if part in wrong else width,
                "autocomplete": _autocomplete(widget.autocomplete, part),
                # A time has a colon, "am" or "pm": not the numbers-only keyboard.
                "inputmode": "text" if part == "time" else None,
            }
        )
    return {
        "id": bound.auto_id,
        "namePrefix": bound.html_name,
        "fieldset": {"legend": {"text": bound.label}},
        "hint": {"text": bound.help_text} if bound.help_text else None,
        "errorMessage": {"text": " ".join(str(error) for error in bound.errors)} if bound.errors else None,
        "items": items,
    }


def is_date_input(bound: BoundField) -> bool:
    """Whether a field is drawn as a GOV.UK date input (any `DatePartsWidget`, subclasses too)."""
    return isinstance(bound.field.widget, DatePartsWidget)


def error_anchor(bound: BoundField) -> str:
    """Where the error summary's link for a field goes: a date input's first box in error."""
    if is_date_input(bound):
        return f"#{bound.auto_id}-{(parts_in_error(bound) or ['day'])[0]}"
    return f"#{bound.auto_id}"
