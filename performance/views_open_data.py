"""Open-data pages (issue 9 part 5): the published performance tables, readable and
downloadable by anybody without signing in (aggregates only, suppressed by
``performance.open_data.shown``), and the page where a NOMS contract manager previews a
quarter's table and publishes it (``access.may_publish_tables``; anybody else gets 404).

Each page costs the same few queries however many figures a table has: the list one query
for the tables with their figure counts, a table one query for its figures with their
organisations.
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from performance import open_data, published
from performance.forms_open_data import PublishForm, QuarterForm
from performance.models import PublishedTable
from probation import access, clock
from probation.pagination import page_context


def _tables():
    return published.published_tables().order_by("-quarter", "-version")


def _table(table_id: int) -> PublishedTable:
    table = PublishedTable.objects.filter(pk=table_id).first()
    if table is None:
        raise Http404("No published table found.")
    return table


@require_GET
def table_list(request):
    """Every published table, newest quarter first (and its newest version first)."""
    context = page_context(request, _tables())
    for table in context["page_obj"].object_list:
        table.label = open_data.quarter_label(table.quarter)
        table.name = open_data.quarter_name(table.quarter)
    return render(
        request,
        "performance/open_data/table_list.html",
        {
            **context,
            "may_publish": access.may_publish_tables(request.user),
        },
    )


def sections(organisations, measures, cell) -> list[dict]:
    """The table by topic, for the pages: organisations as rows, the topic's measures as
    columns; ``cell(organisation, code)`` gives the figure as shown (a ``Shown`` or a
    ``PublishedFigure``; None is shown as not available)."""
    by_topic: dict[str, list] = {}
    for measure in measures:
        by_topic.setdefault(measure.topic or "Other", []).append(measure)
    return [
        {
            "topic": topic,
            "measures": group,
            "rows": [
                {
                    "organisation": o,
                    "cells": [{"code": m.code, "figure": cell(o, m.code)} for m in group],
                }
                for o in organisations
            ],
        }
        for topic, group in by_topic.items()
    ]


@require_GET
def table_detail(request, table_id):
    table = _table(table_id)
    figures = published.published_figures(table)
    cells = {(f.organisation_id, f.measure): f for f in figures}
    organisations = open_data.organisations_of({f.organisation for f in figures})
    measures = [
        published.described(code, table) for code in dict.fromkeys(f.measure for f in figures)
    ]
    return render(
        request,
        "performance/open_data/table_detail.html",
        {
            "table": table,
            "label": open_data.quarter_label(table.quarter),
            "name": open_data.quarter_name(table.quarter),
            "quarter_end": open_data.quarter_end(table.quarter),
            "sections": sections(organisations, measures, lambda o, code: cells.get((o.pk, code))),
            "organisation_count": len(organisations),
            "measure_count": len(measures),
            "suppress_at_most": settings.OPEN_DATA_SUPPRESS_AT_MOST,
            "newer": PublishedTable.objects.filter(quarter=table.quarter, version__gt=table.version)
            .order_by("-version")
            .first(),
        },
    )


def _csv(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _filename(table: PublishedTable, part: str) -> str:
    label = open_data.quarter_label(table.quarter)
    return f"probation-performance-{label}-v{table.version}-{part}.csv"


@require_GET
def table_csv(request, table_id):
    """One row per organisation and measure (``published.COLUMNS``)."""
    table = _table(table_id)
    figures = published.published_figures(table)
    return _csv(
        _filename(table, "table"),
        published.COLUMN_NAMES,
        published.table_rows(table, figures),
    )


@require_GET
def table_metadata(request, table_id):
    """The metadata sheet: columns, measures, symbols, rules and source."""
    table = _table(table_id)
    figures = published.published_figures(table)
    return _csv(
        _filename(table, "metadata"),
        published.METADATA_COLUMNS,
        published.metadata_rows(table, figures),
    )


def _may_publish(request) -> None:
    if not access.may_publish_tables(request.user):
        raise Http404("No such page.")


def _preview_context(quarter) -> dict:
    table = open_data.preview(quarter)
    cells = {(f.organisation.pk, f.measure.code): f.shown for f in table.figures}
    return {
        "quarter": quarter,
        "label": table.label,
        "name": open_data.quarter_name(quarter),
        "facts": table.facts,
        "sections": sections(
            table.organisations,
            [published.described(m.code) for m in table.measures],
            lambda o, code: cells.get((o.pk, code)),
        ),
        "versions": PublishedTable.objects.filter(quarter=quarter).count(),
    }


def _errors(chooser, confirm) -> list[tuple[str, str]]:
    """(link target, message) for the error summary: the quarter's, then the notes'."""
    errors = [("#id_year", message) for message in chooser.errors.get("year", [])]
    errors += [("#id_quarter_0", message) for message in chooser.errors.get("quarter", [])]
    if confirm is not None and confirm.is_bound:
        errors += [("#id_notes", message) for message in confirm.errors.get("notes", [])]
    return errors


@require_http_methods(["GET", "POST"])
@login_required
def publish(request):
    """Choose a quarter (GET, refused if it has not ended or has no facts), check its table,
    then publish it (POST): the new version's page with a success banner."""
    _may_publish(request)
    today = clock.today()
    if request.method == "POST":
        confirm = PublishForm(request.POST, today=today)
        if confirm.is_valid():
            try:
                table = open_data.publish(
                    confirm.cleaned_data["quarter_start"],
                    user=request.user,
                    notes=confirm.cleaned_data["notes"],
                )
            except ValidationError as error:
                confirm.add_service_errors(error)
            else:
                messages.success(
                    request,
                    f"Performance tables for {open_data.quarter_name(table.quarter)} "
                    f"published (version {table.version})",
                )
                return redirect("performance:table", table_id=table.pk)
        chooser = QuarterForm(request.POST, today=today)
        chooser.is_valid()
        for message in confirm.errors.get("quarter", []):
            if message not in chooser.errors.get("quarter", []):
                chooser.add_error("quarter", message)
    else:
        bound = "year" in request.GET or "quarter" in request.GET
        chooser = QuarterForm(request.GET if bound else None, today=today)
        confirm = None
        if bound and chooser.is_valid():
            quarter = chooser.cleaned_data["quarter_start"]
            confirm = PublishForm(
                initial={"year": quarter.year, "quarter": str((quarter.month - 1) // 3 + 1)},
                today=today,
            )
    quarter = chooser.cleaned_data.get("quarter_start") if chooser.is_bound else None
    if chooser.errors:
        quarter = None
    return render(
        request,
        "performance/open_data/publish.html",
        {
            "form": chooser if chooser.errors else confirm,
            "chooser": chooser,
            "confirm": confirm if quarter else None,
            "errors": _errors(chooser, confirm),
            **(_preview_context(quarter) if quarter else {}),
        },
    )
