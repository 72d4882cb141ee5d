"""Forms for funded posts: the list's filters, a post, and one source's FTE share of a post.

They check shape (a choice offered, a number); the services in `posts.py` check the domain
rules (shares within the post's FTE, a ring-fenced source's roles, the award's provider).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict

from waymark.accounts.models import Organisation
from waymark.accounts.roles import OrganisationType
from waymark.core.models import LocalAuthority

from .models import Award, FundedPost, FundingSource, PostRole, Specialism
from .posts import PostFilters

EVERYTHING = ("", "All")
WEST_MIDLANDS_FORCE = "E23000014"


def _authorities() -> Any:
    return LocalAuthority.objects.order_by("name")


class PostFilterForm(forms.Form):
    """The post list's filters, all optional."""

    role = forms.ChoiceField(label="Role", required=False)
    local_authority = forms.ModelChoiceField(
        label="Area (local authority)",
        required=False,
        queryset=LocalAuthority.objects.none(),
        empty_label="All",
    )
    specialism = forms.ModelChoiceField(
        label="Specialism", required=False, queryset=Specialism.objects.all(), empty_label="All"
    )
    supports = forms.ChoiceField(label="Supports", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    funding_source = forms.ModelChoiceField(
        label="Funding source", required=False, queryset=FundingSource.objects.all(), empty_label="All"
    )

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["role"].choices = [EVERYTHING, *PostRole.choices]  # type: ignore[attr-defined]
        self.fields["supports"].choices = [EVERYTHING, *FundedPost.Supports.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [EVERYTHING, *FundedPost.Status.choices]  # type: ignore[attr-defined]
        self.fields["local_authority"].queryset = (  # type: ignore[attr-defined]
            LocalAuthority.objects.filter(
                Q(funded_posts__isnull=False) | Q(police_force_area__code=WEST_MIDLANDS_FORCE)
            )
            .distinct()
            .order_by("name")
        )

    def filters(self) -> PostFilters:
        """The filters chosen; none where the form is not valid (a stale or edited link)."""
        if not self.is_valid():
            return PostFilters()
        data = self.cleaned_data
        return PostFilters(
            role=data["role"],
            local_authority=data["local_authority"],
            specialism=data["specialism"],
            supports=data["supports"],
            status=data["status"],
            funding_source=data["funding_source"],
        )


class PostForm(forms.Form):
    """A post, or changes to one. The organisation is chosen only when the post is added."""

    organisation = forms.ModelChoiceField(
        label="Employer",
        queryset=Organisation.objects.none(),
        empty_label="Select the provider that employs the post",
        error_messages={"required": "Select the provider that employs the post"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Select the role"), *PostRole.choices],
        error_messages={"required": "Select the role"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="As the commissioner names it, for example MARAC IDVA. A role, never a person's name.",
        error_messages={"required": "Enter the post's title"},
    )
    supports = forms.ChoiceField(
        label="Supports",
        choices=FundedPost.Supports.choices,
        error_messages={"required": "Select who the post supports"},
    )
    local_authorities = forms.ModelMultipleChoiceField(
        label="Local authorities it covers",
        queryset=LocalAuthority.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one local authority the post covers"},
    )
    area_label = forms.CharField(
        label="Area as the commissioner names it",
        max_length=100,
        required=False,
        help_text=(
            "For example Birmingham and Solihull, or Black Country (Sandwell, Dudley). "
            "Table 1 groups posts by it."
        ),
    )
    specialisms = forms.ModelMultipleChoiceField(
        label="Specialisms",
        queryset=Specialism.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fte = forms.DecimalField(
        label="FTE",
        max_digits=4,
        decimal_places=2,
        help_text="Full-time equivalent, for example 1 or 0.5.",
        error_messages={
            "required": "Enter the FTE, for example 1 or 0.5",
            "invalid": "Enter the FTE as a number, for example 1 or 0.5",
            "max_decimal_places": "Enter the FTE to two decimal places at most, like 0.75",
            "max_digits": "Enter the FTE of one post, 10 or less",
            "max_whole_digits": "Enter the FTE of one post, 10 or less",
        },
    )
    status = forms.ChoiceField(label="Status", choices=FundedPost.Status.choices)
    award = forms.ModelChoiceField(
        label="Award that pays for it", queryset=Award.objects.none(), required=False, empty_label="None yet"
    )
    annual_cost = forms.DecimalField(
        label="Annual cost in pounds (optional)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="Salary and on-costs for a year, for example 32500.00.",
        error_messages={
            "invalid": "Enter the annual cost in pounds, like 32500.00",
            "max_decimal_places": "Enter the annual cost to the penny at most, like 32500.00",
            "min_value": "Enter the annual cost as 0 or more",
        },
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea)

    def __init__(
        self, data: QueryDict | None, *, awards: Any, adding: bool, initial: dict[str, Any] | None = None
    ) -> None:
        super().__init__(data, initial=initial)
        self.fields["local_authorities"].queryset = _authorities()  # type: ignore[attr-defined]
        self.fields["award"].queryset = awards  # type: ignore[attr-defined]
        if adding:
            self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                type=OrganisationType.PROVIDER
            ).order_by("name")
        else:
            del self.fields["organisation"]

    @staticmethod
    def initial_for(post: FundedPost) -> dict[str, Any]:
        return {
            "role": post.role,
            "title": post.title,
            "supports": post.supports,
            "local_authorities": [la.pk for la in post.local_authorities.all()],
            "area_label": post.area_label,
            "specialisms": [s.pk for s in post.specialisms.all()],
            "fte": post.fte,
            "status": post.status,
            "award": post.award_id,
            "annual_cost": post.annual_cost,
            "notes": post.notes,
        }


class ShareForm(forms.Form):
    """One source's share of a post's FTE in one financial year; 0 removes it."""

    funding_source = forms.ModelChoiceField(
        label="Funding source",
        queryset=FundingSource.objects.all(),
        empty_label="Select the source",
        error_messages={"required": "Select the funding source"},
    )
    financial_year = forms.CharField(
        label="Financial year",
        max_length=7,
        help_text="For example 2021/22.",
        error_messages={"required": "Enter the financial year, like 2021/22"},
    )
    fte_share = forms.DecimalField(
        label="FTE this source pays",
        max_digits=4,
        decimal_places=2,
        help_text="For example 1 or 0.5. Enter 0 to remove this source's share.",
        error_messages={
            "required": "Enter the FTE this source pays, for example 0.5",
            "invalid": "Enter the FTE share as a number, for example 0.5",
            "max_decimal_places": "Enter the FTE share to two decimal places at most, like 0.75",
            "max_digits": "Enter an FTE share of 10 or less",
            "max_whole_digits": "Enter an FTE share of 10 or less",
        },
    )
