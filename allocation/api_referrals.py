"""``/api/v1/people/{crn}/sentences/{number}/allocation-referral``: how a sentence came for
allocation when it was not at sentence – for partner (court and sending service) systems.
See ``allocation.referrals``."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from allocation import referrals
from allocation.models import AllocationPoint, AllocationReferral, Jurisdiction
from probation import access, audit
from probation.api.sentences import CRN, NUMBER
from probation.models import Sentence


class AllocationReferralSerializer(serializers.ModelSerializer):
    point = serializers.ChoiceField(
        choices=AllocationPoint.choices,
        help_text="NEW_SENTENCE is only ever read: a sentence with nothing recorded came at "
        "sentence, its clock starting on the sentence date",
    )
    from_jurisdiction = serializers.ChoiceField(
        choices=Jurisdiction.choices,
        required=False,
        allow_blank=True,
        help_text="Required for TRANSFER_IN",
    )
    transferred_from = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Required for CUSTODY_TRANSFER"
    )
    youth_offending_team = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Required for YOUTH_TRANSITION"
    )
    transition_decision = serializers.CharField(
        required=False, allow_blank=True, help_text="Required for YOUTH_TRANSITION"
    )
    transition_decided_on = serializers.DateField(
        required=False, allow_null=True, help_text="Required for YOUTH_TRANSITION"
    )
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AllocationReferral
        fields = [
            "point",
            "received_on",
            "from_jurisdiction",
            "transferred_from",
            "youth_offending_team",
            "transition_decision",
            "transition_decided_on",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = ["recorded_at", "recorded_by"]


class AllocationReferralView(generics.GenericAPIView):
    """How the sentence came for allocation; the allocation clock starts from
    ``received_on``. A sentence with nothing recorded reads as NEW_SENTENCE, received on
    its sentence date."""

    serializer_class = AllocationReferralSerializer
    queryset = AllocationReferral.objects.none()

    def _sentence(self, request, crn, number) -> Sentence:
        person = access.person_for_view(request.user, crn)
        sentence = Sentence.objects.filter(person=person, number=number).first()
        if sentence is None:
            raise Http404("No such sentence.")
        return sentence

    @extend_schema(
        summary="How the sentence came for allocation (transfer in, youth to adult ...)",
        operation_id="v1_people_sentence_allocation_referral_retrieve",
        parameters=[CRN, NUMBER],
    )
    def get(self, request, crn, number):
        sentence = self._sentence(request, crn, number)
        referral = AllocationReferral.objects.filter(
            sentence=sentence
        ).first() or AllocationReferral(
            sentence=sentence,
            point=AllocationPoint.NEW_SENTENCE,
            received_on=sentence.sentence_date,
        )
        audit.record_view(actor=request.user, instance=sentence)
        return self._respond(referral)

    @extend_schema(
        summary="Record how the sentence came for allocation, until it is allocated",
        operation_id="v1_people_sentence_allocation_referral_update",
        parameters=[CRN, NUMBER],
        request=AllocationReferralSerializer,
        responses={200: AllocationReferralSerializer},
    )
    def put(self, request, crn, number):
        access.person_for_change(request.user, crn)
        self._sentence(request, crn, number)
        data = AllocationReferralSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referrals.referral_record(
            actor=request.user, crn=crn, number=number, **data.validated_data
        )
        return self._respond(referral)

    def _respond(self, referral):
        return Response(AllocationReferralSerializer(referral).data)
