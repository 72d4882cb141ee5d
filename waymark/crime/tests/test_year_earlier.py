"""VAWG volumes beside the same period a year earlier: on the page, in the CSV and from the API."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from waymark.crime.metrics import CrimeFilters, vawg_volumes

from .metric_fixtures import COVENTRY, make_crime

pytestmark = pytest.mark.django_db

AFTER_THE_YEAR = date(2025, 6, 30)


def crimes(prefix: str, count: int, recorded: date, **options: object) -> None:
    for n in range(count):
        make_crime(f"{prefix}{n}", recorded=recorded, extracted_on=AFTER_THE_YEAR, **options)  # type: ignore[arg-type]


def data_from(day: date) -> None:
    """A crime that is not VAWG recorded on `day`: the force's data reaches back to it."""
    make_crime("FIRST", recorded=day, code="8N", adult_rape=False, vawg=False, bases=())


def test_a_whole_year_is_set_against_the_year_before(world):
    """2024/25: 9 VAWG crimes; 2023/24: 6, one of them on 31 March 2024 (in it) and one cancelled
    (not counted); and 4 in 2022/23 (not counted). 9 against 6: up 50%."""
    crimes("N", 9, date(2024, 7, 1))
    crimes("E", 5, date(2023, 4, 1))
    crimes("L", 1, date(2024, 3, 31))
    crimes("X", 1, date(2023, 5, 1), status="cancelled")
    crimes("O", 4, date(2023, 3, 31))
    user = world.member("opcc_analyst")
    earlier = vawg_volumes(user=user, filters=CrimeFilters.for_financial_year("2024/25")).year_earlier
    assert (earlier.label, earlier.start, earlier.end) == ("2023/24", date(2023, 4, 1), date(2024, 3, 31))
    assert earlier.unavailable == ""
    assert earlier.total == 6
    assert earlier.change == pytest.approx(0.5)
    assert earlier.sentence == "6 in 2023/24, the same period a year earlier (up 50%)."

    quarter = vawg_volumes(user=user, filters=CrimeFilters.for_quarter("2024/25 Q2")).year_earlier
    assert (quarter.label, quarter.total, quarter.change_words) == ("2023/24 Q2", 0, "")
    month = vawg_volumes(user=user, filters=CrimeFilters.for_month("2024-04")).year_earlier
    assert (month.label, month.total) == ("April 2023", 5)
    leap = vawg_volumes(user=user, filters=CrimeFilters.for_month("2024-02")).year_earlier
    assert (leap.label, leap.end) == ("February 2023", date(2023, 2, 28))


def test_an_unfinished_period_is_not_compared(world):
    """Extracted 15 June 2024, during 2024/25: its figures run to 15 June. Neither the whole of
    2023/24 nor a span of days no page publishes is set against it; a month that had ended is."""
    for n in range(7):
        make_crime(f"N{n}", recorded=date(2024, 5, 1), extracted_on=date(2024, 6, 15))
    for n in range(5):
        make_crime(f"E{n}", recorded=date(2023, 5, 15), extracted_on=date(2024, 6, 15))
    user = world.member("opcc_analyst")
    volumes = vawg_volumes(user=user, filters=CrimeFilters.for_financial_year("2024/25"))
    earlier = volumes.year_earlier
    assert (earlier.total, earlier.change) == (None, None)
    assert earlier.sentence == (
        "No comparison with a year earlier: 2024/25 had not ended when the extract was taken, and a "
        "part of a period is not set against the whole of another."
    )
    assert "VAWG crimes recorded a year earlier" not in [entry.table for entry in volumes.hidden]
    may = vawg_volumes(user=user, filters=CrimeFilters.for_month("2024-05")).year_earlier
    assert (may.label, may.total, may.change_words) == ("May 2023", 5, "up 40%")


