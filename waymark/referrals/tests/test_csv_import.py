"""The police batch upload: all or nothing, every bad row reported, re-upload changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from waymark.core.testing.matrix import permission_matrix
from waymark.referrals.csv_import import COLUMNS, police_batch_check, police_batch_import
from waymark.referrals.models import Person, Referral

SAMPLE = Path(settings.BASE_DIR) / "docs" / "formats" / "samples" / "police-referrals.csv"
UPLOAD = reverse("referrals:police_upload")
HEADER = "external_reference,service,consent,full_name,date_of_birth,phone,phone_safe_to_call\n"


def _file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def test_sample_file_imports_and_reimport_changes_nothing(world):
    lead = world.member("force_code_lead")
    result = police_batch_import(by=lead, force=world.force, file=io.BytesIO(SAMPLE.read_bytes()))
    assert result.errors == []
    assert (result.created, result.already_received) == (2, 0)
    first = Referral.objects.get(external_reference="SAMPLE-0001")
    assert first.source == "police_upload"
    assert first.referrer_organisation == world.force
    assert first.person.contact_methods.get().safe_text
    again = police_batch_import(by=lead, force=world.force, file=io.BytesIO(SAMPLE.read_bytes()))
    assert (again.created, again.already_received, again.errors) == (0, 2, [])
    assert Referral.objects.count() == 2
    assert Person.objects.count() == 2


def test_documented_columns_match_the_sample():
    header = SAMPLE.read_text().splitlines()[0].split(",")
    assert tuple(header) == COLUMNS
    doc = (Path(settings.BASE_DIR) / "docs" / "formats" / "police-referrals-csv.md").read_text()
    for column in COLUMNS:
        assert f"`{column}`" in doc


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(world):
    text = HEADER + (
        "A-1,Home Service,given,Fakey One,1980-01-01,07700900001,yes\n"
        "A-2,No Such Service,given,Fakey Two,,,\n"
        "A-3,Home Service,not_given,Fakey Three,31/02/1980,,maybe\n"
        "A-1,Home Service,given,Fakey Four,,,\n"
    )
    result = police_batch_import(by=world.member("force_code_lead"), force=world.force, file=_file(text))
    assert result.created == 0
    found = {(e.line, e.column) for e in result.errors}
    assert (3, "service") in found
    assert (4, "consent") in found
    assert (4, "date_of_birth") in found
    assert (4, "phone_safe_to_call") in found
    assert (5, "external_reference") in found
    assert not Referral.objects.exists()
    assert not Person.objects.exists()
    consent = next(e for e in result.errors if e.column == "consent")
    assert "has not consented" in consent.message


def test_missing_and_unknown_columns_are_reported():
    errors = police_batch_check(force=None, file=_file("external_reference,service,name\nX,Y,Z\n"))  # type: ignore[arg-type]
    messages = {(e.column, e.message) for e in errors}
    assert ("consent", "The consent column is missing.") in messages
    assert ("full_name", "The full_name column is missing.") in messages
    assert any(c == "name" and "Unknown column" in m for c, m in messages)


def test_changed_content_under_an_old_reference_is_refused(world):
    lead = world.member("force_code_lead")
    police_batch_import(by=lead, force=world.force, file=_file(HEADER + "B-1,Home Service,given,Fakey,,,\n"))
    result = police_batch_import(
        by=lead, force=world.force, file=_file(HEADER + "B-1,Home Service,given,Changed,,,\n")
    )
    assert result.created == 0
    assert [(e.line, e.column) for e in result.errors] == [(2, "external_reference")]


def test_not_utf8_is_reported(world):
    result = police_batch_import(
        by=world.member("force_code_lead"),
        force=world.force,
        file=io.BytesIO(HEADER.encode() + b"\xff\xfe,\x00\n"),
    )
    assert result.errors
    assert "UTF-8" in result.errors[0].message


@pytest.mark.parametrize("column", ["external_reference", "full_name"])
def test_a_zero_byte_is_refused_at_its_line_and_column(world, column):
    """PostgreSQL cannot store it: in the reference the import failed, in a name it was kept."""
    values = {"external_reference": "Z-1", "full_name": "Fakey"}
    values[column] += "\x00"
    row = f"{values['external_reference']},Home Service,given,{values['full_name']},,,\n"
    result = police_batch_import(
        by=world.member("force_code_lead"), force=world.force, file=_file(HEADER + row)
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert "zero byte (NUL)" in result.errors[0].message
    assert not Referral.objects.exists()


@permission_matrix({"force_code_lead": 200, "anonymous": 302}, default=403)
def test_upload_page_permissions(client, world, login_as, role, expected):
    login_as(role)
    assert client.get(UPLOAD).status_code == expected


def test_upload_page_shows_every_bad_row(client, world, login_as):
    login_as("force_code_lead")
    text = HEADER + "C-1,Nope,given,Fakey,,,\nC-2,Home Service,,Fakey,,,\n"
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("r.csv", text.encode(), "text/csv")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "There is no active service &#39;Nope&#39;" in page or "There is no active service 'Nope'" in page
    assert "The consent column must not be empty." in page
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose the CSV file of referrals to upload."),
        ({"file": SimpleUploadedFile("r.csv", b"")}, "The file is empty."),
        (
            {"file": SimpleUploadedFile("r.xlsx", SAMPLE.read_bytes())},
            "The file must be a CSV file (its name ending .csv).",
        ),
    ],
)
def test_upload_page_says_what_is_wrong_with_the_file_and_imports_nothing(
    client, world, login_as, files, message
):
    login_as("force_code_lead")
    # A browser always sends the form's CSRF token, so the form is bound even with no file.
    response = client.post(UPLOAD, {"csrfmiddlewaretoken": "token", **files})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'href="#id_file"' in page
    assert not Referral.objects.exists()


def test_upload_page_imports_and_shows_counts_only(client, world, login_as):
    login_as("force_code_lead")
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("r.csv", SAMPLE.read_bytes(), "text/csv")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 new referrals" in page
    assert "Fakey Testperson" not in page
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("role", ["opcc_analyst", "caseworker"])
def test_others_cannot_upload(client, world, login_as, role):
    login_as(role)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("r.csv", SAMPLE.read_bytes(), "text/csv")})
    assert response.status_code == 403
    assert not Referral.objects.exists()
