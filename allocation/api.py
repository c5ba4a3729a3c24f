"""``POST /api/v1/calculations/allocation``: the allocation rules for court staff before
sentence. No case data is read or stored; the LDU codes are reference data.

``GET /api/v1/allocations/``: the feed of allocation decisions partner systems poll, scoped
by ``allocation.feed``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import feed, instructions
from allocation.models import AllocationDecision
from allocation.rules import AllocationFacts, Area, Decision, Rule, SentenceKind, allocate
from probation.api.pagination import Pagination
from probation.contacts import first_appointment_due
from probation.models import Organisation, OrganisationKind, SentenceType
from probation.orders import RequirementCode

_RULES = "; ".join(f"`{rule.value}`: {rule.label}" for rule in Rule)


class _LduField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code",
            queryset=Organisation.objects.filter(kind=OrganisationKind.LDU).select_related(
                "crc", "division"
            ),
            **kwargs,
        )


class AllocationRequest(serializers.Serializer):
    sentence_type = serializers.ChoiceField(choices=SentenceKind.choices)
    sentence_date = serializers.DateField()
    requirements = serializers.ListField(
        child=serializers.ChoiceField(choices=RequirementCode.choices), required=False, default=list
    )
    custodial_term_months = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=1200
    )
    indeterminate = serializers.BooleanField(required=False, default=False)
    home_ldu = _LduField(required=False, allow_null=True, help_text="LDU code of the home address")
    court_ldu = _LduField(
        required=False,
        allow_null=True,
        help_text="LDU code of the sentencing court: decides for no fixed abode",
    )
    mappa = serializers.BooleanField(required=False, default=False)
    rosh = serializers.ChoiceField(
        choices=["LOW", "MEDIUM", "HIGH", "VERY_HIGH"], required=False, allow_null=True
    )
    rsr_score = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=100, help_text="RSR, %"
    )
    public_interest = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="The reason, when the NPS keeps the case in the exceptional public interest",
    )
    previously_escalated_to_nps = serializers.BooleanField(required=False, default=False)
    foreign_national = serializers.BooleanField(required=False, default=False)
    aggregate_custody_last_5_years_months = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=1200
    )
    current_manager = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text='Who manages the person now: null, "NPS" or a CRC code such as CRC11',
    )

    def validate_current_manager(self, value):
        if value in (None, "", "NPS"):
            return value or None
        if not Organisation.objects.filter(code=value, kind=OrganisationKind.CRC).exists():
            raise serializers.ValidationError('Enter "NPS" or a CRC code such as CRC11')
        return value

    def validate(self, data):
        ldu = data.get("home_ldu") or data.get("court_ldu")
        if ldu is None:
            raise serializers.ValidationError(
                {
                    "home_ldu": "Enter the LDU of the home address, or the court's LDU for no "
                    "fixed abode"
                }
            )
        data["area"] = Area(ldu=ldu.code, crc=ldu.crc.code, division=ldu.division.code)
        return data

    def facts(self) -> AllocationFacts:
        data = dict(self.validated_data)
        data.pop("home_ldu", None)
        data.pop("court_ldu", None)
        data["requirements"] = tuple(data["requirements"])
        return AllocationFacts(**data)


class AllocationResponse(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    rule = serializers.ChoiceField(choices=Rule.choices, help_text=f"The rule that fired. {_RULES}")
    organisation = serializers.CharField(
        allow_null=True, help_text="The CRC code, or the NPS division code; null if not allocated"
    )
    judgement_required = serializers.BooleanField()
    pbr_cohort = serializers.BooleanField()
    moves_existing_sentences = serializers.BooleanField()
    due_by = serializers.DateField(help_text="Sentence date + 1 business day")
    reasons = serializers.ListField(child=serializers.CharField())


class AllocationCalculationView(APIView):
    """Who would manage a person sentenced on these facts (DOMAIN.md 4)."""

    @extend_schema(
        operation_id="calculate_allocation",
        summary="Recommend an allocation: NPS, the home CPA's CRC, EM provider or not managed",
        request=AllocationRequest,
        responses={200: AllocationResponse},
        examples=[
            OpenApiExample(
                "Community order, medium RoSH",
                value={
                    "sentence_type": "COMMUNITY_ORDER",
                    "sentence_date": "2026-12-24",
                    "requirements": ["UNPAID_WORK", "REHABILITATION_ACTIVITY"],
                    "home_ldu": "LDU1101",
                    "rosh": "MEDIUM",
                    "rsr_score": 4.2,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = AllocationRequest(data=request.data)
        given.is_valid(raise_exception=True)
        return Response(AllocationResponse(allocate(given.facts())).data)


# --- The allocations feed: ``GET /api/v1/allocations/?since=`` (allocation.feed) ----------


class TeamReference(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ldu = serializers.CharField(source="ldu.code", help_text="Code of the LDU the team is based in")


class ReportingInstructionsSerializer(serializers.Serializer):
    ldu = serializers.CharField(
        allow_null=True, help_text="The LDU they are for; null for the CRC's default"
    )
    office = serializers.CharField()
    address = serializers.CharField()
    telephone = serializers.CharField()
    instructions = serializers.CharField()
    report_by = serializers.DateField(
        allow_null=True,
        help_text="When the first appointment is due (the first-appointment standard, "
        "FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS after sentence or release); null while a "
        "custodial sentence has no release date",
    )


class AllocationEventSerializer(serializers.ModelSerializer):
    crn = serializers.CharField(source="person.crn")
    sentence = serializers.IntegerField(
        source="sentence.number", help_text="The sentence (event) number of the person"
    )
    sentence_type = serializers.ChoiceField(
        source="sentence.sentence_type", choices=SentenceType.choices
    )
    organisation = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text='The provider now responsible: "NPS" or a CRC'
    )
    team = TeamReference(help_text="The team that took the case")
    offender_manager = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username, if one was named",
    )
    pbr_provider = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The CRC whose payment-by-results cohort the sentence joined; null for none",
    )
    rule = serializers.ChoiceField(
        source="recommended_rule",
        choices=Rule.choices,
        help_text=f"The rule that fired for the recommendation. {_RULES}",
    )
    reasons = serializers.ListField(child=serializers.CharField())
    replaces = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="A reallocation: the id of the decision it supersedes",
    )
    reporting_instructions = ReportingInstructionsSerializer(
        allow_null=True,
        help_text="The CRC's first-appointment reporting instructions given to the person; "
        "null for an NPS decision or when the CRC has configured none",
    )

    class Meta:
        model = AllocationDecision
        fields = [
            "id",
            "kind",
            "point",
            "crn",
            "sentence",
            "sentence_type",
            "decision",
            "organisation",
            "team",
            "offender_manager",
            "pbr_provider",
            "recommended_decision",
            "rule",
            "reasons",
            "judgement",
            "review_by",
            "review_triggers",
            "due_by",
            "decided_at",
            "within_deadline",
            "replaces",
            "reporting_instructions",
        ]


class FeedQuery(serializers.Serializer):
    since = serializers.DateTimeField(required=False)


class ByDecidedAt(Pagination):
    """Oldest first, so a partner polls forward: follow ``next`` until it is null, keep the
    last cursor (or the last ``decided_at``) for the next poll."""

    ordering = ("decided_at", "id")


@extend_schema(
    summary="Allocation decisions concerning the caller's organisation, oldest first",
    parameters=[
        OpenApiParameter(
            "since",
            OpenApiTypes.DATETIME,
            description="Only decisions made at or after this instant (ISO 8601, e.g. "
            "2026-12-24T09:00:00Z; without an offset, UK local time)",
        )
    ],
)
class AllocationFeedView(generics.ListAPIView):
    """The allocations feed partner systems poll (``allocation.feed``): a CRC reads the
    decisions that gave it a case, of people it may still see; an NPS division those that
    kept a case with the NPS in that division; NOMS every decision. Each carries the
    rules' recommendation and reasons, the officer's decision and the person's
    first-appointment reporting instructions."""

    serializer_class = AllocationEventSerializer
    pagination_class = ByDecidedAt
    filter_backends = []
    queryset = AllocationDecision.objects.none()  # schema only: rows come from the feed

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AllocationDecision.objects.none()
        query = FeedQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return feed.allocations_visible_to(
            self.request.user, since=query.validated_data.get("since")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        chosen = instructions.reporting_instructions_for_many(page)
        for decision in page:
            given = chosen[decision.pk]
            decision.reporting_instructions = None
            if given is not None:
                decision.reporting_instructions = {
                    "ldu": given.ldu.code if given.ldu_id else None,
                    "office": given.office,
                    "address": given.address,
                    "telephone": given.telephone,
                    "instructions": given.instructions,
                    "report_by": first_appointment_due(decision.sentence),
                }
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
