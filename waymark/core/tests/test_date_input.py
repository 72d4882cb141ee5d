"""The GOV.UK date input: what it accepts, the Design System's error messages, and the boxes it
marks and links to when something is wrong."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import engines
from django.utils import timezone

from waymark.core.date_input import DateInputField, DatePartsWidget, DateTimeInputField
from waymark.core.testing.forms import date_parts


class MeetingForm(forms.Form):
    held_on = DateInputField(label="Date of the meeting", example=date(2007, 3, 27))
    marac_on = DateInputField(label="MARAC meeting date (optional)", required=False)
    new_end_on = DateInputField(label="New end date (extensions only)", required=False)


class BirthForm(forms.Form):
    born_on = DateInputField(label="Date of birth", not_after_today=True, autocomplete="bday")


def posted(**boxes: str) -> dict[str, str]:
    """The form's data: the meeting's three boxes as given (day, month, year), the MARAC date empty."""
    return (
        {f"held_on-{part}": value for part, value in boxes.items()}
        | date_parts("marac_on", "")
        | date_parts("new_end_on", "")
    )


ALL = ["day", "month", "year"]


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            named = {key: value or "" for key, value in attrs}
            self.found[named["name"]] = named


def boxes_of(page: str, name: str) -> dict[str, dict[str, str]]:
    """The date input's three `<input>`s by part, with their attributes."""
    parser = _Inputs()
    parser.feed(page)
    return {part: parser.found[f"{name}-{part}"] for part in ALL}


def render(form: forms.Form, *names: str) -> str:
    template = engines["jinja2"].from_string(
        '{% from "includes/forms.html" import error_summary, field %}'
        "{{ error_summary(form) }}{% for name in names %}{{ field(form[name]) }}{% endfor %}"
    )
    return str(template.render({"form": form, "names": names}))


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("27", "3", "2007", date(2007, 3, 27)),
        (" 07 ", "03", "2007", date(2007, 3, 7)),
        ("1", "Sept", "2024", date(2024, 9, 1)),
        ("1", "sep.", "2024", date(2024, 9, 1)),
        ("1", "APRIL", "2025", date(2025, 4, 1)),
        (
            "\u0662",
            "\uff13",
            "\u0662\u0660\u0662\u0665",
            date(2025, 3, 2),
        ),  # Arabic-Indic and full-width digits
        ("1", "1", "1900", date(1900, 1, 1)),
        ("31", "12", "2099", date(2099, 12, 31)),
        ("29", "2", "2024", date(2024, 2, 29)),
    ],
)
def test_a_real_date_is_read_from_its_three_boxes(day: str, month: str, year: str, expected: date) -> None:
    form = MeetingForm(posted(day=day, month=month, year=year))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"held_on": expected, "marac_on": None, "new_end_on": None}


