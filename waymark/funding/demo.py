"""Demo funding data: the seed paper's money and posts (paragraphs 32 to 45 and Table 1).

Everything the paper prints is here exactly; what it does not print is either left out or, where
a row needs a value, marked "Illustrative" in the row's own notes, description or reason.

**The MoJ National ISVA and IDVA Fund in pennies.** The paper prints £3,287,133 over two years,
£1,617,802 for 2021/22, £1,669,330 indicative for 2022/23, an existing ISVA commitment of
£217,494 and £1,400,307.91 to distribute. Those cannot all be exact pounds: 1,617,802 - 217,494
= 1,400,308, not 1,400,307.91. So the paper's figures are rounded from penny amounts, and the
demo uses penny amounts from which every printed figure comes out as printed when shown to the
pound, and £1,400,307.91 to the penny:

    2021/22 allocation    £1,617,802.40  -> "£1,617,802"
    ISVA commitment       £217,494.49    -> "£217,494"
    to distribute         £1,617,802.40 - £217,494.49 = £1,400,307.91 (printed to the penny)
    2022/23 (indicative)  £1,669,330.49  -> "£1,669,330"
    both years            £1,617,802.40 + £1,669,330.49 = £3,287,132.89 -> "£3,287,133"

These pennies are a reconstruction (any amounts rounding the same way would do); the pounds are
the paper's.

**Table 1's posts (paragraph 39), read as follows.** 33 IDVA posts and 8 ISVA posts, one row per
post (1.00 FTE each, paid by the MoJ fund in both years). The table's layout is ambiguous in
places; where the text does not say, this reading is used:

- Birmingham and Solihull: 12 MARAC IDVAs (6 of them, 50%, with the language specialism), 1 BAME
  MARAC IDVA for African Caribbean women, 1 older women's MARAC IDVA (over 55s), 3 Courts IDVAs
  (1 holding the Black and minoritised specialism: "minimum of 1 BAME"), 2 DAPO IDVAs (the paper:
  "to pilot this work across Birmingham", so they cover Birmingham only, shown in this row).
  ISVAs: 2 ISVAs and 1 CYP ISVA.
- Coventry: 1 IDVA with a Polish/Eastern European language specialism; 1 ISVA.
- Wolverhampton: 1 BAME IDVA and 1 CJ IDVA.
- Black Country (Sandwell, Dudley): 2 IDVAs for Black and minoritised victims, 1 YP IDVA
  covering Dudley, 1 YP IDVA covering Sandwell, 1 IDVA for elderly victims (over 55s) (READING:
  the paper's column does not say which of these two areas the Black and minoritised and
  elderly IDVAs cover; both are given Sandwell and Dudley); ISVAs: 1 CYP ISVA for
  Sandwell/Dudley.
- Walsall: 1 YP IDVA covering Walsall, 1 IDVA for victims with disabilities.
- Posts covering several areas: 2 LGBT IDVAs (Sandwell, Dudley, Walsall, Wolverhampton and
  Coventry), 1 IDVA for male victims (Sandwell, Dudley and Walsall), 1 IDVA for women in the
  criminal justice system (READING: its cell names no area; taken as the whole West Midlands);
  ISVAs: 1 specialist sex worker ISVA (READING: no area printed; the whole West Midlands), 1 CYP
  ISVA (Walsall and Wolverhampton), 1 ISVA for male victims (Sandwell, Dudley and Walsall).

**Who each post supports is a reconstruction.** The paper gives only totals (paragraph 37: of
33 IDVAs, nine support female and male victims, one male victims only, twenty-three female
victims only). The demo chooses: female and male (9) = the 2 DAPO IDVAs, the 3 YP IDVAs, the
elderly IDVA, the disabilities IDVA and the 2 LGBT IDVAs; male only (1) = the male victims'
IDVA; female only (23) = the 12 MARAC IDVAs, the African Caribbean women's and older women's
MARAC IDVAs, the 3 Courts IDVAs, the Polish language IDVA, Wolverhampton's BAME and CJ IDVAs, the
2 Black and minoritised IDVAs and the women in the CJS IDVA. ISVAs: the male victims' ISVA
supports male victims, the rest female and male victims (not printed either).

**Awards.** An IDVA award and an ISVA award from the MoJ fund for 2021/22 (confirmed) and
2022/23 (indicative). The paper does not print how the £1,400,307.91 is split between them:
the split is Illustrative (£1,155,000.00 IDVA, £245,307.91 ISVA in 2021/22, adding up to the
£1,400,307.91 to distribute; year 2 likewise Illustrative). Home Office perpetrator funding
round 1 (launched September 2020, 12 months: 6 months Home Office, 6 months OPCC match, ending
September 2021; the start, 1 October 2020, is a reading that makes the 12 months end in September
and fall 6 and 6 across the financial years): the Regional DVPP and the Drive Project, each
extended by the OPCC for two months to 30 November 2021 "to allow safe demobilisation" (an
extension variation), and YUVA continuing to March 2022; every round 1 amount is Illustrative.
Round 2: £209,332.78 for 1 August 2021 to 31 March 2022 for the Early Awareness Stalking
Intervention (printed), matched "in kind" (a match contribution whose value the paper does not
print: Illustrative, equal to the award).

**Award dates.** `Award.awarded_on` is set only where the paper gives the decision's date: the
Early Awareness Stalking Intervention, announced as awarded on 22 July 2021 (paragraph 45). The
paper gives no decision date for the MoJ fund's awards or round 1 (September 2020 is when the
Home Office launched the fund, not when it decided), so theirs are left empty.

**Budget lines and monitoring returns (all Illustrative).** The paper reports no budgets or
returns. Each award's funding for a year is budgeted on four lines (salaries, on-costs,
non-pay, overheads, each described as illustrative) naming the source that pays that year,
adding up exactly to the year's funding. Every award's returns are scheduled by its sources'
cadence (all quarterly) with `monitoring_returns_schedule`, and its history is written through
the workflow services, as the funded providers' managers (`PROVIDER_MANAGERS`, made here: the
accounts demo's provider manager is Remedi's, which holds no award) and the OPCC analyst would
have done it:

- every period is submitted three weeks after it ends and accepted, with spend on each budget
  line near the straight-line profile, outputs and a short narrative, except:
- the ISVA award's July to September 2021 return was sent back for changes, then resubmitted and
  accepted; YUVA's January to March 2021 return was submitted after its due date;
- the ISVA award's last return (January to March 2023) is submitted and awaits the OPCC's
  review, and the IDVA award's last return is still due, for the IDVA provider's manager to
  submit. Every demo award ended by 31 March 2023, so that return is past its due date and shows
  as late: an award running today would have to be invented.

The Regional DVPP and Drive take no new referrals in their last period (to 30 November 2021),
the paper's "safe demobilisation".

**Returns to the funder.** The MoJ fund's quarterly return is built (`funder_return_build`) for
every quarter whose providers' returns are all accepted, April 2021 to December 2022, and left
as a draft: the paper gives no date any return went to the MoJ, so none is marked as sent.

Idempotent: rows are found by their natural keys (names, award references, the demo key in a
post's notes, a budget line's year and description, a return's period) and only what is missing
is created; a return is only moved on from "due", so one a person has since submitted is kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, ORGANISATIONS, demo_load
from waymark.accounts.models import Membership, Organisation, User
from waymark.accounts.roles import Role
from waymark.core.models import LocalAuthority
from waymark.core.periods import FinancialQuarter, FinancialYear

from . import returns
from .models import (
    IDVA_ROLES,
    ISVA_ROLES,
    PENNY,
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    BudgetLine,
    Commitment,
    FundedPost,
    Funder,
    FunderReturn,
    FundingSource,
    FundingStatus,
    MatchContribution,
    MonitoringReturn,
    PostFundingShare,
    PostRole,
    Specialism,
)


class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...


ILLUSTRATIVE = "Illustrative: the seed paper prints no figure for this; the amount is made up for the demo."
PAPER = "West Midlands victims portfolio board paper"

# The MoJ fund in pennies (see the module docstring).
MOJ_FUND = "National ISVA and IDVA Fund"
MOJ_2021 = Decimal("1617802.40")
MOJ_2022 = Decimal("1669330.49")
ISVA_COMMITMENT = Decimal("217494.49")
EASI_AWARD = Decimal("209332.78")
# Paragraph 45: "On 22nd July 2021 it was announced that [the PCC] ... has been awarded £209,332.78".
EASI_AWARDED_ON = date(2021, 7, 22)

DA_PROVIDER = "Domestic abuse advocacy provider (demo)"
SV_PROVIDER = "Sexual violence advocacy provider (demo)"
PERPETRATOR_PROVIDER = "Perpetrator programmes provider (demo)"
OPCC = "West Midlands Office of the Police and Crime Commissioner"

BIRMINGHAM, COVENTRY, DUDLEY, SANDWELL, SOLIHULL, WALSALL, WOLVERHAMPTON = (
    "E08000025",
    "E08000026",
    "E08000027",
    "E08000028",
    "E08000029",
    "E08000030",
    "E08000031",
)
WEST_MIDLANDS = (BIRMINGHAM, COVENTRY, DUDLEY, SANDWELL, SOLIHULL, WALSALL, WOLVERHAMPTON)
BS, BC = "Birmingham and Solihull", "Black Country (Sandwell, Dudley)"
ALL, FEMALE, MALE = FundedPost.Supports.ALL, FundedPost.Supports.FEMALE, FundedPost.Supports.MALE

# (demo key, role, title, supports, area label, local authorities, specialisms, how many)
PostSpec = tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...], int]
IDVA_POSTS: list[PostSpec] = [
    (
        "bs-marac-lang",
        PostRole.MARAC_IDVA,
        "MARAC IDVA",
        FEMALE,
        BS,
        (BIRMINGHAM, SOLIHULL),
        ("marac", "language"),
        6,
    ),
    ("bs-marac", PostRole.MARAC_IDVA, "MARAC IDVA", FEMALE, BS, (BIRMINGHAM, SOLIHULL), ("marac",), 6),
    (
        "bs-marac-african-caribbean",
        PostRole.MARAC_IDVA,
        "BAME MARAC IDVA for African Caribbean women",
        FEMALE,
        BS,
        (BIRMINGHAM, SOLIHULL),
        ("marac", "black-minoritised"),
        1,
    ),
    (
        "bs-marac-older",
        PostRole.MARAC_IDVA,
        "Older women's MARAC IDVA (over 55s)",
        FEMALE,
        BS,
        (BIRMINGHAM, SOLIHULL),
        ("marac", "older-people"),
        1,
    ),
    (
        "bs-courts-bame",
        PostRole.COURT_IDVA,
        "Courts IDVA",
        FEMALE,
        BS,
        (BIRMINGHAM, SOLIHULL),
        ("courts", "black-minoritised"),
        1,
    ),
    ("bs-courts", PostRole.COURT_IDVA, "Courts IDVA", FEMALE, BS, (BIRMINGHAM, SOLIHULL), ("courts",), 2),
    (
        "bs-dapo",
        PostRole.DAPO_IDVA,
        "DAPO IDVA (pilot across Birmingham)",
        ALL,
        BS,
        (BIRMINGHAM,),
        ("dapo",),
        2,
    ),
    (
        "cov-polish",
        PostRole.IDVA,
        "IDVA with a Polish/Eastern European language specialism",
        FEMALE,
        "Coventry",
        (COVENTRY,),
        ("language",),
        1,
    ),
    (
        "wolv-bame",
        PostRole.IDVA,
        "BAME IDVA",
        FEMALE,
        "Wolverhampton",
        (WOLVERHAMPTON,),
        ("black-minoritised",),
        1,
    ),
    ("wolv-cj", PostRole.CJ_IDVA, "CJ IDVA", FEMALE, "Wolverhampton", (WOLVERHAMPTON,), (), 1),
    (
        "bc-black-minoritised",
        PostRole.IDVA,
        "IDVA for victims from Black and minoritised ethnic groups",
        FEMALE,
        BC,
        (SANDWELL, DUDLEY),
        ("black-minoritised",),
        2,
    ),
    (
        "bc-yp-dudley",
        PostRole.YOUNG_PERSONS_IDVA,
        "YP IDVA covering Dudley",
        ALL,
        BC,
        (DUDLEY,),
        ("young-people",),
        1,
    ),
    (
        "bc-elderly",
        PostRole.IDVA,
        "IDVA for elderly victims (over 55s)",
        ALL,
        BC,
        (SANDWELL, DUDLEY),
        ("older-people",),
        1,
    ),
    (
        "bc-yp-sandwell",
        PostRole.YOUNG_PERSONS_IDVA,
        "YP IDVA covering Sandwell",
        ALL,
        BC,
        (SANDWELL,),
        ("young-people",),
        1,
    ),
    (
        "wal-yp",
        PostRole.YOUNG_PERSONS_IDVA,
        "YP IDVA covering Walsall",
        ALL,
        "Walsall",
        (WALSALL,),
        ("young-people",),
        1,
    ),
    (
        "wal-disabilities",
        PostRole.IDVA,
        "IDVA for victims with disabilities",
        ALL,
        "Walsall",
        (WALSALL,),
        ("disabled-victims",),
        1,
    ),
    (
        "lgbt",
        PostRole.IDVA,
        "LGBT IDVA",
        ALL,
        "Sandwell, Dudley, Walsall, Wolverhampton and Coventry",
        (SANDWELL, DUDLEY, WALSALL, WOLVERHAMPTON, COVENTRY),
        ("lgbt",),
        2,
    ),
    (
        "male-sdw",
        PostRole.IDVA,
        "IDVA for male victims",
        MALE,
        "Sandwell, Dudley and Walsall",
        (SANDWELL, DUDLEY, WALSALL),
        ("male-victims",),
        1,
    ),
    (
        "women-cjs",
        PostRole.IDVA,
        "IDVA for women in the criminal justice system",
        FEMALE,
        "the West Midlands",
        WEST_MIDLANDS,
        ("women-cjs",),
        1,
    ),
]
ISVA_POSTS: list[PostSpec] = [
    ("bs-isva", PostRole.ISVA, "ISVA", ALL, BS, (BIRMINGHAM, SOLIHULL), (), 2),
    (
        "bs-cyp-isva",
        PostRole.CYP_ISVA,
        "CYP ISVA",
        ALL,
        BS,
        (BIRMINGHAM, SOLIHULL),
        ("children-young-people",),
        1,
    ),
    ("cov-isva", PostRole.ISVA, "ISVA", ALL, "Coventry", (COVENTRY,), (), 1),
    (
        "sex-worker-isva",
        PostRole.ISVA,
        "Specialist sex worker ISVA",
        ALL,
        "the West Midlands",
        WEST_MIDLANDS,
        ("sex-workers",),
        1,
    ),
    (
        "ww-cyp-isva",
        PostRole.CYP_ISVA,
        "CYP ISVA",
        ALL,
        "Walsall and Wolverhampton",
        (WALSALL, WOLVERHAMPTON),
        ("children-young-people",),
        1,
    ),
    (
        "bc-cyp-isva",
        PostRole.CYP_ISVA,
        "CYP ISVA",
        ALL,
        BC,
        (SANDWELL, DUDLEY),
        ("children-young-people",),
        1,
    ),
    (
        "male-isva",
        PostRole.ISVA,
        "ISVA for male victims and survivors",
        MALE,
        "Sandwell, Dudley and Walsall",
        (SANDWELL, DUDLEY, WALSALL),
        ("male-victims",),
        1,
    ),
]

SUPPORTS_NOTE = (
    "Who the post supports is a reconstruction: the paper gives only the totals "
    "(paragraph 37), not each post's."
)


def _post_key(key: str, number: int) -> str:
    return f"Demo post {key}-{number:02}."


def _count(created: dict[str, int], name: str, made: bool) -> None:
    created[name] = created.get(name, 0) + int(made)


@transaction.atomic
def demo_funding_load(stdout: _Writer | None = None) -> dict[str, int]:
    """Create whatever of the demo funding is missing; return how many rows of each were made."""
    created: dict[str, int] = {}
    orgs: dict[str, Organisation] = {}
    for name, short_name, org_type in ORGANISATIONS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "type": org_type}
        )

    def funder(name: str, short: str, org_id: str = "") -> Funder:
        row, made = Funder.objects.get_or_create(name=name, defaults={"short_name": short, "org_id": org_id})
        _count(created, "funders", made)
        return row

    moj = funder("Ministry of Justice", "MoJ", "GB-GOR-D18")
    home_office = funder("Home Office", "HO", "GB-GOR-D25")
    opcc = funder("West Midlands Office of the Police and Crime Commissioner", "WMOPCC")

    def source(name: str, who: Funder, programme: str, **defaults: Any) -> FundingSource:
        row, made = FundingSource.objects.get_or_create(
            name=name, defaults={"funder": who, "programme": programme, **defaults}
        )
        _count(created, "sources", made)
        return row

    moj_fund = source(
        MOJ_FUND,
        moj,
        FundingSource.Programme.ISVA_IDVA_RING_FENCED,
        ring_fenced=True,
        ring_fence_roles=sorted(str(role) for role in IDVA_ROLES | ISVA_ROLES),
        conditions=(
            "Ring-fenced to IDVA and ISVA posts. The MoJ has committed to fund posts for two years but "
            "confirmed year one only; year two is confirmed once the OPCC tells the MoJ, before the end "
            f"of the financial year, how 2021/22's funding was used ({PAPER}, paragraphs 33 and 36)."
        ),
    )
    round1 = source(
        "Domestic Abuse Perpetrator Fund, round 1 (2020)",
        home_office,
        FundingSource.Programme.HOME_OFFICE_PERPETRATOR,
        conditions="12 months: 6 months Home Office funding and 6 months OPCC match funding (paragraph 41).",
    )
    round2 = source(
        "Domestic Abuse Perpetrator Fund, round 2 (2021)",
        home_office,
        FundingSource.Programme.HOME_OFFICE_PERPETRATOR,
        conditions=(
            "Innovative domestic abuse, stalking and adolescent perpetrator programmes; PCCs may apply "
            "as lead organisations; proportionate match funding (paragraphs 44 and 45)."
        ),
    )
    opcc_budget = source("OPCC victims and perpetrator budget", opcc, FundingSource.Programme.OPCC_BUDGET)

    def allocation(
        src: FundingSource, year: str, amount: Decimal, status: str, notified: date, notes: str
    ) -> None:
        if Allocation.objects.filter(funding_source=src, financial_year=year).exists():
            return
        Allocation.objects.create(
            funding_source=src,
            financial_year=year,
            amount=amount,
            status=status,
            notified_on=notified,
            reference=f"Demo: {PAPER}",
            notes=notes,
        )
        _count(created, "allocations", True)

    pennies = (
        "The paper prints this to the pound; the pennies are reconstructed so that every printed "
        "figure, and £1,400,307.91 to distribute, come out as printed."
    )
    allocation(
        moj_fund,
        "2021/22",
        MOJ_2021,
        Allocation.Status.CONFIRMED,
        date(2021, 4, 1),
        f"Paragraph 34: £1,617,802. {pennies} Notified date illustrative.",
    )
    allocation(
        moj_fund,
        "2022/23",
        MOJ_2022,
        Allocation.Status.INDICATIVE,
        date(2021, 4, 1),
        f"Paragraph 34: indicative £1,669,330. {pennies} Notified date illustrative.",
    )
    allocation(
        round1, "2020/21", Decimal("135000.00"), Allocation.Status.CONFIRMED, date(2020, 9, 30), ILLUSTRATIVE
    )
    allocation(
        round1, "2021/22", Decimal("30000.00"), Allocation.Status.CONFIRMED, date(2020, 9, 30), ILLUSTRATIVE
    )
    allocation(
        round2,
        "2021/22",
        EASI_AWARD,
        Allocation.Status.CONFIRMED,
        date(2021, 7, 22),
        "Paragraph 45: announced 22 July 2021, £209,332.78 for 1 August 2021 to 31 March 2022.",
    )
    _, made = Commitment.objects.get_or_create(
        funding_source=moj_fund,
        financial_year="2021/22",
        description="Existing funding commitment for ISVAs",
        defaults={"amount": ISVA_COMMITMENT},
    )
    _count(created, "commitments", made)

    def award(
        reference: str, org: str, title: str, start: date, end: date, description: str, **extra: Any
    ) -> Award:
        row, made = Award.objects.get_or_create(
            reference=reference,
            defaults={
                "organisation": orgs[org],
                "title": title,
                "start_on": start,
                "end_on": end,
                "description": description,
                **extra,
            },
        )
        _count(created, "awards", made)
        return row

    def line(
        row: Award, src: FundingSource, year: str, amount: Decimal, status: str = FundingStatus.CONFIRMED
    ) -> None:
        _, made = AwardFunding.objects.get_or_create(
            award=row, funding_source=src, financial_year=year, defaults={"amount": amount, "status": status}
        )
        _count(created, "award_lines", made)

    split = (
        "Illustrative split: the paper prints £1,400,307.91 to distribute across IDVA and ISVA "
        "services in 2021/22 but not how much each award gets; the 2022/23 lines are illustrative too."
    )
    idva_award = award(
        "DEMO-MOJ-IDVA-2021",
        DA_PROVIDER,
        "IDVA posts (MoJ National ISVA and IDVA Fund)",
        date(2021, 4, 1),
        date(2023, 3, 31),
        f"The 33 IDVA posts of Table 1. {split}",
    )
    isva_award = award(
        "DEMO-MOJ-ISVA-2021",
        SV_PROVIDER,
        "ISVA posts (MoJ National ISVA and IDVA Fund)",
        date(2021, 4, 1),
        date(2023, 3, 31),
        f"The 8 ISVA posts of Table 1. {split}",
    )
    line(idva_award, moj_fund, "2021/22", Decimal("1155000.00"))
    line(isva_award, moj_fund, "2021/22", Decimal("245307.91"))
    line(idva_award, moj_fund, "2022/23", Decimal("1190000.00"), FundingStatus.INDICATIVE)
    line(isva_award, moj_fund, "2022/23", Decimal("261836.00"), FundingStatus.INDICATIVE)

    # Home Office perpetrator funding, round 1, with the OPCC's match and its extension.
    round1_text = (
        "Home Office domestic abuse perpetrator funding, round 1: 12 months, 6 months Home Office and "
        "6 months OPCC match, to conclude in September 2021 (paragraphs 40 and 41). Start date and "
        "every amount illustrative."
    )
    for reference, title, ho, match, extension in (
        (
            "DEMO-HO-DAPF1-DVPP",
            "Regional DVPP enhancement",
            Decimal("60000.00"),
            Decimal("60000.00"),
            Decimal("20000.00"),
        ),
        (
            "DEMO-HO-DAPF1-DRIVE",
            "Drive Project enhancement",
            Decimal("45000.00"),
            Decimal("45000.00"),
            Decimal("15000.00"),
        ),
    ):
        row = award(
            reference, PERPETRATOR_PROVIDER, title, date(2020, 10, 1), date(2021, 11, 30), round1_text
        )
        line(row, round1, "2020/21", ho)
        line(row, opcc_budget, "2021/22", match + extension)
        _, made = AwardVariation.objects.get_or_create(
            award=row,
            kind=AwardVariation.Kind.EXTENSION,
            defaults={
                "reason": (
                    "The OPCC provided an additional two months' funding until 30 November 2021 to allow "
                    "safe demobilisation of these services (paragraph 42). "
                    "Illustrative: the amount and the decision date."
                ),
                "decision_reference": "Demo",
                "decided_on": date(2021, 9, 1),
                "previous_end_on": date(2021, 9, 30),
                "new_end_on": date(2021, 11, 30),
                "funding_source": opcc_budget,
                "financial_year": "2021/22",
                "amount_delta": extension,
            },
        )
        _count(created, "variations", made)
    yuva = award(
        "DEMO-HO-DAPF1-YUVA",
        PERPETRATOR_PROVIDER,
        "YUVA: young people using violence and abuse towards parents and carers",
        date(2020, 10, 1),
        date(2022, 3, 31),
        "Funded through round 1 of the Home Office perpetrator funding and continuing until March 2022 "
        "(paragraph 43). Start date and amounts illustrative.",
    )
    line(yuva, round1, "2020/21", Decimal("30000.00"))
    line(yuva, round1, "2021/22", Decimal("30000.00"))

    # Round 2: the Early Awareness Stalking Intervention, matched in kind.
    easi = award(
        "DEMO-HO-DAPF2-EASI",
        PERPETRATOR_PROVIDER,
        "Early Awareness Stalking Intervention",
        date(2021, 8, 1),
        date(2022, 3, 31),
        "Home Office perpetrator funding, round 2: a clinical psychology intervention addressing the "
        "behaviour of ex-intimate stalking perpetrators across the force area (paragraphs 44 and 45). "
        "The provider is the demo's; the paper names none.",
        stated_total=EASI_AWARD,
        decision_reference="Home Office announcement, 22 July 2021",
        awarded_on=EASI_AWARDED_ON,
    )
    if easi.awarded_on is None:  # loaded before awards had a decision date
        easi.awarded_on = EASI_AWARDED_ON
        easi.save(update_fields=["awarded_on", "updated_at"])
    line(easi, round2, "2021/22", EASI_AWARD)
    _, made = MatchContribution.objects.get_or_create(
        award=easi,
        financial_year="2021/22",
        contributor="West Midlands OPCC and partners",
        defaults={
            "kind": MatchContribution.Kind.IN_KIND,
            "description": (
                "Proportionate match 'in kind' to deliver the intervention for 12 months (paragraph 45). "
                "Illustrative value: the paper prints none, so it is set equal to the award."
            ),
            "valuation_method": MatchContribution.Valuation.MARKET_VALUE,
            "amount": EASI_AWARD,
        },
    )
    _count(created, "match_contributions", made)

    # Table 1's posts, each paid in full by the MoJ fund in both years.
    authorities = {la.code: la for la in LocalAuthority.objects.filter(code__in=WEST_MIDLANDS)}
    specialisms = {s.code: s for s in Specialism.objects.all()}
    for specs, row in ((IDVA_POSTS, idva_award), (ISVA_POSTS, isva_award)):
        for key, role, title, supports, area, codes, codes_of_specialisms, how_many in specs:
            for number in range(1, how_many + 1):
                marker = _post_key(key, number)
                post = FundedPost.objects.filter(notes__startswith=marker).first()
                if post is None:
                    post = FundedPost.objects.create(
                        award=row,
                        organisation=row.organisation,
                        role=role,
                        title=title,
                        supports=supports,
                        area_label=area,
                        fte=Decimal("1.00"),
                        status=FundedPost.Status.FILLED,
                        notes=f"{marker} Seed paper Table 1 (paragraph 39). {SUPPORTS_NOTE}",
                    )
                    post.local_authorities.set([authorities[code] for code in codes])
                    post.specialisms.set([specialisms[code] for code in codes_of_specialisms])
                    _count(created, "posts", True)
                for year in ("2021/22", "2022/23"):
                    _, made = PostFundingShare.objects.get_or_create(
                        post=post,
                        funding_source=moj_fund,
                        financial_year=year,
                        defaults={"fte_share": Decimal("1.00")},
                    )
                    _count(created, "post_shares", made)

    _demo_budgets_and_returns(created)
    _demo_funder_returns(moj_fund, created)
    if stdout is not None:
        summary = ", ".join(f"{n} {k}" for k, n in created.items())
        stdout.write(f"Demo funding loaded (created: {summary}).\n")
        managers = ", ".join(email for email, _, _ in PROVIDER_MANAGERS)
        stdout.write(
            f"Funded providers' managers, who submit monitoring returns (same password and "
            f"authenticator secret as the demo users): {managers}.\n"
        )
    return created


# --- budget lines and monitoring returns (all Illustrative) ------------------------------------

# The funded providers' managers, who submit the demo's returns: (e-mail, name, organisation).
# The accounts demo's provider manager is Remedi's, which holds no award in the funding demo.
PROVIDER_MANAGERS: tuple[tuple[str, str, str], ...] = (
    ("idva.manager@demo.waymark.test", "Demo IDVA service manager", DA_PROVIDER),
    ("isva.manager@demo.waymark.test", "Demo ISVA service manager", SV_PROVIDER),
    ("programmes.manager@demo.waymark.test", "Demo perpetrator programmes manager", PERPETRATOR_PROVIDER),
)
# Who reviews the returns: the accounts demo's OPCC analyst.
REVIEWER = "opcc.analyst@demo.waymark.test"

# How a year's funding is budgeted: (category, description after the staff's name or alone, share).
# Salaries take whatever the other lines' rounding leaves, so the lines add up to the penny.
BUDGET_SHARES: tuple[tuple[str, str, Decimal], ...] = (
    (BudgetLine.Category.SALARY, "salaries", Decimal("0.76")),
    (BudgetLine.Category.ON_COSTS, "Employer's National Insurance and pension", Decimal("0.17")),
    (BudgetLine.Category.NON_PAY, "Travel, training and equipment", Decimal("0.04")),
    (BudgetLine.Category.OVERHEADS, "Management and overheads", Decimal("0.03")),
)
# Spend in a period against the straight line, by quarter of the financial year: a little under in
# the first half, a little over at the year end (99.25% of the budget over a whole year).
SPEND_PROFILE: dict[int, Decimal] = {
    1: Decimal("0.93"),
    2: Decimal("0.99"),
    3: Decimal("1.01"),
    4: Decimal("1.04"),
}
SUBMITTED_AFTER = timedelta(days=21)  # a return is submitted three weeks after its period ends

ILLUSTRATIVE_RETURN = (
    "Illustrative: the seed paper reports no monitoring returns; this one is made up for the demo."
)

IDVA_AWARD, ISVA_AWARD = "DEMO-MOJ-IDVA-2021", "DEMO-MOJ-ISVA-2021"
YUVA_AWARD = "DEMO-HO-DAPF1-YUVA"
# The returns whose history is not "submitted on time and accepted": (award, period start).
LEFT_DUE = (IDVA_AWARD, date(2023, 1, 1))
AWAITING_REVIEW = (ISVA_AWARD, date(2023, 1, 1))
SENT_BACK_THEN_ACCEPTED = (ISVA_AWARD, date(2021, 7, 1))
SUBMITTED_LATE = (YUVA_AWARD, date(2021, 1, 1))
CHANGES_ASKED = (
    "Please say how many of the referrals were for children and young people (the CYP ISVA posts)."
)


@dataclass(frozen=True)
class _ReturnProfile:
    """What an award's demo returns look like."""

    staff: str  # whose salaries the budget pays, e.g. "IDVAs'"
    referrals: int  # referrals in a typical quarter
    opened: float  # the share of referrals that open a case
    work: str  # the narrative's first sentence
    own_measure: str = ""  # the provider's own output measure, if it reports one
    risks: str = ""
    winds_down: bool = False  # no new referrals in the last period; every case closed


