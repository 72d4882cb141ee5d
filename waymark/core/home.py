"""The home page's panels: each app contributes the boxes that suit the person's roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string


@dataclass
class HomePanel:
    """A box on the home page: a heading and a few lines, links optional."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href)


# Functions `(*, user) -> list[HomePanel]`, in the order their panels appear. Each returns
# only figures the person may see, and nothing for roles it does not serve.
HOME_PANEL_PROVIDERS: tuple[str, ...] = (
    "waymark.accounts.selectors.home_panels_for_user",
    "waymark.referrals.selectors.home_panels_for_user",
    "waymark.cases.selectors.home_panels_for_user",
    "waymark.risk.selectors.home_panels_for_user",
    "waymark.audit.selectors.home_panels_for_user",
    "waymark.api.selectors.home_panels_for_user",
)


def home_panels(*, user: Any) -> list[HomePanel]:
    """Every app's panels for `user`."""
    panels: list[HomePanel] = []
    for path in HOME_PANEL_PROVIDERS:
        provider: Callable[..., list[HomePanel]] = import_string(path)
        panels.extend(provider(user=user))
    return panels