@pytest.mark.parametrize(
    ("boxes", "message", "marked"),
    [
        ({"day": "", "month": "", "year": ""}, "Enter the date of the meeting", ["day", "month", "year"]),
        ({"day": "27", "month": "", "year": "2007"}, "Date of the meeting must include a month", ["month"]),
        (
            {"day": "", "month": "", "year": "2007"},
            "Date of the meeting must include a day and month",
            ["day", "month"],
        ),
        (
            {"day": "27", "month": "3", "year": "07"},
            "The year of the date of the meeting must include 4 numbers",
            ["year"],
        ),
        (
            {"day": "27", "month": "3", "year": "20071"},
            "The year of the date of the meeting must include 4 numbers",
            ["year"],
        ),
        # A real-date error marks the box that is wrong, where one can be told.
        ({"day": "29", "month": "2", "year": "2025"}, "Date of the meeting must be a real date", ["day"]),
        ({"day": "31", "month": "4", "year": "2025"}, "Date of the meeting must be a real date", ["day"]),
        ({"day": "27", "month": "13", "year": "2007"}, "Date of the meeting must be a real date", ["month"]),
        ({"day": "x", "month": "3", "year": "2007"}, "Date of the meeting must be a real date", ["day"]),
        (
            {"day": "27", "month": "Smarch", "year": "2007"},
            "Date of the meeting must be a real date",
            ["month"],
        ),
        (
            {"day": "0", "month": "0", "year": "2007"},
            "Date of the meeting must be a real date",
            ["day", "month"],
        ),
        # Numbers only: int() would take a sign, an underscore or a number too big for a date.
        ({"day": "1", "month": "1", "year": "+202"}, "Date of the meeting must be a real date", ["year"]),
        ({"day": "1_5", "month": "1", "year": "2025"}, "Date of the meeting must be a real date", ["day"]),
        ({"day": "9" * 20, "month": "1", "year": "2025"}, "Date of the meeting must be a real date", ["day"]),
        ({"day": "-1", "month": "1", "year": "2025"}, "Date of the meeting must be a real date", ["day"]),
        # Years Waymark's counting of days and financial years can take.
        (
            {"day": "1", "month": "1", "year": "0025"},
            "Date of the meeting must be the same as or after 1 January 1900",
            ["year"],
        ),
        (
            {"day": "31", "month": "12", "year": "9999"},
            "Date of the meeting must be the same as or before 31 December 2099",
            ["year"],
        ),
    ],
)
def test_a_wrong_date_gets_the_design_systems_message_and_only_its_wrong_boxes_are_marked(
    boxes: dict[str, str], message: str, marked: list[str]
) -> None:
    form = MeetingForm(posted(**boxes))
    assert not form.is_valid()
    assert form.errors == {"held_on": [message]}
    page = render(form, "held_on")
    inputs = boxes_of(page, "held_on")
    assert [part for part, box in inputs.items() if "govuk-input--error" in box["class"].split()] == marked
    # What was typed is kept, for the person to correct.
    assert {part: box["value"] for part, box in inputs.items()} == boxes
    # The error summary links to the first box to put right, and the message sits in the fieldset.
    assert f'<a href="#id_held_on-{marked[0]}">{message}</a>' in page
    assert 'aria-describedby="id_held_on-hint id_held_on-error"' in page


def test_an_optional_date_may_be_left_empty_but_not_half_filled() -> None:
    form = MeetingForm(posted(day="27", month="3", year="2007"))
    assert form.is_valid()
    assert form.cleaned_data["marac_on"] is None
    form = MeetingForm(
        posted(day="27", month="3", year="2007") | {"marac_on-day": "4", "new_end_on-year": "2027"}
    )
    # The label's last words in brackets guide the person; the messages name the date without them.
    assert form.errors == {
        "marac_on": ["MARAC meeting date must include a month and year"],
        "new_end_on": ["New end date must include a day and month"],
    }


def test_a_date_that_has_to_have_happened_may_be_today_but_not_tomorrow() -> None:
    today = timezone.localdate()
    assert BirthForm(date_parts("born_on", today)).is_valid()
    form = BirthForm(date_parts("born_on", today + timedelta(days=1)))
    assert form.errors == {"born_on": ["Date of birth must be today or in the past"]}


def test_the_input_is_a_fieldset_with_its_hint_and_the_boxes_a_browser_can_fill() -> None:
    page = render(BirthForm(), "born_on")
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_born_on-hint">' in page
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", page, re.S)
    assert legend is not None
    assert legend.group(1).strip() == "Date of birth"
    assert "For example, 1 4 2025" in page
    for part, box in boxes_of(page, "born_on").items():
        assert box["id"] == f"id_born_on-{part}"
        assert box["autocomplete"] == f"bday-{part}"
        assert f'<label class="govuk-label govuk-date-input__label" for="id_born_on-{part}">' in page


def test_a_page_a_victim_uses_can_turn_autocomplete_off_in_every_box() -> None:
    class SafeForm(forms.Form):
        born_on = DateInputField(label="Date of birth", autocomplete="off")

    boxes = boxes_of(render(SafeForm(), "born_on"), "born_on")
    assert {part: box["autocomplete"] for part, box in boxes.items()} == dict.fromkeys(ALL, "off")


def test_a_widget_made_from_the_date_parts_widget_is_still_drawn_as_a_date_input() -> None:
    class NoHintWidget(DatePartsWidget):
        pass

    class OwnWidgetForm(forms.Form):
        held_on = DateInputField(label="Date of the meeting", widget=NoHintWidget())

    page = render(OwnWidgetForm(data=posted(day="31", month="4", year="2025")), "held_on")
    assert set(boxes_of(page, "held_on")) == set(ALL)
    assert 'href="#id_held_on-day"' in page


