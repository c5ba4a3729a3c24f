"""``POST /api/v1/calculations/allocation``: the allocation rules for court staff before
sentence. No case data is read or stored; the LDU codes are reference data."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation.rules import AllocationFacts, Area, Decision, Rule, SentenceKind, allocate
from probation.models import Organisation, OrganisationKind
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
