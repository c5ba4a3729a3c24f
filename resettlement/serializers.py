"""Input and output shapes of the resettlement API (``resettlement.api``): one input and one
output serializer per endpoint. No rule lives here: the answers come from
``resettlement.rules`` and ``resettlement.custody``; ``resettlement.api_shapes`` builds plain
dictionaries and these serializers name and document their fields."""

from rest_framework import serializers

from probation.api.serializers import BoundedDateField
from resettlement.models import (
    CustodyStatus,
    NeedKind,
    NeedStatus,
    PlanState,
    ReleaseType,
    TaskKind,
    TaskStatus,
)

# Dates the rules can count from and to without leaving the calendar (a clock adds business
# days; a window subtracts 84 days). Nothing in probation is dated outside these years.

ORGANISATION_CODE = (
    "Organisation code: a CRC code such as CRC11, NPS, or a prison's organisation code"
)


def _values(choices) -> str:
    """The values of a choice set, for an output field's description. Output fields are
    plain strings rather than schema enums: the same choice sets appear under several
    names across the API, and enum components would collide."""
    return "One of: " + ", ".join(f"`{value}` ({label})" for value, label in choices.choices)


# The custody statuses as a reception states them (its own choice set in the schema).
RECEPTION_STATUSES = [
    (CustodyStatus.REMAND.value, "Received on remand"),
    (CustodyStatus.SENTENCED.value, "Received under sentence"),
    (CustodyStatus.RECALLED.value, "Received on recall"),
]


def _code(**kwargs):
    return serializers.CharField(max_length=20, **kwargs)


# --- POST /api/v1/calculations/resettlement-responsibility -------------------------------------


class PrisonFactsRequest(serializers.Serializer):
    resettlement = serializers.BooleanField(help_text="A designated resettlement prison")
    host_lead_provider = _code(
        required=False,
        allow_null=True,
        default=None,
        help_text="CRC code of the host: lead provider; required for a resettlement prison",
    )
    host_crcs = serializers.ListField(
        child=_code(),
        required=False,
        default=list,
        max_length=10,
        help_text="CRC codes of the other host CRCs of a shared prison (not the lead provider)",
    )


class ResponsibilityRequest(serializers.Serializer):
    prison = PrisonFactsRequest()
    custody_status = serializers.ChoiceField(choices=CustodyStatus.choices)
    allocated_to = _code(
        required=False,
        allow_null=True,
        default=None,
        help_text="NPS or the CRC code of the allocated provider; null on remand",
    )
    home_crc = _code(
        required=False,
        allow_null=True,
        default=None,
        help_text="CRC code of the home Contract Package Area; null when unknown",
    )
    reception_date = BoundedDateField()
    release_date = BoundedDateField(required=False, allow_null=True, default=None)


class ResponsibilityResponse(serializers.Serializer):
    plan_writer = serializers.CharField(
        allow_null=True,
        help_text="CRC that writes part 2 and the plan; null when nobody can (NOMS exception)",
    )
    share_with = serializers.CharField(
        allow_null=True, help_text="NPS or CRC the plan is shared with; null when nobody"
    )
    pre_release_lead = serializers.CharField(
        allow_null=True, help_text="Leads the last 12 weeks; null on remand"
    )
    accommodation_employment_by = serializers.CharField(
        allow_null=True, help_text="Owns accommodation and employment on release; null on remand"
    )
    screening_access_by = serializers.DateField(help_text="Part 1 available to the CRC by")
    plan_due_by = serializers.DateField(help_text="Part 2 and the plan due by")
    pre_release_from = serializers.DateField(
        allow_null=True, help_text="The pre-release window opens; null without a release date"
    )
    reasons = serializers.ListField(child=serializers.CharField())


# --- Custody episodes: input -----------------------------------------------------------------


class EpisodeListQuery(serializers.Serializer):
    prison = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, help_text="Prison code: episodes in this prison now"
    )
    open = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="In custody now (true)"
    )
    status = serializers.ChoiceField(choices=CustodyStatus.choices, required=False)


class ReceptionRequest(serializers.Serializer):
    crn = serializers.CharField(max_length=20, help_text="Case Reference Number")
    date_of_birth = BoundedDateField(help_text="Must match the person's record with the CRN")
    prison = serializers.CharField(max_length=3, help_text="Code of the receiving prison")
    received_on = BoundedDateField()
    status = serializers.ChoiceField(choices=RECEPTION_STATUSES)
    sentence_number = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=9999,
        help_text="The active custodial sentence (sentenced and recalled); none on remand",
    )
    home_crc = _code(
        required=False,
        allow_null=True,
        default=None,
        help_text="CRC code of the home CPA, when it differs from the person's LDU's",
    )
    expected_release_on = BoundedDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the sentence's release date",
    )