def test_a_date_already_held_is_shown_in_its_boxes() -> None:
    page = render(MeetingForm(initial={"held_on": date(2007, 3, 27)}), "held_on")
    values = {part: box["value"] for part, box in boxes_of(page, "held_on").items()}
    assert values == {"day": "27", "month": "3", "year": "2007"}
    assert "For example, 27 3 2007" in page


def test_a_link_made_with_an_iso_date_in_one_parameter_still_works() -> None:
    """`?held_on=2007-03-27`, as links were written before dates had three boxes."""
    form = MeetingForm({"held_on": "2007-03-27"} | date_parts("marac_on", ""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["held_on"] == date(2007, 3, 27)
    assert {part: box["value"] for part, box in boxes_of(render(form, "held_on"), "held_on").items()} == {
        "day": "27",
        "month": "3",
        "year": "2007",
    }
    # Not dropped when it is not a date: shown back, and refused.
    form = MeetingForm({"held_on": "27/03/2007"})
    assert form.errors["held_on"] == ["Date of the meeting must include a month and year"]
    # The boxes win over the old parameter when both are sent.
    form = MeetingForm({"held_on": "2007-03-27"} | posted(day="28", month="3", year="2007"))
    assert form.is_valid()
    assert form.cleaned_data["held_on"] == date(2007, 3, 28)


# --- a date and a time ------------------------------------------------------------------------------


class ActivityForm(forms.Form):
    at = DateTimeInputField(label="Date and time of the activity", example=datetime(2025, 3, 14, 10, 30))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:15", time(14, 15)),
        ("9:30am", time(9, 30)),
        ("9.30 pm", time(21, 30)),
        ("9am", time(9)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("1415", time(14, 15)),
        ("Midday", time(12)),
        ("midnight", time(0)),
        ("\uff11\uff14\uff1a\uff11\uff15", time(14, 15)),  # full-width digits and colon
        ("09:05am", time(9, 5)),
        ("12.30pm", time(12, 30)),
        (" 9  a.m. ", time(9)),
        ("9:30 PM", time(21, 30)),
        ("12noon", time(12)),
        ("0:00", time(0)),
    ],
)
def test_a_time_is_read_as_people_write_one(typed: str, expected: time) -> None:
    """Read in Waymark's time zone: on 2 July, British Summer Time, 14:15 is 13:15 UTC."""
    form = ActivityForm(date_parts("at", "2024-07-02") | {"at-time": typed})
    assert form.is_valid(), form.errors
    moment = form.cleaned_data["at"]
    assert timezone.is_aware(moment)
    utc = datetime.combine(date(2024, 7, 2), expected) - timedelta(hours=1)
    assert moment.astimezone(UTC).replace(tzinfo=None) == utc


@pytest.mark.parametrize("typed", ["9:30m", "123", "14:15.", "9:5", "24:00", "14", "13pm", "0am", "14:15 m"])
def test_what_is_not_a_time_is_refused(typed: str) -> None:
    form = ActivityForm(date_parts("at", "2024-07-02") | {"at-time": typed})
    assert form.errors == {"at": ["Date and time of the activity must be a real time, like 9:30am or 14:15"]}


def test_the_hour_the_clocks_skip_is_refused_and_the_hour_they_repeat_is_its_first() -> None:
    """30 March 2025: 1am became 2am, so 1:30 never happened. 26 October 2025: 1am to 2am came
    twice; 1:30 is taken as the first (BST, 00:30 UTC), and a stored second one (01:30 UTC) is
    kept when the form comes back untouched."""
    form = ActivityForm(date_parts("at", "2025-03-30") | {"at-time": "1:30"})
    assert form.errors == {
        "at": [
            "Date and time of the activity must be a real time: the clocks went forward an hour that night"
        ]
    }
    form = ActivityForm(date_parts("at", "2025-10-26") | {"at-time": "1:30"})
    assert form.is_valid()
    assert form.cleaned_data["at"].astimezone(UTC) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    second = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    shown = ActivityForm(initial={"at": second})
    boxes = {f"at-{part}": value for part, value in zip((*ALL, "time"), shown["at"].value(), strict=True)}
    assert boxes["at-time"] == "01:30"
    assert not ActivityForm(boxes, initial={"at": second}).has_changed()


def test_a_stored_time_with_seconds_sent_back_untouched_is_not_changed() -> None:
    stored = datetime(2024, 7, 2, 9, 30, 45, 123, tzinfo=UTC)
    shown = ActivityForm(initial={"at": stored})["at"].value()
    assert shown == ["2", "7", "2024", "10:30"]  # British Summer Time
    data = {f"at-{part}": value for part, value in zip((*ALL, "time"), shown, strict=True)}
    assert not ActivityForm(data, initial={"at": stored}).has_changed()
    assert ActivityForm(data | {"at-time": "10:31"}, initial={"at": stored}).has_changed()


def test_a_date_and_time_that_has_to_have_happened_is_refused_later_today() -> None:
    class HappenedForm(forms.Form):
        at = DateTimeInputField(label="Date and time of the activity", not_after_today=True)

    later = timezone.localtime() + timedelta(minutes=5)
    assert HappenedForm(date_parts("at", timezone.localtime() - timedelta(minutes=5))).is_valid()
    form = HappenedForm(date_parts("at", later))
    if timezone.localtime(later).date() == timezone.localdate():  # not in the last minutes of a day
        assert form.errors == {"at": ["Date and time of the activity must be in the past"]}


@pytest.mark.parametrize(
    ("boxes", "message", "marked"),
    [
        ({"time": ""}, "Date and time of the activity must include a time", ["time"]),
        (
            {"month": "", "time": ""},
            "Date and time of the activity must include a month and time",
            ["month", "time"],
        ),
        (
            {"time": "25:00"},
            "Date and time of the activity must be a real time, like 9:30am or 14:15",
            ["time"],
        ),
        ({"time": "14"}, "Date and time of the activity must be a real time, like 9:30am or 14:15", ["time"]),
        (
            {"time": "13pm"},
            "Date and time of the activity must be a real time, like 9:30am or 14:15",
            ["time"],
        ),
        (
            {"time": "soon"},
            "Date and time of the activity must be a real time, like 9:30am or 14:15",
            ["time"],
        ),
        ({"day": "31", "month": "4"}, "Date and time of the activity must be a real date", ["day"]),
    ],
)
def test_a_wrong_date_and_time_marks_its_wrong_boxes(
    boxes: dict[str, str], message: str, marked: list[str]
) -> None:
    data = date_parts("at", "2025-03-14 10:30") | {f"at-{part}": value for part, value in boxes.items()}
    form = ActivityForm(data)
    assert form.errors == {"at": [message]}
    page = render(form, "at")
    parser = _Inputs()
    parser.feed(page)
    shown = {part: parser.found[f"at-{part}"] for part in (*ALL, "time")}
    assert [part for part, box in shown.items() if "govuk-input--error" in box["class"].split()] == marked
    assert f'<a href="#id_at-{marked[0]}">{message}</a>' in page


def test_the_time_is_a_fourth_box_in_the_same_fieldset_with_a_keyboard_for_colons() -> None:
    page = render(ActivityForm(initial={"at": timezone.make_aware(datetime(2025, 3, 14, 9, 5))}), "at")
    parser = _Inputs()
    parser.feed(page)
    assert list(parser.found) == ["at-day", "at-month", "at-year", "at-time"]
    assert parser.found["at-time"]["value"] == "09:05"
    assert parser.found["at-time"]["inputmode"] == "text"
    assert parser.found["at-day"]["inputmode"] == "numeric"
    assert '<label class="govuk-label govuk-date-input__label" for="id_at-time">' in page
    assert "For example, 14 3 2025, 10:30" in page
    assert page.count("<fieldset") == 1


def test_a_link_made_with_an_iso_date_and_time_still_works() -> None:
    form = ActivityForm({"at": "2024-07-02 10:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"].astimezone(UTC) == datetime(2024, 7, 2, 9, 30, tzinfo=UTC)
    # An offset given with it is honoured: 10:30 at UTC+5 is 06:30 in London in summer.
    form = ActivityForm({"at": "2024-07-02T10:30+05:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"].astimezone(UTC) == datetime(2024, 7, 2, 5, 30, tzinfo=UTC)
