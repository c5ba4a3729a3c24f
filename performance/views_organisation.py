"""One organisation's performance (issue 9 part 2): its trends by month as charts, each with
its table, and the cases behind any figure.

- ``organisation``: ``/performance/organisations/<org_code>/?to=YYYY-MM&months=N`` – the
  measures figured at the organisation's level (``selectors.measures_at``) grouped by topic,
  each a trend chart (``performance.charts``) with a table of the same figures, every figure
  linking to its cases; a CRC's service levels against its contract's target of the month.
- ``mine``: a CRC's managers to their CRC's page, an NPS division's head to the division's,
  NOMS to the national overview.
- ``cases`` and ``cases_csv``: the cases behind one figure (``performance.drilldown``),
  people named only where the user may see them; MONEY figures lead to the contract's
  ledger instead.

Every organisation comes through ``access.performance_organisation_for_view`` (404 outside
the user's scope) and every fact through ``access.facts_visible_to``. Each page is a
constant number of queries whatever the months, measures and cases.
"""

import csv
import datetime
import re
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from contracts import periods
from performance import charts, drilldown, selectors
from performance.base import Kind
from performance.measures import MEASURES, TOPICS
from performance.sections import money, section, show
from probation import access
from probation.forms_govuk import GovukForm
from probation.models import Person
from probation.pagination import page_of

# The months an organisation's page shows by default, and at most (three contract years).
DEFAULT_MONTHS = 12
MAX_MONTHS = 36
# Cases listed per page of a drill-down.
CASES_PAGE_SIZE = 100


def _parse_month(text: str) -> datetime.date | None:
    try:
        return periods.parse_month(text)
    except ValueError:
        return None


class RangeForm(GovukForm):
    """The months an organisation's page shows: ``months`` months up to ``to``."""

    to = forms.CharField(
        label="Last month",
        help_text="For example, 2016-12",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"width": "5"}),
    )
    months = forms.IntegerField(
        label="Number of months",
        help_text=f"From 1 to {MAX_MONTHS}",
        required=False,
        min_value=1,
        max_value=MAX_MONTHS,
        widget=forms.TextInput(attrs={"width": "3"}),
        error_messages={
            "invalid": "Enter the number of months as a whole number, like 12",
            "min_value": f"Enter a number of months from 1 to {MAX_MONTHS}",
            "max_value": f"Enter a number of months from 1 to {MAX_MONTHS}",
        },
    )

    def clean_to(self):
        text = self.cleaned_data["to"].strip()
        if not text:
            return None
        month = _parse_month(text)
        if month is None:
            raise forms.ValidationError("Enter the last month as a year and month, like 2016-12")
        return month


# --- mine -----------------------------------------------------------------------------------


@require_GET
@login_required
def mine(request):
    """Your own performance: NOMS to the national overview, a CRC manager or a division head
    to their organisation's page; nobody else has one (404)."""
    if access.sees_national_performance(request.user):
        return redirect("performance:overview")
    own = request.user.organisation
    if (
        own is not None
        and access.performance_organisations_visible_to(request.user).filter(pk=own.pk).exists()
    ):
        return redirect("performance:organisation", org_code=own.code)
    raise Http404("No performance pages for you.")


# --- One organisation's page ----------------------------------------------------------------


@require_GET
@login_required
def organisation(request, org_code):
    """One organisation's trends by month, a chart and a table for each measure."""
    organisation = access.performance_organisation_for_view(request.user, org_code)
    form = RangeForm(request.GET or None)
    to, count = None, DEFAULT_MONTHS
    if form.is_bound and form.is_valid():
        to = form.cleaned_data["to"]
        count = form.cleaned_data["months"] or DEFAULT_MONTHS
    latest = selectors.latest_month(request.user, organisation)
    to = to or latest or periods.first_of_month(datetime.date.today())
    months = selectors.months_to(to, count)
    measures = selectors.measures_at(organisation)
    figures = selectors.series(request.user, organisation, months, [m.code for m in measures])
    targets = selectors.targets(organisation, months)
    contracts = (
        selectors.contracts_by_month(request.user, organisation, months)
        if any(m.kind == Kind.MONEY and m.code in figures for m in measures)
        else {}
    )
    topics = []
    unmeasured = []
    for topic in TOPICS:
        sections = []
        for measure in measures:
            if measure.topic != topic:
                continue
            if measure.code not in figures:
                unmeasured.append(measure)
                continue
            sections.append(
                section(measure, figures[measure.code], organisation, months, targets, contracts)
            )
        if sections:
            topics.append({"name": topic, "sections": sections})
    return render(
        request,
        "performance/organisation.html",
        {
            "organisation": organisation,
            "form": form,
            "errors": _errors(form),
            "months": months,
            "latest": latest,
            "topics": topics,
            "unmeasured": unmeasured,
            "national": access.sees_national_performance(request.user),
        },
    )


def _errors(form) -> list[tuple[str, str]]:
    if not form.is_bound or form.is_valid():
        return []
    return [
        (f"#{form[name].auto_id}", message)
        for name, messages in form.errors.items()
        for message in messages
    ]


# --- The cases behind a figure --------------------------------------------------------------


