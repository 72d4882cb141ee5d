"""Funded posts pages: the list with its filters, a post with its FTE shares, adding and changing
posts and shares, and Table 1 (posts by area and role, with the board's counts).

Thin: each view reads through a selector in `posts.py` (`visible_to`: a provider's manager sees
only their own organisation's posts; 404 outside scope), writes through one service, and
renders. Pages that show posts write an access-log entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.forms import form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import money_format, posts
from .forms_posts import PostFilterForm, PostForm, ShareForm
from .models import FundedPost

manage_funding = permission_required(posts.MANAGE_PERMISSION, raise_exception=True)


def see_posts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) anyone who is neither in the OPCC's funding roles nor a provider's manager."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not posts.can_see_posts(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _post(request: AuthenticatedHttpRequest, public_id: UUID) -> FundedPost:
    try:
        return posts.post_get(user=request.user, public_id=public_id)
    except FundedPost.DoesNotExist:
        raise Http404("No such post") from None


def _log(
    request: AuthenticatedHttpRequest, action: str, label: str, detail: str = "", obj: Any = None
) -> None:
    access_log_record(
        actor=request.user, action=action, obj=obj, request=request, record_label=label, detail=detail
    )


def _money() -> dict[str, Any]:
    return {
        "pounds": money_format.pounds,
        "pounds_rounded": money_format.pounds_rounded,
        "fte": posts.fte_text,
    }


@login_required
@see_posts
@require_GET
def post_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The posts the person may see, narrowed by role, area, specialism, supports, status, source."""
    form = PostFilterForm(request.GET)
    filters = form.filters()
    rows = list(posts.post_list(user=request.user, filters=filters))
    described = "; ".join(f"{name}: {value}" for name, value in filters.describe())
    _log(request, AccessLog.Action.LIST, "Funded posts", f"{described}: {len(rows)} posts")
    return render(
        request,
        "funding/posts/list.html",
        {
            "form": form,
            "filters": filters,
            "described": described,
            "rows": rows,
            "total_fte": sum((post.fte for post in rows), posts.ZERO),
            "can_manage": request.user.has_perm(posts.MANAGE_PERMISSION),
            **_money(),
        },
    )


@login_required
@see_posts
@require_GET
def post_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One post: what it is, where, who it supports, and which sources pay its FTE each year."""
    post = _post(request, public_id)
    _log(request, AccessLog.Action.VIEW, f"Funded post: {post.title}", obj=post)
    return render(
        request,
        "funding/posts/detail.html",
        {
            "post": post,
            "years": posts.post_shares_by_year(post=post),
            "can_manage": request.user.has_perm(posts.MANAGE_PERMISSION),
            **_money(),
        },
    )


def _post_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": data["role"],
        "title": data["title"],
        "supports": data["supports"],
        "local_authorities": list(data["local_authorities"]),
        "specialisms": list(data["specialisms"]),
        "area_label": data["area_label"],
        "fte": data["fte"],
        "status": data["status"],
        "award": data["award"],
        "annual_cost": data["annual_cost"],
        "notes": data["notes"],
    }


@login_required
@manage_funding
def post_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a post the portfolio pays for."""
    form = PostForm(
        request.POST if request.method == "POST" else None,
        awards=posts.awards_for_posts(user=request.user),
        adding=True,
    )

    def save(data: dict[str, Any]) -> FundedPost:
        return posts.funded_post_record(
            by=request.user, organisation=data["organisation"], **_post_kwargs(data)
        )

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda post: f"Post added: {post.title}",
        then=lambda post: reverse("funding:post_detail", kwargs={"public_id": post.public_id}),
        title="Add a funded post",
        submit="Add post",
        caption="Funded posts",
        back_url=reverse("funding:posts"),
        intro=["A post is a role the portfolio pays for, never a person."],
    )


@login_required
@manage_funding
def post_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change a post."""
    post = _post(request, public_id)
    form = PostForm(
        request.POST if request.method == "POST" else None,
        awards=posts.awards_for_posts(user=request.user).filter(organisation=post.organisation),
        adding=False,
        initial=PostForm.initial_for(post),
    )
    detail = reverse("funding:post_detail", kwargs={"public_id": post.public_id})
    return form_flow(
        request,
        form=form,
        save=lambda data: posts.funded_post_update(by=request.user, post=post, **_post_kwargs(data)),
        success=lambda changed: f"Post changed: {changed.title}",
        then=lambda _: detail,
        title=f"Change {post.title}",
        submit="Save changes",
        caption=str(post.organisation),
        back_url=detail,
    )


@login_required
@manage_funding
def post_share(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Say which share of the post's FTE one source pays in one year."""
    post = _post(request, public_id)
    form = ShareForm(request.POST if request.method == "POST" else None)
    detail = reverse("funding:post_detail", kwargs={"public_id": post.public_id})

    def save(data: dict[str, Any]) -> Any:
        return posts.post_funding_share_set(
            by=request.user,
            post=post,
            funding_source=data["funding_source"],
            financial_year=data["financial_year"],
            fte_share=data["fte_share"],
        )

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda share: "Funding share saved" if share is not None else "Funding share removed",
        then=lambda _: detail,
        title=f"Set a funding share of {post.title}",
        submit="Save share",
        caption=f"{post.title}: {post.fte} FTE",
        back_url=detail,
        intro=[f"The shares of one year cannot add up to more than the post's {post.fte} FTE."],
    )


@login_required
@see_posts
@require_GET
def posts_table(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Table 1: IDVA and ISVA posts by area, and the counts the board reads, from the posts."""
    years = posts.post_years(user=request.user)
    year = request.GET.get("year", "")
    if year not in years:
        year = ""
    table = posts.posts_by_area_and_specialism(user=request.user, financial_year=year or None)
    counts = posts.post_counts(user=request.user, financial_year=year or None)
    _log(request, AccessLog.Action.LIST, "Funded posts: Table 1", f"Year: {year or 'all'}")
    return render(
        request,
        "funding/posts/table1.html",
        {"table": table, "counts": counts, "years": years, "year": year},
    )
