"""API for sentences (DOMAIN.md 2, 3): a person's sentences with their requirements and
progress, derived custodial periods and licence; recording a sentence, its release facts
and requirements. Scoped through probation.access, audited, errors as 400s with field
paths (the services' ``ValidationError``s)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from probation import access, audit, sentences
from probation.api.pagination import Pagination
from probation.models import (
    DiscretionaryCategory,
    Licence,
    LicenceCondition,
    Organisation,
    OrganisationKind,
    PssRequirement,
    PssRequirementCode,
    Requirement,
    RequirementStatus,
    Sentence,
    SentenceType,
)
from probation.orders import RequirementCode

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="The sentence (event) number, from 1"
)


# --- Output ------------------------------------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    hours_worked = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        read_only=True,
        help_text="Unpaid work hours credited by attended contacts",
    )
    rar_days_used = serializers.IntegerField(
        read_only=True, help_text="Attended contacts counted as rehabilitation activity days"
    )

    class Meta:
        model = Requirement
        fields = [
            "id",
            "code",
            "unpaid_work_hours",
            "curfew_hours_per_day",
            "curfew_days",
            "rar_max_days",
            "length_months",
            "details",
            "status",
            "hours_worked",
            "rar_days_used",
        ]


class LicenceConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LicenceCondition
        fields = ["kind", "code", "details"]


class PssRequirementSerializer(serializers.ModelSerializer):
    # A plain string in the schema: an enum here would collide with the requirement codes'
    # enum (both fields are named "code").
    code = serializers.CharField(
        read_only=True,
        help_text="One of " + ", ".join(PssRequirementCode.values) + " (statutory order)",
    )

    class Meta:
        model = PssRequirement
        fields = ["code", "applied", "reason_not_applied", "details"]


class LicenceSerializer(serializers.ModelSerializer):
    conditions = LicenceConditionSerializer(many=True, read_only=True)
    pss_requirements = PssRequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Licence
        fields = ["issued_on", "issued_by", "conditions", "pss_requirements"]


class SentenceSerializer(serializers.ModelSerializer):
    crn = serializers.CharField(source="person.crn", read_only=True)
    court_ldu = serializers.SlugRelatedField(slug_field="code", read_only=True)
    pbr_provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requirements = RequirementSerializer(many=True, read_only=True)
    licence = serializers.SerializerMethodField()

    class Meta:
        model = Sentence
        fields = [
            "crn",
            "number",
            "sentence_type",
            "status",
            "sentence_date",
            "offence_date",
            "offence_description",
            "court",
            "court_ldu",
            "fine_imposed",
            "length_months",
            "length_days",
            "indeterminate",
            "term_months",
            "term_days",
            "sentence_expiry_date",
            "conditional_release_date",
            "crd_estimated",
            "hdc_release_date",
            "actual_release_date",
            "release_prison",
            "licence_start_date",
            "licence_end_date",
            "pss_start_date",
            "pss_end_date",
            "supervision_end_date",
            "supervision_rule",
            "attendance_centre_hours",
            "deferred_until",
            "deferment_requirements",
            "management",
            "management_reason",
            "pbr_provider",
            "requirements",
            "licence",
        ]

    @extend_schema_field(LicenceSerializer(allow_null=True))
    def get_licence(self, sentence):
        licence = getattr(sentence, "licence_record", None)
        return LicenceSerializer(licence).data if licence is not None else None


# --- Input -------------------------------------------------------------------------------


class RequirementInputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=RequirementCode.choices)
    unpaid_work_hours = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    curfew_hours_per_day = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    curfew_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    rar_max_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    length_months = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    details = serializers.CharField(required=False, allow_blank=True)


class LduField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code",
            queryset=Organisation.objects.filter(kind=OrganisationKind.LDU),
            **kwargs,
        )


def _whole(**kwargs):
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, **kwargs)


class SentenceCreateSerializer(serializers.Serializer):
    """Common fields, then the fields of each sentence type; fields of other types must be
    left out (400 otherwise)."""

    sentence_type = serializers.ChoiceField(choices=SentenceType.choices)
    sentence_date = serializers.DateField()
    offence_date = serializers.DateField()
    offence_description = serializers.CharField(max_length=300)
    court = serializers.CharField(max_length=200)
    court_ldu = LduField(required=False, allow_null=True, help_text="LDU code of the court")
    requirements = RequirementInputSerializer(
        many=True, required=False, help_text="Community Order and SSO: the requirements"
    )
    fine_imposed = serializers.BooleanField(required=False)
    length_months = _whole(help_text="CO length, or an SSO's supervision period, in months")
    length_days = _whole()
    term_months = _whole(help_text="Custodial term, or the term an SSO suspends")
    term_days = _whole()
    indeterminate = serializers.BooleanField(required=False)
    conditional_release_date = serializers.DateField(required=False, allow_null=True)
    hdc_release_date = serializers.DateField(required=False, allow_null=True)
    actual_release_date = serializers.DateField(required=False, allow_null=True)
    release_prison = serializers.CharField(required=False, allow_blank=True, max_length=200)
    attendance_centre_hours = _whole()
    deferred_until = serializers.DateField(required=False, allow_null=True)
    deferment_requirements = serializers.CharField(required=False, allow_blank=True)


class SentenceUpdateSerializer(serializers.Serializer):
    conditional_release_date = serializers.DateField(required=False, allow_null=True)
    hdc_release_date = serializers.DateField(required=False, allow_null=True)
    actual_release_date = serializers.DateField(required=False, allow_null=True)
    release_prison = serializers.CharField(required=False, allow_blank=True, max_length=200)
    offence_description = serializers.CharField(required=False, max_length=300)
    court = serializers.CharField(required=False, max_length=200)
    court_ldu = LduField(required=False, allow_null=True)


class RequirementCreateSerializer(RequirementInputSerializer):
    pass


# --- Views -------------------------------------------------------------------------------


class ByNumber(Pagination):
    ordering = ("number",)


class SentenceListView(generics.GenericAPIView):
    """A person's sentences, by number."""

    serializer_class = SentenceSerializer
    pagination_class = ByNumber
    queryset = Sentence.objects.none()  # the schema's model; reads go through access

    @extend_schema(
        summary="A person's sentences with requirements, progress and licence",
        operation_id="v1_people_sentences_list",
        parameters=[CRN],
        responses={200: SentenceSerializer(many=True)},
    )
    def get(self, request, crn):
        person = access.person_for_view(request.user, crn)
        page = self.paginate_queryset(sentences.sentences_queryset(person))
        page = [sentences.attach(sentence, person) for sentence in page]
        audit.record_view(actor=request.user, instance=person)
        return self.get_paginated_response(SentenceSerializer(page, many=True).data)

    @extend_schema(
        summary="Record a sentence of the court",
        operation_id="v1_people_sentences_create",
        parameters=[CRN],
        request=SentenceCreateSerializer,
        responses={201: SentenceSerializer},
    )
    def post(self, request, crn):
        access.person_for_change(request.user, crn)
        data = SentenceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sentence = sentences.sentence_create(actor=request.user, crn=crn, **data.validated_data)
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=sentence.number)
        return Response(SentenceSerializer(sentence).data, status=status.HTTP_201_CREATED)


