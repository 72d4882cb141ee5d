"""The Code as data: reading its versions, rights and entitlements, and the OPCC admin's
corrections of the rows the research could not confirm (research/victims-code.md §7).

Changing an entitlement's deadline changes when every duty of it falls due, so
`entitlement_update` recomputes those duties' `due_on` in the same transaction. Every change is
kept in the row's history (django-simple-history) with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch

from .deadlines import duties_due_recompute
from .models import CodeVersion, Entitlement, MetricDefinition, Right


@dataclass(frozen=True)
class CodeVersionView:
    """A Code version with its rights, each right's entitlements and metrics, for one page."""

    version: CodeVersion
    rights: list[Right]
    unverified: int


def code_versions() -> list[CodeVersion]:
    """Every Code version: the one in force first, then drafts, then superseded ones."""
    rank: dict[str, int] = {
        CodeVersion.Status.IN_FORCE: 0,
        CodeVersion.Status.DRAFT: 1,
        CodeVersion.Status.SUPERSEDED: 2,
    }
    return sorted(CodeVersion.objects.all(), key=lambda version: (rank.get(version.status, 3), version.code))


def code_version_view(version: CodeVersion) -> CodeVersionView:
    """The version's rights with their entitlements and metrics prefetched."""
    rights = list(
        version.rights.order_by("number").prefetch_related(
            Prefetch("entitlements", queryset=Entitlement.objects.order_by("code")),
            Prefetch("metrics", queryset=MetricDefinition.objects.order_by("code")),
        )
    )
    unverified = sum(not right.verified for right in rights) + sum(
        not entitlement.verified for right in rights for entitlement in right.entitlements.all()
    )
    return CodeVersionView(version=version, rights=rights, unverified=unverified)


def _require_manage(user: Any) -> None:
    if not user.has_perm("victims_code.manage_code"):
        raise PermissionDenied("Only an OPCC admin may correct the Victims' Code rows.")


ENTITLEMENT_FIELDS = (
    "description",
    "deadline_standard",
    "deadline_enhanced",
    "anchor",
    "applies_to",
    "source",
    "verified",
)


def entitlement_update(*, entitlement: Entitlement, by: Any, **changes: Any) -> Entitlement:
    """Correct an entitlement; when its deadlines or anchor change, recompute its duties' due dates.

    A deadline for enhanced-rights victims longer than the standard one is refused: enhanced
    rights never give a victim a slower service.
    """
    _require_manage(by)
    unknown = set(changes) - set(ENTITLEMENT_FIELDS)
    if unknown:
        raise ValueError(f"not an editable entitlement field: {', '.join(sorted(unknown))}")
    standard = changes.get("deadline_standard", entitlement.deadline_standard)
    enhanced = changes.get("deadline_enhanced", entitlement.deadline_enhanced)
    if standard is not None and enhanced is not None and enhanced > standard:
        raise ValidationError(
            {"deadline_enhanced": "The enhanced-rights deadline cannot be longer than the standard one."}
        )
    if not (changes.get("source", entitlement.source) or "").strip():
        raise ValidationError({"source": "Say where this row comes from: a document, a section or a link."})
    timing = ("deadline_standard", "deadline_enhanced", "anchor")
    retime = any(field in changes and changes[field] != getattr(entitlement, field) for field in timing)
    with transaction.atomic():
        for field, value in changes.items():
            setattr(entitlement, field, value)
        entitlement._change_reason = "Corrected by an OPCC admin"  # type: ignore[attr-defined]
        entitlement._history_user = by  # type: ignore[attr-defined]
        entitlement.save()
        if retime:
            duties_due_recompute(entitlement_ids=[entitlement.pk])
    return entitlement


METRIC_FIELDS = (
    "name",
    "explanation",
    "rag_green_min",
    "rag_amber_min",
    "polarity",
    "active",
    "source",
    "verified",
)


def metric_definition_update(*, metric: MetricDefinition, by: Any, **changes: Any) -> MetricDefinition:
    """Correct a metric's wording, thresholds or status.

    Thresholds are percentages from 0 to 100; for a higher-is-better metric green must not be
    below amber, and for a lower-is-better one not above it.
    """
    _require_manage(by)
    unknown = set(changes) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"not an editable metric field: {', '.join(sorted(unknown))}")
    green: Decimal | None = changes.get("rag_green_min", metric.rag_green_min)
    amber: Decimal | None = changes.get("rag_amber_min", metric.rag_amber_min)
    polarity = changes.get("polarity", metric.polarity)
    errors: dict[str, str] = {}
    for field, value in (("rag_green_min", green), ("rag_amber_min", amber)):
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            errors[field] = "Give a percentage from 0 to 100."
    if not errors and green is not None and amber is not None:
        if polarity == MetricDefinition.Polarity.HIGHER_BETTER and green < amber:
            errors["rag_green_min"] = "Green must be at least amber when higher is better."
        if polarity == MetricDefinition.Polarity.LOWER_BETTER and green > amber:
            errors["rag_green_min"] = "Green must be at most amber when lower is better."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for field, value in changes.items():
            setattr(metric, field, value)
        metric._history_user = by  # type: ignore[attr-defined]
        metric.save()
    return metric
