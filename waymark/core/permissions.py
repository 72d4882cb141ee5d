"""Checking a permission inside a service, the one place writes happen."""

from typing import Any

from django.core.exceptions import PermissionDenied


def ensure_can(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless `user` has `permission` (on `obj`, if given)."""
    if user is None or not user.has_perm(permission, obj):
        raise PermissionDenied(f"Not allowed: {permission}")
