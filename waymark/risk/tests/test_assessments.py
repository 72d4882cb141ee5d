"""Risk assessments: the tool as data, counting, bands, judgement, review dates, immutability."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.risk import selectors, services
from waymark.risk.models import RiskAnswer, RiskAssessment, RiskBand, RiskBandSet, RiskSettings

from .helpers import answers_for, submit_assessment

pytestmark = pytest.mark.django_db

# research/case-management.md §2.1, in order.
RESEARCH_LABELS = [
    "injury from the current incident",
    "very frightened",
    "what they are afraid of",
    "isolated from family and friends",
    "depressed or suicidal thoughts",
    "separation in the past year",
    "conflict over child contact",
    "constant contact, stalking or harassment",
    "pregnant or recent baby",
    "abuse happening more often",
    "abuse getting worse",
    "controlling or excessively jealous",
    "weapons or objects used to hurt",
    "threats to kill (the victim or others) that are believed",
    "strangulation, choking, suffocation or drowning",
    "sexual abuse",
    "another person threatening the victim, or who the victim fears",
    "the abuser has hurt anyone else",
    "mistreatment of animals or pets",
    "financial issues or dependence",
    "abuser's drugs, alcohol or mental health problems in the past year",
    "abuser's suicide threats or attempts",
    "breach of bail, injunction or contact agreements",
    "abuser's trouble with the police or criminal history",
]


def test_safelives_dash_24_is_seeded_as_data_with_its_source(dash):
    """24 plain labels in the research's order, the verified threshold, and suggested bands."""
    labels = [q.label.lower() for q in dash.questions.order_by("number")]
    assert labels == RESEARCH_LABELS
    assert dash.marac_threshold == 14
    assert dash.review_interval_days == 42
    assert "safelives.org.uk" in dash.source
    default = RiskBandSet.objects.get(tool=dash, organisation=None)
    assert default.is_suggested
    assert [(b.level, b.min_yes) for b in default.bands.all()] == [
        ("standard", 0),
        ("medium", 10),
        ("high", 14),
    ]


@pytest.mark.parametrize(
    ("yes", "not_known", "band"),
    [
        (0, 0, "standard"),
        (0, 24, "standard"),
        (9, 5, "standard"),
        (10, 0, "medium"),
        (13, 11, "medium"),
        (14, 0, "high"),
        (24, 0, "high"),
    ],
)
def test_yes_answers_are_counted_and_banded(case, caseworker, dash, yes, not_known, band):
    """Only 'yes' counts (not 'not known'); 0 is standard, 10 medium, 14 high."""
    assessment = submit_assessment(case=case, by=caseworker, yes=yes, not_known=not_known)
    assert assessment.yes_count == yes
    assert assessment.score_band == band
    assert assessment.final_level == band
    assert assessment.tool_version == dash.version
    assert assessment.status == "submitted"


def test_bands_come_from_data_and_an_organisation_may_have_its_own(world, case, caseworker, dash):
    """A local band set replaces the default for that organisation only."""
    local = RiskBandSet.objects.create(tool=dash, organisation=world.provider, name="Local", source="Test")
    RiskBand.objects.create(band_set=local, level="standard", min_yes=0)
    RiskBand.objects.create(band_set=local, level="high", min_yes=12)
    assert submit_assessment(case=case, by=caseworker, yes=12).score_band == "high"
    assert selectors.band_set_for(tool=dash, organisation=world.other_provider).level_for(12) == "medium"


def test_every_question_must_be_answered_to_submit(case, caseworker, dash):
    """A draft may be part-done; submitting it names every unanswered question."""
    answers = answers_for(dash, yes=3)
    answers.pop("strangulation")
    draft = services.risk_assessment_save_draft(
        case=case, by=caseworker, tool=dash, context="intake", assessed_at=timezone.now(), answers=answers
    )
    with pytest.raises(ValidationError) as error:
        services.risk_assessment_submit(assessment=draft, by=caseworker)
    assert set(error.value.message_dict) == {"q_strangulation"}
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_professional_judgement_may_raise_the_level_with_a_rationale(case, caseworker):
    """Standard band raised to high: final level high, and MARAC due on judgement."""
    assessment = submit_assessment(
        case=case, by=caseworker, yes=4, judgement="high", rationale="Recent escalation and threats."
    )
    assert assessment.score_band == "standard"
    assert assessment.final_level == "high"
    assert assessment.judgement_raised
    assert case.marac_referrals_due.filter(criterion="professional_judgement").exists()


def test_raising_the_level_needs_a_rationale(case, caseworker):
    """No rationale, no raise: the error is against the rationale and nothing is submitted."""
    with pytest.raises(ValidationError) as error:
        submit_assessment(case=case, by=caseworker, yes=4, judgement="medium")
    assert "professional_judgement_rationale" in error.value.message_dict


