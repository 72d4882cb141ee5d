"""Seed the configurable reference data: needs domains, other hostilities, and one outcome framework.

All three are configurable rows (a manager or admin may add, rename or retire them); nothing
here is hard-coded logic. Each row cites where it comes from, and marks what the research
could not verify ([TO VERIFY], see shared/research/case-management.md sections 2.5 and 2.7).
"""

from django.db import migrations

FRAMEWORK_2013 = "Victims' Services Commissioning Framework (MoJ, 2013), 'eight categories of need'"
NEEDS_DOMAINS = [
    # (key, label, source)
    ("safety", "Safety", "Waymark default for victim services (research §5.2); configurable."),
    ("mental_physical_health", "Mental and physical health", f"{FRAMEWORK_2013}; named in its summary."),
    ("shelter_accommodation", "Shelter and accommodation", f"{FRAMEWORK_2013}; named in its summary."),
    ("drugs_alcohol", "Drugs and alcohol", f"{FRAMEWORK_2013}; named in its summary."),
    (
        "family_friends_children",
        "Family, friends and children",
        f"{FRAMEWORK_2013}: [TO VERIFY] probable member of the list; configurable.",
    ),
    (
        "education_skills_employment",
        "Education, skills and employment",
        f"{FRAMEWORK_2013}: [TO VERIFY] probable member of the list; configurable.",
    ),
    (
        "finance_benefits",
        "Finance and benefits",
        f"{FRAMEWORK_2013}: [TO VERIFY] probable member of the list; configurable.",
    ),
    (
        "outlook_attitudes",
        "Outlook and attitudes",
        f"{FRAMEWORK_2013}: [TO VERIFY] probable member of the list; configurable.",
    ),
    (
        "social_interaction",
        "Social interaction",
        f"{FRAMEWORK_2013}: [TO VERIFY] probable member of the list; configurable.",
    ),
    (
        "criminal_justice",
        "Criminal justice (information, court, police)",
        "Waymark default for victim services (research §5.2); configurable.",
    ),
]

OTHER_HOSTILITY_SOURCE = (
    "Not a centrally monitored strand; services and local forces may record it "
    "(askthe.police.uk; research §2.5). Configurable."
)
OTHER_HOSTILITIES = ["Sex or gender (misogyny)", "Age", "Alternative subculture"]

MOJ_SOURCE = (
    "From April 2018 PCCs report against specified outcomes ('cope and recover') and outputs "
    "(Victims' Commissioner, 'Are victims satisfied? Part two', June 2018). The exact current MoJ "
    "outcome question set is [TO VERIFY] against the OPCC's MoJ grant template: these four areas are "
    "the commonly quoted list, not confirmed. The 1 to 5 scale is a Waymark default. Configurable."
)
MOJ_MEASURES = [
    ("health_wellbeing", "Health and wellbeing"),
    ("safety", "Feeling safer"),
    ("coping_everyday_life", "Coping with everyday life"),
    ("feeling_informed", "Feeling informed"),
]


def seed(apps, schema_editor):
    NeedsDomain = apps.get_model("cases", "NeedsDomain")
    OtherHostility = apps.get_model("cases", "OtherHostility")
    OutcomeFramework = apps.get_model("cases", "OutcomeFramework")
    OutcomeMeasure = apps.get_model("cases", "OutcomeMeasure")
    for order, (key, label, source) in enumerate(NEEDS_DOMAINS):
        NeedsDomain.objects.get_or_create(
            key=key, defaults={"label": label, "source": source, "order": order}
        )
    for name in OTHER_HOSTILITIES:
        OtherHostility.objects.get_or_create(name=name, defaults={"source": OTHER_HOSTILITY_SOURCE})
    framework, _ = OutcomeFramework.objects.get_or_create(
        key="moj_cope_and_recover",
        defaults={
            "name": "MoJ PCC grant: cope and recover (unverified)",
            "source": MOJ_SOURCE,
            "is_verified": False,
        },
    )
    for order, (key, label) in enumerate(MOJ_MEASURES):
        OutcomeMeasure.objects.get_or_create(
            framework=framework,
            key=key,
            defaults={"label": label, "scale": ["1", "2", "3", "4", "5"], "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_extend_for_lifecycle")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
