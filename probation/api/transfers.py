"""API for transfers of a case between Contract Package Areas and for termination of a
sentence (DOMAIN.md 6). Scoped through probation.access (404 outside scope, 403 when the
caller sees the case but may not act), audited, errors as 400s with field paths."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from probation import access, audit, terminations, transfers
from probation.api.pagination import Pagination
from probation.models import CaseTransfer, Organisation, OrganisationKind, Team, User, UserKind
from probation.models.sentences import (
    Partner,
    PartnerNotification,
    Termination,
    TerminationReason,
)

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
TRANSFER_ID = OpenApiParameter("transfer_id", int, OpenApiParameter.PATH, description="Transfer id")
NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="Sentence (event) number of the person"
)


class TransferSerializer(serializers.ModelSerializer):
    crn = serializers.CharField(source="person.crn", read_only=True)
    from_provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    from_ldu = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_ldu = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    pbr_providers = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        read_only=True,
        help_text="PbR cohort of each active sentence when requested, {sentence number: CRC "
        "code}; a transfer never changes it",
    )

    class Meta:
        model = CaseTransfer
        fields = [
            "id",
            "crn",
            "status",
            "from_provider",
            "to_provider",
            "from_ldu",
            "to_ldu",
            "reason",
            "requested_by",
            "requested_at",
            "location_suitability",
            "decided_by",
            "decided_at",
            "decision_reason",
            "pbr_providers",
        ]


class TransferRequestSerializer(serializers.Serializer):
    to_ldu = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Organisation.objects.filter(kind=OrganisationKind.LDU),
        help_text="Code of the LDU of the new address, e.g. LDU2001",
    )
    reason = serializers.CharField()


class TransferDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    location_suitability = serializers.CharField(
        help_text="The receiving provider's assessment of the new location"
    )
    decision_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Required when rejecting"
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the receiving provider's team that will manage the case; required "
        "when accepting",
    )
    offender_manager = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(kind=UserKind.STAFF, is_active=True),
        required=False,
        allow_null=True,
        help_text="Username of a member of that team",
    )


class ByRequestedAt(Pagination):
    ordering = ("-requested_at", "-id")


class TransferListView(generics.GenericAPIView):
    """A person's transfers between CPAs, newest first; requesting a new one."""

    serializer_class = TransferSerializer
    pagination_class = ByRequestedAt
    queryset = CaseTransfer.objects.none()  # schema only: rows come from the selector

    @extend_schema(
        summary="A person's transfers between Contract Package Areas, newest first",
        operation_id="v1_people_transfers_list",
        parameters=[CRN],
        responses={200: TransferSerializer(many=True)},
    )
    def get(self, request, crn):
        person, queryset = transfers.transfer_list(user=request.user, crn=crn)
        page = self.paginate_queryset(queryset)
        audit.record_view(actor=request.user, instance=person)
        return self.get_paginated_response(TransferSerializer(page, many=True).data)

    @extend_schema(
        summary="Ask another area's provider to take the case over",
        operation_id="v1_people_transfers_create",
        parameters=[CRN],
        request=TransferRequestSerializer,
        responses={201: TransferSerializer},
    )
    def post(self, request, crn):
        access.person_for_change(request.user, crn)
        data = TransferRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = transfers.transfer_request(actor=request.user, crn=crn, **data.validated_data)
        transfer = access.transfer_of(request.user, crn, transfer.pk)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferDetailView(generics.GenericAPIView):
    serializer_class = TransferSerializer

    @extend_schema(
        summary="One transfer of a person",
        operation_id="v1_people_transfer_retrieve",
        parameters=[CRN, TRANSFER_ID],
    )
    def get(self, request, crn, transfer_id):
        transfer = access.transfer_of(request.user, crn, transfer_id)
        audit.record_view(actor=request.user, instance=transfer)
        return Response(TransferSerializer(transfer).data)


