"""Seed the SafeLives Dash risk checklist (24 questions) as data, with plain labels and bands.

Sources (research/case-management.md §2.1, read from the pages below):
* 24 questions, and the MARAC threshold of 14 'yes' answers ("visible high risk") [verified]:
  https://safelives.org.uk/practice-support/resources-identifying-risk-victims-face
  https://safelives.org.uk/resources-library/marac-referral-criteria-and-form/
* Topic labels: paraphrased plain labels matched against the DASH 2009 form excerpt; NOT the
  published wording, which is SafeLives' copyright (use SafeLives' own form under its terms).
* Bands 0-9 standard, 10-13 medium, 14+ high: local guidance (Southampton City Council;
  Plymouth Safeguarding Children Board), "suggested risk levels only", so marked suggested and
  configurable; 0 'yes' answers is standard.
* Review every 6 to 8 weeks: SafeLives practice blog "Why review regularly?"; 6 weeks (42 days)
  is the default, configurable per tool and per organisation.
"""

from django.db import migrations

TOOL_KEY = "safelives_dash_24"

QUESTIONS = [
    ("current_injury", "Injury from the current incident"),
    ("very_frightened", "Very frightened"),
    ("what_afraid_of", "What they are afraid of"),
    ("isolated", "Isolated from family and friends"),
    ("depressed_suicidal", "Depressed or suicidal thoughts"),
    ("separation_past_year", "Separation in the past year"),
    ("child_contact_conflict", "Conflict over child contact"),
    ("stalking_harassment", "Constant contact, stalking or harassment"),
    ("pregnant_recent_baby", "Pregnant or recent baby"),
    ("abuse_more_often", "Abuse happening more often"),
    ("abuse_getting_worse", "Abuse getting worse"),
    ("controlling_jealous", "Controlling or excessively jealous"),
    ("weapons_objects", "Weapons or objects used to hurt"),
    ("threats_to_kill", "Threats to kill (the victim or others) that are believed"),
    ("strangulation", "Strangulation, choking, suffocation or drowning"),
    ("sexual_abuse", "Sexual abuse"),
    ("another_person_threat", "Another person threatening the victim, or who the victim fears"),
    ("hurt_anyone_else", "The abuser has hurt anyone else"),
    ("animals_pets", "Mistreatment of animals or pets"),
    ("financial_issues", "Financial issues or dependence"),
    (
        "abuser_drugs_alcohol_mental_health",
        "Abuser's drugs, alcohol or mental health problems in the past year",
    ),
    ("abuser_suicide_threats", "Abuser's suicide threats or attempts"),
    ("breach_of_orders", "Breach of bail, injunction or contact agreements"),
    ("abuser_criminal_history", "Abuser's trouble with the police or criminal history"),
]

BANDS = [("standard", 0), ("medium", 10), ("high", 14)]


def seed(apps, schema_editor):
    RiskTool = apps.get_model("risk", "RiskTool")
    RiskQuestion = apps.get_model("risk", "RiskQuestion")
    RiskBandSet = apps.get_model("risk", "RiskBandSet")
    RiskBand = apps.get_model("risk", "RiskBand")
    tool, _ = RiskTool.objects.update_or_create(
        key=TOOL_KEY,
        defaults={
            "name": "SafeLives Dash risk checklist",
            "version": "SafeLives Dash (24 questions)",
            "source": "SafeLives, 'Resources for identifying the risk victims face' "
            "(safelives.org.uk/practice-support/resources-identifying-risk-victims-face): 24 questions; "
            "'Marac referral criteria and form': 14 or more 'yes' is visible high risk. "
            "Not the police DASH (2009, 27 questions). research/case-management.md §2.1.",
            "licence_note": "The published question wording is SafeLives' copyright. Waymark stores plain "
            "topic labels only; practitioners use SafeLives' own form under its terms and record the answers here.",
            "marac_threshold": 14,
            "review_interval_days": 42,
            "is_active": True,
        },
    )
    for number, (key, label) in enumerate(QUESTIONS, start=1):
        RiskQuestion.objects.update_or_create(tool=tool, number=number, defaults={"key": key, "label": label})
    band_set, _ = RiskBandSet.objects.update_or_create(
        tool=tool,
        organisation=None,
        defaults={
            "name": "Suggested levels (local guidance)",
            "source": "Southampton City Council and Plymouth Safeguarding Children Board DASH guidance: "
            "1-9 standard, 10-13 medium, 14+ high, 'suggested risk levels only - other factors may increase "
            "risk level, but will not reduce it'. 0 'yes' is standard. Configurable.",
            "is_suggested": True,
        },
    )
    for level, min_yes in BANDS:
        RiskBand.objects.update_or_create(band_set=band_set, level=level, defaults={"min_yes": min_yes})


def unseed(apps, schema_editor):
    RiskTool = apps.get_model("risk", "RiskTool")
    RiskTool.objects.filter(key=TOOL_KEY, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
