"""The crime data journey end to end, as an OPCC analyst takes it: upload a year of the force's
extract, watch its progress bar, then read VAWG volumes by area and basis, the adult rape charge
and withdrawal rates with their definitions, and where cases are lost; and get the same numbers
from the API and from the CSV downloads."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.core.testing.html_tables import table_rows
from waymark.core.testing.world import World
from waymark.crime.models import Crime
from waymark.crime.synthetic import write_extract

from .force_extract_support import upload_form

UPLOAD = "/crime/imports/upload/"
YEAR = {"period": "fy:2024/25"}
API_YEAR = {"financial_year": "2024/25"}
HIDDEN = "[c]"
# Eighteen months after the year: time for charges to come, as in a real extract.
EXTRACTED = date(2026, 9, 30)


def figure(value: Any) -> str:
    """A figure as the page and the CSV write it, commas aside."""
    return HIDDEN if value is None else str(value)


def plain(text: str) -> str:
    """A page's figure as the CSV writes it: no thousands commas, and no "(hidden)", which the
    page adds for screen readers after each [c]."""
    return text.replace(",", "").replace(f"{HIDDEN} (hidden)", HIDDEN)


def csv_rows(client: Client, url: str) -> list[list[str]]:
    response = client.get(url, YEAR)
    assert response.status_code == 200, url
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_section(rows: list[list[str]], header: list[str], last_label: str | None = None) -> list[list[str]]:
    """The rows under `header`, up to the blank row (or the row labelled `last_label`)."""
    start = rows.index(header) + 1
    section = []
    for row in rows[start:]:
        if not row:
            break
        section.append(row)
        if row[0] == last_label:
            break
    return section


def upload(client: Client, path: Path, kind: str, run_worker: Callable[[], None]) -> str:
    """Upload one file as the analyst does, let the worker run it, and return its job's page."""
    job_url = client.post(UPLOAD, upload_form(path, kind, EXTRACTED.isoformat()))["Location"]
    queued = client.get(job_url).content.decode()
    assert '<progress id="job-progress"' in queued
    run_worker()
    return client.get(job_url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_analyst_uploads_a_year_and_the_page_the_api_and_the_csv_agree(
    client: Client, world: World, run_worker: Callable[[], None], upload_jobs: Path, tmp_path: Path
) -> None:
    crimes_csv, events_csv = write_extract(
        tmp_path, crimes=10_000, start=date(2024, 4, 1), end=date(2025, 3, 31), as_of=EXTRACTED
    )
    client.force_login(world.member("opcc_analyst"))

    # The upload, and its bar full once the worker has run it.
    for path, kind in ((crimes_csv, "crimes"), (events_csv, "events")):
        job_page = upload(client, path, kind, run_worker)
        assert "Succeeded" in job_page
        bar = re.search(r'<progress id="job-progress"[^>]* max="(\d+)" value="(\d+)"', job_page)
        assert bar is not None
        assert bar.group(1) == bar.group(2)
    assert Crime.objects.count() == 10_000

    # VAWG volumes by area and by basis: page, API and CSV.
    page = html.unescape(client.get(reverse("crime:vawg"), YEAR).content.decode())
    api = client.get("/api/v1/crime/vawg-volumes", API_YEAR).json()
    assert api["total"] > 100
    assert f"{api['total']:,} VAWG crimes recorded in 2024/25" in page
    assert api["extracted_on"] == EXTRACTED.isoformat()
    for key in ("local_authority", "basis"):
        table = next(t for t in api["tables"] if t["key"] == key)
        from_api = [[row["label"], figure(row["values"][0])] for row in table["rows"]]
        from_api.append([table["total_label"], figure(table["total"])])
        on_page = [
            [label, plain(value)]
            for label, value in table_rows(page, f"vawg-{key.replace('_', '-')}-table")[1:]
        ]
        rows = csv_rows(client, reverse("crime:vawg_download", args=[key]))
        in_csv = csv_section(rows, [table["row_heading"], *table["columns"]], table["total_label"])
        assert on_page == in_csv == from_api, key
        assert len(from_api) > 3
    by_area = next(t for t in api["tables"] if t["key"] == "local_authority")
    assert by_area["total"] == api["total"]

    # Where: the map's table on the page, the API's cells and the map's download.
    api_map = client.get("/api/v1/crime/vawg-map", API_YEAR).json()
    from_api = [[cell["label"], cell["cell"], str(cell["count"])] for cell in api_map["cells"]]
    on_page = [[label, plain(value)] for label, value in table_rows(page, "vawg-map-table")[1:]]
    rows = csv_rows(client, reverse("crime:vawg_download", args=["map"]))
    in_csv = csv_section(rows, ["Area", "H3 cell", "VAWG crimes"])
    assert on_page == [[label, count] for label, _, count in in_csv]
    assert in_csv == from_api
    assert len(from_api) > 3

    # The adult rape charge rates and withdrawal rate, with their definitions.
    page = html.unescape(client.get(reverse("crime:rasso"), YEAR).content.decode())
    api = client.get("/api/v1/crime/rasso-metrics", API_YEAR).json()
    metric_rows = {row[0].split(" ")[0]: row for row in table_rows(page, "table-metrics")[1:]}
    rows = csv_rows(client, reverse("crime:rasso_download", args=["metrics"]))
    metric_lines = {row[0]: row for row in csv_section(rows, rows[rows.index(["RASSO metrics"]) + 1])}
    shown = set()
    for metric in api["metrics"]:
        if metric["id"] not in ("M2", "M3", "M4"):
            continue
        row, line = metric_rows[metric["id"]], metric_lines[metric["id"]]
        assert metric["definition"] in page
        assert line[-2] == metric["definition"]
        if metric["numerator"] is None:  # a small count, hidden everywhere alike
            assert metric["value"] is None
            assert plain(row[1]) == HIDDEN == line[2] == line[3]
            continue
        shown.add(metric["id"])
        assert metric["value"] == pytest.approx(metric["numerator"] / metric["denominator"])
        assert row[1] == f"{metric['value'] * 100:.1f}%" == line[2]
        assert (line[3], line[5]) == (str(metric["numerator"]), str(metric["denominator"]))
        counted = plain(row[2])
        assert f": {metric['numerator']}" in counted
        assert f": {metric['denominator']}" in counted
        if metric["not_yet_assigned_basis"]:
            assert plain(row[3]).startswith(f"{metric['not_yet_assigned']} ")
            assert line[10] == str(metric["not_yet_assigned"])
    # The cohort charge rate and the withdrawal rate have figures to show, not zero.
    assert {"M2", "M4"} <= shown
    assert all(metric["numerator"] for metric in api["metrics"] if metric["id"] in ("M2", "M4"))
    assert "Force extract as at" in page

    # Where cases are lost: the funnel's stages.
    stages = api["funnel"]["stages"]
    from_api = [[s["label"], figure(s["count"])] for s in stages]
    on_page = [[row[0], plain(row[1])] for row in table_rows(page, "rasso-funnel-table")[1:]]
    rows = csv_rows(client, reverse("crime:rasso_download", args=["funnel"]))
    header = [
        "Stage",
        "Offences reaching the stage",
        "Did not reach the next stage",
        "Share of the stage before",
    ]
    in_csv = [row[:2] for row in csv_section(rows, header)]
    assert on_page == in_csv == from_api
    # The download has the page table's columns, with the same shares.
    shares_on_page = [plain(row[3]) for row in table_rows(page, "rasso-funnel-table")[1:]]
    assert shares_on_page == [row[3] for row in csv_section(rows, header)]
    assert len(stages) > 4
    # The cohort is M1: the records less those cancelled or transferred.
    crimed = next(s for s in stages if s["key"] == "crimed")
    assert crimed["count"] == next(m for m in api["metrics"] if m["id"] == "M1")["value"]
    assert crimed["count"] > 0
    # With M1 published, the records would give a small number cancelled away: then both hide.
    if stages[0]["count"] is None:
        assert stages[0]["lost_after"] is None
    else:
        assert stages[0]["count"] - crimed["count"] == stages[0]["lost_after"]
