"""NOMS's national dashboards (issue 9 parts 2 and 3; DOMAIN.md 10; TOM 7.4).

- ``overview`` (/performance/): every CRC, the NPS and each NPS division in one table for
  the month chosen – each service level against the CRC's contract target, volumes and
  payments to date – sortable on the server (links in the column headers, no JavaScript
  needed), with the units flagged on a funnel plot for ``FUNNEL_PERSISTENT_MONTHS`` months
  running highlighted.
- ``funnel_page`` (/performance/compare/): the funnel plot of a comparable measure across
  CRCs, NPS divisions or LDUs, with every unit's figures, limits and flag beside it.

Both are NOMS's only (``access.sees_national_performance``): anyone else gets 404. Reads
are in ``performance.selectors_national``; the filter forms in ``performance.forms``. One
organisation's page, "my organisation" and the cases behind a figure are in
``performance.views_organisation``.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from contracts import periods
from performance import measures
from performance import selectors as selectors_of_facts
from performance import selectors_national as selectors
from performance.base import PROVIDER
from performance.forms import LEVEL_LABELS, FunnelForm, OverviewForm
from probation import access

ORDERS = ("asc", "desc")


def _national_only(request) -> None:
    """The national pages exist for NOMS only: for anyone else they do not exist."""
    if not access.sees_national_performance(request.user):
        raise Http404("No such page.")


def _headers(request, columns, sort: str, order: str) -> list[dict]:
    """Column headers linking to the table sorted by them (again: the other way), with
    ``aria-sort`` on each sortable column."""
    headers = []
    for column in columns:
        query = request.GET.copy()
        if column.key == sort:
            aria_sort = "ascending" if order == "asc" else "descending"
            query["order"] = "desc" if order == "asc" else "asc"
        else:
            aria_sort = "none"
            query["order"] = "asc"
        query["sort"] = column.key
        headers.append(
            {
                "column": column,
                "label": column.label,
                "aria_sort": aria_sort,
                "href": "?" + query.urlencode(),
            }
        )
    return headers


def _groups(columns) -> list[dict]:
    """The header row above the measures: Service levels, Volumes, Payments (colspans)."""
    groups: list[dict] = []
    for column in columns[1:]:
        if groups and groups[-1]["label"] == column.group:
            groups[-1]["span"] += 1
        else:
            groups.append({"label": column.group, "span": 1})
    return groups


@require_GET
@login_required
def overview(request):
    _national_only(request)
    data = request.GET.copy()
    if not data.get("month"):
        # The latest month with figures, shown in the form as chosen.
        latest = selectors_of_facts.latest_month(request.user)
        data["month"] = periods.month_label(latest) if latest else ""
    form = OverviewForm(data)
    month = form.cleaned_data["month"] if form.is_valid() else None
    context = {"form": form, "month": month, "rows": [], "persistent": []}
    if month is not None:
        columns, rows = selectors.overview(request.user, month)
        sort = request.GET.get("sort", "")
        order = request.GET.get("order", "asc")
        if order not in ORDERS:
            order = "asc"
        if sort not in {c.key for c in columns}:
            sort = ""
        rows = selectors.sort_rows(rows, columns, sort, order == "desc") if sort else rows
        persistent = selectors.persistent_flags(
            request.user,
            month,
            organisations={row.organisation.pk: row.organisation for row in rows},
        )
        by_organisation: dict[int, list] = {}
        for found in persistent:
            by_organisation.setdefault(found.organisation.pk, []).append(found)
        for row in rows:
            row.persistent = by_organisation.get(row.organisation.pk, [])
        context |= {
            "month_label": periods.month_label(month),
            "columns": columns,
            "headers": _headers(request, columns, sort, order),
            "groups": _groups(columns),
            "rows": rows,
            "persistent": persistent,
            "running": settings.FUNNEL_PERSISTENT_MONTHS,
            "level_labels": LEVEL_LABELS,
        }
    return render(request, "performance/overview.html", context)


@require_GET
@login_required
def funnel_page(request):
    _national_only(request)
    comparable = measures.comparable()
    latest = selectors_of_facts.latest_month(request.user)
    # The first visit draws the first comparable measure across the CRCs; a month left
    # empty is the latest month with figures (shown in the form as chosen).
    if request.GET:
        data = request.GET.copy()
    else:
        data = QueryDict(mutable=True)
        data.update({"measure": comparable[0].code if comparable else "", "level": PROVIDER})
    if not data.get("month"):
        data["month"] = periods.month_label(latest) if latest else ""
    form = FunnelForm(data)
    plot = None
    month = None
    if form.is_valid() and form.cleaned_data["month"] is not None:
        measure = measures.MEASURES[form.cleaned_data["measure"]]
        level = form.cleaned_data["level"]
        month = form.cleaned_data["month"]
        title = f"{measure.name}: {LEVEL_LABELS[level]}, {month:%B %Y}"
        plot = selectors.funnel_plot(
            request.user, measure, level, month, target_rate=form.target_rate, title=title
        )
    return render(
        request,
        "performance/funnel.html",
        {
            "form": form,
            "plot": plot,
            "month": month,
            "month_label": periods.month_label(month) if month else "",
            "level_label": LEVEL_LABELS.get(plot.level, "") if plot else "",
            "chart_id": "funnel-chart",
        },
    )
