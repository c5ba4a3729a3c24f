"""``POST /api/v1/calculations/enforcement-options``: what the law lets a responsible
officer do about a failure to comply (``enforcement.rules``). No case data is read or
stored."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from enforcement.rules import EnforcedSentence, EnforcementFacts, ReferralTo, enforcement_options
from probation.api.serializers import BoundedDateField


class EnforcementOptionsRequest(serializers.Serializer):
    sentence_type = serializers.ChoiceField(choices=EnforcedSentence.choices)
    failure_date = BoundedDateField()
    previous_warnings = serializers.ListField(
        child=BoundedDateField(),
        required=False,
        default=list,
        max_length=500,
        help_text="Dates of the warnings already given on this order or licence",
    )
    linked_risk_escalation = serializers.BooleanField(
        required=False, default=False, help_text="The recall comes with a risk escalation"
    )
    immediate_risk = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The risk is too immediate to wait for an NPS senior manager's endorsement",
    )

    def facts(self) -> EnforcementFacts:
        data = dict(self.validated_data)
        data["previous_warnings"] = tuple(data["previous_warnings"])
        return EnforcementFacts(**data)


class EnforcementOptionsResponse(serializers.Serializer):
    warning_allowed = serializers.BooleanField()
    referral_to = serializers.ChoiceField(choices=ReferralTo.choices)
    nps_endorsement_required = serializers.BooleanField(
        help_text="An NPS senior manager must endorse the recall before it goes to PPCS"
    )
    reasons = serializers.ListField(child=serializers.CharField())


class EnforcementOptionsView(APIView):
    """The enforcement options for a failure to comply (DOMAIN.md 6)."""

    @extend_schema(
        operation_id="calculate_enforcement_options",
        summary="The options the law allows for a failure to comply: warning, referral, recall",
        request=EnforcementOptionsRequest,
        responses={200: EnforcementOptionsResponse},
        examples=[
            OpenApiExample(
                "Community order with a warning ten months before",
                value={
                    "sentence_type": "COMMUNITY_ORDER",
                    "failure_date": "2026-11-23",
                    "previous_warnings": ["2026-01-20"],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = EnforcementOptionsRequest(data=request.data)
        given.is_valid(raise_exception=True)
        return Response(EnforcementOptionsResponse(enforcement_options(given.facts())).data)