def test_professional_judgement_never_lowers_the_level(case, caseworker):
    """14 'yes' is high whatever judgement says; a lower judgement is refused."""
    with pytest.raises(ValidationError) as error:
        submit_assessment(case=case, by=caseworker, yes=14, judgement="medium", rationale="Seems fine.")
    assert "cannot lower" in error.value.message_dict["professional_judgement_level"][0]
    assert not case.risk_assessments.filter(status="submitted").exists()


def test_judgement_equal_to_the_band_changes_nothing(case, caseworker):
    """Choosing the band's own level is not a raise and needs no rationale."""
    assessment = submit_assessment(case=case, by=caseworker, yes=10, judgement="medium")
    assert assessment.final_level == "medium"
    assert not assessment.judgement_raised


def test_review_is_due_six_weeks_after_the_assessment(case, caseworker):
    """Assessed on a date: review 42 days later by default."""
    when = timezone.now() - timedelta(days=3)
    assessment = submit_assessment(case=case, by=caseworker, yes=5, assessed_at=when)
    assert assessment.next_review_due == timezone.localdate(when) + timedelta(days=42)


def test_review_interval_is_configurable_per_tool_and_per_organisation(world, case, caseworker, dash):
    """The tool's interval, overridden by the organisation's setting."""
    dash.review_interval_days = 56
    dash.save()
    today = timezone.localdate()
    assert submit_assessment(case=case, by=caseworker).next_review_due == today + timedelta(days=56)
    RiskSettings.objects.create(organisation=world.provider, review_interval_days=28)
    assert submit_assessment(case=case, by=caseworker).next_review_due == today + timedelta(days=28)


def test_submitted_assessment_is_immutable(case, caseworker, dash):
    """No save, no delete, no resubmission, no draft edit; answers are frozen too."""
    assessment = submit_assessment(case=case, by=caseworker, yes=3)
    assessment.yes_count = 0
    with pytest.raises(PermissionError):
        assessment.save()
    with pytest.raises(PermissionError):
        assessment.delete()
    answer = assessment.answers.get(question__number=1)
    answer.value = "no"
    with pytest.raises(PermissionError):
        answer.save()
    with pytest.raises(PermissionError):
        answer.delete()
    with pytest.raises(ValidationError):
        services.risk_assessment_submit(
            assessment=RiskAssessment.objects.get(pk=assessment.pk), by=caseworker
        )
    with pytest.raises(ValidationError):
        services.risk_assessment_save_draft(
            case=case,
            by=caseworker,
            tool=dash,
            context="review",
            assessed_at=timezone.now(),
            answers={},
            assessment=RiskAssessment.objects.get(pk=assessment.pk),
        )
    assert RiskAssessment.objects.get(pk=assessment.pk).yes_count == 3
    assert RiskAnswer.objects.filter(assessment=assessment, value="yes").count() == 3


def test_a_correction_supersedes_without_changing_the_original(case, caseworker, dash):
    """Correct: a draft copy; once submitted it is the current assessment; the original stays."""
    original = submit_assessment(case=case, by=caseworker, yes=3)
    draft = services.risk_assessment_correct(assessment=original, by=caseworker)
    assert draft.supersedes == original
    assert draft.answers.filter(value="yes").count() == 3
    assert selectors.risk_assessment_latest(case=case) == original  # draft does not replace it yet
    assert services.risk_assessment_correct(assessment=original, by=caseworker) == draft
    services.risk_assessment_save_draft(
        case=case,
        by=caseworker,
        tool=dash,
        context=original.context,
        assessed_at=original.assessed_at,
        answers=answers_for(dash, yes=15),
        assessment=draft,
    )
    corrected = services.risk_assessment_submit(assessment=draft, by=caseworker)
    assert selectors.risk_assessment_latest(case=case) == corrected
    original.refresh_from_db()
    assert original.status == "submitted"
    assert original.yes_count == 3
    with pytest.raises(ValidationError):
        services.risk_assessment_correct(assessment=original, by=caseworker)


@pytest.mark.parametrize(
    "role", ["caseworker_other", "provider_manager_other", "opcc_analyst", "board_member"]
)
def test_outsiders_cannot_write_assessments(world, case, dash, role):
    """Another provider's staff, the OPCC and the board are refused by the service itself."""
    with pytest.raises(PermissionDenied):
        services.risk_assessment_save_draft(
            case=case,
            by=world.member(role),
            tool=dash,
            context="intake",
            assessed_at=timezone.now(),
            answers=answers_for(dash),
        )
    assert not RiskAssessment.objects.exists()


def test_assessments_are_visible_through_the_case_only(world, case, caseworker):
    """visible_to follows Case.objects.visible_to."""
    assessment = submit_assessment(case=case, by=caseworker)
    assert assessment in RiskAssessment.objects.visible_to(world.member("provider_manager"))
    for role in ("caseworker_other", "opcc_analyst", "force_code_lead", "auditor", "partner_caseworker"):
        assert not RiskAssessment.objects.visible_to(world.member(role)).exists()
