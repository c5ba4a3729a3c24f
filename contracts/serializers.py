"""Input and output shapes of the contracts API (``contracts.api``): thin, no formula here.

The calculation serializers only check that the facts are possible (a cohort has at least
one member and no more reoffenders than members, a rate is a share, money is not negative
...) and name the field when they are not; the figures come from ``contracts.rules``. The
contract serializer validates WAV weights and unpaid-work bands with
``contracts.validation``, the same checks as the NOMS pages' forms.

Decimal figures are strings in the responses: money to the penny (two places); WAVs,
bounds, rates, frequencies and the unit price at the full precision ``contracts.rules``
computes them with (28 significant digits, trailing zeros dropped: ``"5250"``,
``"0.3333333333333333333333333333"``), so a client can recompute any rounded figure.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts import periods, validation
from contracts.models import (
    CONTRACT_FIGURES,
    Contract,
    EntryKind,
    LedgerEntry,
    PaymentRun,
    PaymentRunPart,
    RateCardItem,
    ServiceLevel,
    StartType,
)
from probation.api.serializers import LATEST_DATE, BoundedDateField

ZERO = Decimal("0")
ONE = Decimal("1")
MAX_COHORT = 10_000_000


def exact(value: Decimal) -> str:
    """A decimal at full precision without exponent or trailing zeros."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text == "-0" else text


