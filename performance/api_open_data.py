"""The published open-data performance tables in the API (issue 9 part 6).

``GET /api/v1/performance/tables/``: every published table, newest quarter first, open to
anybody (no token needed: open data, aggregates only, suppressed as published).
``GET /api/v1/performance/tables/<table_id>/``: one table with its figures exactly as
published – organisation and measure codes, numerator, denominator and value as strings,
``[c]`` (suppressed) and ``[x]`` (not available) kept. An unknown id answers 404.
Figures, names and units are those of ``performance.open_data`` (the pages and CSV use the
same functions).
"""

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from performance import open_data, published
from performance.models import PublishedTable
from probation.api.pagination import Pagination

TABLE_ID = OpenApiParameter(
    "table_id", int, OpenApiParameter.PATH, description="Published table id"
)
CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`")
PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500, default 50")


class NewestFirst(Pagination):
    ordering = ("-quarter", "-version")


class PublishedTableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quarter = serializers.SerializerMethodField(help_text="The calendar quarter, e.g. 2016-Q1")
    quarter_start = serializers.DateField(source="quarter", help_text="The quarter's first day")
    quarter_end = serializers.SerializerMethodField(help_text="The quarter's last day")
    version = serializers.IntegerField(help_text="1 for the first publication, +1 per correction")
    published_at = serializers.DateTimeField()
    notes = serializers.CharField()
    figure_count = serializers.IntegerField(help_text="Figures in the table")
    superseded = serializers.BooleanField(
        help_text="A newer version of the same quarter has been published"
    )
    page = serializers.SerializerMethodField(help_text="The human-readable page")
    csv = serializers.SerializerMethodField(help_text="The table as CSV")
    metadata = serializers.SerializerMethodField(help_text="The metadata sheet as CSV")

    def get_quarter(self, table) -> str:
        return open_data.quarter_label(table.quarter)

    def get_quarter_end(self, table) -> OpenApiTypes.DATE:
        return open_data.quarter_end(table.quarter)

    def _url(self, name, table) -> str:
        url = reverse(name, kwargs={"table_id": table.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_page(self, table) -> OpenApiTypes.URI:
        return self._url("performance:table", table)

    def get_csv(self, table) -> OpenApiTypes.URI:
        return self._url("performance:table-csv", table)

    def get_metadata(self, table) -> OpenApiTypes.URI:
        return self._url("performance:table-metadata", table)


class PublishedFigureSerializer(serializers.Serializer):
    organisation_code = serializers.CharField(source="organisation.code")
    organisation_name = serializers.CharField(source="organisation.name")
    organisation_type = serializers.SerializerMethodField(help_text="CRC, NPS or NPS division")
    measure_code = serializers.CharField(source="measure")
    measure_name = serializers.SerializerMethodField()
    topic = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField(help_text="count, percentage or per 100")
    numerator = serializers.CharField(help_text="As published: a count, [c] or [x]")
    denominator = serializers.CharField(
        help_text="As published: a count, [c] or [x]; empty for counts"
    )
    value = serializers.CharField(help_text="As published: the count or rate, [c] or [x]")

    def get_organisation_type(self, figure) -> str:
        kind = figure.organisation.kind
        return open_data.TYPE_NAMES.get(kind, kind)

    def get_measure_name(self, figure) -> str:
        return published.described(figure.measure, figure.table).name

    def get_topic(self, figure) -> str:
        return published.described(figure.measure, figure.table).topic

    def get_unit(self, figure) -> str:
        return published.described(figure.measure, figure.table).unit


class PublishedTableDetailSerializer(PublishedTableSerializer):
    figures = PublishedFigureSerializer(many=True, source="published_figures")


def _tables():
    return published.published_tables()


class PublishedTableListView(generics.GenericAPIView):
    """The published open-data performance tables (no sign-in needed)."""

    permission_classes = [AllowAny]
    pagination_class = NewestFirst
    serializer_class = PublishedTableSerializer
    queryset = PublishedTable.objects.none()

    @extend_schema(
        operation_id="list_published_tables",
        summary="Published open-data performance tables, newest quarter first",
        description=(
            "Quarterly performance tables per CRC, the NPS and each NPS division, as published "
            "by NOMS. Open data: no token needed. A published table never changes; a "
            "correction is a new version of the same quarter."
        ),
        auth=[],
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: PublishedTableSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(_tables())
        shown = PublishedTableSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(shown.data)


class PublishedTableDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="retrieve_published_table",
        summary="A published performance table with its figures as published",
        description=(
            "One figure per organisation and measure. numerator, denominator and value are "
            "strings exactly as published: a count, a rate to one decimal place, [c] "
            "(suppressed: a count from 1 to 4 or a rate made from one) or [x] (not "
            "available). An unknown id answers 404."
        ),
        auth=[],
        parameters=[TABLE_ID],
        responses={200: PublishedTableDetailSerializer, 404: ErrorResponse404Serializer},
        examples=[
            OpenApiExample(
                "A table",
                value={
                    "id": 3,
                    "quarter": "2016-Q1",
                    "quarter_start": "2016-01-01",
                    "quarter_end": "2016-03-31",
                    "version": 1,
                    "published_at": "2016-04-14T09:30:00Z",
                    "notes": "",
                    "figure_count": 2,
                    "superseded": False,
                    "page": "https://probation.example/performance/open-data/3/",
                    "csv": "https://probation.example/performance/open-data/3/table.csv",
                    "metadata": "https://probation.example/performance/open-data/3/metadata.csv",
                    "figures": [
                        {
                            "organisation_code": "CRC11",
                            "organisation_name": "Wales",
                            "organisation_type": "CRC",
                            "measure_code": "FIRST_APPOINTMENT",
                            "measure_name": "First appointment on time",
                            "topic": "Public protection",
                            "unit": "percentage",
                            "numerator": "24",
                            "denominator": "30",
                            "value": "80.0",
                        },
                        {
                            "organisation_code": "NPS-WAL",
                            "organisation_name": "Wales NPS division",
                            "organisation_type": "NPS division",
                            "measure_code": "FIRST_APPOINTMENT",
                            "measure_name": "First appointment on time",
                            "topic": "Public protection",
                            "unit": "percentage",
                            "numerator": "[c]",
                            "denominator": "[c]",
                            "value": "[c]",
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, table_id):
        table = _tables().filter(pk=table_id).first()
        if table is None:
            raise Http404("No published table found.")
        table.published_figures = published.published_figures(table)
        return Response(PublishedTableDetailSerializer(table, context={"request": request}).data)


urlpatterns = [
    path("performance/tables/", PublishedTableListView.as_view(), name="published-tables"),
    path(
        "performance/tables/<int:table_id>/",
        PublishedTableDetailView.as_view(),
        name="published-table",
    ),
]