class SentenceDetailView(generics.GenericAPIView):
    serializer_class = SentenceSerializer
    queryset = Sentence.objects.none()

    @extend_schema(
        summary="One sentence of a person",
        operation_id="v1_people_sentence_retrieve",
        parameters=[CRN, NUMBER],
    )
    def get(self, request, crn, number):
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
        audit.record_view(actor=request.user, instance=sentence)
        return Response(SentenceSerializer(sentence).data)

    @extend_schema(
        summary="Record release facts or correct a sentence's details",
        operation_id="v1_people_sentence_partial_update",
        parameters=[CRN, NUMBER],
        request=SentenceUpdateSerializer,
        responses={200: SentenceSerializer},
    )
    def patch(self, request, crn, number):
        access.person_for_change(request.user, crn)
        data = SentenceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sentences.sentence_update(actor=request.user, crn=crn, number=number, **data.validated_data)
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
        return Response(SentenceSerializer(sentence).data)


class SentenceRequirementsView(generics.GenericAPIView):
    serializer_class = RequirementSerializer
    queryset = Requirement.objects.none()

    @extend_schema(
        summary="The requirements of a sentence with their progress",
        operation_id="v1_people_sentence_requirements_list",
        parameters=[CRN, NUMBER],
        responses={200: RequirementSerializer(many=True)},
    )
    def get(self, request, crn, number):
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
        audit.record_view(actor=request.user, instance=sentence)
        return Response(RequirementSerializer(sentence.requirements.all(), many=True).data)

    @extend_schema(
        summary="Add a requirement to a Community Order or SSO",
        operation_id="v1_people_sentence_requirements_create",
        parameters=[CRN, NUMBER],
        request=RequirementCreateSerializer,
        responses={201: RequirementSerializer},
    )
    def post(self, request, crn, number):
        access.person_for_change(request.user, crn)
        data = RequirementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = sentences.requirement_add(
            actor=request.user, crn=crn, number=number, **data.validated_data
        )
        requirement = sentences.requirement_progress(Requirement.objects.filter(pk=requirement.pk))
        return Response(
            RequirementSerializer(requirement.get()).data, status=status.HTTP_201_CREATED
        )


