"""The funded posts pages and services: who may use them, a provider's manager seeing only their
own posts, adding and changing posts, and FTE shares that cannot exceed the post's FTE."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.models import LocalAuthority
from waymark.core.testing.matrix import permission_matrix
from waymark.funding.models import (
    Award,
    FundedPost,
    Funder,
    FundingSource,
    PostFundingShare,
    PostRole,
    Specialism,
)
from waymark.funding.posts import PostFilters, funded_post_record, post_funding_share_set, post_list

pytestmark = pytest.mark.django_db

TITLE = "Courts IDVA for Walsall"
OTHER_TITLE = "Other provider's ISVA"
SEE = {
    "opcc_admin": 200,
    "opcc_analyst": 200,
    "board_member": 200,
    "provider_manager": 200,
    "provider_manager_other": 200,
    "anonymous": 302,
}
MANAGE = {"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}


@pytest.fixture
def records(world: Any) -> dict[str, Any]:
    """A ring-fenced source, another source, an award to the home provider with a 1.0 FTE Courts
    IDVA paid 0.6 by the ring-fenced fund in 2021/22, and the other provider's ISVA."""
    funder = Funder.objects.create(name="Ministry of Justice")
    fund = FundingSource.objects.create(
        funder=funder,
        name="Ring-fenced fund",
        programme=FundingSource.Programme.ISVA_IDVA_RING_FENCED,
        ring_fenced=True,
        ring_fence_roles=[PostRole.COURT_IDVA, PostRole.ISVA],
    )
    core = FundingSource.objects.create(
        funder=funder, name="Core grant", programme=FundingSource.Programme.OTHER
    )
    award = Award.objects.create(
        reference="AW-1",
        title="IDVAs",
        organisation=world.provider,
        start_on="2021-04-01",
        end_on="2022-03-31",
    )
    walsall = LocalAuthority.objects.get(code="E08000030")
    admin = world.member("opcc_admin")
    post = funded_post_record(
        by=admin,
        organisation=world.provider,
        role=PostRole.COURT_IDVA,
        title=TITLE,
        supports=FundedPost.Supports.FEMALE,
        local_authorities=[walsall],
        specialisms=[Specialism.objects.get(code="courts")],
        area_label="Walsall",
        award=award,
    )
    post_funding_share_set(
        by=admin, post=post, funding_source=fund, financial_year="2021/22", fte_share=Decimal("0.6")
    )
    other = funded_post_record(
        by=admin,
        organisation=world.other_provider,
        role=PostRole.ISVA,
        title=OTHER_TITLE,
        supports=FundedPost.Supports.ALL,
        local_authorities=[walsall],
    )
    return {"fund": fund, "core": core, "award": award, "post": post, "other": other, "admin": admin}


@permission_matrix(SEE, default=403)
def test_who_may_see_the_post_pages(
    client: Client, login_as: Any, role: str, expected: int, records: dict[str, Any]
) -> None:
    """The OPCC's funding roles see every post; a provider's manager sees their own organisation's
    (the other provider's manager sees neither the home provider's post in the list or Table 1,
    and gets 404 for its page); caseworkers, auditors, partners and the force are refused."""
    login_as(role)
    detail = reverse("funding:post_detail", kwargs={"public_id": records["post"].public_id})
    for url in (reverse("funding:posts"), reverse("funding:posts_table"), detail):
        response = client.get(url)
        body = html.unescape(response.content.decode())
        if role == "provider_manager_other":
            assert TITLE not in body, url
            assert response.status_code == (404 if url == detail else 200), url
            continue
        assert response.status_code == expected, url
        if expected == 200:
            assert TITLE in body, url
        else:
            assert TITLE not in body, url
    if role == "provider_manager":
        assert OTHER_TITLE not in html.unescape(client.get(reverse("funding:posts")).content.decode())


@permission_matrix(MANAGE, default=403)
def test_who_may_add_and_change_posts(
    client: Client, login_as: Any, role: str, expected: int, records: dict[str, Any]
) -> None:
    """Only the OPCC's admins and analysts add posts, change them and set their shares."""
    login_as(role)
    public_id = records["post"].public_id
    for url in (
        reverse("funding:post_add"),
        reverse("funding:post_edit", kwargs={"public_id": public_id}),
        reverse("funding:post_share", kwargs={"public_id": public_id}),
    ):
        assert client.get(url).status_code == expected, url
        assert client.post(url, {"title": "Changed"}).status_code in {
            expected,
            400 if expected == 200 else expected,
        }
    assert FundedPost.objects.get(pk=records["post"].pk).title == TITLE


def test_a_share_over_the_posts_fte_is_refused(records: dict[str, Any]) -> None:
    """1.0 FTE, 0.6 already from the fund in 2021/22: the core grant may pay 0.4, not 0.5."""
    post, core = records["post"], records["core"]
    with pytest.raises(ValidationError) as error:
        post_funding_share_set(
            by=records["admin"],
            post=post,
            funding_source=core,
            financial_year="2021/22",
            fte_share=Decimal("0.5"),
        )
    assert error.value.message_dict["fte_share"] == [
        "The post is 1 FTE and other sources already pay 0.6 FTE in 2021/22, "
        "so this source can pay at most 0.4 FTE, not 0.5"
    ]
    assert not PostFundingShare.objects.filter(funding_source=core).exists()
    post_funding_share_set(
        by=records["admin"],
        post=post,
        funding_source=core,
        financial_year="2021/22",
        fte_share=Decimal("0.4"),
    )
    # Another year is counted on its own.
    post_funding_share_set(
        by=records["admin"],
        post=post,
        funding_source=core,
        financial_year="2022/23",
        fte_share=Decimal("1.0"),
    )
    assert PostFundingShare.objects.filter(post=post).count() == 3


