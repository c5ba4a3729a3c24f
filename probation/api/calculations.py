"""Calculations for pre-sentence report writers and court staff: no case data is read or
stored, so any signed-in user or API client may call them."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from probation.supervision import CustodialFacts, supervision_periods


class SupervisionPeriodsRequest(serializers.Serializer):
    sentence_date = serializers.DateField()
    offence_date = serializers.DateField()
    date_of_birth = serializers.DateField()
    term_months = serializers.IntegerField(default=0, min_value=0, max_value=1200)
    term_days = serializers.IntegerField(default=0, min_value=0, max_value=36500)
    conditional_release_date = serializers.DateField(required=False, allow_null=True)
    hdc_release_date = serializers.DateField(required=False, allow_null=True)


class SupervisionPeriodsResponse(serializers.Serializer):
    sentence_expiry_date = serializers.DateField()
    conditional_release_date = serializers.DateField()
    release_date = serializers.DateField()
    licence_start_date = serializers.DateField(allow_null=True)
    licence_end_date = serializers.DateField(allow_null=True)
    pss_start_date = serializers.DateField(allow_null=True)
    pss_end_date = serializers.DateField(allow_null=True)
    supervision_end_date = serializers.DateField(allow_null=True)
    managed = serializers.BooleanField()
    rule = serializers.CharField(help_text="Code of the rule that decided the periods")
    reason = serializers.CharField()


class SupervisionPeriodsView(APIView):
    """Licence and post-sentence supervision periods of a determinate custodial sentence
    (DOMAIN.md 3; Offender Rehabilitation Act 2014)."""

    @extend_schema(
        operation_id="calculate_supervision_periods",
        summary="Calculate licence and post-sentence supervision periods",
        request=SupervisionPeriodsRequest,
        responses={200: SupervisionPeriodsResponse},
        examples=[
            OpenApiExample(
                "Eight months, offence after commencement",
                value={
                    "sentence_date": "2016-03-01",
                    "offence_date": "2016-01-10",
                    "date_of_birth": "1990-06-15",
                    "term_months": 8,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = SupervisionPeriodsRequest(data=request.data)
        given.is_valid(raise_exception=True)
        periods = supervision_periods(CustodialFacts(**given.validated_data))
        return Response(SupervisionPeriodsResponse(periods).data)
