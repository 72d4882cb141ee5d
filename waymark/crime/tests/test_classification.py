"""VAWG, RASSO and adult-rape classification by the current rule set (research/crime-data.md §4.3)."""

from __future__ import annotations

import json
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count

from waymark.core.models import PoliceForceArea
from waymark.core.testing.world import World
from waymark.crime.classification import (
    RuleSpec,
    classify_crimes,
    rule_set_as_dict,
    rule_set_current,
    rule_set_publish,
)
from waymark.crime.models import ClassificationRuleSet, Crime, CrimeVawgBasis, OffenceCode, VawgBasis

pytestmark = pytest.mark.django_db

_references = count(1)


def make_crime(offence_code: str, *, area: PoliceForceArea | None = None, **flags: Any) -> Crime:
    """A recorded crime of `offence_code` with the given flags (e.g. `domestic_abuse=True`), not
    yet classified. The West Midlands area is seeded by the core migrations."""
    return Crime.objects.create(
        police_force_area=area or PoliceForceArea.objects.get(code="E23000014"),
        crime_reference=f"TEST/{next(_references)}",
        reported_on=date(2024, 5, 1),
        recorded_on=date(2024, 5, 2),
        offence_code_id=offence_code,
        outcome_type_id=0,
        extracted_on=date(2024, 6, 1),
        **flags,
    )


def classified(crime: Crime) -> Crime:
    """The crime as the database now has it, after classification."""
    crime.refresh_from_db()
    return crime


def bases(crime: Crime) -> set[str]:
    return set(CrimeVawgBasis.objects.filter(crime=crime).values_list("basis", flat=True))


def current_rules_without(offence_code: str) -> list[RuleSpec]:
    """The current rules, less those for one offence code."""
    rows = rule_set_as_dict(rule_set_current())["rows"]
    return [RuleSpec.from_dict(row) for row in rows if row["offence_code"] != offence_code]


# --- one test per basis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offence_code", "flags", "expected"),
    [
        ("20A", {}, {VawgBasis.SEXUAL_OFFENCE}),
        ("88E", {}, {VawgBasis.SEXUAL_OFFENCE}),
        ("8Q", {}, {VawgBasis.STALKING_HARASSMENT}),
        ("8L", {}, {VawgBasis.STALKING_HARASSMENT}),
        ("8R", {}, {VawgBasis.STALKING_HARASSMENT}),
        ("8U", {}, {VawgBasis.CCB}),
        ("105A", {"domestic_abuse": True}, {VawgBasis.DA_FLAG}),
        ("105A", {"honour_based_abuse": True}, {VawgBasis.HBA_FLAG}),
        ("8K", {}, {VawgBasis.FGM}),
        ("106", {"sexual_exploitation": True}, {VawgBasis.EXPLOITATION}),
        ("72", {}, {VawgBasis.SEXUAL_OFFENCE, VawgBasis.EXPLOITATION}),
    ],
)
def test_each_vawg_basis(offence_code: str, flags: dict[str, Any], expected: set[str]) -> None:
    crime = make_crime(offence_code, **flags)
    assert classify_crimes() == 1
    crime = classified(crime)
    assert crime.is_vawg
    assert crime.classified_by == 1
    assert bases(crime) == expected


@pytest.mark.parametrize("basis", [VawgBasis.FORCED_MARRIAGE, VawgBasis.IMAGE_ABUSE])
def test_the_bases_whose_codes_are_not_confirmed_classify_once_an_admin_adds_a_rule(
    world: World, basis: str
) -> None:
    """Forced marriage and intimate image abuse have no confirmed HOCR code (research
    crime-data.md §3: "HOCR code not confirmed"), so the shipped rules have none for them. An
    admin who confirms one adds the code and publishes a rule for it, and its crimes then carry
    the basis. The code here is a placeholder for the one the admin would add, not a real one."""
    OffenceCode.objects.create(
        code="TEST1",
        title="Placeholder for a confirmed HOCR code",
        group="Violence against the person",
        source="test",
    )
    crime = make_crime("TEST1")
    classify_crimes()
    assert not classified(crime).is_vawg
    rule = RuleSpec(target="vawg", basis=basis, offence_code="TEST1", source="test")
    rule_set_publish(
        name=f"With {basis}",
        notes="",
        rules=[*current_rules_without(""), rule],
        by=world.member("opcc_admin"),
    )
    crime = classified(crime)
    assert (crime.is_vawg, crime.classified_by) == (True, 2)
    assert bases(crime) == {basis}


