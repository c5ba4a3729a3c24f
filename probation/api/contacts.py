"""API for contacts (DOMAIN.md 11): a person's timeline, recording a contact, recording
its outcome. Scoped through probation.access, audited, errors as 400s with field paths."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from probation import access, audit, contacts
from probation.api.pagination import Pagination
from probation.models import Contact, ContactType, Outcome, User, UserKind

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
CONTACT_ID = OpenApiParameter("contact_id", int, OpenApiParameter.PATH, description="Contact id")


class ContactSerializer(serializers.ModelSerializer):
    staff = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sentence_number = serializers.IntegerField(
        source="sentence.number", read_only=True, allow_null=True, default=None
    )
    requirement_id = serializers.IntegerField(read_only=True, allow_null=True)
    requirement_code = serializers.CharField(
        source="requirement.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "contact_type",
            "starts_at",
            "location",
            "staff",
            "sentence_number",
            "requirement_id",
            "requirement_code",
            "outcome",
            "absence_reason",
            "notes",
            "unpaid_work_hours",
            "counts_as_rar_day",
            "recorded_by",
            "created_at",
            "updated_at",
        ]


class ContactWriteSerializer(serializers.Serializer):
    contact_type = serializers.ChoiceField(choices=ContactType.choices)
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    staff = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(kind=UserKind.STAFF),
        required=False,
        allow_null=True,
        help_text="Username of the member of staff who holds the appointment",
    )
    sentence_number = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    requirement_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    notes = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.ChoiceField(
        choices=[("", "Not recorded"), *Outcome.choices], required=False, allow_blank=True
    )
    absence_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    unpaid_work_hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, allow_null=True
    )
    counts_as_rar_day = serializers.BooleanField(required=False)


class ContactUpdateSerializer(ContactWriteSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ByStartsAt(Pagination):
    ordering = ("-starts_at", "-id")


class ContactListView(generics.GenericAPIView):
    """A person's contacts, newest first."""

    serializer_class = ContactSerializer
    pagination_class = ByStartsAt

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return contacts.contact_list(
            user=self.request.user,
            crn=self.kwargs["crn"],
            filters={
                "contact_type": self.request.query_params.get("contact_type"),
                "outcome": self.request.query_params.get("outcome"),
            },
        )

    @extend_schema(
        summary="A person's contacts, newest first",
        operation_id="v1_people_contacts_list",
        responses={200: ContactSerializer(many=True)},
        parameters=[
            CRN,
            OpenApiParameter("contact_type", str, enum=ContactType.values),
            OpenApiParameter(
                "outcome",
                str,
                enum=[*Outcome.values, "OUTSTANDING"],
                description="An outcome, or OUTSTANDING for none recorded yet",
            ),
        ],
    )
    def get(self, request, crn):
        person = access.person_for_view(request.user, crn)
        page = self.paginate_queryset(self.get_queryset())
        audit.record_view(actor=request.user, instance=person)
        return self.get_paginated_response(ContactSerializer(page, many=True).data)

    @extend_schema(
        summary="Record a contact or book an appointment",
        operation_id="v1_people_contacts_create",
        parameters=[CRN],
        request=ContactWriteSerializer,
        responses={201: ContactSerializer},
    )
    def post(self, request, crn):
        access.person_for_change(request.user, crn)
        data = ContactWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contacts.contact_create(actor=request.user, crn=crn, **data.validated_data)
        contact = contacts.contact_detail(user=request.user, crn=crn, contact_id=contact.pk)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailView(generics.GenericAPIView):
    serializer_class = ContactSerializer

    @extend_schema(
        summary="One contact of a person",
        operation_id="v1_people_contact_retrieve",
        parameters=[CRN, CONTACT_ID],
    )
    def get(self, request, crn, contact_id):
        contact = contacts.contact_detail(user=request.user, crn=crn, contact_id=contact_id)
        audit.record_view(actor=request.user, instance=contact)
        return Response(ContactSerializer(contact).data)

    @extend_schema(
        summary="Record the outcome of a contact, or change it",
        operation_id="v1_people_contact_partial_update",
        parameters=[CRN, CONTACT_ID],
        request=ContactUpdateSerializer,
        responses={200: ContactSerializer},
    )
    def patch(self, request, crn, contact_id):
        access.person_for_change(request.user, crn)
        data = ContactUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contacts.contact_update(
            actor=request.user, crn=crn, contact_id=contact_id, **data.validated_data
        )
        contact = contacts.contact_detail(user=request.user, crn=crn, contact_id=contact_id)
        return Response(ContactSerializer(contact).data)
