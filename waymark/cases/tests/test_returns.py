"""Provider returns: exact figures for the provider's managers, suppressed ones for the OPCC."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from waymark.audit.models import AccessLog
from waymark.cases.models import Case, HateStrand, OutcomeReading
from waymark.cases.returns import (
    HIDDEN_MARKER,
    ProviderReturn,
    ReturnSection,
    provider_return_csv,
    provider_return_for_opcc,
    provider_return_for_staff,
    provider_return_xlsx,
)
from waymark.core.disclosure import Audience
from waymark.core.periods import FinancialQuarter
from waymark.referrals.models import Referral
from waymark.returns.tests.factories import (
    at,
    make_case,
    make_contact,
    make_measure,
    make_reading,
    make_referral,
    staff_user,
)

Q1 = FinancialQuarter.parse("2024/25 Q1")  # 1 April to 30 June 2024


def section(result: ProviderReturn, key: str) -> ReturnSection:
    return next(s for s in result.sections if s.key == key)


def figures(result: ProviderReturn, key: str) -> dict[str, int | None]:
    """A section's rows (and total) as {label: first figure}."""
    return {label: values[0] for label, values in section(result, key).table_rows()}


@pytest.fixture
def quarter_of_work(world):
    """Referrals and cases of the home service around 2024/25 Q1 (see each line)."""
    by = staff_user()
    service = world.service
    accepted = Referral.Status.ACCEPTED
    # Received 8 April, contacted the next day (in time), accepted: case with two strands, open.
    r1 = make_referral(
        service=service,
        received=date(2024, 4, 8),
        due=date(2024, 4, 10),
        status=accepted,
        outcome_at=at(date(2024, 4, 10)),
    )
    make_contact(r1, date(2024, 4, 8), by, outcome="no_answer")
    make_contact(r1, date(2024, 4, 9), by)
    c1 = make_case(r1, opened=date(2024, 4, 10), strands=[HateStrand.RACE, HateStrand.RELIGION])
    # Partner agency, contacted late, accepted, closed with goals met; improved on the measure.
    r2 = make_referral(
        service=service,
        received=date(2024, 5, 1),
        due=date(2024, 5, 3),
        status=accepted,
        route="agency",
        source="partner_form",
        outcome_at=at(date(2024, 5, 7)),
    )
    make_contact(r2, date(2024, 5, 7), by)
    c2 = make_case(
        r2,
        opened=date(2024, 5, 7),
        status=Case.Status.CLOSED,
        closed=date(2024, 6, 20),
        closure_reason=Case.ClosureReason.GOALS_MET,
        strands=[HateStrand.RACE],
    )
    # Self-referral at the end of the quarter: still being contacted.
    make_referral(
        service=service,
        received=date(2024, 6, 28),
        route="self",
        source="self_web",
        status=Referral.Status.CONTACTING,
    )
    # Declined, but only after the quarter ended: awaiting an outcome at quarter end.
    make_referral(
        service=service,
        received=date(2024, 6, 10),
        source="police_upload",
        status=Referral.Status.DECLINED,
        outcome_at=at(date(2024, 7, 5)),
    )
    # Received the quarter before; its case closed in this quarter, not improved.
    r5 = make_referral(service=service, received=date(2024, 3, 28), status=accepted)
    c5 = make_case(
        r5,
        opened=date(2024, 3, 29),
        status=Case.Status.CLOSED,
        closed=date(2024, 4, 15),
        closure_reason=Case.ClosureReason.VICTIM_ENDED,
    )
    # An older case still open, and a transfer that cannot be dated.
    make_case(
        make_referral(service=service, received=date(2024, 1, 30), status=accepted), opened=date(2024, 2, 1)
    )
    make_case(
        make_referral(service=service, received=date(2024, 1, 30), status=accepted),
        opened=date(2024, 2, 1),
        status=Case.Status.TRANSFERRED_OUT,
    )
    # Another provider's service: never counted.
    make_referral(service=world.other_service, received=date(2024, 4, 9))
    measure = make_measure()
    make_reading(c2, measure, OutcomeReading.Timepoint.INTAKE, 2, date(2024, 5, 8), by)
    make_reading(c2, measure, OutcomeReading.Timepoint.EXIT, 4, date(2024, 6, 20), by)
    make_reading(c5, measure, OutcomeReading.Timepoint.INTAKE, 3, date(2024, 3, 29), by)
    make_reading(c5, measure, OutcomeReading.Timepoint.EXIT, 3, date(2024, 4, 15), by)
    # An exit reading with no intake reading is not counted.
    make_reading(c1, measure, OutcomeReading.Timepoint.EXIT, 5, date(2024, 6, 1), by)
    return {"cases": [c1, c2, c5]}