PROFILES: dict[str, _ReturnProfile] = {
    IDVA_AWARD: _ReturnProfile(
        "IDVAs'", 640, 0.75, "The 33 IDVA posts of Table 1 supported high-risk victims of domestic abuse."
    ),
    ISVA_AWARD: _ReturnProfile(
        "ISVAs'",
        170,
        0.8,
        "The 8 ISVA posts of Table 1 supported victims and survivors of sexual violence.",
        risks="Waits for trial keep ISVA cases open for longer, so caseloads grow.",
    ),
    "DEMO-HO-DAPF1-DVPP": _ReturnProfile(
        "Programme facilitators'",
        40,
        0.7,
        "The enhanced Regional DVPP ran its groups for perpetrators of domestic abuse.",
        own_measure="Programme completions",
        winds_down=True,
    ),
    "DEMO-HO-DAPF1-DRIVE": _ReturnProfile(
        "Case managers'",
        24,
        0.8,
        "The enhanced Drive Project worked with high-harm, high-risk perpetrators of domestic abuse.",
        winds_down=True,
    ),
    YUVA_AWARD: _ReturnProfile(
        "YUVA practitioners'",
        15,
        0.8,
        "YUVA worked with young people using violence and abuse towards parents and carers.",
        own_measure="Programme completions",
    ),
    "DEMO-HO-DAPF2-EASI": _ReturnProfile(
        "Clinical psychologists'",
        18,
        0.85,
        "The Early Awareness Stalking Intervention worked with ex-intimate stalking perpetrators.",
        own_measure="Interventions completed",
    ),
}