def money(**kwargs):
    """Money in: pounds and pence, not negative, below £1,000,000,000,000."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, min_value=ZERO, **kwargs)


def share(**kwargs):
    """A share between 0 and 1, at most six decimal places."""
    return serializers.DecimalField(
        max_digits=7, decimal_places=6, min_value=ZERO, max_value=ONE, **kwargs
    )


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$", "example": "5250.5"}
)
class ExactDecimalField(serializers.Field):
    """Output only: a decimal at full precision (trailing zeros dropped)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return exact(value)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$", "example": "833333.33"}
)
class MoneyOutField(serializers.Field):
    """Output only: money to the penny as a string (``"-20.00"``)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def _weight_schema():
    weight = {
        "type": "string",
        "format": "decimal",
        "description": "Not negative, at most 6 decimal places (a number is accepted too)",
    }
    return {
        "type": "object",
        "properties": dict.fromkeys(StartType.values, weight),
        "required": list(StartType.values),
        "additionalProperties": False,
        "example": {
            "COMMUNITY_ORDER": "1.0",
            "SUSPENDED_SENTENCE_ORDER": "1.2",
            "LICENCE": "1.5",
            "PSS": "0.5",
            "RESETTLEMENT_PLAN": "0.3",
        },
    }


def _band_schema():
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "max_hours": {
                    "type": "integer",
                    "minimum": 1,
                    "nullable": True,
                    "description": "Hours at or below which an order falls in this band; "
                    "null for the last band (no upper limit), and only for it",
                },
                "weight": {"type": "string", "format": "decimal"},
            },
            "required": ["max_hours", "weight"],
            "additionalProperties": False,
        },
        "example": [
            {"max_hours": 100, "weight": "0.4"},
            {"max_hours": 200, "weight": "0.8"},
            {"max_hours": None, "weight": "1.2"},
        ],
    }


def _django_errors(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.messages)


@extend_schema_field(_weight_schema())
class WavWeightsField(serializers.JSONField):
    """The weight of each of the five start types (``contracts.validation``); stored and
    answered as decimal strings."""

    def to_internal_value(self, data):
        try:
            return validation.validate_wav_weights(data)
        except DjangoValidationError as error:
            raise _django_errors(error) from error


@extend_schema_field(_band_schema())
class UpwBandsField(serializers.JSONField):
    """Unpaid work bands, ascending, the last open-ended (``contracts.validation``)."""

    def to_internal_value(self, data):
        try:
            return validation.validate_upw_bands(data)
        except DjangoValidationError as error:
            raise _django_errors(error) from error


# --- POST /api/v1/calculations/wav ----------------------------------------------------------


class WavStartRequest(serializers.Serializer):
    type = serializers.ChoiceField(choices=StartType.choices, help_text="The kind of start")
    upw_hours = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=100_000,
        help_text="Unpaid work hours ordered: only for a community order or SSO; "
        "0 or null for none",
    )

    def validate(self, data):
        if data.get("upw_hours") and data["type"] not in (
            StartType.COMMUNITY_ORDER,
            StartType.SUSPENDED_SENTENCE_ORDER,
        ):
            raise serializers.ValidationError(
                {"upw_hours": ["Only a community order or SSO has unpaid work hours."]}
            )
        return data


class WavRequest(serializers.Serializer):
    weights = WavWeightsField(help_text="The weight of each start type: all five")
    upw_bands = UpwBandsField(
        help_text="Unpaid work bands: max_hours strictly ascending, the last null"
    )
    starts = WavStartRequest(many=True, max_length=200_000, help_text="One item per start")


class WavResponse(serializers.Serializer):
    wav = ExactDecimalField(help_text="The Weighted Annual Volume, at full precision")
    by_type = serializers.DictField(
        child=ExactDecimalField(),
        help_text="Weighted total per start type given (types with no start are left out), "
        "at full precision",
    )


# --- POST /api/v1/calculations/ffs-reconciliation -------------------------------------------


class ReconciliationRequest(serializers.Serializer):
    annual_ffs = money(help_text="The annual fee for service bid, pounds and pence")
    predicted_wav = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=ZERO,
        help_text="The WAV the bid prices, to two places as on a contract; more than 0",
    )
    actual_wav = serializers.DecimalField(
        max_digits=16,
        decimal_places=6,
        min_value=ZERO,
        help_text="The year's actual WAV, at most six decimal places",
    )
    tolerance = share(help_text="Share of the predicted WAV either side of it, 0 to 1")

    def validate_predicted_wav(self, value):
        if value <= 0:
            raise serializers.ValidationError("The predicted WAV must be more than 0.")
        return value


class ReconciliationResponse(serializers.Serializer):
    unit_price = ExactDecimalField(
        help_text="Annual FFS ÷ predicted WAV, unrounded (28 significant digits): the "
        "adjustment is computed from this figure"
    )
    lower_bound = ExactDecimalField(help_text="Predicted WAV × (1 − tolerance), exact")
    upper_bound = ExactDecimalField(help_text="Predicted WAV × (1 + tolerance), exact")
    adjustment = MoneyOutField(
        help_text="Signed, to the penny (half-up): positive paid to the CRC for volume above "
        "the upper bound, negative deducted for volume below the lower bound, 0.00 on or "
        "inside the band"
    )
    monthly_payments = serializers.ListField(
        child=MoneyOutField(),
        help_text="The twelve instalments in arrears, each annual FFS ÷ 12 to the penny "
        "(half-up), the twelfth absorbing the remainder so they sum to the bid",
    )


# --- POST /api/v1/calculations/pbr-binary and pbr-frequency ---------------------------------


def _count(**kwargs):
    return serializers.IntegerField(min_value=0, max_value=MAX_COHORT, **kwargs)


class BinaryRequest(serializers.Serializer):
    cohort_size = serializers.IntegerField(
        min_value=1, max_value=MAX_COHORT, help_text="Members of the quarterly cohort (n)"
    )
    reoffenders = _count(help_text="Members who reoffended (k), at most the cohort size")
    baseline_rate = share(help_text="The cohort's binary baseline rate (b), 0 to 1")
    price_per_reoffender = money(help_text="Price per reoffender prevented")
    significance_level = serializers.DecimalField(
        max_digits=7,
        decimal_places=6,
        default=Decimal("0.05"),
        help_text="One-sided significance level, more than 0 and less than 1",
    )

    def validate_significance_level(self, value):
        if not ZERO < value < ONE:
            raise serializers.ValidationError("Must be more than 0 and less than 1.")
        return value

    def validate(self, data):
        if data["reoffenders"] > data["cohort_size"]:
            raise serializers.ValidationError(
                {"reoffenders": ["More reoffenders than members of the cohort."]}
            )
        return data


OUTCOME_HELP = "One of: `REDUCTION` (paid), `INCREASE` (deducted), "


class BinaryResponse(serializers.Serializer):
    rate = ExactDecimalField(help_text="k ÷ n at full precision")
    p_value_reduction = serializers.FloatField(help_text="P(X ≤ k), X ~ Binomial(n, b)")
    p_value_increase = serializers.FloatField(help_text="P(X ≥ k), X ~ Binomial(n, b)")
    outcome = serializers.CharField(help_text=OUTCOME_HELP + "`NOT_SIGNIFICANT` (nothing)")
    amount = MoneyOutField(
        help_text="Signed, to the penny (half-up): price × (b·n − k) for a reduction, "
        "−price × (k − b·n) for an increase, before any cap on the PbR pot"
    )


class FrequencyRequest(serializers.Serializer):
    cohort_size = serializers.IntegerField(
        min_value=1, max_value=MAX_COHORT, help_text="Members of the annual cohort (n)"
    )
    reoffenders = _count(help_text="Members who reoffended (R), at most the cohort size")
    reoffences = serializers.IntegerField(
        min_value=0,
        max_value=10 * MAX_COHORT,
        help_text="Proven reoffences of the reoffenders (F): at least R, and 0 when R is 0",
    )
    baseline_rate = share(help_text="The annual binary baseline: the hurdle, 0 to 1")
    baseline_frequency = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=ZERO,
        help_text="Baseline reoffences per reoffender (fb), below 1000",
    )
    price_per_reoffence = money(help_text="Price per reoffence prevented")

    def validate(self, data):
        n, r, f = data["cohort_size"], data["reoffenders"], data["reoffences"]
        if r > n:
            raise serializers.ValidationError(
                {"reoffenders": ["More reoffenders than members of the cohort."]}
            )
        if f < r:
            raise serializers.ValidationError(
                {"reoffences": ["Fewer reoffences than reoffenders."]}
            )
        if r == 0 and f:
            raise serializers.ValidationError({"reoffences": ["Reoffences with no reoffender."]})
        return data


class FrequencyResponse(serializers.Serializer):
    rate = ExactDecimalField(help_text="R ÷ n at full precision")
    frequency = ExactDecimalField(help_text="F ÷ R at full precision (0 when R is 0)")
    hurdle_met = serializers.BooleanField(help_text="R ÷ n at or below the baseline rate")
    outcome = serializers.CharField(
        help_text=OUTCOME_HELP + "`HURDLE_NOT_MET` (a reduction, not paid), `NO_CHANGE`"
    )
    amount = MoneyOutField(
        help_text="Signed, to the penny (half-up): price × (fb − f) × R for a reduction, "
        "−price × (f − fb) × R for an increase, before any cap on the PbR pot"
    )


# --- Contracts -----------------------------------------------------------------------------


def _complete(data: dict, required: tuple[str, ...], defaults: dict | None = None) -> dict:
    """A nested item is whole even in a PATCH (a partial update would otherwise let its
    required fields go missing)."""
    missing = [name for name in required if name not in data]
    if missing:
        raise serializers.ValidationError(dict.fromkeys(missing, ["This field is required."]))
    return {**(defaults or {}), **data}


def _measure_codes():
    """The service level measures, once ``contracts.service_levels`` defines them."""
    from contracts import service_levels

    measures = getattr(service_levels, "MEASURES", None)
    return set(measures) if measures else None


class ServiceLevelSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40, help_text="The measure (a code of contracts.service_levels.MEASURES)"
    )
    target = share(help_text="Share of cases that must meet the measure in a month")
    credit_share = share(help_text="Credit when missed, as a share of the monthly FFS")

    class Meta:
        model = ServiceLevel
        fields = ["code", "target", "credit_share"]
        validators = []

    def validate_code(self, value):
        codes = _measure_codes()
        if codes is not None and value not in codes:
            raise serializers.ValidationError(
                f"{value} is not a service level measure: one of {', '.join(sorted(codes))}."
            )
        return value

    def validate(self, data):
        return _complete(data, ("code", "target", "credit_share"))


class RateCardItemSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=ZERO, help_text="Price per unit"
    )

    class Meta:
        model = RateCardItem
        fields = ["service", "name", "unit", "price", "attendance_centre"]
        validators = []
        extra_kwargs = {"service": {"validators": []}}

    def validate(self, data):
        return _complete(
            data, ("service", "name", "unit", "price"), defaults={"attendance_centre": False}
        )


class ContractSerializer(serializers.ModelSerializer):
    """A contract year with its service levels and rate card. ``crc`` and ``year`` identify
    it as well as its id; start and end dates default to the contract year's."""

    crc = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Contract._meta.get_field("crc").related_model.objects.filter(kind="CRC"),
        help_text="Code of the CRC, e.g. CRC11",
    )
    year = serializers.IntegerField(
        min_value=1, max_value=100, help_text="Contract year, 1 starting on 1 February 2015"
    )
    start_date = BoundedDateField(
        required=False, help_text="The contract year's first day (a 1st); default from the year"
    )
    end_date = BoundedDateField(
        required=False, help_text="Start + 12 months − 1 day; default from the start"
    )
    maximum_annual_payment = money(help_text="MAP: the most the CRC can be paid in the year")
    ffs_bid = money(help_text="Annual fee for service bid; at most the MAP")
    predicted_wav = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The WAV the bid prices; more than 0"
    )
    tolerance = share()
    wav_weights = WavWeightsField(help_text="The weight of each of the five start types")
    upw_bands = UpwBandsField(help_text="Unpaid work bands: ascending, the last max_hours null")
    binary_baseline_q1 = share()
    binary_baseline_q2 = share()
    binary_baseline_q3 = share()
    binary_baseline_q4 = share()
    annual_binary_baseline = share(help_text="The frequency metric's hurdle")
    frequency_baseline = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=ZERO, help_text="Reoffences per reoffender"
    )
    price_per_reoffender = money()
    price_per_reoffence = money()
    significance_level = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("0.5"),
        required=False,
        help_text="One-sided significance level of the binary tests; default 0.05",
    )
    monthly_credit_cap = share(help_text="Most a month's credits take, share of monthly FFS")
    pbr_pot = MoneyOutField(help_text="MAP − FFS: the most PbR can pay in the year")
    service_levels = ServiceLevelSerializer(
        many=True,
        required=False,
        help_text="Writing replaces them: codes not given are removed, others updated",
    )
    rate_card = RateCardItemSerializer(
        many=True,
        required=False,
        help_text="Writing replaces it: services not given are removed (a service already "
        "ordered cannot be), others updated",
    )
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "crc",
            "year",
            "start_date",
            "end_date",
            *CONTRACT_FIGURES,
            "wav_weights",
            "upw_bands",
            "pbr_pot",
            "service_levels",
            "rate_card",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["id", "pbr_pot", "updated_at", "updated_by"]
        validators = []

    def validate_predicted_wav(self, value):
        if value <= 0:
            raise serializers.ValidationError("The predicted WAV must be more than 0.")
        return value

    def validate_service_levels(self, value):
        codes = [item["code"] for item in value]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise serializers.ValidationError(f"A code appears twice: {', '.join(repeated)}.")
        return value

    def validate_rate_card(self, value):
        services = [item["service"] for item in value]
        repeated = sorted({s for s in services if services.count(s) > 1})
        if repeated:
            raise serializers.ValidationError(f"A service appears twice: {', '.join(repeated)}.")
        if sum(1 for item in value if item.get("attendance_centre")) > 1:
            raise serializers.ValidationError(
                "Only one service prices Senior Attendance Centre hours."
            )
        return value

    def validate(self, data):
        current = self.instance

        def value(name):
            if name in data:
                return data[name]
            return getattr(current, name, None) if current is not None else None

        errors = {}
        crc, year = value("crc"), value("year")
        start, end = value("start_date"), value("end_date")
        if current is None or "year" in data or "start_date" in data:
            if "start_date" not in data and year is not None:
                start = periods.contract_year_dates(year)[0]
            if "end_date" not in data and start is not None:
                end = periods.add_months(start, 12) - validation.ONE_DAY
        try:
            validation.validate_contract_dates(start, end)
        except DjangoValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name if name != "__all__" else "start_date", []).extend(messages)
        if not errors and year is not None and periods.contract_year_of(start) != year:
            first, _ = periods.contract_year_dates(year)
            errors["start_date"] = [f"Contract year {year} starts on {first:%-d %B %Y}."]
        ffs, cap = value("ffs_bid"), value("maximum_annual_payment")
        if ffs is not None and cap is not None and ffs > cap:
            errors["ffs_bid"] = ["The FFS bid cannot exceed the Maximum Annual Payment."]
        if crc is not None and year is not None:
            clash = Contract.objects.filter(crc=crc, year=year)
            if current is not None:
                clash = clash.exclude(pk=current.pk)
            if clash.exists():
                errors["year"] = [f"{crc.code} already has a contract for year {year}."]
        if errors:
            raise serializers.ValidationError(errors)
        data["start_date"], data["end_date"] = start, end
        return data