def test_staff_return_counts_the_quarter_exactly(world, quarter_of_work):
    manager = world.member("provider_manager")
    result = provider_return_for_staff(user=manager, service=world.service, quarter=Q1)

    assert result.is_exact
    assert figures(result, "summary") == {
        "Referrals received": 4,
        "Cases opened": 2,
        "Cases open at the end of the quarter": 2,
        "Cases closed": 2,
    }
    assert figures(result, "referrals_by_route") == {
        "Police": 2,
        "Partner agency": 1,
        "Self-referral": 1,
        "Total": 4,
    }
    by_source = figures(result, "referrals_by_source")
    assert by_source["Police referral feed"] == 1
    assert by_source["Police batch upload"] == 1
    assert by_source["Partner agency form"] == 1
    assert by_source["Self-referral online"] == 1
    outcomes = figures(result, "referral_outcomes")
    assert outcomes["Awaiting an outcome at the end of the quarter"] == 2
    assert outcomes["Accepted"] == 2
    assert outcomes["Declined"] == 0
    assert figures(result, "first_contact") == {
        "Contact made by the deadline": 1,
        "Contact made after the deadline": 1,
        "No contact made": 2,
        "Total": 4,
    }
    strands = figures(result, "strands")
    assert strands["Race or ethnicity"] == 2
    assert strands["Religion or belief"] == 1
    assert strands["Strand records (not cases)"] == 3  # two cases, one counted under two strands
    closed = figures(result, "closed_by_reason")
    assert closed["Support complete, goals met"] == 1
    assert closed["The person ended support"] == 1
    assert closed["Total"] == 2
    outcomes_table = section(result, "outcomes")
    assert outcomes_table.table_rows()[0] == ("Feeling safe", [1, 1, 2])


def test_staff_return_is_only_for_the_providers_managers(world, quarter_of_work):
    for key in ("caseworker", "provider_manager_other", "opcc_analyst", "auditor"):
        with pytest.raises(PermissionDenied):
            provider_return_for_staff(user=world.member(key), service=world.service, quarter=Q1)


def test_staff_return_is_in_the_access_log(world, quarter_of_work):
    manager = world.member("provider_manager")
    provider_return_for_staff(user=manager, service=world.service, quarter=Q1)
    entry = AccessLog.objects.get(actor=manager)
    assert entry.action == AccessLog.Action.VIEW
    assert entry.record_label == "provider return Home Service 2024/25 Q1"
    assert entry.organisation == world.provider


@pytest.mark.parametrize("key", ["opcc_admin", "opcc_analyst", "board_member"])
def test_opcc_return_hides_small_counts_and_says_why(world, quarter_of_work, key):
    user = world.member(key)
    result = provider_return_for_opcc(user=user, service=world.service, quarter=Q1)

    assert not result.is_exact
    assert figures(result, "referrals_by_route") == {
        "Police": None,
        "Partner agency": None,
        "Self-referral": None,
        "Total": None,
    }
    assert result.suppressed
    # One reason for all: which hidden figure is the small one is not said.
    assert {note.reason for note in result.suppressed} == {
        f"under {result.threshold}, or hidden so that one under {result.threshold} cannot be worked out"
    }
    assert AccessLog.objects.filter(
        actor=user, record_label="provider return Home Service 2024/25 Q1", organisation=world.provider
    ).exists()