def test_the_share_page_shows_the_refusal_and_saves_nothing(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    login_as("opcc_analyst")
    url = reverse("funding:post_share", kwargs={"public_id": records["post"].public_id})
    response = client.post(
        url, {"funding_source": records["core"].pk, "financial_year": "2021/22", "fte_share": "0.5"}
    )
    assert response.status_code == 400
    assert "this source can pay at most 0.4 FTE" in html.unescape(response.content.decode())
    assert PostFundingShare.objects.filter(post=records["post"]).count() == 1
    response = client.post(
        url, {"funding_source": records["core"].pk, "financial_year": "2021/22", "fte_share": "0.4"}
    )
    assert response.status_code == 302
    assert PostFundingShare.objects.filter(post=records["post"]).count() == 2


def test_ring_fenced_money_pays_only_its_roles(records: dict[str, Any]) -> None:
    """The fund is ring-fenced to Court IDVA and ISVA posts: a caseworker post cannot take it."""
    caseworker = funded_post_record(
        by=records["admin"],
        organisation=records["post"].organisation,
        role=PostRole.CASEWORKER,
        title="Caseworker",
        supports=FundedPost.Supports.ALL,
        local_authorities=list(records["post"].local_authorities.all()),
    )
    with pytest.raises(ValidationError) as error:
        post_funding_share_set(
            by=records["admin"],
            post=caseworker,
            funding_source=records["fund"],
            financial_year="2021/22",
            fte_share=Decimal(1),
        )
    assert "ring-fenced to Court IDVA, ISVA posts" in error.value.message_dict["funding_source"][0]


def test_reducing_fte_below_the_shares_is_refused(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    """The post is paid 0.6 FTE in 2021/22, so it cannot become 0.5 FTE."""
    login_as("opcc_admin")
    post = records["post"]
    url = reverse("funding:post_edit", kwargs={"public_id": post.public_id})
    data = {
        "role": PostRole.COURT_IDVA,
        "title": TITLE,
        "supports": "female",
        "local_authorities": [la.pk for la in post.local_authorities.all()],
        "fte": "0.5",
        "status": "filled",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Sources already pay 0.6 FTE of this post in 2021/22" in html.unescape(response.content.decode())
    assert FundedPost.objects.get(pk=post.pk).fte == Decimal("1.00")
    response = client.post(url, {**data, "fte": "0.8"})
    assert response.status_code == 302
    assert FundedPost.objects.get(pk=post.pk).fte == Decimal("0.80")


def test_a_post_is_one_post_holder(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    """1.5 FTE is two people's work: refused, and the post keeps its 1 FTE."""
    login_as("opcc_admin")
    post = records["post"]
    response = client.post(
        reverse("funding:post_edit", kwargs={"public_id": post.public_id}),
        {
            "role": PostRole.COURT_IDVA,
            "title": TITLE,
            "supports": "female",
            "local_authorities": [la.pk for la in post.local_authorities.all()],
            "fte": "1.5",
            "status": "filled",
        },
    )
    assert response.status_code == 400
    assert "one post-holder, 1 or less" in html.unescape(response.content.decode())
    assert FundedPost.objects.get(pk=post.pk).fte == Decimal("1.00")


def test_adding_a_post(client: Client, login_as: Any, records: dict[str, Any], world: Any) -> None:
    """A post is added with its areas and specialisms; an award to another provider is refused."""
    login_as("opcc_analyst")
    coventry = LocalAuthority.objects.get(code="E08000026")
    data = {
        "organisation": world.other_provider.pk,
        "role": PostRole.ISVA,
        "title": "Coventry ISVA",
        "supports": "all",
        "local_authorities": [coventry.pk],
        "fte": "1",
        "status": "planned",
        "award": records["award"].pk,
    }
    response = client.post(reverse("funding:post_add"), data)
    assert response.status_code == 400
    assert "The award AW-1 is to Home Provider, not to Other Provider" in html.unescape(
        response.content.decode()
    )
    assert not FundedPost.objects.filter(title="Coventry ISVA").exists()
    response = client.post(reverse("funding:post_add"), {**data, "award": ""})
    assert response.status_code == 302
    post = FundedPost.objects.get(title="Coventry ISVA")
    assert list(post.local_authorities.all()) == [coventry]
    assert post.organisation == world.other_provider
    response = client.post(reverse("funding:post_add"), {**data, "award": "", "local_authorities": []})
    assert "Select at least one local authority the post covers" in html.unescape(response.content.decode())


def test_the_list_filters(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    """Filtering by role, area, specialism, supports, status and source narrows the list."""
    admin = records["admin"]
    assert [p.title for p in post_list(user=admin, filters=PostFilters(role=PostRole.ISVA))] == [OTHER_TITLE]
    assert [p.title for p in post_list(user=admin, filters=PostFilters(funding_source=records["fund"]))] == [
        TITLE
    ]
    courts = Specialism.objects.get(code="courts")
    assert [p.title for p in post_list(user=admin, filters=PostFilters(specialism=courts))] == [TITLE]
    assert [p.title for p in post_list(user=admin, filters=PostFilters(supports="all"))] == [OTHER_TITLE]
    coventry = LocalAuthority.objects.get(code="E08000026")
    assert list(post_list(user=admin, filters=PostFilters(local_authority=coventry))) == []
    login_as("opcc_admin")
    body = html.unescape(client.get(reverse("funding:posts"), {"role": PostRole.ISVA}).content.decode())
    assert OTHER_TITLE in body
    assert TITLE not in body
    assert "1 post, 1 FTE." in body
    assert AccessLog.objects.filter(record_label="Funded posts", detail__contains="Role: ISVA").exists()
