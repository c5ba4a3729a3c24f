"""Input and output shapes of the performance API (``performance.api``): thin, no formula here.

The funnel request only checks that the figures are whole numbers of the right sign, that
the codes are distinct and that there is at least one unit; whether a funnel can be drawn
from them (no denominator of 0, no numerator above its denominator, a target between 0 and
1) is ``performance.funnel.funnel``'s to say, the same function the dashboard calls, and its
refusal is a 400 naming the figure (``units.2.denominator``).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts import periods
from performance.base import ALL_LEVELS, Kind
from performance.funnel import Flag
from performance.measures import MEASURES

MAX_COUNT = 10**12  # far above any national figure; keeps the arithmetic exact
MAX_UNITS = 10_000  # every LDU many times over


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
class WholeNumberField(serializers.IntegerField):
    """A JSON integer: no string, no boolean, no fraction (``3.0`` is taken as 3)."""

    default_error_messages = {"whole": "Give a whole number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("whole")
        if isinstance(data, float) and not data.is_integer():
            self.fail("whole")
        return super().to_internal_value(data)


# --- POST /api/v1/calculations/funnel -------------------------------------------------------


class UnitList(serializers.ListSerializer):
    """The units: errors of the list as a whole name ``units`` itself."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("Give a list of units.", code="not_a_list")
        if len(data) > MAX_UNITS:
            raise serializers.ValidationError(f"Give at most {MAX_UNITS} units.", code="max_length")
        return super().to_internal_value(data)


class FunnelUnitRequest(serializers.Serializer):
    class Meta:
        list_serializer_class = UnitList

    code = serializers.CharField(
        max_length=40, help_text="The unit's code, e.g. CRC11, NPS-WAL or LDU1103: distinct"
    )
    numerator = WholeNumberField(
        min_value=0, max_value=MAX_COUNT, help_text="Cases counted (met), at most denominator"
    )
    denominator = WholeNumberField(
        min_value=0, max_value=MAX_COUNT, help_text="Cases measured (n): 1 or more"
    )


class FunnelRequest(serializers.Serializer):
    units = FunnelUnitRequest(
        many=True,
        max_length=MAX_UNITS,
        help_text="The units compared: at least one, codes distinct",
    )
    target_rate = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=1,
        help_text="A target to draw the limits around instead of the pooled rate, 0 to 1",
    )

    def validate_units(self, units):
        if not units:
            raise serializers.ValidationError("Give at least one unit.")
        seen: set[str] = set()
        errors: list[dict] = []
        for unit in units:
            duplicate = unit["code"] in seen
            seen.add(unit["code"])
            errors.append({"code": ["Another unit has this code."]} if duplicate else {})
        if any(errors):
            raise serializers.ValidationError(errors)
        return units


class FunnelPointResponse(serializers.Serializer):
    code = serializers.CharField()
    rate = serializers.FloatField(help_text="numerator ÷ denominator, 0 to 1")
    lower_95 = serializers.FloatField(help_text="p0 − 1.959964·√(p0(1 − p0) ÷ n), at least 0")
    upper_95 = serializers.FloatField(help_text="p0 + 1.959964·√(p0(1 − p0) ÷ n), at most 1")
    lower_998 = serializers.FloatField(help_text="p0 − 3.090232·√(p0(1 − p0) ÷ n), at least 0")
    upper_998 = serializers.FloatField(help_text="p0 + 3.090232·√(p0(1 − p0) ÷ n), at most 1")
    flag = serializers.ChoiceField(
        choices=[(flag.value, flag.label) for flag in Flag],
        help_text="By strict inequalities (a rate on a limit is within it): "
        + "; ".join(f"`{flag.value}` {flag.label.lower()}" for flag in Flag),
    )


class FunnelResponse(serializers.Serializer):
    pooled_rate = serializers.FloatField(
        help_text="The centre line p0: Σ numerators ÷ Σ denominators, or target_rate when given"
    )
    units = FunnelPointResponse(many=True, source="points", help_text="In the order given")