def _provider_managers(created: dict[str, int]) -> dict[int, User]:
    """The funded providers' managers by organisation id, made if missing (demo users' password
    and authenticator secret)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    managers: dict[int, User] = {}
    for email, name, org_name in PROVIDER_MANAGERS:
        organisation = Organisation.objects.get(name=org_name)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            _count(created, "provider_managers", True)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.PROVIDER_MANAGER)
        managers[organisation.pk] = User.objects.get(pk=user.pk)  # fresh: no cached memberships
    return managers


def _budget_lines(award: Award, staff: str, created: dict[str, int]) -> None:
    """Four lines per funding line (year and source), adding up exactly to its amount, each
    marked illustrative in its description (the paper prints no budgets)."""
    for funding in award.funding_lines.select_related("funding_source").order_by("financial_year"):
        amounts = [(funding.amount * share).quantize(PENNY, ROUND_HALF_UP) for _, _, share in BUDGET_SHARES]
        amounts[0] += funding.amount - sum(amounts)
        for (category, text, _), amount in zip(BUDGET_SHARES, amounts, strict=True):
            name = f"{staff} {text}" if category == BudgetLine.Category.SALARY else text
            description = f"{name} (illustrative)"
            _, made = BudgetLine.objects.get_or_create(
                award=award,
                financial_year=funding.financial_year,
                description=description,
                defaults={"category": category, "amount": amount, "funding_source": funding.funding_source},
            )
            _count(created, "budget_lines", made)


def _period_spend(award: Award, monitoring_return: MonitoringReturn) -> dict[int, Decimal]:
    """Each budget line's share of the award's days in its year, bent by the quarter's profile."""
    start, end = monitoring_return.period_start, monitoring_return.period_end
    factor = SPEND_PROFILE[FinancialQuarter.from_date(start).number]
    spend: dict[int, Decimal] = {}
    for line in returns.return_budget_lines(monitoring_return):
        year = FinancialYear.parse(line.financial_year)
        span_start, span_end = max(award.start_on, year.start), min(award.end_on, year.end)
        days = (min(end, span_end) - max(start, span_start)).days + 1
        span = (span_end - span_start).days + 1
        spend[line.pk] = (line.amount * days / span * factor).quantize(PENNY, ROUND_HALF_UP)
    return spend


