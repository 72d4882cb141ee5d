"""Correcting the extraction date given with a Victims' Code duties file: the file's record and
the duties it wrote are re-dated, and nothing else; refused, changing nothing, where the result
would differ from importing the file with the right date."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.models import PoliceForceArea
from waymark.core.testing.forms import date_parts
from waymark.core.testing.html_tables import table_rows
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime.extraction_date import REDATE_JOB_NAME, force_extract_redate, redatable_extracts
from waymark.crime.models import Crime, ForceExtractImport
from waymark.jobs.models import JobProgress
from waymark.victims_code.duties import CODE_DUTIES_KIND, import_code_duties
from waymark.victims_code.models import CodeDuty, MetricRollup

from .duties_support import EXTRACTED, duty_row, load_sample_crimes, write_rows

MARCH = date(2025, 3, 1)
TYPED = EXTRACTED  # 1 April 2025, the crimes file's date, typed for the duties file by mistake
RIGHT = date(2025, 4, 7)
APRIL_JOB = f"{REDATE_JOB_NAME}: Victims' Code duties file april.csv"

pytestmark = pytest.mark.django_db

ARREST = {"entitlement": "R6.ARREST_UPDATE"}
CONFIRMATION = {"entitlement": "R3.WRITTEN_CONFIRMATION", "delivered_on": "2024-04-05", "channel": "email"}
REFERRAL = {"entitlement": "R4.SUPPORT_REFERRAL", "delivered_on": "2024-04-04", "channel": "portal"}


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[ForceExtractImport, ForceExtractImport]:
    """March's file (an arrest update still owed, a written confirmation delivered), then
    April's, given 1 April instead of 7 April: the arrest update now delivered on 28 March (a
    change), the confirmation as it was, and a support referral new."""
    area = load_sample_crimes()
    march = write_rows(tmp_path / "march.csv", [duty_row(**ARREST), duty_row(**CONFIRMATION)])
    import_code_duties(march, police_force_area=area, extracted_on=MARCH)
    delivered = {**ARREST, "delivered_on": "2025-03-28", "channel": "phone"}
    april = write_rows(
        tmp_path / "april.csv", [duty_row(**delivered), duty_row(**CONFIRMATION), duty_row(**REFERRAL)]
    )
    import_code_duties(april, police_force_area=area, extracted_on=TYPED)
    first, last = ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).order_by("created_at", "pk")
    return first, last


def dated() -> dict[str, date]:
    """Each duty's extraction date, by entitlement."""
    return dict(CodeDuty.objects.values_list("entitlement__code", "extracted_on"))


def redate_url(extract: ForceExtractImport) -> str:
    return reverse("crime:redate", kwargs={"public_id": extract.public_id})


def test_the_duties_the_file_wrote_are_re_dated_and_no_others(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    """The arrest update (changed) and the referral (new) carry April's date; the confirmation,
    left as it was, keeps March's. The crimes, imported with the same date 1 April, keep it."""
    march, april = two_files
    assert redatable_extracts([CODE_DUTIES_KIND]) == [april]
    redated = force_extract_redate(extract=april, extracted_on=RIGHT, by=world.member("force_code_lead"))
    assert redated.duties == 2
    assert redated.message() == (
        "The extraction date of april.csv is now 7 April 2025 (it was 1 April 2025)."
        " 2 duties it wrote carry the new date."
    )
    assert dated() == {
        "R6.ARREST_UPDATE": RIGHT,
        "R4.SUPPORT_REFERRAL": RIGHT,
        "R3.WRITTEN_CONFIRMATION": MARCH,
    }
    april.refresh_from_db()
    march.refresh_from_db()
    assert (april.extracted_on, march.extracted_on) == (RIGHT, MARCH)
    assert set(Crime.objects.values_list("extracted_on", flat=True)) == {EXTRACTED}
    assert ForceExtractImport.objects.get(kind=ForceExtractImport.Kind.CRIMES).extracted_on == EXTRACTED
    log = AccessLog.objects.get(action=AccessLog.Action.CHANGE, detail__startswith="Corrected")
    assert log.detail == (
        "Corrected the extraction date of Victims' Code duties file april.csv from 2025-04-01 to"
        " 2025-04-07: 2 duties re-dated."
    )


def test_an_older_file_imported_afterwards_merges_against_the_corrected_date(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport], tmp_path: Path
) -> None:
    """A file taken on 5 April, holding the arrest update still owed as March had it, imported
    after the correction: April's file is now dated 7 April, so its delivered update is newer
    and kept, as it would have been had April's file had the right date. Left at 1 April, the
    older file would have undone the delivery."""
    area = PoliceForceArea.objects.get(code="E23000014")
    force_extract_redate(extract=two_files[1], extracted_on=RIGHT, by=world.member("force_code_lead"))
    older = write_rows(tmp_path / "older.csv", [duty_row(**ARREST)])
    result = import_code_duties(older, police_force_area=area, extracted_on=date(2025, 4, 5))
    assert (result.changed, result.kept_newer) == (0, 1)
    arrest = CodeDuty.objects.get(entitlement__code="R6.ARREST_UPDATE")
    assert (arrest.delivered_on, arrest.extracted_on) == (date(2025, 3, 28), RIGHT)


