"""The crime reference tables seeded from `waymark/crime/fixtures/` (research/crime-data.md §1-§4)."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.test import Client

from waymark.core.testing.factories import UserFactory
from waymark.crime.models import (
    ClassificationRule,
    ClassificationRuleSet,
    OffenceCode,
    OutcomeType,
    PoliceUkCrimeType,
    PoliceUkOutcomeCategory,
)

pytestmark = pytest.mark.django_db

# The real police.uk files (shared/data/police-uk/, next to the repository).
POLICE_UK_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "police-uk"

seed_migration = importlib.import_module("waymark.crime.migrations.0002_seed_reference_data")

# Research §3, one code per row: exactly these, no more (no code is invented for forced
# marriage, image abuse or strangulation).
RESEARCH_CODES = {
    "19C", "19D", "19E", "19F", "19G", "19H", "20A", "20B", "17A", "17B", "22A", "21", "22B", "23",
    "70", "71", "72", "73", "88A", "88C", "88D", "88E", "8Q", "8L", "8M", "8R", "8U", "8K", "3B",
    "8N", "105A", "5D", "5E", "1", "4.1", "106", "36", "13",
}  # fmt: skip
# Marked "HOCR (verify)" or "check the current code" in research §3, and homicide, which the
# research names only as "1, 4.1 etc." with no title per code.
UNVERIFIED_CODES = {"8R", "8U", "8K", "1", "4.1"}


def _police_uk_values() -> dict[str, set[str]]:
    """Every `Crime type`, `Last outcome category` and `Outcome type` value in the real files."""
    if not POLICE_UK_DATA.is_dir():
        pytest.fail(f"The police.uk test files are not at {POLICE_UK_DATA}.")
    values: dict[str, set[str]] = {"Crime type": set(), "Last outcome category": set(), "Outcome type": set()}
    for path in sorted(POLICE_UK_DATA.glob("*/*-street.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                values["Crime type"].add(row["Crime type"])
                values["Last outcome category"].add(row["Last outcome category"])
    for path in sorted(POLICE_UK_DATA.glob("*/*-outcomes.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            values["Outcome type"].update(row["Outcome type"] for row in csv.DictReader(file))
    # ASB rows have no outcome: an empty value is not a category.
    values["Last outcome category"].discard("")
    return values


def test_outcome_types_are_0_to_22_and_type_0_is_not_an_outcome() -> None:
    assert list(OutcomeType.objects.values_list("number", flat=True)) == list(range(23))
    assert set(OutcomeType.objects.filter(is_outcome=False).values_list("number", flat=True)) == {0}
    assert set(OutcomeType.objects.filter(held_to_account=True).values_list("number", flat=True)) == {
        1, 2, 3, 6, 7, 8, 22,
    }  # fmt: skip


def test_outcome_type_groups_are_unverified_readings_with_a_source() -> None:
    """The research marks the group membership as its own reading (verify)."""
    assert not OutcomeType.objects.filter(verified=True).exists()
    assert not OutcomeType.objects.filter(source="").exists()
    assert OutcomeType.objects.get(number=16).group == OutcomeType.objects.get(number=14).group


def test_offence_codes_are_exactly_those_of_the_research() -> None:
    assert set(OffenceCode.objects.values_list("code", flat=True)) == RESEARCH_CODES
    assert not OffenceCode.objects.filter(source="").exists()
    assert not OffenceCode.objects.filter(title="").exists()


def test_codes_the_research_says_to_verify_are_unverified() -> None:
    assert set(OffenceCode.objects.filter(verified=False).values_list("code", flat=True)) == UNVERIFIED_CODES
    for code in ("8R", "8U", "8K"):
        assert "verify" in OffenceCode.objects.get(code=code).source


def test_combined_research_rows_become_one_row_per_code() -> None:
    assert OffenceCode.objects.get(code="20A").title == "Sexual assault on a female aged 13 and over"
    assert OffenceCode.objects.get(code="20B").title == "Sexual assault on a female child under 13"
    assert OffenceCode.objects.get(code="22B").title == "Sexual activity involving a child under 16"
    assert OffenceCode.objects.get(code="13").title == "Child abduction"


def test_sexual_offences_group_holds_rape_and_other_sexual_offences() -> None:
    sexual = OffenceCode.objects.filter(group="Sexual offences")
    assert set(sexual.filter(subgroup="Rape").values_list("code", flat=True)) == {
        "19C", "19D", "19E", "19F", "19G", "19H",
    }  # fmt: skip
    assert sexual.count() == 22
    assert OffenceCode.objects.get(code="8U").group == "Violence against the person"


def test_police_uk_crime_types_are_the_14_with_their_vawg_scope() -> None:
    assert PoliceUkCrimeType.objects.count() == 14
    scope = dict(PoliceUkCrimeType.objects.values_list("name", "vawg_scope"))
    assert scope["Violence and sexual offences"] == PoliceUkCrimeType.VawgScope.CANDIDATE
    assert scope["Anti-social behaviour"] == PoliceUkCrimeType.VawgScope.EXCLUDED
    assert scope["Public order"] == PoliceUkCrimeType.VawgScope.FLAG_DEPENDENT
    assert scope["Drugs"] == PoliceUkCrimeType.VawgScope.NOT_VAWG
    assert PoliceUkCrimeType.objects.get(name="Violence and sexual offences").slug == "violent-crime"


def test_police_uk_outcome_categories_are_the_28_as_spelt_in_the_csvs() -> None:
    assert PoliceUkOutcomeCategory.objects.count() == 28
    assert (
        PoliceUkOutcomeCategory.objects.get(name="Offender given penalty notice").code
        == "penalty-notice-issued"
    )
    assert not PoliceUkOutcomeCategory.objects.filter(name="Offender given a penalty notice").exists()
    assert len(set(PoliceUkOutcomeCategory.objects.values_list("code", flat=True))) == 28


def test_every_value_in_the_real_police_uk_files_is_in_the_tables() -> None:
    values = _police_uk_values()
    crime_types = set(PoliceUkCrimeType.objects.values_list("name", flat=True))
    categories = set(PoliceUkOutcomeCategory.objects.values_list("name", flat=True))
    assert values["Crime type"] == crime_types  # all 14 occur in the shipped year
    assert values["Last outcome category"] <= categories
    assert values["Outcome type"] <= categories
    # Categories seen in the files are verified; the two never seen there are not.
    unseen = categories - values["Last outcome category"] - values["Outcome type"]
    assert unseen == set(
        PoliceUkOutcomeCategory.objects.filter(verified=False).values_list("name", flat=True)
    )


def test_rule_set_v1_is_current_and_refers_only_to_known_codes_and_groups() -> None:
    current = ClassificationRuleSet.objects.get(is_current=True)
    assert current.version == 1
    rules = ClassificationRule.objects.filter(rule_set=current)
    codes = set(OffenceCode.objects.values_list("code", flat=True))
    groups = set(OffenceCode.objects.values_list("group", flat=True))
    assert set(rules.exclude(offence_code="").values_list("offence_code", flat=True)) <= codes
    assert set(rules.exclude(offence_group="").values_list("offence_group", flat=True)) <= groups
    # No code in the research for these bases: an admin adds the codes and a new version.
    assert not rules.filter(basis__in=["forced_marriage", "image_abuse"]).exists()
    assert not rules.filter(source="").exists()


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every seeded row's fields (`model_to_dict` leaves out the timestamps)."""
    models = (
        OffenceCode,
        OutcomeType,
        PoliceUkCrimeType,
        PoliceUkOutcomeCategory,
        ClassificationRuleSet,
        ClassificationRule,
    )
    return {model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")] for model in models}


def test_seeding_again_changes_nothing() -> None:
    before = _snapshot()
    seed_migration.seed(apps, None)
    assert _snapshot() == before


# --- Django admin (platform operators) -------------------------------------------------------------


@pytest.fixture
def operator_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_unverified_offence_codes_to_correct(operator_client: Client) -> None:
    page = operator_client.get("/django-admin/crime/offencecode/", {"verified__exact": "0"})
    assert page.status_code == 200
    listed = {code.code for code in page.context["cl"].result_list}
    assert listed == UNVERIFIED_CODES


def test_admin_corrects_a_row_but_not_its_key(operator_client: Client) -> None:
    row = OffenceCode.objects.get(code="8U")
    url = f"/django-admin/crime/offencecode/{row.pk}/change/"
    form = {"code": "9Z", "title": row.title, "group": row.group, "subgroup": row.subgroup}
    response = operator_client.post(url, form | {"source": "HOCR April 2024, checked", "verified": "on"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.code, row.verified, row.source) == ("8U", True, "HOCR April 2024, checked")
    assert operator_client.get(f"/django-admin/crime/offencecode/{row.pk}/delete/").status_code == 403


def test_admin_shows_rule_sets_read_only(operator_client: Client) -> None:
    rule_set = ClassificationRuleSet.objects.get(version=1)
    page = operator_client.get(f"/django-admin/crime/classificationruleset/{rule_set.pk}/change/")
    assert page.status_code == 200
    assert b"8U" in page.content
    assert b'name="_save"' not in page.content
    assert operator_client.get("/django-admin/crime/classificationruleset/add/").status_code == 403