# --- GET /api/v1/performance/facts/ ---------------------------------------------------------


def _month(value: str):
    try:
        return periods.parse_month(value)
    except ValueError:
        raise serializers.ValidationError("Give a month as YYYY-MM.") from None


LEVEL_HELP = (
    "`provider` (a CRC or the NPS as a whole), `division` (an NPS division) or `ldu` (a "
    "Local Delivery Unit)"
)


class FactQuery(serializers.Serializer):
    organisation = serializers.CharField(
        required=False, max_length=16, help_text="Organisation code, e.g. CRC11, NPS-WAL"
    )
    measure = serializers.ChoiceField(
        choices=[(code, MEASURES[code].name) for code in sorted(MEASURES)],
        required=False,
        help_text="A measure's code",
    )
    month = serializers.CharField(required=False, max_length=7, help_text="YYYY-MM")
    from_ = serializers.CharField(required=False, max_length=7, help_text="First month, YYYY-MM")
    to = serializers.CharField(required=False, max_length=7, help_text="Last month, YYYY-MM")
    level = serializers.ChoiceField(choices=ALL_LEVELS, required=False, help_text=LEVEL_HELP)
    breakdown = serializers.CharField(required=False, allow_blank=True, max_length=40)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword: declared as from_
        return fields

    def validate_month(self, value):
        return _month(value)

    def validate_from(self, value):
        return _month(value)

    def validate_to(self, value):
        return _month(value)

    def validate(self, data):
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            raise serializers.ValidationError({"to": ["Give a month at or after `from`."]})
        return data


RATE_HELP = (
    "numerator ÷ denominator as a share (0 to 1) for SHARE and MONEY measures; per 100 "
    "(numerator × 100 ÷ denominator) for PER_100 measures; null for COUNT measures and "
    "when the denominator is empty or 0"
)


class FactSerializer(serializers.Serializer):
    """One monthly figure. ``level``, the measure's name and kind and the rate are worked
    out by ``performance.api`` from the fact and the measures' registry."""

    organisation = serializers.CharField(source="organisation.code", help_text="Its code")
    organisation_name = serializers.CharField(source="organisation.name")
    level = serializers.ChoiceField(choices=ALL_LEVELS, help_text=LEVEL_HELP)
    measure = serializers.CharField(help_text="A measure's code")
    measure_name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[kind.value for kind in Kind],
        allow_null=True,
        help_text="`SHARE` (a percentage of cases), `COUNT`, `PER_100` (per 100 cases of "
        "the caseload), `MONEY` (pennies, numerator a share of denominator); null for a "
        "measure no longer reported",
    )
    month = serializers.CharField(help_text="YYYY-MM")
    breakdown = serializers.CharField(
        help_text="Empty for the whole figure, else the part it counts (e.g. a sentence type)"
    )
    numerator = serializers.IntegerField(help_text="The count (pennies for MONEY measures)")
    denominator = serializers.IntegerField(
        allow_null=True, help_text="What the numerator is a share of; null for counts"
    )
    rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP)
    computed_at = serializers.DateTimeField()
    cases = serializers.URLField(
        allow_null=True,
        help_text="The cases behind the figure; null for MONEY measures (no case rows)",
    )


# --- GET /api/v1/performance/facts/<org_code>/<measure>/<month>/cases/ ----------------------


class FactCasesQuery(serializers.Serializer):
    breakdown = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="Only the cases of this part of the figure (a fact's `breakdown`)",
    )


class FactCaseSerializer(serializers.Serializer):
    crn = serializers.CharField(help_text="The person's CRN (never a name)")
    reference = serializers.CharField(help_text="The sentence, plan or referral measured")
    met = serializers.BooleanField(
        allow_null=True, help_text="Counted in the numerator of a SHARE measure"
    )
    detail = serializers.CharField(help_text="The dates that decided it")
