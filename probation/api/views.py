"""API views of the core: organisations (reference data) and people (scoped, audited)."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from probation import audit, selectors, services
from probation.api.pagination import ByCode, ByCrn
from probation.api.serializers import (
    OrganisationSerializer,
    PersonCreateSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
)
from probation.filters import OrganisationFilter, PersonFilter
from probation.models import Organisation, Person

CRN_PARAMETER = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)


@extend_schema_view(
    list=extend_schema(summary="List organisations of the national structure"),
    retrieve=extend_schema(summary="One organisation by its code"),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """NOMS, the NPS, its divisions, LDU clusters and LDUs, and the 21 CRCs (TOM Annex D)."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "code"
    pagination_class = ByCode
    queryset = Organisation.objects.select_related("parent", "division", "crc")


@extend_schema_view(
    list=extend_schema(summary="People on probation the caller may see"),
    retrieve=extend_schema(summary="One person by CRN", parameters=[CRN_PARAMETER]),
)
class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """People on probation. Anyone outside the caller's scope answers 404."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    lookup_field = "crn"
    pagination_class = ByCrn

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Person.objects.none()
        return selectors.person_list(user=self.request.user)

    def get_object(self):
        person = selectors.person_detail(user=self.request.user, crn=self.kwargs["crn"])
        audit.record_view(actor=self.request.user, instance=person)
        return person

    @extend_schema(
        summary="Record a newly sentenced person",
        request=PersonCreateSerializer,
        responses={201: PersonSerializer},
    )
    def create(self, request):
        data = PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, **data.validated_data)
        person = selectors.person_detail(user=request.user, crn=person.crn)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a person's details",
        parameters=[CRN_PARAMETER],
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer},
    )
    @transaction.atomic
    def partial_update(self, request, crn=None):
        data = PersonUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_update(actor=request.user, crn=crn, **data.validated_data)
        person = selectors.person_detail(user=request.user, crn=crn)
        return Response(PersonSerializer(person).data)
