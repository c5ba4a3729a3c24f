"""API for the plan of a case (DOMAIN.md 5): its versions, the version in force on a date,
and writing a new version. Plans are never edited, so there is no PATCH."""

import datetime

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from probation import access, audit, plans
from probation.api.pagination import Pagination
from probation.models import Need, PlanVersion, ReoffendingLikelihood, RiskLevel

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
VERSION = OpenApiParameter("version", int, OpenApiParameter.PATH, description="Version number")


# RiskLevel and ReoffendingLikelihood share their values and labels; distinct labels here
# keep them two enums in the OpenAPI schema.
LIKELIHOOD_CHOICES = [
    (value, f"{label} likelihood of reoffending") for value, label in ReoffendingLikelihood.choices
]


class PlanVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reoffending_likelihood = serializers.ChoiceField(choices=LIKELIHOOD_CHOICES)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))

    class Meta:
        model = PlanVersion
        fields = [
            "version",
            "effective_from",
            "rosh_level",
            "rosh_assessed_on",
            "rosh_assessor",
            "risk_management",
            "needs",
            "reoffending_likelihood",
            "objectives",
            "sentence_delivery",
            "review_date",
            "created_by",
        ]


class PlanVersionCreateSerializer(serializers.Serializer):
    rosh_level = serializers.ChoiceField(choices=RiskLevel.choices)
    rosh_assessed_on = serializers.DateField()
    rosh_assessor = serializers.CharField(max_length=200)
    risk_management = serializers.CharField(required=False, allow_blank=True)
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Need.choices), allow_empty=True
    )
    reoffending_likelihood = serializers.ChoiceField(choices=LIKELIHOOD_CHOICES)
    objectives = serializers.CharField()
    sentence_delivery = serializers.CharField(required=False, allow_blank=True)
    review_date = serializers.DateField()


class ByVersion(Pagination):
    ordering = ("-version",)


class PlanVersionListView(generics.GenericAPIView):
    serializer_class = PlanVersionSerializer
    pagination_class = ByVersion

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanVersion.objects.none()
        return plans.plan_versions(user=self.request.user, crn=self.kwargs["crn"])

    @extend_schema(
        summary="Versions of a person's plan, newest first",
        operation_id="v1_people_plan_versions_list",
        responses={200: PlanVersionSerializer(many=True)},
        parameters=[
            CRN,
            OpenApiParameter(
                "as_at",
                datetime.date,
                description="Only the version in force at the end of this day (YYYY-MM-DD); "
                "an empty list if there was no plan then",
            ),
        ],
    )
    def get(self, request, crn):
        person = access.person_for_view(request.user, crn)
        versions = self.get_queryset()
        raw = request.query_params.get("as_at")
        if raw:
            try:
                when = datetime.date.fromisoformat(raw)
            except ValueError:
                raise ValidationError({"as_at": ["Enter a date as YYYY-MM-DD"]}) from None
            in_force = plans.plan_as_at(person, when)
            versions = versions.filter(pk=in_force.pk if in_force else None)
        page = self.paginate_queryset(versions)
        audit.record_view(actor=request.user, instance=person)
        return self.get_paginated_response(PlanVersionSerializer(page, many=True).data)

    @extend_schema(
        summary="Write a new version of a person's plan",
        operation_id="v1_people_plan_versions_create",
        parameters=[CRN],
        request=PlanVersionCreateSerializer,
        responses={201: PlanVersionSerializer},
    )
    def post(self, request, crn):
        access.person_for_change(request.user, crn)
        data = PlanVersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plans.plan_create(actor=request.user, crn=crn, **data.validated_data)
        return Response(PlanVersionSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanVersionDetailView(generics.GenericAPIView):
    serializer_class = PlanVersionSerializer

    @extend_schema(
        summary="One version of a person's plan",
        operation_id="v1_people_plan_version_retrieve",
        parameters=[CRN, VERSION],
    )
    def get(self, request, crn, version):
        plan = plans.plan_version(user=request.user, crn=crn, version=version)
        if plan is None:
            raise Http404("No such version of the plan.")
        audit.record_view(actor=request.user, instance=plan)
        return Response(PlanVersionSerializer(plan).data)