def test_opcc_staff_get_the_operational_threshold_and_the_board_the_published_one(world):
    for day in range(1, 8):
        make_referral(service=world.service, received=date(2024, 4, day))
    make_referral(service=world.service, received=date(2024, 4, 9), route="self", source="self_web")

    analyst = provider_return_for_opcc(user=world.member("opcc_analyst"), service=world.service, quarter=Q1)
    assert (analyst.audience, analyst.threshold) == (Audience.OPERATIONAL, 5)
    # 7 police, 1 self (hidden), 0 agency (hidden so the 1 cannot be worked back from the total).
    assert figures(analyst, "referrals_by_route") == {
        "Police": 7,
        "Partner agency": None,
        "Self-referral": None,
        "Total": 8,
    }

    board = provider_return_for_opcc(user=world.member("board_member"), service=world.service, quarter=Q1)
    assert (board.audience, board.threshold) == (Audience.PUBLISHED, 10)
    assert figures(board, "referrals_by_route")["Police"] is None
    assert figures(board, "referrals_by_route")["Total"] is None


def test_opcc_return_counts_rows_the_opcc_cannot_see(world):
    """The OPCC has no visible rows, yet gets the true (large) counts: nothing but counts leave."""
    analyst = world.member("opcc_analyst")
    for day in range(1, 13):
        make_referral(service=world.service, received=date(2024, 4, day))
    assert not Referral.objects.visible_to(analyst).exists()
    result = provider_return_for_opcc(user=analyst, service=world.service, quarter=Q1)
    assert figures(result, "summary")["Referrals received"] == 12


def test_opcc_return_is_refused_to_provider_staff(world):
    for key in ("provider_manager", "caseworker", "auditor", "force_code_lead"):
        with pytest.raises(PermissionDenied):
            provider_return_for_opcc(user=world.member(key), service=world.service, quarter=Q1)


def test_outcome_scales_can_run_either_way(world):
    by = staff_user()
    measure = make_measure("Worry", scale=["often", "sometimes", "rarely"], higher=True)
    lower = make_measure("Incidents", scale=[], higher=False)
    referral = make_referral(service=world.service, received=date(2024, 4, 1), status="accepted")
    case = make_case(referral, opened=date(2024, 4, 2))
    make_reading(case, measure, "intake", "often", date(2024, 4, 2), by)
    make_reading(case, measure, "exit", "rarely", date(2024, 6, 2), by)
    make_reading(case, lower, "intake", "6", date(2024, 4, 2), by)
    make_reading(case, lower, "exit", "2", date(2024, 6, 2), by)
    result = provider_return_for_staff(
        user=world.member("provider_manager"), service=world.service, quarter=Q1
    )
    rows = dict(section(result, "outcomes").table_rows())
    assert rows["Worry"] == [1, 0, 1]
    assert rows["Incidents"] == [1, 0, 1]


def test_exports_mark_hidden_figures_and_hold_no_case_rows(world, quarter_of_work):
    result = provider_return_for_opcc(user=world.member("opcc_analyst"), service=world.service, quarter=Q1)
    text = provider_return_csv(result)
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Quarter", "2024/25 Q1"] in rows
    assert ["Police", HIDDEN_MARKER] in rows
    assert ["Hidden figures"] in rows
    for case in quarter_of_work["cases"]:
        assert case.reference not in text
        assert case.person.code not in text
        assert str(case.public_id) not in text

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(provider_return_xlsx(result))).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert HIDDEN_MARKER in values
    assert "2024/25 Q1" in values
    for case in quarter_of_work["cases"]:
        assert case.reference not in values


def test_csv_export_neutralises_formulas(world):
    world.service.name = "=HYPERLINK(1)"
    world.service.save()
    result = provider_return_for_staff(
        user=world.member("provider_manager"), service=world.service, quarter=Q1
    )
    assert ["Service", "'=HYPERLINK(1)"] in list(csv.reader(io.StringIO(provider_return_csv(result))))
