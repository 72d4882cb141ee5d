"""The demo's Victims' Code data: loaded through the importer and the survey, idempotent, and
with the gap between recorded and recalled delivery that the voice page exists to show."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F

from waymark.accounts.demo import demo_load
from waymark.accounts.models import User
from waymark.crime.demo import demo_crime_load
from waymark.victims_code.demo import DEMO_SURVEYOR, demo_code_load, demo_surveyed_quarters
from waymark.victims_code.models import CodeComplaint, CodeDuty, ComplianceAction, SurveyResponse
from waymark.victims_code.voice import Period, recorded_versus_recalled

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


def test_demo_code_data_shows_a_gap_and_loads_once() -> None:
    demo_load()
    demo_crime_load(today=TODAY)
    first = demo_code_load(today=TODAY)
    assert first["duties"] == CodeDuty.objects.count() > 1_000
    assert first["survey_responses"] == SurveyResponse.objects.count() > 50
    # Five complaints and one review meeting's three actions, one of them overdue.
    assert (
        first["complaints_and_actions"]
        == CodeComplaint.objects.count() + ComplianceAction.objects.count()
        == 8
    )
    assert ComplianceAction.objects.filter(due_on__lt=TODAY).count() == 1
    # Every seeded deadline-based entitlement the demo crimes can trigger has duties.
    codes = set(CodeDuty.objects.values_list("entitlement__code", flat=True))
    assert {"R3.WRITTEN_CONFIRMATION", "R4.SUPPORT_REFERRAL", "R6.ARREST_UPDATE", "R7.VPS_OFFER"} <= codes
    assert CodeDuty.objects.exclude(not_applicable_reason="").exists()
    assert CodeDuty.objects.filter(due_on__isnull=False, delivered_on__gt=F("due_on")).exists()  # some late

    start, end = demo_surveyed_quarters(TODAY)
    gap = recorded_versus_recalled(
        user=User.objects.get(email=DEMO_SURVEYOR), period=Period(start, end, "demo quarters")
    )
    by_metric = {right.metric_code: right.overall for right in gap.rights}
    vps = by_metric["M12"]
    # The force records most VPS offers; fewer victims remember one: a gap whose 95% interval
    # is clear of zero. (Seeded: the same figures on every run for this TODAY.)
    assert vps.gap is not None
    assert vps.gap > 20
    assert vps.ci_low is not None
    assert vps.ci_low > 0

    again = demo_code_load(today=TODAY)
    assert again == {"duties": 0, "survey_responses": 0, "complaints_and_actions": 0}
