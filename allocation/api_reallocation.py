"""API for cases allocated in error (DOMAIN.md 4 "Errors"): a partner system – a CRC's
case system, say – flags a sentence's allocation as in error and reads the sentence's
flags with the NPS decision on each. The NPS decides on its pages. Scoped through
``probation.access`` (404 outside scope, 403 when the caller reads the case but may not
flag it); errors are 400s with field paths."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from allocation import reallocation
from allocation.models import ReallocationRequest
from probation import access, audit
from probation.models import Organisation, OrganisationKind

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="Sentence (event) number of the person"
)


class ReallocationRequestSerializer(serializers.ModelSerializer):
    crn = serializers.CharField(source="person.crn", read_only=True)
    sentence = serializers.IntegerField(
        source="sentence.number", read_only=True, help_text="Sentence (event) number"
    )
    allocation = serializers.IntegerField(
        source="allocation_id", read_only=True, help_text="Id of the decision said to be in error"
    )
    allocated_to = serializers.CharField(
        source="allocation.organisation.code",
        read_only=True,
        help_text='Who that decision made responsible: "NPS" or a CRC code',
    )
    proposed_organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    raised_by_organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    result = serializers.IntegerField(
        source="result_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the reallocation decision, once accepted",
    )
    reallocated_to = serializers.CharField(
        source="result.organisation.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text='Once accepted: "NPS" or the CRC now responsible (and in whose PbR cohort '
        "the sentence is, for a CRC)",
    )

    class Meta:
        model = ReallocationRequest
        fields = [
            "id",
            "crn",
            "sentence",
            "status",
            "allocation",
            "allocated_to",
            "reason",
            "proposed_organisation",
            "raised_at",
            "raised_by",
            "raised_by_organisation",
            "decided_at",
            "decided_by",
            "decision_reason",
            "result",
            "reallocated_to",
        ]


class ReallocationFlagSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, help_text="Why the allocation is in error")
    proposed_organisation = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Organisation.objects.filter(kind__in=[OrganisationKind.NPS, OrganisationKind.CRC]),
        required=False,
        allow_null=True,
        help_text='Where the case belongs, if the flagger says: "NPS" or a CRC code',
    )


class ReallocationRequestListView(generics.GenericAPIView):
    """A sentence's flags as allocated in error, oldest first; flagging a new one."""

    serializer_class = ReallocationRequestSerializer
    queryset = ReallocationRequest.objects.none()  # schema only: rows come from the selector

    @extend_schema(
        summary="A sentence's flags as allocated in error, with the NPS decision on each",
        operation_id="v1_people_sentence_reallocation_requests_list",
        parameters=[CRN, NUMBER],
        responses={200: ReallocationRequestSerializer(many=True)},
    )
    def get(self, request, crn, number):
        sentence, requests = reallocation.sentence_requests(
            user=request.user, crn=crn, number=number
        )
        audit.record_view(actor=request.user, instance=sentence)
        return Response(ReallocationRequestSerializer(requests, many=True).data)

    @extend_schema(
        summary="Flag a sentence's allocation as in error (the provider responsible or the "
        "NPS division); the NPS decides",
        operation_id="v1_people_sentence_reallocation_requests_create",
        parameters=[CRN, NUMBER],
        request=ReallocationFlagSerializer,
        responses={201: ReallocationRequestSerializer},
    )
    def post(self, request, crn, number):
        access.person_for_change(request.user, crn)
        data = ReallocationFlagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposed = data.validated_data.get("proposed_organisation")
        flagged = reallocation.reallocation_flag(
            actor=request.user,
            crn=crn,
            number=number,
            reason=data.validated_data["reason"],
            proposed_organisation=proposed.code if proposed else None,
        )
        _, requests = reallocation.sentence_requests(user=request.user, crn=crn, number=number)
        return Response(
            ReallocationRequestSerializer(requests.get(pk=flagged.pk)).data,
            status=status.HTTP_201_CREATED,
        )