def _figure_args(request, org_code, measure, month):
    """The organisation (in scope), measure (at its level), month and breakdown of a
    drill-down; 404 for anything else."""
    organisation = access.performance_organisation_for_view(request.user, org_code)
    found = MEASURES.get(measure)
    if found is None or selectors.level_of(organisation) not in found.levels:
        raise Http404("No such measure.")
    day = _parse_month(month)
    if day is None:
        raise Http404("Not a month (YYYY-MM).")
    breakdown = request.GET.get("breakdown", "")
    if breakdown and (not found.breakdown or len(breakdown) > 40):
        raise Http404("No such breakdown.")
    return organisation, found, day, breakdown


def _totals(rows) -> tuple[int, int]:
    """(cases, met) of the rows."""
    if isinstance(rows, QuerySet):
        counted = rows.order_by().aggregate(
            cases=Count("pk"), met=Count("pk", filter=Q(case_met=True))
        )
        return counted["cases"], counted["met"]
    return len(rows), sum(1 for row in rows if row["case_met"])


def _page(request, rows):
    """One page of the rows, named (``drilldown.named``): the page's keys first, then their
    rows, so a page costs the same whatever the number of cases."""
    if isinstance(rows, QuerySet):
        page = page_of(
            rows.order_by("case_reference", "pk").values_list("pk", flat=True),
            request.GET.get("page"),
            size=CASES_PAGE_SIZE,
        )
        page.object_list = (
            drilldown.named(request.user, rows.filter(pk__in=page.object_list))
            if page.object_list
            else []
        )
        return page
    named = drilldown.named(request.user, rows)
    return page_of(named, request.GET.get("page"), size=CASES_PAGE_SIZE)


@require_GET
@login_required
def cases(request, org_code, measure, month):
    """The figure of a measure for an organisation and month, and the cases behind it."""
    organisation, measure, month, breakdown = _figure_args(request, org_code, measure, month)
    figure = selectors.figure(request.user, organisation, measure, month, breakdown)
    context = {
        "organisation": organisation,
        "measure": measure,
        "month": month,
        "month_key": periods.month_label(month),
        "breakdown": breakdown,
        "figure": figure,
        "shown": show(
            measure,
            charts.value_of(
                measure, getattr(figure, "numerator", None), getattr(figure, "denominator", None)
            ),
        ),
        "share": measure.kind == Kind.SHARE,
    }
    if measure.kind == Kind.MONEY:
        contract = selectors.contracts_by_month(request.user, organisation, [month]).get(month)
        context["contract"] = contract
        context["money"] = {
            "numerator": money(getattr(figure, "numerator", None)),
            "denominator": money(getattr(figure, "denominator", None)),
        }
        return render(request, "performance/cases.html", context)
    rows = drilldown.rows(measure, organisation, month, breakdown=breakdown)
    total, met = _totals(rows)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {
            "total": total,
            "met": met,
            # The list is of the records now; the figure of the last computation.
            "differs": figure is not None
            and (
                (total, met) != (figure.denominator, figure.numerator)
                if measure.kind == Kind.SHARE
                else total != figure.numerator
            ),
            "page_obj": _page(request, rows),
            "querystring_without_page": (query.urlencode() + "&") if query else "",
            "csv_query": f"?{urlencode({'breakdown': breakdown})}" if breakdown else "",
        }
    )
    return render(request, "performance/cases.html", context)


CSV_COLUMNS = ("crn", "reference", "met", "detail")


class _Echo:
    def write(self, value):
        return value


def _csv_rows(rows):
    """(crn, reference, met, detail) of each row, by reference: one query (streamed) for
    a queryset, two for rows decided in Python."""
    if isinstance(rows, QuerySet):
        crn = Person.objects.filter(pk=OuterRef("case_person")).values("crn")[:1]
        return (
            (crn, reference, "yes" if met else "no", detail)
            for crn, reference, met, detail in rows.annotate(person_crn=Subquery(crn))
            .order_by("case_reference", "pk")
            .values_list("person_crn", "case_reference", "case_met", "case_detail")
            .iterator(chunk_size=2000)
        )
    crns = dict(
        Person.objects.filter(pk__in={row["case_person"] for row in rows}).values_list("pk", "crn")
    )
    return (
        (
            crns.get(row["case_person"], ""),
            row["case_reference"],
            "yes" if row["case_met"] else "no",
            row["case_detail"],
        )
        for row in sorted(rows, key=lambda row: row["case_reference"])
    )


@require_GET
@login_required
def cases_csv(request, org_code, measure, month):
    """The cases behind a figure as CSV: crn, reference, met (yes/no), detail – no names."""
    organisation, measure, month, breakdown = _figure_args(request, org_code, measure, month)
    if measure.kind == Kind.MONEY:
        raise Http404("Money figures are drilled down in the contract's ledger.")
    rows = drilldown.rows(measure, organisation, month, breakdown=breakdown)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for row in _csv_rows(rows):
            yield writer.writerow(row)

    name = f"cases-{organisation.code}-{measure.code}-{periods.month_label(month)}"
    if breakdown:
        name += "-" + re.sub(r"[^A-Za-z0-9]+", "-", breakdown).strip("-")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
