"""Downloads of the funding tables: the rows, to the penny, only those each person may see,
recorded in the access log as exports; the workbook imports again unchanged."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.funding.models import Award
from waymark.funding.transfer import transfer_check, transfer_commit, transfer_store

from .test_transfer_helpers import make_portfolio, make_sources, snapshot

pytestmark = pytest.mark.django_db

EXPORTERS = {
    "opcc_admin": 200,
    "opcc_analyst": 200,
    "board_member": 200,
    "provider_manager": 200,
    "provider_manager_other": 200,
    "anonymous": 302,
}


@pytest.fixture
def portfolio(world):
    return make_portfolio(world, make_sources(world))


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@permission_matrix(EXPORTERS, default=403)
def test_the_export_page(client, login_as, portfolio, role, expected) -> None:
    """The OPCC's funding roles and providers' managers; caseworkers, auditors and the force do not."""
    login_as(role)
    response = client.get(reverse("funding:export"))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "Awards" in html
        assert ("Allocations, with their history" in html) == role.startswith(("opcc", "board"))


@permission_matrix(EXPORTERS, default=403)
def test_the_awards_download_shows_each_person_their_rows(
    client, login_as, world, portfolio, role, expected
) -> None:
    """The OPCC's roles get both awards; the home provider's manager only AW-HOME, the other
    provider's manager only AW-OTHER (never the home provider's)."""
    login_as(role)
    response = client.get(reverse("funding:export_download", args=["awards", "csv"]))
    assert response.status_code == expected
    if expected != 200:
        return
    references = [row["reference"] for row in _csv(response)]
    expected_refs = {
        "provider_manager": ["AW-HOME"],
        "provider_manager_other": ["AW-OTHER"],
    }.get(role, ["AW-HOME", "AW-OTHER"])
    assert references == expected_refs


def test_the_tables_hold_the_rows_to_the_penny(client, login_as, world, portfolio) -> None:
    login_as("opcc_analyst")
    awards = _csv(client.get(reverse("funding:export_download", args=["awards", "csv"])))
    assert awards[0]["provider"] == world.provider.name
    assert awards[0]["stated_total"] == "1400307.91"
    lines = _csv(client.get(reverse("funding:export_download", args=["funding_lines", "csv"])))
    assert [(r["award_reference"], r["financial_year"], r["amount"]) for r in lines][:2] == [
        ("AW-HOME", "2021/22", "1400307.90"),
        ("AW-HOME", "2022/23", "0.01"),
    ]
    posts = _csv(client.get(reverse("funding:export_download", args=["posts", "csv"])))
    assert (posts[0]["title"], posts[0]["local_authorities"], posts[0]["specialisms"], posts[0]["fte"]) == (
        "home IDVA",
        "E08000025",
        "language",
        "1.00",
    )
    shares = _csv(client.get(reverse("funding:export_download", args=["post_shares", "csv"])))
    assert len(shares) == 2


def test_allocations_carry_their_history_and_are_the_opccs_only(client, login_as, world, portfolio) -> None:
    login_as("board_member")
    rows = _csv(client.get(reverse("funding:export_download", args=["allocations", "csv"])))
    assert [(r["status"], r["current"], r["amount"]) for r in rows] == [
        ("indicative", "no", "1617802.00"),
        ("confirmed", "yes", "1617802.00"),
    ]
    assert rows[1]["supersedes"] == rows[0]["id"] == str(portfolio["indicative"].public_id)
    client.force_login(world.member("provider_manager"))
    assert client.get(reverse("funding:export_download", args=["allocations", "csv"])).status_code == 404


def test_xlsx_downloads_hold_money_as_numbers(client, login_as, portfolio) -> None:
    login_as("opcc_admin")
    response = client.get(reverse("funding:export_download", args=["funding_lines", "xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("award_reference", "funding_source", "financial_year", "amount", "status")
    assert Decimal(str(rows[1][3])) == Decimal("1400307.90")
    assert isinstance(rows[1][3], int | float)


def test_unknown_tables_and_formats_are_not_found(client, login_as, portfolio) -> None:
    login_as("opcc_admin")
    assert client.get(reverse("funding:export_download", args=["users", "csv"])).status_code == 404
    assert client.get(reverse("funding:export_download", args=["awards", "pdf"])).status_code == 404
    assert client.get(reverse("funding:export_download", args=["workbook", "csv"])).status_code == 404


def test_downloads_are_access_logged_as_exports(client, login_as, world, portfolio) -> None:
    manager = login_as("provider_manager")
    client.get(reverse("funding:export_download", args=["awards", "csv"]))
    client.get(reverse("funding:export_download", args=["posts", "xlsx"]))
    logged = AccessLog.objects.filter(actor=manager, action=AccessLog.Action.EXPORT)
    assert sorted(logged.values_list("record_type", "record_id")) == sorted(
        [
            ("funding.award", str(portfolio["home"].public_id)),
            ("funding.fundedpost", str(portfolio["home_post"].public_id)),
        ]
    )


def test_the_workbook_imports_again_unchanged(client, login_as, world, portfolio) -> None:
    """The awards-and-posts workbook is the import layout: checked again, every row is an
    update and none has a problem."""
    admin = login_as("opcc_admin")
    response = client.get(reverse("funding:export_download", args=["workbook", "xlsx"]))
    plan = transfer_check(by=admin, file_name="funding-awards-posts.xlsx", data=response.content)
    assert plan.errors == []
    assert [(sheet, created, updated) for sheet, _label, created, updated in plan.counts()] == [
        ("awards", 0, 2),
        ("funding_lines", 0, 4),
        ("posts", 0, 2),
        ("post_shares", 0, 2),
    ]
    assert sorted(line.amount for line in plan.lines) == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("1400307.90"),
        Decimal("1400307.90"),
    ]


def test_the_award_date_is_downloaded_and_imports_back_unchanged(
    client, login_as, world, portfolio, settings, tmp_path
) -> None:
    """`awarded_on` is a column of the awards table (a date, blank where none is recorded);
    the workbook imported back changes nothing, the award date included."""
    settings.VAR_DIR = tmp_path
    Award.objects.filter(reference="AW-HOME").update(awarded_on=date(2021, 2, 26))
    admin = login_as("opcc_admin")
    awards = _csv(client.get(reverse("funding:export_download", args=["awards", "csv"])))
    assert [(row["reference"], row["awarded_on"]) for row in awards] == [
        ("AW-HOME", "2021-02-26"),
        ("AW-OTHER", ""),
    ]
    response = client.get(reverse("funding:export_download", args=["workbook", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["awards"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("awarded_on")
    assert rows[1][column].date() == date(2021, 2, 26)  # a date cell
    before = snapshot()
    token = transfer_store(by=admin, file_name="funding-awards-posts.xlsx", data=response.content)
    transfer_commit(by=admin, token=token)
    assert snapshot() == before
    assert Award.objects.get(reference="AW-HOME").awarded_on == date(2021, 2, 26)