def test_a_year_before_the_data_starts_is_not_compared(world):
    """The data starts in April 2024: 2023/24 is not a year with no crimes, it is not loaded.
    A force's data starting on 2 April covers April."""
    crimes("N", 9, date(2024, 4, 2))
    crimes("M", 6, date(2025, 4, 2))
    user = world.member("opcc_analyst")
    earlier = vawg_volumes(user=user, filters=CrimeFilters.for_financial_year("2024/25")).year_earlier
    assert earlier.total is None
    assert earlier.unavailable == (
        "No comparison with a year earlier: the force's data does not reach back to 2023/24."
    )
    april = vawg_volumes(user=user, filters=CrimeFilters.for_month("2025-04")).year_earlier
    assert (april.total, april.change_words) == (9, "down 33%")


def test_a_small_year_earlier_is_hidden_and_no_change_is_given(world):
    """The filters narrow both spans: in Coventry 2 crimes a year earlier, under the threshold."""
    data_from(date(2023, 4, 1))
    crimes("N", 9, date(2024, 7, 1), local_authority=COVENTRY)
    crimes("E", 2, date(2023, 7, 1), local_authority=COVENTRY)
    crimes("B", 8, date(2023, 7, 1))
    user = world.member("opcc_analyst")
    volumes = vawg_volumes(
        user=user, filters=CrimeFilters.for_financial_year("2024/25", local_authority=COVENTRY)
    )
    earlier = volumes.year_earlier
    assert (earlier.total, earlier.change) == (None, None)
    assert earlier.sentence == "[c] in 2023/24, the same period a year earlier."
    assert ("VAWG crimes recorded a year earlier", "2023/24") in [
        (entry.table, entry.row) for entry in volumes.hidden
    ]


def test_the_page_the_csv_and_the_api_give_the_comparison(client, world):
    data_from(date(2023, 4, 1))
    crimes("N", 9, date(2024, 7, 1))
    crimes("E", 12, date(2023, 7, 1))
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:vawg"), {"period": "fy:2024/25"}).content.decode()
    assert "12 in 2023/24, the same period a year earlier (down 25%)." in page

    response = client.get(reverse("crime:vawg_download", args=["local_authority"]), {"period": "fy:2024/25"})
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row}
    assert rows["A year earlier"] == ["2023/24"]
    assert rows["VAWG crimes a year earlier"] == ["12"]
    assert rows["Change on a year earlier"] == ["down 25%"]

    body = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()
    assert body["year_earlier"] == {
        "label": "2023/24",
        "start": "2023-04-01",
        "end": "2024-03-31",
        "total": 12,
        "change": pytest.approx(-0.25),
        "unavailable": "",
    }


@pytest.mark.parametrize(
    ("period", "label", "start", "end"),
    [
        (CrimeFilters.for_financial_year("2024/25"), "2023/24", date(2023, 4, 1), date(2024, 3, 31)),
        (CrimeFilters.for_quarter("2024/25 Q4"), "2023/24 Q4", date(2024, 1, 1), date(2024, 3, 31)),
        (CrimeFilters.for_month("2024-02"), "February 2023", date(2023, 2, 1), date(2023, 2, 28)),
        # February 2025 against the whole of February 2024, its 29th included.
        (CrimeFilters.for_month("2025-02"), "February 2024", date(2024, 2, 1), date(2024, 2, 29)),
        (
            CrimeFilters.for_dates(date(2025, 2, 3), date(2025, 2, 28)),
            "3 February 2024 to 29 February 2024",
            date(2024, 2, 3),
            date(2024, 2, 29),
        ),
        (
            CrimeFilters.for_dates(date(2025, 2, 3), date(2025, 2, 27)),
            "3 February 2024 to 27 February 2024",
            date(2024, 2, 3),
            date(2024, 2, 27),
        ),
        (
            CrimeFilters.for_dates(date(2024, 2, 3), date(2024, 2, 29)),
            "3 February 2023 to 28 February 2023",
            date(2023, 2, 3),
            date(2023, 2, 28),
        ),
    ],
)
def test_a_year_earlier_is_the_same_kind_of_period_with_the_same_dimensions(period, label, start, end):
    narrowed = CrimeFilters(**{**period.__dict__, "local_authority": COVENTRY, "victim_sex": "F"})

    earlier = narrowed.a_year_earlier()

    assert (earlier.label, earlier.start, earlier.end) == (label, start, end)
    assert (earlier.local_authority, earlier.victim_sex) == (COVENTRY, "F")