@pytest.mark.parametrize(
    ("offence_code", "flags"),
    [
        ("105A", {}),  # an assault with no flag
        ("8M", {}),  # racially or religiously aggravated harassment: VAWG only if flagged
        ("106", {}),  # modern slavery whose exploitation is not sexual
        ("105A", {"online": True}),  # a flag that is not a VAWG basis
        ("8N", {"child_sexual_abuse": True}),
    ],
)
def test_crimes_matching_no_vawg_rule_are_not_vawg(offence_code: str, flags: dict[str, Any]) -> None:
    crime = make_crime(offence_code, **flags)
    classify_crimes()
    crime = classified(crime)
    assert (crime.is_vawg, crime.is_rasso, crime.is_adult_rape) == (False, False, False)
    assert crime.classified_by == 1
    assert bases(crime) == set()


@pytest.mark.parametrize(
    "offence_code", ["19C", "19D", "19E", "19F", "19G", "19H", "17A", "17B", "20A", "20B", "22A", "70"]
)
def test_rape_and_serious_sexual_offences_are_rasso(offence_code: str) -> None:
    crime = make_crime(offence_code)
    classify_crimes()
    assert classified(crime).is_rasso


@pytest.mark.parametrize("offence_code", ["23", "71", "88A", "88E", "8Q"])
def test_other_sexual_and_vawg_offences_are_not_rasso(offence_code: str) -> None:
    crime = make_crime(offence_code)
    classify_crimes()
    assert not classified(crime).is_rasso


@pytest.mark.parametrize(
    ("offence_code", "adult_rape"),
    [("19C", True), ("19F", True), ("19D", False), ("19H", False), ("20A", False)],
)
def test_adult_rape_is_19c_and_19f(offence_code: str, adult_rape: bool) -> None:
    crime = make_crime(offence_code)
    classify_crimes()
    crime = classified(crime)
    assert crime.is_adult_rape is adult_rape
    assert crime.is_rasso


def test_a_da_flagged_sexual_offence_is_counted_once_and_reported_under_both_bases() -> None:
    both = make_crime("19C", domestic_abuse=True)
    make_crime("8Q")
    make_crime("105A")
    classify_crimes()
    assert bases(both) == {VawgBasis.SEXUAL_OFFENCE, VawgBasis.DA_FLAG}
    # Counted once among VAWG crimes, whether counted by flag or through the basis rows...
    assert Crime.objects.filter(is_vawg=True).count() == 2
    assert Crime.objects.filter(vawg_bases__isnull=False).distinct().count() == 2
    # ...and appearing under each of its bases.
    by_basis = dict(CrimeVawgBasis.objects.values_list("basis").annotate(n=Count("crime")))
    assert by_basis == {VawgBasis.SEXUAL_OFFENCE: 1, VawgBasis.DA_FLAG: 1, VawgBasis.STALKING_HARASSMENT: 1}


def test_classifying_again_leaves_the_same_basis_rows() -> None:
    crime = make_crime("8U", domestic_abuse=True)
    classify_crimes()
    classify_crimes()
    assert CrimeVawgBasis.objects.filter(crime=crime).count() == 2


def test_classification_of_one_area_leaves_other_areas_alone() -> None:
    other_area = PoliceForceArea.objects.create(code="E23999999", name="Test area")
    here = make_crime("8Q")
    there = make_crime("8Q", area=other_area)
    stale = CrimeVawgBasis.objects.create(crime=there, basis=VawgBasis.CCB)

    assert classify_crimes(police_force_area_id=here.police_force_area_id) == 1

    assert classified(here).is_vawg
    assert bases(here) == {VawgBasis.STALKING_HARASSMENT}
    there = classified(there)
    assert (there.is_vawg, there.classified_by) == (False, None)
    assert list(CrimeVawgBasis.objects.filter(crime=there)) == [stale]


# --- publishing a new version --------------------------------------------------------------------


def test_publishing_a_new_version_recomputes_every_crime(world: World) -> None:
    """Dropping 8R (malicious communications) from the rules: those crimes stop being VAWG."""
    communications = make_crime("8R")
    stalking = make_crime("8Q")
    classify_crimes()
    assert classified(communications).is_vawg

    rule_set = rule_set_publish(
        name="Without malicious communications",
        notes="8R is unverified.",
        rules=current_rules_without("8R"),
        by=world.member("opcc_admin"),
    )

    assert rule_set.version == 2
    assert rule_set_current() == rule_set
    assert rule_set.created_by == world.member("opcc_admin")
    communications = classified(communications)
    assert (communications.is_vawg, communications.classified_by) == (False, 2)
    assert bases(communications) == set()
    assert classified(stalking).is_vawg
    assert classified(stalking).classified_by == 2
    # The old version stays, read only, no longer current.
    assert ClassificationRuleSet.objects.get(version=1).rules.filter(offence_code="8R").exists()