def _period_outputs(
    award: Award, profile: _ReturnProfile, periods: list[tuple[date, date]]
) -> dict[date, dict[str, int]]:
    """Each period's outputs, the same every run: cases open at the end carry over."""
    outputs: dict[date, dict[str, int]] = {}
    open_cases = 0
    for index, (start, end) in enumerate(periods):
        rng = random.Random(f"{award.reference} {start}")  # noqa: S311 - repeatable demo data
        last = index == len(periods) - 1
        scale = ((end - start).days + 1) / 91
        if profile.winds_down and last:
            referrals = on_time = opened = 0
            closed = open_cases
        else:
            referrals = round(profile.referrals * scale * rng.uniform(0.9, 1.1))
            on_time = round(referrals * rng.uniform(0.86, 0.96))
            opened = round(referrals * profile.opened * rng.uniform(0.95, 1.05))
            closed = min(open_cases + opened, round((open_cases + opened) * rng.uniform(0.3, 0.45)))
        open_cases += opened - closed
        row = {
            "referrals_received": referrals,
            "first_contact_on_time": on_time,
            "cases_opened": opened,
            "cases_closed": closed,
            "cases_open_at_end": open_cases,
        }
        if profile.own_measure:
            row[profile.own_measure] = round(closed * 0.6)
        outputs[start] = row
    return outputs


