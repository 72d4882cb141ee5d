"""The one door to rows that hold personal data.

Every model with personal data gets a queryset that subclasses `VisibleQuerySet` and
overrides `visible_to(user)`. The base answers "nothing": a model that forgets to say who
may see it shows its rows to nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from waymark.accounts.models import User

M = TypeVar("M", bound=models.Model)


class VisibleQuerySet(models.QuerySet[M]):
    """A queryset that can be narrowed to what one user may see; default deny."""

    def visible_to(self, user: User | Any) -> Self:
        """Rows `user` may see. Subclasses widen this from nothing; they never start from all."""
        return self.none()


def get_visible_or_404(queryset: VisibleQuerySet[M], *, user: User | Any, **lookup: Any) -> M:
    """One row `user` may see, or 404 whether or not it exists, so existence is not leaked."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such record.") from exc
