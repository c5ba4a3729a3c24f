"""API: the caller's caseload, or a team's (probation.caseload), cursor paginated."""

import datetime

from django.db.models import DateField, DateTimeField, Value
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from probation import caseload
from probation.api.pagination import Pagination
from probation.models import Person, RiskLevel, SentenceType

# Empty dates sort as the latest (a cursor cannot page over NULLs).
_LATEST_DATETIME = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
_LATEST_DATE = datetime.date(9999, 12, 31)

# ?sort= value -> the cursor's ordering (the first field is the cursor's position).
_API_ORDERING = {
    "name": ("last_name", "first_name", "crn"),
    "crn": ("crn",),
    "next_appointment": ("next_appointment_key", "crn"),
    "rosh": ("rosh_rank", "crn"),
    "supervision_end": ("supervision_end_key", "crn"),
}


class CaseloadPagination(Pagination):
    """Cursor pages ordered by ``?sort=`` (whitelisted in probation.caseload)."""

    ordering = _API_ORDERING["name"]

    def get_ordering(self, request, queryset, view):
        sort = request.query_params.get("sort") or caseload.DEFAULT_SORT
        fields = _API_ORDERING.get(sort.removeprefix("-"), self.ordering)
        if sort.startswith("-"):
            return tuple(f"-{field}" for field in fields)
        return fields


class CaseloadSentenceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sentence_type = serializers.ChoiceField(choices=SentenceType.choices)
    supervision_end_date = serializers.DateField(allow_null=True)


class CaseloadRowSerializer(serializers.ModelSerializer):
    sentences = CaseloadSentenceSerializer(source="active_sentences", many=True)
    rosh_level = serializers.ChoiceField(
        choices=RiskLevel.choices, allow_null=True, help_text="From the newest plan version"
    )
    next_appointment = serializers.DateTimeField(
        allow_null=True, help_text="The earliest future appointment without an outcome"
    )
    overdue_count = serializers.IntegerField(
        help_text="Past appointments whose outcome is not recorded"
    )
    supervision_end = serializers.DateField(
        allow_null=True, help_text="The latest end of supervision of the active sentences"
    )
    team_id = serializers.IntegerField()
    team_name = serializers.CharField()
    offender_manager = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "crn",
            "first_name",
            "last_name",
            "sentences",
            "rosh_level",
            "next_appointment",
            "overdue_count",
            "supervision_end",
            "team_id",
            "team_name",
            "offender_manager",
        ]

    def get_offender_manager(self, person) -> str | None:
        if person.offender_manager_id is None:
            return None
        return f"{person.offender_manager_first_name} {person.offender_manager_last_name}"


@extend_schema(
    summary="The caller's caseload, or a team's",
    parameters=[
        OpenApiParameter(
            "team", int, description="A team of the caller's organisation (404 otherwise)"
        ),
        OpenApiParameter(
            "sentence_type",
            str,
            many=True,
            enum=SentenceType.values,
            description="Only people with an active managed sentence of these types",
        ),
        OpenApiParameter("rosh", str, many=True, enum=RiskLevel.values, description="RoSH"),
        OpenApiParameter(
            "overdue", OpenApiTypes.BOOL, description="Has (or has not) an overdue appointment"
        ),
        OpenApiParameter(
            "next_appointment",
            str,
            description='Next appointment within this many days (1-365), or "none" booked',
        ),
        OpenApiParameter(
            "sort",
            str,
            enum=[*caseload.SORTS, *(f"-{key}" for key in caseload.SORTS)],
            description="Order; a leading - sorts descending",
        ),
    ],
)
class CaseloadView(generics.ListAPIView):
    """People whose current offender manager is the caller (or, with ``team``, whose
    current assignment is with that team) on an active sentence probation manages."""

    serializer_class = CaseloadRowSerializer
    pagination_class = CaseloadPagination
    filter_backends = []  # the filters are probation.caseload's, applied in get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Person.objects.none()
        team_id = self.request.query_params.get("team")
        team = caseload.team_for_view(self.request.user, team_id) if team_id else None
        people = caseload.caseload(user=self.request.user, team=team, filters=self.request.GET)
        return people.annotate(
            next_appointment_key=Coalesce(
                "next_appointment", Value(_LATEST_DATETIME, output_field=DateTimeField())
            ),
            supervision_end_key=Coalesce(
                "supervision_end", Value(_LATEST_DATE, output_field=DateField())
            ),
        )