def _narrative(
    profile: _ReturnProfile, monitoring_return: MonitoringReturn, outputs: dict[str, int], last: bool
) -> str:
    start, end = monitoring_return.period_start, monitoring_return.period_end
    when = f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    if profile.winds_down and last:
        work = (
            "No new referrals were taken while the service closed safely (the OPCC's two months' "
            f"funding 'to allow safe demobilisation'); its {outputs['cases_closed']} open cases were "
            "closed or handed on."
        )
    else:
        work = (
            f"{profile.work} {outputs['referrals_received']} referrals were received and "
            f"{outputs['cases_opened']} cases opened from {when}; spend was close to the budget."
        )
    return f"{work}\n{ILLUSTRATIVE_RETURN}"


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _demo_budgets_and_returns(created: dict[str, int]) -> None:
    """Budget lines, then every award's returns scheduled and their history written through the
    workflow services (see the module docstring). Only returns still due are moved on."""
    demo_load()  # the OPCC analyst who reviews, and the providers' organisations
    managers = _provider_managers(created)
    reviewer = User.objects.get(email=REVIEWER)
    for award in Award.objects.filter(reference__in=PROFILES).order_by("reference"):
        profile = PROFILES[award.reference]
        _budget_lines(award, profile.staff, created)
        scheduled = returns.monitoring_returns_schedule(award=award)
        created["returns_scheduled"] = created.get("returns_scheduled", 0) + len(scheduled)
        rows = list(award.monitoring_returns.order_by("period_start"))
        outputs = _period_outputs(award, profile, [(r.period_start, r.period_end) for r in rows])
        for index, row in enumerate(rows):
            if row.status == MonitoringReturn.Status.DUE and (award.reference, row.period_start) != LEFT_DUE:
                _return_history(
                    row,
                    award=award,
                    profile=profile,
                    outputs=outputs[row.period_start],
                    last=index == len(rows) - 1,
                    manager=managers[award.organisation_id],
                    reviewer=reviewer,
                    created=created,
                )