class MoveRequest(serializers.Serializer):
    prison = serializers.CharField(max_length=3, help_text="Code of the receiving prison")
    moved_on = BoundedDateField()


class SentenceRequest(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("SENTENCED", "Sentenced"), ("RECALLED", "Recalled")],
        help_text="SENTENCED or RECALLED: the remand prisoner's new status",
    )
    sentence_number = serializers.IntegerField(
        min_value=1, max_value=100_000, help_text="The person's active custodial sentence"
    )


class ReleaseRequest(serializers.Serializer):
    released_on = BoundedDateField()
    release_type = serializers.ChoiceField(choices=ReleaseType.choices)


# --- Custody episodes: output ----------------------------------------------------------------


class ResponsibilitySerializer(serializers.Serializer):
    allocated_to = _code(allow_null=True, help_text="NPS or CRC; null on remand")
    plan_writer = _code(allow_null=True, help_text=ORGANISATION_CODE)
    share_with = _code(allow_null=True)
    pre_release_lead = _code(allow_null=True)
    accommodation_employment_by = _code(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class EpisodeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    crn = serializers.CharField()
    status = serializers.CharField(help_text=_values(CustodyStatus))
    sentence_number = serializers.IntegerField(allow_null=True)
    received_on = serializers.DateField()
    prison = serializers.CharField(help_text="Code of the prison holding (or that released) them")
    expected_release_on = serializers.DateField(allow_null=True)
    released_on = serializers.DateField(allow_null=True)
    plan_state = serializers.CharField(allow_null=True, help_text=_values(PlanState))
    plan_due_by = serializers.DateField(allow_null=True)
    responsibility = ResponsibilitySerializer()


class EpisodePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EpisodeSummarySerializer(many=True)


class StaySerializer(serializers.Serializer):
    prison = serializers.CharField(help_text="Prison code")
    prison_name = serializers.CharField()
    arrived_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class ScreeningPart1Serializer(serializers.Serializer):
    immediate_needs = serializers.CharField(allow_blank=True)
    accommodation_need = serializers.BooleanField()
    employment_need = serializers.BooleanField()
    finance_debt_need = serializers.BooleanField()
    abuse_victim_need = serializers.BooleanField()
    sex_work_need = serializers.BooleanField()
    other_needs = serializers.CharField(allow_blank=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = serializers.CharField(allow_null=True, help_text="Username")


class ScreeningPart2Serializer(serializers.Serializer):
    assessment = serializers.CharField(allow_blank=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = serializers.CharField(allow_null=True, help_text="Username")
    organisation = _code(allow_null=True, help_text="The CRC that completed part 2")


class ScreeningSerializer(serializers.Serializer):
    part1 = ScreeningPart1Serializer()
    part2 = ScreeningPart2Serializer()


class NeedSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_values(NeedKind))
    status = serializers.CharField(help_text=_values(NeedStatus))
    actions = serializers.CharField(allow_blank=True)
    owner = _code(allow_null=True)


class PlanSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=_values(PlanState))
    waiting_on = _code(allow_null=True, help_text="Who must act now; null when closed")
    screening_access_by = serializers.DateField()
    plan_due_by = serializers.DateField()
    due_by = serializers.DateField(allow_null=True, help_text="The current step's deadline")
    writer = _code(allow_null=True, help_text="Set on completion")
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_late = serializers.BooleanField(allow_null=True)
    shared_with = _code(allow_null=True)
    share_due_by = serializers.DateField(allow_null=True)
    shared_at = serializers.DateTimeField(allow_null=True)
    shared_late = serializers.BooleanField(allow_null=True)
    needs = NeedSerializer(many=True)


class TaskSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_values(TaskKind))
    owner = _code()
    opened_on = serializers.DateField()
    due_by = serializers.DateField()
    status = serializers.CharField(help_text=_values(TaskStatus))


class EpisodeDetailSerializer(EpisodeSummarySerializer):
    stays = StaySerializer(many=True)
    screening = ScreeningSerializer(allow_null=True)
    plan = PlanSerializer(allow_null=True)
    tasks = TaskSerializer(many=True)


class ReleaseSerializer(serializers.Serializer):
    released_on = serializers.DateField(allow_null=True, help_text="Null until released")
    release_type = serializers.CharField(
        allow_null=True, help_text=f"Null until released. {_values(ReleaseType)}"
    )
    release_prison = serializers.CharField(allow_null=True, help_text="Prison code")
    expected_release_on = serializers.DateField(allow_null=True)
    sentence_number = serializers.IntegerField(allow_null=True)
    sentence_actual_release_date = serializers.DateField(
        allow_null=True,
        help_text="The release as confirmed in the core records (licence and PSS start there)",
    )
