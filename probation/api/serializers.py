"""Input and output serializers of the core API: thin, no business rules."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from probation.models import Gender, Organisation, OrganisationKind, Person, PersonAlias
from probation.selectors import current_assignment
from probation.services import PERSON_EDITABLE_FIELDS

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)


class BoundedDateField(serializers.DateField):
    """A date between 1900 and 2199: nothing in probation is dated outside, and the clocks
    and windows counted from a date (12 months back, 84 days back …) must stay inside the
    calendar rather than fail."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise serializers.ValidationError(
                f"Give a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}."
            )
        return day


def _code(organisation):
    return organisation.code if organisation is not None else None


class OrganisationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cluster = serializers.SerializerMethodField(help_text="For an LDU: its LDU cluster's code")
    division = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="For a cluster or LDU: its NPS division"
    )
    crc = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="For an LDU: the CRC of its CPA"
    )

    class Meta:
        model = Organisation
        fields = ["code", "name", "kind", "parent", "cpa_number", "cluster", "division", "crc"]

    def get_cluster(self, organisation) -> str | None:
        return _code(organisation.parent) if organisation.kind == OrganisationKind.LDU else None


class OffenderManagerSerializer(serializers.Serializer):
    username = serializers.CharField(source="offender_manager.username", allow_null=True)
    name = serializers.CharField(source="offender_manager.display_name", allow_null=True)
    team = serializers.CharField(source="team.name")
    provider = serializers.CharField(source="provider.code")
    since = serializers.DateTimeField(source="started_at")


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonAlias
        fields = ["id", "first_name", "last_name", "date_of_birth"]


class PersonSerializer(serializers.ModelSerializer):
    ldu = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division = serializers.SerializerMethodField()
    home_crc = serializers.SerializerMethodField(help_text="CRC of the person's home CPA")
    responsible_provider = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="NPS, or the code of the CRC managing the case"
    )
    aliases = AliasSerializer(many=True, read_only=True)
    offender_manager = serializers.SerializerMethodField(
        help_text="The current offender manager (the name is empty while a team holds the case)"
    )

    class Meta:
        model = Person
        # The editable fields are the service's list, so the two cannot drift apart.
        fields = [
            "crn",
            *(name for name in PERSON_EDITABLE_FIELDS if name != "ldu"),
            "aliases",
            "ldu",
            "division",
            "home_crc",
            "responsible_provider",
            "offender_manager",
        ]

    @extend_schema_field(OffenderManagerSerializer(allow_null=True))
    def get_offender_manager(self, person):
        assignment = current_assignment(person)
        return OffenderManagerSerializer(assignment).data if assignment else None

    def get_division(self, person) -> str:
        return person.ldu.division.code

    def get_home_crc(self, person) -> str:
        return person.ldu.crc.code


class _LduField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code",
            queryset=Organisation.objects.filter(kind=OrganisationKind.LDU),
            help_text="Code of the LDU of the home address (for no fixed abode, the "
            "sentencing court's), e.g. LDU1101",
            **kwargs,
        )


class PersonCreateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    ldu = _LduField()
    pnc_number = serializers.CharField(
        max_length=13, required=False, allow_blank=True, allow_null=True
    )
    nationality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    foreign_national = serializers.BooleanField(required=False)
    address_line_1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_line_2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    town = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    no_fixed_abode = serializers.BooleanField(required=False)
    prefers_female_offender_manager = serializers.BooleanField(required=False)
    prefers_female_only_interviews = serializers.BooleanField(required=False)
    no_all_male_placements = serializers.BooleanField(required=False)


class PersonUpdateSerializer(PersonCreateSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