def _demo_funder_returns(source: FundingSource, created: dict[str, int]) -> None:
    """The source's returns to its funder, built as drafts for every quarter of its money whose
    providers' returns are all accepted (a quarter still waiting on one is left unbuilt)."""
    analyst = User.objects.get(email=REVIEWER)
    years = sorted(
        set(Allocation.objects.filter(funding_source=source).values_list("financial_year", flat=True))
    )
    for year in years:
        for number in (1, 2, 3, 4):
            quarter = FinancialQuarter(FinancialYear.parse(year), number)
            if FunderReturn.objects.filter(funding_source=source, period_start=quarter.start).exists():
                continue
            try:
                returns.funder_return_build(
                    funding_source=source, period_start=quarter.start, period_end=quarter.end, by=analyst
                )
            except ValidationError:
                continue  # some provider's return for the quarter is not accepted yet
            _count(created, "funder_returns", True)


def _return_history(
    row: MonitoringReturn,
    *,
    award: Award,
    profile: _ReturnProfile,
    outputs: dict[str, int],
    last: bool,
    manager: User,
    reviewer: User,
    created: dict[str, int],
) -> None:
    """Submit a due return as the provider's manager and review it as the OPCC's analyst."""
    key = (award.reference, row.period_start)
    narrative = _narrative(profile, row, outputs, last)

    def submit(text: str, on: date) -> MonitoringReturn:
        return returns.monitoring_return_submit(
            monitoring_return=row,
            spend=_period_spend(award, row),
            outputs=outputs,
            narrative=text,
            risks=profile.risks,
            by=manager,
            now=_aware(on),
        )

    if key == SUBMITTED_LATE:
        row = submit(narrative, row.due_on + timedelta(days=10))
    elif key == SENT_BACK_THEN_ACCEPTED:
        row = submit(narrative, row.period_end + timedelta(days=14))
    else:
        row = submit(narrative, row.period_end + SUBMITTED_AFTER)
    _count(created, "returns_submitted", True)
    if key == AWAITING_REVIEW:
        return
    if key == SENT_BACK_THEN_ACCEPTED:
        row = returns.monitoring_return_request_changes(
            monitoring_return=row, comments=CHANGES_ASKED, by=reviewer
        )
        _count(created, "returns_sent_back", True)
        referrals = outputs["referrals_received"]
        detail = (
            f" Of the {referrals} referrals, {round(referrals * 0.3)} were for children and young "
            "people, supported by the CYP ISVAs."
        )
        row = submit(narrative.replace("\n", f"{detail}\n", 1), row.period_end + timedelta(days=28))
    returns.monitoring_return_accept(monitoring_return=row, by=reviewer)
    _count(created, "returns_accepted", True)