REQUIREMENT_ID = OpenApiParameter(
    "requirement_id", int, OpenApiParameter.PATH, description="The requirement's id"
)


class RequirementUpdateSerializer(RequirementInputSerializer):
    code = None  # a requirement's kind never changes; add another instead
    status = serializers.ChoiceField(choices=RequirementStatus.choices, required=False)


class RequirementDetailView(generics.GenericAPIView):
    serializer_class = RequirementSerializer
    queryset = Requirement.objects.none()

    def _requirement(self, request, crn, number, requirement_id):
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
        requirement = next((r for r in sentence.requirements.all() if r.pk == requirement_id), None)
        if requirement is None:
            raise Http404("No requirement with that id on this sentence.")
        return sentence, requirement

    @extend_schema(
        summary="One requirement of a sentence with its progress",
        operation_id="v1_people_sentence_requirement_retrieve",
        parameters=[CRN, NUMBER, REQUIREMENT_ID],
    )
    def get(self, request, crn, number, requirement_id):
        sentence, requirement = self._requirement(request, crn, number, requirement_id)
        audit.record_view(actor=request.user, instance=sentence)
        return Response(RequirementSerializer(requirement).data)

    @extend_schema(
        summary="Change a requirement as the court amended it, or its status",
        operation_id="v1_people_sentence_requirement_partial_update",
        parameters=[CRN, NUMBER, REQUIREMENT_ID],
        request=RequirementUpdateSerializer,
        responses={200: RequirementSerializer},
    )
    def patch(self, request, crn, number, requirement_id):
        access.person_for_change(request.user, crn)
        self._requirement(request, crn, number, requirement_id)
        data = RequirementUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sentences.requirement_update(
            actor=request.user,
            crn=crn,
            number=number,
            requirement_id=requirement_id,
            **data.validated_data,
        )
        _, requirement = self._requirement(request, crn, number, requirement_id)
        return Response(RequirementSerializer(requirement).data)


class DiscretionaryConditionSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=DiscretionaryCategory.choices)
    details = serializers.CharField(required=False, allow_blank=True)


class PssChoiceSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    reason_not_applied = serializers.CharField(required=False, allow_blank=True)
    details = serializers.CharField(required=False, allow_blank=True)


class LicenceInputSerializer(serializers.Serializer):
    issued_on = serializers.DateField(required=False, allow_null=True)
    issued_by = serializers.ChoiceField(
        choices=[("GOVERNOR", "Prison governor"), ("PAROLE_BOARD", "Parole Board")]
    )
    discretionary = DiscretionaryConditionSerializer(many=True, required=False)
    bespoke = serializers.ListField(child=serializers.CharField(), required=False)
    pss = serializers.DictField(
        child=PssChoiceSerializer(),
        required=False,
        help_text="Post-sentence supervision requirement code → whether it applies; "
        "requirements 1-8 apply by default and need a reason to be left out",
    )


class LicenceView(generics.GenericAPIView):
    """The licence of a custodial sentence: conditions and PSS requirements."""

    serializer_class = LicenceSerializer
    queryset = Licence.objects.none()

    def _licence(self, request, crn, number):
        sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
        if sentence.licence_record is None:
            raise Http404("This sentence has no licence.")
        return sentence

    @extend_schema(
        summary="The licence of a custodial sentence",
        operation_id="v1_people_sentence_licence_retrieve",
        parameters=[CRN, NUMBER],
    )
    def get(self, request, crn, number):
        sentence = self._licence(request, crn, number)
        audit.record_view(actor=request.user, instance=sentence)
        return Response(LicenceSerializer(sentence.licence_record).data)

    @extend_schema(
        summary="Record the licence as issued: discretionary and bespoke conditions, PSS",
        operation_id="v1_people_sentence_licence_update",
        parameters=[CRN, NUMBER],
        request=LicenceInputSerializer,
        responses={200: LicenceSerializer},
    )
    def put(self, request, crn, number):
        access.person_for_change(request.user, crn)
        self._licence(request, crn, number)
        data = LicenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sentences.licence_update(actor=request.user, crn=crn, number=number, **data.validated_data)
        sentence = self._licence(request, crn, number)
        return Response(LicenceSerializer(sentence.licence_record).data)
