"""CSV downloads: hidden figures as [c], nothing a spreadsheet would run, a safe file name."""

from __future__ import annotations

import csv
import io

import pytest

from waymark.core.csv_download import (
    CSV_CONTENT_TYPE,
    csv_filename,
    csv_response,
    csv_text,
    spreadsheet_safe,
)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://example.invalid","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_a_spreadsheet_would_run_is_prefixed_with_an_apostrophe(dangerous):
    assert spreadsheet_safe(dangerous) == "'" + dangerous
    [[cell]] = parse(csv_text([[dangerous]]))
    assert cell == "'" + dangerous


@pytest.mark.parametrize("harmless", ["Birmingham", "", "1 = 1", "Sandwell (Tipton)", "'quoted", "5"])
def test_ordinary_text_is_left_alone(harmless):
    assert spreadsheet_safe(harmless) == harmless


def test_making_text_safe_twice_changes_nothing_more():
    once = spreadsheet_safe("=1+1")
    assert spreadsheet_safe(once) == once


def test_hidden_figures_are_c_numbers_stay_numbers_and_text_is_quoted_when_needed():
    text = csv_text(
        [["Birmingham", 352, None], ["Change since last year", -12, 0.125], ['Dudley, "north"', True, 0]],
        header=["Local authority", "VAWG crimes", "Share"],
    )
    assert text.splitlines()[0] == "Local authority,VAWG crimes,Share"
    assert parse(text) == [
        ["Local authority", "VAWG crimes", "Share"],
        ["Birmingham", "352", "[c]"],
        ["Change since last year", "-12", "0.125"],  # a negative number is a number, not a formula
        ['Dudley, "north"', "Yes", "0"],
    ]
    assert "\r\n" in text


def test_none_can_be_written_as_something_else():
    assert parse(csv_text([["a", None]], none_as="")) == [["a", ""]]


def test_other_values_are_written_as_safe_text():
    class Label:
        def __str__(self) -> str:
            return "=cmd"

    assert parse(csv_text([[Label()]])) == [["'=cmd"]]


def test_a_header_cell_that_looks_like_a_formula_is_made_safe_too():
    assert parse(csv_text([], header=["=A1"])) == [["'=A1"]]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("VAWG crimes by local authority", "2024/25"), "vawg-crimes-by-local-authority-2024-25.csv"),
        (("../../etc/passwd",), "etc-passwd.csv"),
        (('report"\r\nX-Injected: yes',), "report-x-injected-yes.csv"),
        (("", "  "), "download.csv"),
        (("Crimes – Wolverhampton",), "crimes-wolverhampton.csv"),
    ],
)
def test_file_names_are_safe(parts, expected):
    assert csv_filename(*parts) == expected


def test_long_file_names_are_cut():
    name = csv_filename("x" * 500)
    assert name == "x" * 100 + ".csv"


def test_the_response_is_a_csv_attachment_with_a_safe_name():
    response = csv_response(
        filename='VAWG crimes "2024/25"\r\nSet-Cookie: x=1',
        header=["Local authority", "VAWG crimes"],
        rows=iter([("Coventry", 121), ("Solihull", None)]),
    )
    assert response.status_code == 200
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="vawg-crimes-2024-25-set-cookie-x1.csv"'
    assert "Set-Cookie" not in response
    assert parse(response.content.decode("utf-8")) == [
        ["Local authority", "VAWG crimes"],
        ["Coventry", "121"],
        ["Solihull", "[c]"],
    ]


def test_a_name_ending_in_csv_does_not_get_it_twice():
    response = csv_response(filename="figures.csv", rows=[])
    assert response["Content-Disposition"] == 'attachment; filename="figures.csv"'
    assert response.content == b""


def test_money_is_a_number_to_the_penny_even_when_negative():
    """An overspent fund (-£8,000.00) is a number, not a formula to guard against."""
    from decimal import Decimal

    assert parse(csv_text([[Decimal("-8000.00"), Decimal("0.30")]])) == [["-8000.00", "0.30"]]