class TransferDecisionView(generics.GenericAPIView):
    """The receiving provider's decision on a transfer."""

    serializer_class = TransferSerializer

    @extend_schema(
        summary="The transfer with its decision, if made",
        operation_id="v1_people_transfer_decision_retrieve",
        parameters=[CRN, TRANSFER_ID],
    )
    def get(self, request, crn, transfer_id):
        transfer = access.transfer_of(request.user, crn, transfer_id)
        audit.record_view(actor=request.user, instance=transfer)
        return Response(TransferSerializer(transfer).data)

    @extend_schema(
        summary="Accept or reject a transfer (receiving provider only)",
        operation_id="v1_people_transfer_decision_create",
        parameters=[CRN, TRANSFER_ID],
        request=TransferDecisionSerializer,
        responses={200: TransferSerializer},
    )
    def post(self, request, crn, transfer_id):
        access.transfer_for_decision(request.user, crn, transfer_id)
        data = TransferDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfers.transfer_decide(
            actor=request.user, crn=crn, transfer_id=transfer_id, **data.validated_data
        )
        transfer = access.transfer_of(request.user, crn, transfer_id)
        return Response(TransferSerializer(transfer).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerNotification
        fields = ["partner", "notified_on", "details"]


class TerminationDetailSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    notifications = NotificationSerializer(many=True, read_only=True)

    class Meta:
        model = Termination
        fields = ["terminated_on", "reason", "notes", "recorded_by", "recorded_at", "notifications"]


class TerminationSerializer(serializers.Serializer):
    sentence_number = serializers.IntegerField()
    sentence_status = serializers.CharField()
    termination = TerminationDetailSerializer(allow_null=True)


class TerminationRequestSerializer(serializers.Serializer):
    terminated_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=TerminationReason.choices)
    notes = serializers.CharField(required=False, allow_blank=True)


def _termination_body(sentence, termination) -> dict:
    return TerminationSerializer(
        {
            "sentence_number": sentence.number,
            "sentence_status": sentence.status,
            "termination": termination,
        }
    ).data


class TerminationView(generics.GenericAPIView):
    """How a sentence ended and which partners were told; terminating it."""

    serializer_class = TerminationSerializer

    @extend_schema(
        summary="The termination of a sentence (null while it is active)",
        operation_id="v1_people_sentence_termination_retrieve",
        parameters=[CRN, NUMBER],
    )
    def get(self, request, crn, number):
        sentence, termination = terminations.termination_of(
            user=request.user, crn=crn, number=number
        )
        audit.record_view(actor=request.user, instance=sentence)  # with its termination
        return Response(_termination_body(sentence, termination))

    @extend_schema(
        summary="Terminate a sentence; creates the partner notifications it requires",
        operation_id="v1_people_sentence_termination_create",
        parameters=[CRN, NUMBER],
        request=TerminationRequestSerializer,
        responses={201: TerminationSerializer},
    )
    def post(self, request, crn, number):
        access.person_for_change(request.user, crn)
        terminations.termination_of(user=request.user, crn=crn, number=number)
        data = TerminationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        terminations.sentence_terminate(
            actor=request.user, crn=crn, number=number, **data.validated_data
        )
        sentence, termination = terminations.termination_of(
            user=request.user, crn=crn, number=number
        )
        return Response(_termination_body(sentence, termination), status=status.HTTP_201_CREATED)


class NotificationSentSerializer(serializers.Serializer):
    partner = serializers.ChoiceField(choices=Partner.choices)
    notified_on = serializers.DateField()
    details = serializers.CharField(required=False, allow_blank=True, max_length=300)


class TerminationNotificationView(generics.GenericAPIView):
    """Record that a partner was told of a sentence's termination (managed termination)."""

    serializer_class = TerminationSerializer

    @extend_schema(
        summary="The partner notifications of a terminated sentence",
        operation_id="v1_people_sentence_termination_notifications_retrieve",
        parameters=[CRN, NUMBER],
    )
    def get(self, request, crn, number):
        sentence, termination = terminations.termination_of(
            user=request.user, crn=crn, number=number
        )
        audit.record_view(actor=request.user, instance=sentence)
        return Response(_termination_body(sentence, termination))

    @extend_schema(
        summary="Record that a partner was notified of the termination",
        operation_id="v1_people_sentence_termination_notifications_create",
        parameters=[CRN, NUMBER],
        request=NotificationSentSerializer,
        responses={200: TerminationSerializer},
    )
    def post(self, request, crn, number):
        access.person_for_change(request.user, crn)
        terminations.termination_of(user=request.user, crn=crn, number=number)
        data = NotificationSentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        terminations.notification_sent(
            actor=request.user, crn=crn, number=number, **data.validated_data
        )
        sentence, termination = terminations.termination_of(
            user=request.user, crn=crn, number=number
        )
        return Response(_termination_body(sentence, termination))
