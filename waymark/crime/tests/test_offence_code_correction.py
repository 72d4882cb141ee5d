"""Correcting an offence code reclassifies its crimes when the rules read what changed (its group).

The rules are data, versioned, and recomputed when they change; an offence code's group is data
the rules read, so a correction must not leave crimes classified by the old group while the
dashboards filter them by the new one.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.test import Client

from waymark.core.testing.factories import UserFactory
from waymark.core.testing.world import World
from waymark.crime.classification import classify_crimes
from waymark.crime.models import Crime, CrimeVawgBasis, OffenceCode, VawgBasis
from waymark.crime.services import offence_code_correct
from waymark.crime.tests.test_classification import bases, classified, make_crime

pytestmark = pytest.mark.django_db

SEXUAL = "Sexual offences"
VIOLENCE = "Violence against the person"


def corrected(code: str, **changes: Any) -> OffenceCode:
    """The offence code as an admin has edited it in the form, not yet saved."""
    row = OffenceCode.objects.get(code=code)
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def state(crime: Crime) -> tuple[bool, bool, bool, int | None, set[str]]:
    crime = classified(crime)
    return crime.is_vawg, crime.is_rasso, crime.is_adult_rape, crime.classified_by, bases(crime)


@pytest.fixture
def operator() -> Any:
    """A platform operator (a superuser with an authenticator app, as staff must have)."""
    return UserFactory.create(is_staff=True, is_superuser=True)


def test_moving_a_code_into_sexual_offences_makes_its_crimes_vawg(operator: Any) -> None:
    """8N (assault with injury) matches no VAWG rule until its group is "Sexual offences"."""
    assault = make_crime("8N")
    flagged = make_crime("8N", domestic_abuse=True)
    other_code = make_crime("105A")  # same group, not corrected
    classify_crimes()
    assert state(assault) == (False, False, False, 1, set())
    # A stale basis on another code's crime shows whether that crime was touched.
    stale = CrimeVawgBasis.objects.create(crime=other_code, basis=VawgBasis.CCB)

    assert offence_code_correct(offence_code=corrected("8N", group=SEXUAL), by=operator) == 2

    assert OffenceCode.objects.get(code="8N").group == SEXUAL
    assert state(assault) == (True, False, False, 1, {VawgBasis.SEXUAL_OFFENCE})
    assert state(flagged) == (True, False, False, 1, {VawgBasis.SEXUAL_OFFENCE, VawgBasis.DA_FLAG})
    assert list(CrimeVawgBasis.objects.filter(crime=other_code)) == [stale]


def test_moving_a_code_out_of_sexual_offences_removes_that_basis(operator: Any) -> None:
    """20A out of "Sexual offences": its crimes lose the sexual-offence basis and stay RASSO
    (the RASSO rule names the code); a DA-flagged one stays VAWG through its flag alone."""
    assault = make_crime("20A")
    flagged = make_crime("20A", domestic_abuse=True)
    rape = make_crime("19C")
    classify_crimes()
    assert state(flagged) == (True, True, False, 1, {VawgBasis.SEXUAL_OFFENCE, VawgBasis.DA_FLAG})

    assert offence_code_correct(offence_code=corrected("20A", group=VIOLENCE), by=operator) == 2

    assert state(assault) == (False, True, False, 1, set())
    assert state(flagged) == (True, True, False, 1, {VawgBasis.DA_FLAG})
    assert state(rape) == (True, True, True, 1, {VawgBasis.SEXUAL_OFFENCE})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"title": "Assault with injury (checked)", "subgroup": "Violence with injury"},
        {"source": "HOCR April 2024, checked", "verified": True},
    ],
)
def test_a_correction_the_rules_do_not_read_reclassifies_nothing(
    operator: Any, changes: dict[str, Any]
) -> None:
    crime = make_crime("8N")
    CrimeVawgBasis.objects.create(crime=crime, basis=VawgBasis.CCB)  # stale: left as it is

    assert offence_code_correct(offence_code=corrected("8N", **changes), by=operator) == 0

    assert model_to_dict(OffenceCode.objects.get(code="8N")) == model_to_dict(corrected("8N", **changes))
    assert state(crime) == (False, False, False, None, {VawgBasis.CCB})


def test_a_group_change_with_no_crimes_of_the_code_reclassifies_none(operator: Any) -> None:
    assert offence_code_correct(offence_code=corrected("8N", group=SEXUAL), by=operator) == 0
    assert OffenceCode.objects.get(code="8N").group == SEXUAL


def test_only_those_who_may_change_offence_codes_correct_them(world: World) -> None:
    crime = make_crime("8N")
    classify_crimes()
    with pytest.raises(PermissionDenied):
        offence_code_correct(offence_code=corrected("8N", group=SEXUAL), by=world.member("opcc_analyst"))
    assert OffenceCode.objects.get(code="8N").group == VIOLENCE
    assert not classified(crime).is_vawg


# --- Django admin ------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(client: Client, operator: Any) -> Client:
    client.force_login(operator)
    return client


def _change(client: Client, code: str, **changes: Any) -> list[str]:
    """Post the admin change form of an offence code; the messages shown after the redirect."""
    row = OffenceCode.objects.get(code=code)
    form = {"title": row.title, "group": row.group, "subgroup": row.subgroup, "source": row.source}
    if row.verified:
        form["verified"] = "on"
    response = client.post(f"/django-admin/crime/offencecode/{row.pk}/change/", form | changes, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 302
    return [str(message) for message in response.context["messages"]]


def test_admin_correcting_a_group_reclassifies_the_crimes_and_says_how_many(operator_client: Client) -> None:
    crimes = [make_crime("8N"), make_crime("8N")]
    classify_crimes()

    shown = _change(operator_client, "8N", group=SEXUAL)

    assert "2 crimes with offence code 8N were reclassified under rule set v1." in shown
    for crime in crimes:
        assert state(crime) == (True, False, False, 1, {VawgBasis.SEXUAL_OFFENCE})


def test_admin_says_nothing_of_reclassification_when_none_happened(operator_client: Client) -> None:
    make_crime("8N")
    classify_crimes()

    shown = _change(operator_client, "8N", title="Assault with injury (checked)")

    assert shown  # Django's own "changed successfully"
    assert not any("reclassified" in message for message in shown)
