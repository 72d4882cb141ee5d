"""Demo Victims' Code data: SYNTHETIC duties for the demo crimes, and survey answers that show a
gap between what the force records and what victims remember.

The duties come from `waymark.victims_code.synthetic` (every duty of every demo crime's victims,
delivered or not at rates that look like a force that does most things, slowly) and go in
through the same importer a force's file does (`import_code_duties`), extracted today. Then one
victim in two of the crimes reported in the last two complete quarters is sent a survey link
(made by `survey_invitations_create`, as the OPCC analyst would), and about half of those answer
(`survey_response_submit`, as the victim would). Victims remember less than the records say,
most of all the offer of a Victim Personal Statement: the research's "one in seven" recalled a
VPS offer (research/victims-code.md §2.4), while forces record far more.

Idempotent: the duties file is the same bytes within a month and skipped by its SHA-256; a
victim already sent a link is never sent another.
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from django.utils import timezone

from waymark.accounts.models import User
from waymark.core.models import PoliceForceArea
from waymark.core.periods import FinancialQuarter
from waymark.crime.demo import DEMO_POLICE_FORCE_AREA, DEMO_SEED
from waymark.crime.models import CrimeVictim

from .duties import import_code_duties
from .models import SATISFIED, CodeDuty, Satisfaction, SurveyInvitation
from .synthetic import write_code_duties
from .voice import survey_invitations_create, survey_response_submit


class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...


DEMO_SURVEY_SHARE = 2  # one victim in two of the surveyed quarters is sent a link
DEMO_RESPONSE_RATE = 0.55
DEMO_SURVEYOR = "opcc.analyst@demo.waymark.test"

# The chance a victim says they remember an entitlement, given whether the force recorded it.
# (remembered if recorded, remembered if not recorded): illustrative, not research figures.
RECALL: dict[str, tuple[float, float]] = {
    "recall_written_confirmation": (0.78, 0.12),
    "recall_referral_offer": (0.82, 0.15),
    "recall_vps_offer": (0.25, 0.05),
    "recall_updates": (0.55, 0.1),
}
# The entitlements whose recorded delivery each recall question asks about.
RECALLED_ENTITLEMENTS: dict[str, tuple[str, ...]] = {
    "recall_written_confirmation": ("R3.WRITTEN_CONFIRMATION",),
    "recall_referral_offer": ("R4.SUPPORT_REFERRAL",),
    "recall_vps_offer": ("R7.VPS_OFFER",),
    "recall_updates": (
        "R6.ARREST_UPDATE",
        "R6.INTERVIEW_UPDATE",
        "R6.BAIL_RUI_UPDATE",
        "R6.CPS_DECISION_UPDATE",
    ),
}
SATISFACTION_STAGES = ("ease_of_contact", "actions_taken", "kept_informed", "treatment", "whole_experience")
_SCALE = [choice for choice in Satisfaction.values if choice != Satisfaction.DONT_KNOW]


def demo_surveyed_quarters(today: date) -> tuple[date, date]:
    """The reported dates of the surveyed crimes: the last two complete financial quarters."""
    last = FinancialQuarter.from_date(today).previous()
    return last.previous().start, last.end


def demo_code_load(stdout: _Writer | None = None, *, today: date | None = None) -> dict[str, int]:
    """Import the demo duties and answer the demo surveys; return what was new."""
    today = today or timezone.localdate()
    area = PoliceForceArea.objects.get(code=DEMO_POLICE_FORCE_AREA)
    as_of = today.replace(day=1) - timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="waymark-demo-code-") as directory:
        path = Path(directory) / "SYNTHETIC-code-duties.csv"
        write_code_duties(path, police_force_area_id=area.pk, as_of=as_of, seed=DEMO_SEED)
        result = import_code_duties(path, police_force_area=area, extracted_on=today)
    responses = _demo_survey(area, today)
    governance = _demo_governance(area, today)
    if not result.already_imported or responses:
        # The compliance pages read the rollup; the demo's first page view should not count live.
        from .rollup import metrics_rollup

        metrics_rollup(police_force_area=area)
    if stdout is not None:
        stdout.write(
            f"Demo Victims' Code data: {result.summary()}\n  {responses:,} new survey answers, "
            f"{governance:,} new complaints and review actions.\n"
        )
    return {
        "duties": 0 if result.already_imported else result.new,
        "survey_responses": responses,
        "complaints_and_actions": governance,
    }


def _demo_survey(area: PoliceForceArea, today: date) -> int:
    surveyor = User.objects.filter(email=DEMO_SURVEYOR).first()
    if surveyor is None:
        return 0
    start, end = demo_surveyed_quarters(today)
    invited = set(SurveyInvitation.objects.values_list("crime_id", "victim_ref"))
    chosen = [
        (crime_id, victim, reference)
        for crime_id, victim, reference in CrimeVictim.objects.filter(
            crime__police_force_area=area, crime__reported_on__range=(start, end)
        )
        .order_by("crime__crime_reference", "victim_ref")
        .values_list("crime_id", "victim_ref", "crime__crime_reference")
        if random.Random(f"{DEMO_SEED}:survey:{reference}:{victim}").randrange(DEMO_SURVEY_SHARE) == 0  # noqa: S311
        and (crime_id, victim) not in invited
    ]
    if not chosen:
        return 0
    pairs = [(crime_id, victim) for crime_id, victim, _ in chosen]
    reference_of = {crime_id: reference for crime_id, _, reference in chosen}
    delivered = {
        (reference_of[crime_id], victim): questions
        for (crime_id, victim), questions in _delivered(pairs).items()
    }
    batch = survey_invitations_create(pairs=pairs, by=surveyor)
    answered = 0
    for link in batch.links:
        key = (link.crime_reference, link.victim_ref)
        rng = random.Random(f"{DEMO_SEED}:answers:{link.crime_reference}:{link.victim_ref}")  # noqa: S311
        if rng.random() >= DEMO_RESPONSE_RATE:
            continue
        survey_response_submit(token=link.token, answers=_answers(rng, delivered.get(key, set())))
        answered += 1
    return answered


# (reference, agency, days before today received, working days to acknowledge, to respond, rights,
# outcome): illustrative complaints, by the agency's reference only.
DEMO_COMPLAINTS: tuple[tuple[str, str, int, int | None, int | None, tuple[int, ...], str], ...] = (
    ("PSD-DEMO-0101", "police", 150, 3, 18, (6,), "upheld"),
    ("PSD-DEMO-0102", "police", 120, 12, 25, (4, 6), "partially_upheld"),
    ("WCU-DEMO-0103", "witness_care", 95, 2, 9, (8,), "not_upheld"),
    ("PSD-DEMO-0104", "police", 60, 4, None, (3,), "open"),
    ("CPS-DEMO-0105", "cps", 20, None, None, (6, 7), "open"),
)


def _demo_governance(area: PoliceForceArea, today: date) -> int:
    """A few complaints and one review meeting with its actions, through the services."""
    from waymark.core.workdays import add_working_days

    from .complaints import code_complaint_record
    from .models import CodeComplaint, MetricDefinition, ReviewMeeting, Right
    from .reviews import compliance_action_add, review_meeting_record

    recorder = User.objects.filter(email=DEMO_SURVEYOR).first()
    if recorder is None:
        return 0
    made = 0
    rights = {right.number: right for right in Right.objects.filter(code_version__code="VCOP-2020")}
    for reference, agency, ago, acknowledge, respond, numbers, outcome in DEMO_COMPLAINTS:
        if CodeComplaint.objects.filter(
            police_force_area=area, agency_type=agency, reference=reference
        ).exists():
            continue
        received = today - timedelta(days=ago)
        acknowledged = add_working_days(received, acknowledge) if acknowledge is not None else None
        responded = add_working_days(received, respond) if respond is not None else None
        code_complaint_record(
            by=recorder,
            agency_type=agency,
            reference=reference,
            received_on=received,
            acknowledged_on=acknowledged if acknowledged and acknowledged <= today else None,
            responded_on=responded if responded and responded <= today else None,
            rights=[rights[number] for number in numbers],
            outcome=outcome if responded and responded <= today else CodeComplaint.Outcome.OPEN,
            police_force_area=area,
        )
        made += 1
    title = "Victims and Witnesses Delivery Group (demo)"
    if not ReviewMeeting.objects.filter(police_force_area=area, title=title).exists():
        held = FinancialQuarter.from_date(today).start
        meeting = review_meeting_record(
            by=recorder,
            forum=ReviewMeeting.Forum.VICTIMS_AND_WITNESSES_GROUP,
            held_on=held,
            title=title,
            attendees="OPCC, West Midlands Police, CPS, Witness Care Unit, Probation (all demo)",
            minutes="Reviewed last quarter's compliance return and the victims' survey.",
            police_force_area=area,
        )
        metrics = {
            metric.code: metric for metric in MetricDefinition.objects.filter(code_version__code="VCOP-2020")
        }
        for description, owner, role, due_days, codes in (
            (
                "Remind officers in the case of the 5 and 1 working-day update deadlines.",
                "police",
                "Head of Public Protection",
                30,
                ("M07",),
            ),
            (
                "Offer the Victim Personal Statement at the witness statement and record the answer.",
                "police",
                "Victims' Code lead",
                60,
                ("M12",),
            ),
            (
                "Check why hearing notices miss 1 working day after listing.",
                "witness_care",
                "Witness Care manager",
                -10,
                ("M14",),
            ),
        ):
            compliance_action_add(
                by=recorder,
                meeting=meeting,
                description=description,
                owner_agency=owner,
                owner_role=role,
                due_on=max(held, today + timedelta(days=due_days)),
                metrics=[metrics[code] for code in codes if code in metrics],
            )
            made += 1
    return made


def _delivered(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], set[str]]:
    """For each pair, the recall questions whose entitlements the force recorded as delivered
    (every applicable duty of them delivered)."""
    crime_ids = {crime_id for crime_id, _ in pairs}
    duties: dict[tuple[int, str], dict[str, list[bool]]] = {}
    for crime_id, victim, code, delivered_on in CodeDuty.objects.filter(
        crime_id__in=crime_ids, not_applicable_reason=""
    ).values_list("crime_id", "victim_ref", "entitlement__code", "delivered_on"):
        for question, codes in RECALLED_ENTITLEMENTS.items():
            if code in codes:
                duties.setdefault((crime_id, victim), {}).setdefault(question, []).append(
                    delivered_on is not None
                )
    return {
        pair: {question for question, done in found.items() if done and all(done)}
        for pair, found in duties.items()
    }


def _answers(rng: random.Random, recorded: set[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question, (if_recorded, if_not) in RECALL.items():
        chance = if_recorded if question in recorded else if_not
        draw = rng.random()
        answers[question] = "yes" if draw < chance else ("dont_know" if draw > 0.92 else "no")
    # Victims kept informed are happier: the satisfaction stages lean on the updates.
    lean = 0 if "recall_updates" in recorded else 2
    for stage in SATISFACTION_STAGES:
        answers[stage] = _SCALE[min(len(_SCALE) - 1, max(0, int(rng.triangular(0, 6, 1 + lean))))]
    satisfied = answers["whole_experience"] in SATISFIED
    answers["would_report_again"] = "yes" if rng.random() < (0.85 if satisfied else 0.5) else "no"
    answers["confidence"] = rng.choice(["very", "fairly", "not_very", "not_at_all", "dont_know"])
    answers["aware_of_code"] = "yes" if rng.random() < 0.2 else "no"
    return answers
