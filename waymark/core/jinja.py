"""The Jinja2 environment: GOV.UK Frontend macros, Django's static and url helpers, and the
date input's parameters."""

from typing import Any

import jinja2
from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .date_input import date_input, error_anchor, is_date_input


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """`reverse` for templates: `url('home')` or `url('x', public_id=...)`."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def format_datetime(value: Any, fmt: str = "j F Y, H:i") -> str:
    """A datetime in local time, GOV.UK style (`26 November 2026, 14:05`)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, fmt)


def format_date(value: Any) -> str:
    """A date, GOV.UK style (`26 November 2026`)."""
    return "" if value is None else date_format(value, "j F Y")


def environment(**options: Any) -> jinja2.Environment:
    """Build the environment Django's Jinja2 backend renders every Waymark page with."""
    options["loader"] = jinja2.ChoiceLoader(
        [
            options.pop("loader", None) or jinja2.FileSystemLoader(options.pop("searchpath", [])),
            jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    options["extensions"] = [*options.get("extensions", []), "jinja2.ext.do"]
    env = jinja2.Environment(**options)  # noqa: S701 - Django's backend turns autoescape on
    env.globals.update(
        {
            "static": static,
            "url": url,
            "get_messages": get_messages,
            "service_name": settings.WAYMARK_SERVICE_NAME,
            "date_input": date_input,
            "error_anchor": error_anchor,
            "is_date_input": is_date_input,
        }
    )
    env.filters.update({"datetime": format_datetime, "date": format_date})
    return env