@pytest.mark.parametrize(
    ("corrected", "reason"),
    [
        (
            date(2025, 3, 27),
            "The file holds a date after 27 March 2025 (the latest is 28 March 2025): an extract cannot"
            " hold what happened after it was taken.",
        ),
        (
            date(2025, 2, 28),
            "The date must not be before 1 March 2025, the extraction date of march.csv, imported before"
            " it: a Victims' Code duties file's rows are merged in date order.",
        ),
    ],
)
def test_a_date_that_cannot_be_right_is_refused_and_nothing_changes(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport], corrected: date, reason: str
) -> None:
    before = dated()
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(extract=two_files[1], extracted_on=corrected, by=world.member("force_code_lead"))
    assert refused.value.message_dict == {"extracted_on": [reason]}
    assert dated() == before
    two_files[1].refresh_from_db()
    assert two_files[1].extracted_on == TYPED


def test_only_the_last_duties_file_can_be_corrected(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(
            extract=two_files[0], extracted_on=date(2025, 3, 2), by=world.member("opcc_analyst")
        )
    assert refused.value.messages[0].startswith(
        "april.csv was imported after it and was checked against its date: only the last Victims' Code"
        " duties file imported can have its date corrected."
    )


@permission_matrix(
    {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}, default=403
)
def test_who_may_correct_a_duties_files_date(
    client: Client,
    login_as: Callable[[str], Any],
    role: str,
    expected: int,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
) -> None:
    login_as(role)
    april = two_files[1]
    assert client.get(redate_url(april)).status_code == expected
    response = client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    assert response.status_code == (302 if expected == 200 else expected)
    assert JobProgress.objects.filter(name=APRIL_JOB).exists() == (expected == 200)


@pytest.mark.django_db(transaction=True)
def test_the_code_imports_page_offers_the_correction_and_a_job_makes_it(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
) -> None:
    """From the Victims' Code imports page to the corrected file, and the area's figures rolled
    up again at the new latest extraction date (7 April, after the crimes' 1 April)."""
    client.force_login(world.member("force_code_lead"))
    march, april = two_files
    imports = client.get(reverse("victims_code:imports")).content.decode()
    assert redate_url(april) in imports
    assert redate_url(march) not in imports
    page = html.unescape(client.get(redate_url(april)).content.decode())
    assert "The date given when the file was imported: 1 April 2025." in page
    assert "the duties the file wrote carry it" in page
    assert f'href="{reverse("victims_code:imports")}"' in page  # back to the page it came from
    response = client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    job = JobProgress.objects.get(name=APRIL_JOB)
    assert response["Location"] == job.get_absolute_url()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobProgress.Status.SUCCEEDED
    assert job.message == (
        "The extraction date of april.csv is now 7 April 2025 (it was 1 April 2025)."
        " 2 duties it wrote carry the new date."
    )
    assert set(MetricRollup.objects.values_list("as_of", flat=True)) == {RIGHT}
    imports = client.get(reverse("victims_code:imports")).content.decode()
    assert table_rows(imports, "redate-jobs")[0] == ["Correction", "Status", "Queued at"]
    assert [row[:2] for row in table_rows(imports, "redate-jobs")[1:]] == [[APRIL_JOB, "Succeeded"]]
    assert table_rows(imports, "duty-files")[1][2].startswith("7 April 2025")
    # The crime imports page lists corrections of crime files only, even to an admin, who sees
    # every job.
    client.force_login(world.member("opcc_admin"))
    assert "redate-jobs" not in client.get(reverse("crime:imports")).content.decode()