class ContractQuery(serializers.Serializer):
    crc = serializers.CharField(required=False, max_length=20, help_text="CRC code")
    year = serializers.IntegerField(required=False, min_value=1, max_value=100)


# --- The ledger ----------------------------------------------------------------------------


class LedgerQuery(serializers.Serializer):
    month = serializers.CharField(required=False, max_length=7, help_text="YYYY-MM")
    kind = serializers.ChoiceField(choices=EntryKind.choices, required=False)

    def validate_month(self, value):
        try:
            return periods.parse_month(value)
        except ValueError:
            raise serializers.ValidationError("Give a month as YYYY-MM.") from None


def _kind_help():
    return "One of: " + ", ".join(f"`{v}` ({label})" for v, label in EntryKind.choices)


class LedgerEntrySerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="The month paid in, YYYY-MM")
    kind = serializers.CharField(help_text=_kind_help())
    amount = MoneyOutField(help_text="Signed: positive paid to the CRC, negative deducted")
    excess = MoneyOutField(help_text="What the formula gave beyond a cap: recorded, not paid")
    payer_organisation = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    run = serializers.SerializerMethodField(help_text="The payment run that wrote the line")
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    reversed_by = serializers.SerializerMethodField(help_text="The line reversing this one")
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "month",
            "kind",
            "key",
            "correction",
            "amount",
            "excess",
            "payer",
            "payer_organisation",
            "payer_name",
            "description",
            "detail",
            "run",
            "reverses",
            "reversed_by",
            "reason",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    def get_month(self, entry) -> str:
        return periods.month_label(entry.month)

    def get_run(self, entry) -> int | None:
        return entry.run_part.run_id if entry.run_part_id else None

    def get_reversed_by(self, entry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class CountedList(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many were counted")
    truncated = serializers.BooleanField(help_text="True when only the first `limit` are listed")


class WavStartOut(serializers.Serializer):
    crn = serializers.CharField()
    sentence = serializers.CharField(allow_null=True, help_text="Sentence reference CRN/number")
    start_type = serializers.CharField()
    start_date = serializers.DateField()
    upw_hours = serializers.IntegerField(allow_null=True)


class WavStartList(CountedList):
    items = WavStartOut(many=True)


class MemberOut(serializers.Serializer):
    crn = serializers.CharField()
    sentence = serializers.CharField(help_text="Sentence reference CRN/number")
    entry_type = serializers.CharField()
    entered_on = serializers.DateField()
    offences_before = serializers.DateField()
    proven_before = serializers.DateField()
    reoffences = serializers.IntegerField(help_text="Proven reoffences counted")


class MemberList(CountedList):
    items = MemberOut(many=True)


class ServiceLevelCaseOut(serializers.Serializer):
    crn = serializers.CharField()
    reference = serializers.CharField(help_text="The record measured")
    met = serializers.BooleanField()
    detail = serializers.CharField()


class ServiceLevelCaseList(CountedList):
    code = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    target = ExactDecimalField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    items = ServiceLevelCaseOut(many=True)


class DeliveryOut(serializers.Serializer):
    delivery = serializers.IntegerField()
    delivered_on = serializers.DateField()
    order_reference = serializers.CharField()
    service = serializers.CharField()
    crn = serializers.CharField(allow_null=True)
    quantity = ExactDecimalField()
    price = MoneyOutField()
    amount = MoneyOutField()


class DeliveryList(CountedList):
    items = DeliveryOut(many=True)


class ChargedOrderOut(serializers.Serializer):
    crn = serializers.CharField()
    sentence = serializers.CharField()
    hours = serializers.IntegerField()
    price = MoneyOutField()
    amount = MoneyOutField()


class ChargedOrderList(CountedList):
    items = ChargedOrderOut(many=True)


class LedgerEntryDetailSerializer(serializers.Serializer):
    entry = LedgerEntrySerializer()
    wav_starts = WavStartList()
    members = MemberList()
    service_level = ServiceLevelCaseList(allow_null=True)
    deliveries = DeliveryList()
    charged_orders = ChargedOrderList()


class LedgerDetailQuery(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, default=100, min_value=1, max_value=1000, help_text="1 to 1000"
    )


# --- Payment runs --------------------------------------------------------------------------


class RunRequest(serializers.Serializer):
    month = serializers.CharField(max_length=7, help_text="The month to pay, YYYY-MM (ended)")

    def validate_month(self, value):
        try:
            month = periods.parse_month(value)
        except ValueError:
            raise serializers.ValidationError("Give a month as YYYY-MM.") from None
        if not 2000 <= month.year < LATEST_DATE.year:
            raise serializers.ValidationError(
                f"Give a month between 2000 and {LATEST_DATE.year - 1}."
            )
        return month


class RunPartSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = serializers.CharField(help_text="`PENDING`, `RUNNING`, `DONE` or `FAILED`")

    class Meta:
        model = PaymentRunPart
        fields = [
            "organisation",
            "status",
            "attempts",
            "started_at",
            "finished_at",
            "lines_written",
            "summary",
            "error",
        ]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="The month paid, YYYY-MM")
    trigger = serializers.CharField(help_text="`SCHEDULE`, `BUTTON` or `COMMAND`")
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    parts = RunPartSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentRun
        fields = ["id", "month", "trigger", "requested_at", "requested_by", "parts"]
        read_only_fields = fields

    def get_month(self, run) -> str:
        return periods.month_label(run.month)
