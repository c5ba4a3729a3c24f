"""The performance API (issue 9 parts 3 and 6): the funnel calculation, the monthly facts
and the cases behind a figure; the published open-data tables are ``performance.api_open_data``.

``POST /api/v1/calculations/funnel`` reads and stores no case data, so any signed-in user or
API client may call it, like the other calculation endpoints. It validates the figures and
calls ``performance.funnel.funnel`` – the function the dashboard's funnel plots call – so the
endpoint and the dashboard cannot disagree; figures a funnel cannot be drawn from are a 400
naming the figure (``units.2.denominator``), never a 500.

The facts and their cases are scoped like the pages (``probation.access``): NOMS sees every
CRC, the NPS, its divisions and LDUs; a CRC's managers and API client their own CRC; an NPS
division's head and API client their own division; anybody else nothing. The cases of an
organisation outside scope answer 404, like a missing one. Cases are listed by CRN and
reference, never by name.
"""

import datetime
from urllib.parse import urlencode

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts import periods
from performance import api_open_data, drilldown, funnel
from performance import serializers as shapes
from performance.base import DIVISION, LDU, PROVIDER, Kind
from performance.measures import MEASURES
from performance.models import Fact
from probation import access
from probation.api.pagination import Pagination
from probation.models import OrganisationKind, Person

CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`")
PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500, default 50")

# An organisation's level, by its kind.
LEVEL_OF_KIND = {
    OrganisationKind.CRC: PROVIDER,
    OrganisationKind.NPS: PROVIDER,
    OrganisationKind.NPS_DIVISION: DIVISION,
    OrganisationKind.LDU: LDU,
}
KINDS_OF_LEVEL = {
    level: [kind for kind, of in LEVEL_OF_KIND.items() if of == level]
    for level in (PROVIDER, DIVISION, LDU)
}


# --- POST /api/v1/calculations/funnel -------------------------------------------------------


class FunnelCalculationView(APIView):
    """Funnel plot limits and flags of units (``performance.funnel.funnel``)."""

    @extend_schema(
        operation_id="calculate_funnel",
        summary="Funnel plot: each unit's rate, control limits and flag",
        description=(
            "Around p0 = Σ numerators ÷ Σ denominators (or `target_rate` when given), a "
            "unit of size n has the limits p0 ± z·√(p0(1 − p0) ÷ n), clipped to [0, 1], with "
            "z = 1.959964 (95 %) and z = 3.090232 (99.8 %). Flags, by strict inequalities: "
            "`HIGH_ALERT` above the upper 99.8 % limit, else `HIGH_WARNING` above the upper "
            "95 %, `LOW_ALERT` below the lower 99.8 %, `LOW_WARNING` below the lower 95 %, "
            "otherwise `WITHIN` (a rate exactly on a limit is within it). A denominator of 0, "
            "a numerator above its denominator, a negative count or a target outside 0–1 "
            "is a 400 naming the figure, e.g. `units.2.denominator`. The dashboard's funnel "
            "plots compute the same figures."
        ),
        request=shapes.FunnelRequest,
        responses={200: shapes.FunnelResponse},
        examples=[
            OpenApiExample(
                "Three CRCs' first appointments",
                value={
                    "units": [
                        {"code": "CRC11", "numerator": 80, "denominator": 100},
                        {"code": "CRC12", "numerator": 150, "denominator": 200},
                        {"code": "CRC20", "numerator": 95, "denominator": 100},
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "Answer",
                value={
                    "pooled_rate": 0.8125,
                    "units": [
                        {
                            "code": "CRC11",
                            "rate": 0.8,
                            "lower_95": 0.7360001796441693,
                            "upper_95": 0.8889998203558307,
                            "lower_998": 0.6918844209088333,
                            "upper_998": 0.9331155790911667,
                            "flag": "WITHIN",
                        },
                        {
                            "code": "CRC12",
                            "rate": 0.75,
                            "lower_95": 0.7584064582668394,
                            "upper_95": 0.8665935417331606,
                            "lower_998": 0.7272119061078937,
                            "upper_998": 0.8977880938921063,
                            "flag": "LOW_WARNING",
                        },
                        {
                            "code": "CRC20",
                            "rate": 0.95,
                            "lower_95": 0.7360001796441693,
                            "upper_95": 0.8889998203558307,
                            "lower_998": 0.6918844209088333,
                            "upper_998": 0.9331155790911667,
                            "flag": "HIGH_ALERT",
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        given = shapes.FunnelRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        units = [
            funnel.Unit(unit["code"], unit["numerator"], unit["denominator"])
            for unit in data["units"]
        ]
        try:
            result = funnel.funnel(units, data["target_rate"])
        except funnel.FunnelError as error:
            raise exceptions.ValidationError({error.field: [str(error)]}) from error
        return Response(shapes.FunnelResponse(result).data)


# --- GET /api/v1/performance/facts/ ---------------------------------------------------------


class ByMonth(Pagination):
    ordering = ("month", "id")


def _rate(fact: Fact, kind: Kind | None) -> float | None:
    if kind == Kind.COUNT or not fact.denominator:
        return None
    if kind == Kind.PER_100:
        return fact.numerator * 100 / fact.denominator
    return fact.numerator / fact.denominator


def _shown(request, fact: Fact) -> dict:
    measure = MEASURES.get(fact.measure)
    kind = measure.kind if measure is not None else None
    cases = None
    if kind is not None and kind != Kind.MONEY:
        url = reverse(
            "v1:fact-cases",
            kwargs={
                "org_code": fact.organisation.code,
                "measure": fact.measure,
                "month": periods.month_label(fact.month),
            },
        )
        if fact.breakdown:
            url += "?" + urlencode({"breakdown": fact.breakdown})
        cases = request.build_absolute_uri(url)
    return {
        "organisation": fact.organisation,
        "level": LEVEL_OF_KIND.get(fact.organisation.kind),
        "measure": fact.measure,
        "measure_name": measure.name if measure is not None else fact.measure,
        "kind": kind,
        "month": periods.month_label(fact.month),
        "breakdown": fact.breakdown,
        "numerator": fact.numerator,
        "denominator": fact.denominator,
        "rate": _rate(fact, kind),
        "computed_at": fact.computed_at,
        "cases": cases,
    }


class FactListView(generics.GenericAPIView):
    """The monthly facts the caller may see (``probation.access.facts_visible_to``)."""

    pagination_class = ByMonth
    serializer_class = shapes.FactSerializer
    queryset = Fact.objects.none()  # schema only: rows come from probation.access

    @extend_schema(
        operation_id="list_performance_facts",
        summary="Monthly performance figures the caller may see, by month",
        description=(
            "One figure of one measure for one organisation and month: a CRC or the NPS as "
            "a whole (`provider`), an NPS division (`division`) or an LDU (`ldu`), with its "
            "numerator, denominator and rate (a share 0 to 1; per 100 for PER_100 measures; "
            "null for counts) and a link to the cases behind it. NOMS sees every "
            "organisation; a CRC's managers and API client their own CRC; an NPS division's "
            "head and API client their own division; anybody else an empty list. A bad "
            "filter value is a 400 naming it; `breakdown=` (empty) gives whole figures only."
        ),
        parameters=[shapes.FactQuery, CURSOR, PAGE_SIZE],
        responses={200: shapes.FactSerializer(many=True)},
    )
    def get(self, request):
        query = shapes.FactQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        given = query.validated_data
        facts = access.facts_visible_to(request.user).select_related("organisation")
        if "organisation" in given:
            facts = facts.filter(organisation__code=given["organisation"].upper())
        if "measure" in given:
            facts = facts.filter(measure=given["measure"])
        if "month" in given:
            facts = facts.filter(month=given["month"])
        if "from" in given:
            facts = facts.filter(month__gte=given["from"])
        if "to" in given:
            facts = facts.filter(month__lte=given["to"])
        if "level" in given:
            facts = facts.filter(organisation__kind__in=KINDS_OF_LEVEL[given["level"]])
        if "breakdown" in given:
            facts = facts.filter(breakdown=given["breakdown"])
        page = self.paginate_queryset(facts)
        shown = [_shown(request, fact) for fact in page]
        return self.get_paginated_response(shapes.FactSerializer(shown, many=True).data)


# --- GET /api/v1/performance/facts/<org_code>/<measure>/<month>/cases/ ----------------------


class ByPage(PageNumberPagination):
    """Pages of case rows (a measure decided in Python gives a list, not a queryset)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _month_or_404(text: str) -> datetime.date:
    try:
        return periods.parse_month(text)
    except ValueError:
        raise Http404("No such month.") from None


class FactCasesView(generics.GenericAPIView):
    """The cases behind a figure (``performance.drilldown.rows``), by reference."""

    pagination_class = ByPage
    serializer_class = shapes.FactCaseSerializer
    queryset = Fact.objects.none()  # schema only

    @extend_schema(
        operation_id="list_performance_fact_cases",
        summary="The cases behind a monthly figure, by CRN and reference (never names)",
        description=(
            "The measure's cases of the organisation for the month, found by running its "
            "definition again: for a SHARE measure every case measured, `met` when counted "
            "in the numerator; for a COUNT or PER_100 measure the cases counted. An "
            "organisation outside the caller's scope, an unknown measure or month, or a "
            "MONEY measure (no case rows) answers 404."
        ),
        parameters=[
            OpenApiParameter(
                "org_code", str, OpenApiParameter.PATH, description="e.g. CRC11, NPS-WAL"
            ),
            OpenApiParameter("measure", str, OpenApiParameter.PATH, description="Its code"),
            OpenApiParameter("month", str, OpenApiParameter.PATH, description="YYYY-MM"),
            shapes.FactCasesQuery,
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1"),
            PAGE_SIZE,
        ],
        responses={200: shapes.FactCaseSerializer(many=True)},
    )
    def get(self, request, org_code, measure, month):
        organisation = access.performance_organisation_for_view(request.user, org_code)
        found = MEASURES.get(measure)
        level = LEVEL_OF_KIND.get(organisation.kind)
        if found is None or found.kind == Kind.MONEY or level not in found.levels:
            raise Http404("No such measure for this organisation.")
        month = _month_or_404(month)
        query = shapes.FactCasesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = drilldown.rows(
            found, organisation, month, breakdown=query.validated_data.get("breakdown", "")
        )
        if isinstance(rows, QuerySet):
            crn = Person.objects.filter(pk=OuterRef("case_person")).values("crn")[:1]
            rows = (
                rows.annotate(crn=Subquery(crn))
                .order_by("case_reference", "case_person")
                .values("crn", "case_reference", "case_met", "case_detail")
            )
            page = list(self.paginate_queryset(rows))
        else:
            ordered = sorted(rows, key=lambda r: (str(r["case_reference"]), r["case_person"]))
            page = list(self.paginate_queryset(ordered))
            crns = dict(
                Person.objects.filter(pk__in={r["case_person"] for r in page}).values_list(
                    "pk", "crn"
                )
            )
            page = [{**row, "crn": crns.get(row["case_person"], "")} for row in page]
        shown = [
            {
                "crn": row["crn"] or "",
                "reference": str(row["case_reference"]),
                "met": row["case_met"],
                "detail": row["case_detail"] or "",
            }
            for row in page
        ]
        return self.get_paginated_response(shapes.FactCaseSerializer(shown, many=True).data)


urlpatterns = [
    path("calculations/funnel", FunnelCalculationView.as_view(), name="funnel-calculation"),
    path("performance/facts/", FactListView.as_view(), name="facts"),
    path(
        "performance/facts/<str:org_code>/<str:measure>/<str:month>/cases/",
        FactCasesView.as_view(),
        name="fact-cases",
    ),
    # Published open-data tables (performance.api_open_data)
    *api_open_data.urlpatterns,
]