def test_only_one_rule_set_is_current(world: World) -> None:
    admin = world.member("opcc_admin")
    rules = current_rules_without("")
    rule_set_publish(name="Second", notes="", rules=rules, by=admin)
    rule_set_publish(name="Third", notes="", rules=rules, by=admin)
    assert list(ClassificationRuleSet.objects.filter(is_current=True).values_list("version", flat=True)) == [
        3
    ]
    assert ClassificationRuleSet.objects.count() == 3


@pytest.mark.parametrize("role", ["opcc_analyst", "force_code_lead", "provider_manager", "caseworker"])
def test_only_opcc_admins_publish_rules(world: World, role: str) -> None:
    crime = make_crime("8R")
    classify_crimes()
    with pytest.raises(PermissionDenied):
        rule_set_publish(
            name="Not allowed", notes="", rules=current_rules_without("8R"), by=world.member(role)
        )
    assert rule_set_current().version == 1
    assert classified(crime).is_vawg


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (RuleSpec(target="vawg", offence_code="8Q"), "a VAWG rule needs a basis"),
        (
            RuleSpec(target="rasso", basis="sexual_offence", offence_code="19C"),
            "only VAWG rules have a basis",
        ),
        (
            RuleSpec(target="vawg", basis="forced_marriage", offence_code="99Z"),
            "'99Z' is not in the offence code",
        ),
        (
            RuleSpec(target="vawg", basis="sexual_offence", offence_group="Sexual"),
            "no offence code has the group",
        ),
        (
            RuleSpec(target="vawg", basis="da_flag", crime_flag="domestic"),
            "crime flag 'domestic' is not one of",
        ),
        (RuleSpec(target="vawg", basis="da_flag"), "give an offence code, an offence group or a crime flag"),
        (RuleSpec(target="everything", offence_code="19C"), "target 'everything' is not one of"),
        (RuleSpec(target="adult_rape", offence_code="19C", source="again"), "repeats rule"),
    ],
)
def test_invalid_rules_are_refused_and_nothing_changes(world: World, rule: RuleSpec, message: str) -> None:
    crime = make_crime("8R")
    classify_crimes()
    rules = [*current_rules_without(""), rule]
    with pytest.raises(ValidationError) as refused:
        rule_set_publish(name="Bad", notes="", rules=rules, by=world.member("opcc_admin"))
    assert any(message in text and text.startswith(f"Rule {len(rules)}") for text in refused.value.messages)
    assert rule_set_current().version == 1
    assert ClassificationRuleSet.objects.count() == 1
    assert classified(crime).is_vawg


# --- the `waymark classification` command ---------------------------------------------------------


def test_the_command_publishes_a_file_and_exports_it_back(world: World, tmp_path: Path) -> None:
    admin = world.member("opcc_admin")
    crime = make_crime("8R")
    classify_crimes()
    exported = tmp_path / "current.json"
    call_command("classification", "export", str(exported))
    document: dict[str, Any] = json.loads(exported.read_text(encoding="utf-8"))
    document["name"] = "Without 8R"
    document["rows"] = [row for row in document["rows"] if row["offence_code"] != "8R"]
    exported.write_text(json.dumps(document), encoding="utf-8")

    call_command("classification", "publish", str(exported), "--by", admin.email)

    assert rule_set_current().name == "Without 8R"
    assert (classified(crime).is_vawg, classified(crime).classified_by) == (False, 2)


def test_the_command_refuses_a_user_who_may_not_publish(world: World, tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rule_set_as_dict(rule_set_current())), encoding="utf-8")
    with pytest.raises(CommandError, match="may not publish"):
        call_command("classification", "publish", str(path), "--by", world.member("opcc_analyst").email)
    assert rule_set_current().version == 1


def test_the_command_recomputes_one_area(capsys: pytest.CaptureFixture[str]) -> None:
    crime = make_crime("19F")
    call_command("classification", "recompute", "--police-force-area", "E23000014")
    assert classified(crime).is_adult_rape
    with pytest.raises(CommandError, match="No police force area with the code X"):
        call_command("classification", "recompute", "--police-force-area", "X")
