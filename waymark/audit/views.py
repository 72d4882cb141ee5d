"""The auditor's search of the access log, and a record's access history."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .forms import AccessLogSearchForm
from .models import AccessLog
from .services import access_log_record

PAGE_SIZE = 50


@login_required
@permission_required("audit.view_access_log", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    """Search the access log of the auditor's organisation."""
    form = AccessLogSearchForm(
        request.GET or None, record_types=selectors.record_types_in_log(user=request.user)
    )
    entries: QuerySet[AccessLog] = AccessLog.objects.none()
    if form.is_bound and form.is_valid():
        filters = selectors.AccessLogFilters(**form.cleaned_data)
        entries = selectors.access_log_search(user=request.user, filters=filters)
    elif not form.is_bound:
        entries = selectors.access_log_search(user=request.user, filters=selectors.AccessLogFilters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this search adds its own entry
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.SEARCH,
        request=request,
        record_label="access log",
        detail=request.GET.urlencode()[:500],
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def record_history(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Who viewed or changed one record, for whoever may see the record or audit it."""
    entries = selectors.record_access_history(user=request.user, record_type=record_type, record_id=record_id)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/record_history.html",
        {"page": page, "record_type": record_type, "record_id": record_id, "query": ""},
    )
