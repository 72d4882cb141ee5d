"""The quarterly return in the MoJ's five key areas: its rows, and that the CSV and the XLSX hold
the same figures.

The data for 2025/26 Q1: twelve M04 referral duties (key area 2): 3 enhanced (referred), 9
standard (7 referred); and a probation return for M20 (key area 5): 18 of 20, 6 not applicable. So key area 2
shows 10 of 12 overall with both groups hidden ([c]), and key area 5 the agency's 18 of 20.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from waymark.core.periods import FinancialQuarter
from waymark.victims_code.metrics import RETURN_HEADER, quarterly_return
from waymark.victims_code.models import AgencyType

from .metric_support import aggregate_return, duty, recompute

pytestmark = pytest.mark.django_db
Q1 = FinancialQuarter.parse("2025/26 Q1")


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12), tick=False):
        yield


@pytest.fixture
def evidence(world: Any) -> None:
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3), enhanced=True)
    for index in range(9):
        duty(
            "R4.SUPPORT_REFERRAL",
            triggered=date(2025, 4, 1),
            delivered=date(2025, 4, 3) if index < 7 else None,
        )
    recompute()
    aggregate_return(
        agency_name="Probation Victim Contact Scheme",
        agency_type=AgencyType.PROBATION_VCS,
        start=date(2025, 4, 1),
        end=date(2025, 6, 30),
        lines=[("M20", "all", "", 18, 20, 6)],
    )


def _number(text: str) -> Any:
    """A cell as a number when it is one: the XLSX keeps 90.0 as the number 90."""
    try:
        return float(text)
    except ValueError:
        return text


def _rows(result: Any, code: str) -> list[list[Any]]:
    return [row for row in result.rows() if len(row) > 2 and row[2] == code]


def test_the_return_covers_the_five_key_areas(world: Any, evidence: None) -> None:
    result = quarterly_return(user=world.member("opcc_analyst"), quarter=Q1)
    assert [number for number, _, _ in result.areas] == [1, 2, 3, 4, 5]
    codes = {number: [r.metric.code for r in results] for number, _, results in result.areas}
    assert codes == {1: ["M01"], 2: ["M04"], 3: ["M07"], 4: ["M12"], 5: ["M20"]}
    m04 = _rows(result, "M04")
    assert [row[4] for row in m04] == ["All (case-level records)", "Enhanced rights", "Standard"]
    assert m04[0][5:8] == [10, 12, 83.3]
    assert m04[1][5:8] == [None, None, None]  # hidden
    m20 = _rows(result, "M20")
    agency = next(row for row in m20 if row[4].startswith("Agency return"))
    assert agency[5:8] == [18, 20, 90.0]
    assert agency[10] == "Green"
    assert agency[11] == 6  # not applicable, as the agency gave it


def test_the_csv_and_the_xlsx_hold_the_same_figures(client, login_as, evidence):
    """Every cell of the CSV is in the XLSX, in the same place; hidden figures are [c] in both."""
    login_as("opcc_analyst")
    url = reverse("victims_code:quarterly_return_download", kwargs={"file_format": "csv"})
    response = client.get(url, {"quarter": "2025/26 Q1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "2025-26-q1" in response["Content-Disposition"]
    csv_rows = list(csv.reader(io.StringIO(response.content.decode())))

    url = reverse("victims_code:quarterly_return_download", kwargs={"file_format": "xlsx"})
    response = client.get(url, {"quarter": "2025/26 Q1"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    xlsx_rows = [
        ["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
    ]

    header_index = csv_rows.index(list(RETURN_HEADER))
    assert xlsx_rows[header_index][: len(RETURN_HEADER)] == list(RETURN_HEADER)
    # The figure rows (not the "Produced" time, written at each download) match cell for cell.
    for csv_row, xlsx_row in zip(csv_rows[header_index:], xlsx_rows[header_index:], strict=False):
        assert [_number(cell) for cell in xlsx_row[: len(csv_row)]] == [_number(cell) for cell in csv_row]
    m04 = [row for row in csv_rows if len(row) > 4 and row[2] == "M04"]
    assert m04[0][5:8] == ["10", "12", "83.3"]
    assert m04[1][5:7] == ["[c]", "[c]"]


def test_the_page_shows_the_key_areas_and_links_the_downloads(client, login_as, evidence):
    login_as("force_code_lead")
    page = client.get(reverse("victims_code:quarterly_return"), {"quarter": "2025/26 Q1"}).content.decode()
    for number in range(1, 6):
        assert f"Key area {number}:" in page
    assert "download.xlsx?quarter=2025/26%20Q1" in page
    assert "download.csv?quarter=2025/26%20Q1" in page
    assert "83.3%" in page


def test_a_bad_quarter_downloads_nothing(client, login_as):
    login_as("opcc_analyst")
    url = reverse("victims_code:quarterly_return_download", kwargs={"file_format": "csv"})
    response = client.get(url, {"quarter": "2025/26 Q9"})
    assert response.status_code == 400
    assert b"Choose a quarter" in response.content
    url = reverse("victims_code:quarterly_return_download", kwargs={"file_format": "pdf"})
    assert client.get(url, {"quarter": "2025/26 Q1"}).status_code == 404
