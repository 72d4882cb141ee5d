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

Idempotent: rows are found by their natural keys (names, award references, the demo key in a
post's notes) and only what is missing is created.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from waymark.accounts.demo import ORGANISATIONS
from waymark.accounts.models import Organisation
from waymark.core.models import LocalAuthority

from .models import (
    IDVA_ROLES,
    ISVA_ROLES,
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    Commitment,
    FundedPost,
    Funder,
    FundingSource,
    FundingStatus,
    MatchContribution,
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
    )
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
    if stdout is not None:
        summary = ", ".join(f"{n} {k}" for k, n in created.items())
        stdout.write(f"Demo funding loaded (created: {summary}).\n")
    return created
