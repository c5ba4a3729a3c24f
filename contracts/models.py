"""Contracts and payment: fee for service, payment by results, rate cards and the ledger
(DOMAIN.md 9; TOM 6.4-6.5).

- ``Contract``: one per CRC per contract year, with everything the payment formulas need
  (MAP, FFS bid, predicted WAV and its weights, tolerance, PbR baselines and prices,
  service levels, rate card). Versioned with django-simple-history; entered by NOMS.
- ``LedgerEntry``: the append-only ledger. A line is never edited or deleted (a database
  trigger on PostgreSQL refuses it); a correction is a reversing line. Each line names the
  month it was paid in and a ``key`` for what it pays (``FFS:2016-03``,
  ``PBR_BINARY:2015Q2`` ...); one original line per key and correction number, so running
  a month twice writes nothing twice.
- What a line counted hangs off it: ``WavStart`` (the starts of the year-end
  reconciliation), ``CohortMember`` and ``CountedReoffence`` (a PbR cohort),
  ``ServiceLevelResult`` with its ``ServiceLevelCase`` rows (a missed service level),
  ``InvoicedDelivery`` (fee for use) and ``ChargedOrder`` (Senior Attendance Centre hours).
- ``PaymentRun`` and ``PaymentRunPart``: a month's run and its progress per CPA.
- ``ReoffendingImport`` and ``ProvenReoffence``: the national reoffending data, matched on
  the PNC number.

Money is ``Decimal`` to the penny (``DecimalField(decimal_places=2)``); rates and weights
carry more places. Nothing here is a float.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

ZERO = Decimal("0")
ONE = Decimal("1")


def _money(**kwargs):
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _rate(**kwargs):
    """A share between 0 and 1 (a reoffending rate, a tolerance, a target)."""
    return models.DecimalField(
        max_digits=7,
        decimal_places=6,
        validators=[MinValueValidator(ZERO), MaxValueValidator(ONE)],
        **kwargs,
    )


class StartType(models.TextChoices):
    """The kinds of start the Weighted Annual Volume counts (issue 8, DOMAIN.md 9)."""

    COMMUNITY_ORDER = "COMMUNITY_ORDER", "Community Order"
    SUSPENDED_SENTENCE_ORDER = "SUSPENDED_SENTENCE_ORDER", "Suspended Sentence Order"
    LICENCE = "LICENCE", "Release on licence"
    PSS = "PSS", "Release onto post-sentence supervision only"
    RESETTLEMENT_PLAN = "RESETTLEMENT_PLAN", "Resettlement plan completed"


# The contract's payment-by-results figures, and all its figures (besides the WAV weights
# and bands), in the order the form and the API show them.
PBR_FIGURES = (
    "binary_baseline_q1",
    "binary_baseline_q2",
    "binary_baseline_q3",
    "binary_baseline_q4",
    "annual_binary_baseline",
    "frequency_baseline",
    "price_per_reoffender",
    "price_per_reoffence",
    "significance_level",
)
CONTRACT_FIGURES = (
    "maximum_annual_payment",
    "ffs_bid",
    "predicted_wav",
    "tolerance",
    *PBR_FIGURES,
    "monthly_credit_cap",
)


class Contract(models.Model):
    """One CRC's contract for one contract year."""

    crc = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="contracts",
        limit_choices_to={"kind": "CRC"},
        verbose_name="CRC",
    )
    year = models.PositiveSmallIntegerField(
        db_comment="Contract year, counting from 1 (the year starting on CONTRACT_FIRST_YEAR_START)"
    )
    start_date = models.DateField(db_comment="First day of the contract year (a 1st)")
    end_date = models.DateField(db_comment="Last day of the contract year")
    maximum_annual_payment = _money(db_comment="MAP: the most the CRC can be paid in the year")
    ffs_bid = _money(
        verbose_name="FFS bid", db_comment="The annual fee for service bid for the predicted WAV"
    )
    predicted_wav = models.DecimalField(
        "predicted WAV",
        max_digits=12,
        decimal_places=2,
        db_comment="Weighted Annual Volume the FFS bid prices",
    )
    tolerance = _rate(
        db_comment="Share of the predicted WAV either side of it within which the year-end "
        "reconciliation pays or deducts nothing"
    )
    wav_weights = models.JSONField(
        "WAV weights",
        db_comment='Weight of each start type, {"COMMUNITY_ORDER": "1.0", ...} (decimal strings)',
    )
    upw_bands = models.JSONField(
        "unpaid work bands",
        default=list,
        db_comment='Ordered bands, [{"max_hours": 100, "weight": "0.4"}, ..., '
        '{"max_hours": null, "weight": "1.0"}]',
    )
    binary_baseline_q1 = _rate(db_comment="Binary reoffending baseline, quarter 1 cohort")
    binary_baseline_q2 = _rate(db_comment="Binary reoffending baseline, quarter 2 cohort")
    binary_baseline_q3 = _rate(db_comment="Binary reoffending baseline, quarter 3 cohort")
    binary_baseline_q4 = _rate(db_comment="Binary reoffending baseline, quarter 4 cohort")
    annual_binary_baseline = _rate(
        db_comment="Annual binary baseline: the frequency metric's hurdle"
    )
    frequency_baseline = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(ZERO)],
        db_comment="Baseline reoffences per reoffender (annual cohort)",
    )
    price_per_reoffender = _money(
        db_comment="Binary metric: price per reoffender prevented",
        validators=[MinValueValidator(ZERO)],
    )
    price_per_reoffence = _money(
        db_comment="Frequency metric: price per reoffence prevented",
        validators=[MinValueValidator(ZERO)],
    )
    significance_level = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("0.5"))],
        db_comment="One-sided significance level of the binary metric's exact binomial tests",
    )
    monthly_credit_cap = _rate(
        db_comment="The most a month's service credits may take, as a share of the monthly FFS"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["crc__cpa_number", "start_date"]
        db_table_comment = "CRC contracts, one per CRC per contract year (DOMAIN.md 9)"
        constraints = [
            models.UniqueConstraint(fields=["crc", "year"], name="contract_once_per_crc_year"),
            models.UniqueConstraint(
                fields=["crc", "start_date"], name="contract_once_per_crc_start"
            ),
            models.CheckConstraint(
                name="contract_ends_after_start", condition=Q(end_date__gt=F("start_date"))
            ),
            models.CheckConstraint(
                name="contract_ffs_within_map",
                condition=Q(ffs_bid__gte=0) & Q(ffs_bid__lte=F("maximum_annual_payment")),
            ),
            models.CheckConstraint(name="contract_wav_positive", condition=Q(predicted_wav__gt=0)),
            models.CheckConstraint(
                name="contract_shares_within_0_1",
                condition=Q(tolerance__gte=0, tolerance__lte=1)
                & Q(monthly_credit_cap__gte=0, monthly_credit_cap__lte=1)
                & Q(binary_baseline_q1__gte=0, binary_baseline_q1__lte=1)
                & Q(binary_baseline_q2__gte=0, binary_baseline_q2__lte=1)
                & Q(binary_baseline_q3__gte=0, binary_baseline_q3__lte=1)
                & Q(binary_baseline_q4__gte=0, binary_baseline_q4__lte=1)
                & Q(annual_binary_baseline__gte=0, annual_binary_baseline__lte=1),
            ),
            models.CheckConstraint(
                name="contract_prices_not_negative",
                condition=Q(price_per_reoffender__gte=0)
                & Q(price_per_reoffence__gte=0)
                & Q(frequency_baseline__gte=0),
            ),
            models.CheckConstraint(
                name="contract_significance_level",
                condition=Q(significance_level__gt=0, significance_level__lt=1),
            ),
        ]

    def __str__(self):
        return f"{self.crc.name} contract year {self.year}"

    @property
    def pbr_pot(self) -> Decimal:
        """MAP − FFS: the most payment by results can pay in the year."""
        return self.maximum_annual_payment - self.ffs_bid

    def binary_baseline(self, quarter: int) -> Decimal:
        return getattr(self, f"binary_baseline_q{quarter}")


class ServiceLevel(models.Model):
    """A service level of a contract: its measure's target and the credit when missed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    code = models.CharField(
        max_length=40, db_comment="The measure (contracts.service_levels.MEASURES)"
    )
    target = _rate(db_comment="The share of cases that must meet the measure in a month")
    credit_share = _rate(
        db_comment="Service credit when missed in a month, as a share of the monthly FFS"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "code"]
        db_table_comment = "Service levels of contracts, with their targets and credits"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "code"], name="service_level_once_per_contract"
            ),
            models.CheckConstraint(
                name="service_level_shares_within_0_1",
                condition=Q(target__gte=0, target__lte=1)
                & Q(credit_share__gte=0, credit_share__lte=1),
            ),
        ]

    def __str__(self):
        return f"{self.code} of {self.contract}"


class RateCardItem(models.Model):
    """A service on a contract's rate card, bought by others at the bid price (fee for
    use); the attendance-centre line prices Senior Attendance Centre hours for the MoJ."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rate_card")
    service = models.SlugField(max_length=40, db_comment="Stable code of the service")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, db_comment="What one unit is: hour, place, report")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    attendance_centre = models.BooleanField(
        default=False, db_comment="Prices Senior Attendance Centre hours, charged to the MoJ"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "service"]
        db_table_comment = "Rate cards of contracts (fee for use)"
        constraints = [
            models.UniqueConstraint(fields=["contract", "service"], name="rate_card_service_once"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(attendance_centre=True),
                name="rate_card_one_attendance_centre_price",
            ),
            models.CheckConstraint(name="rate_card_price_not_negative", condition=Q(price__gte=0)),
        ]

    def __str__(self):
        return f"{self.name} ({self.price} per {self.unit})"


class PurchaserKind(models.TextChoices):
    NPS = "NPS", "National Probation Service"
    CRC = "CRC", "Another CRC"
    CO_COMMISSIONER = "CO_COMMISSIONER", "Co-commissioner (PCC, other department)"


class RateCardOrder(models.Model):
    """An order for a rate-card service by the NPS, another CRC or a co-commissioner."""

    item = models.ForeignKey(RateCardItem, on_delete=models.PROTECT, related_name="orders")
    purchaser_kind = models.CharField(max_length=16, choices=PurchaserKind.choices)
    purchaser = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The NPS or the buying CRC; empty for a co-commissioner",
    )
    purchaser_name = models.CharField(
        max_length=200, blank=True, db_comment="A co-commissioner's name (PCC, department)"
    )
    reference = models.CharField(max_length=60, db_comment="The purchaser's order reference")
    ordered_on = models.DateField()
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    person = models.ForeignKey(
        "probation.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The person the service is for, if any",
    )
    ordered_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_on", "pk"]
        db_table_comment = "Orders for rate-card services (fee for use)"
        constraints = [
            models.CheckConstraint(name="order_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="order_names_its_purchaser",
                condition=(
                    Q(purchaser_kind="CO_COMMISSIONER", purchaser__isnull=True)
                    & ~Q(purchaser_name="")
                )
                | (~Q(purchaser_kind="CO_COMMISSIONER") & Q(purchaser__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"Order {self.reference} of {self.item}"


class Delivery(models.Model):
    """A delivery against an order: invoiced in the month it was delivered."""

    order = models.ForeignKey(RateCardOrder, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField()
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivered_on", "pk"]
        verbose_name_plural = "deliveries"
        db_table_comment = "Deliveries of rate-card services, invoiced monthly"
        constraints = [
            models.CheckConstraint(name="delivery_quantity_positive", condition=Q(quantity__gt=0)),
        ]
        indexes = [models.Index(fields=["delivered_on"], name="delivery_delivered_on_idx")]

    def __str__(self):
        return f"{self.quantity} of {self.order} on {self.delivered_on}"


# --- Reoffending data ------------------------------------------------------------------------


class ReoffendingImport(models.Model):
    """One file of proven reoffences imported (all its rows, or none)."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_comment="Digest of the file's bytes")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rows = models.PositiveIntegerField(db_comment="Data rows in the file")
    added = models.PositiveIntegerField(db_comment="Rows new to the platform")
    already_held = models.PositiveIntegerField(db_comment="Rows the platform already held")
    unmatched = models.JSONField(
        default=list, db_comment="PNC numbers of rows that match nobody on the platform"
    )

    class Meta:
        ordering = ["-imported_at"]
        db_table_comment = "Imports of the national proven reoffending data"

    def __str__(self):
        return f"{self.filename} ({self.imported_at:%d %b %Y})"


class ProvenReoffence(models.Model):
    """A proven reoffence from the national reoffending data, matched on the PNC number."""

    source = models.ForeignKey(
        ReoffendingImport, on_delete=models.PROTECT, related_name="reoffences"
    )
    pnc_number = models.CharField("PNC number", max_length=20, db_index=True)
    offence_date = models.DateField()
    disposal_date = models.DateField(db_comment="Conviction or caution: when it was proven")
    offence_code = models.CharField(max_length=20)

    class Meta:
        ordering = ["pnc_number", "offence_date"]
        db_table_comment = "Proven reoffences (national reoffending data)"
        constraints = [
            models.UniqueConstraint(
                fields=["pnc_number", "offence_date", "disposal_date", "offence_code"],
                name="proven_reoffence_once",
            ),
            models.CheckConstraint(
                name="reoffence_proven_after_committed",
                condition=Q(disposal_date__gte=F("offence_date")),
            ),
        ]

    def __str__(self):
        return f"{self.pnc_number} {self.offence_code} {self.offence_date}"


# --- Payment runs and the ledger -------------------------------------------------------------


class RunTrigger(models.TextChoices):
    SCHEDULE = "SCHEDULE", "Monthly schedule"
    BUTTON = "BUTTON", "Started by a contract manager"
    COMMAND = "COMMAND", "Management command"


class PaymentRun(models.Model):
    """A request to pay one month: its parts (one per CPA) do the work."""

    month = models.DateField(db_comment="First day of the month paid")
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        db_table_comment = "Monthly payment runs"
        constraints = [
            models.CheckConstraint(name="run_month_is_a_first", condition=Q(month__day=1)),
        ]

    def __str__(self):
        return f"Payment run for {self.month:%B %Y}"


class PartStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting"
    RUNNING = "RUNNING", "Running"
    DONE = "DONE", "Done"
    FAILED = "FAILED", "Failed"


class PaymentRunPart(models.Model):
    """One CPA's share of a run (or one NPS division's service levels): everything it writes
    for the month commits together."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="parts")
    organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The CRC paid, or the NPS division whose service levels are measured",
    )
    status = models.CharField(max_length=16, choices=PartStatus.choices, default=PartStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lines_written = models.PositiveIntegerField(default=0)
    summary = models.JSONField(
        default=dict, db_comment="What the part found: lines written, lines already held, ..."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "organisation__cpa_number", "organisation__code"]
        db_table_comment = "Progress of a payment run per CPA (and NPS division)"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "organisation"], name="run_part_once_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.run} – {self.organisation}"


class EntryKind(models.TextChoices):
    FFS_INSTALMENT = "FFS_INSTALMENT", "Fee for service instalment"
    FFS_RECONCILIATION = "FFS_RECONCILIATION", "Fee for service year-end reconciliation"
    SERVICE_CREDIT = "SERVICE_CREDIT", "Service credit"
    PBR_BINARY = "PBR_BINARY", "Payment by results: binary (quarterly cohort)"
    PBR_FREQUENCY = "PBR_FREQUENCY", "Payment by results: frequency (annual cohort)"
    FEE_FOR_USE = "FEE_FOR_USE", "Fee for use invoice"
    ATTENDANCE_CENTRE = "ATTENDANCE_CENTRE", "Senior Attendance Centre hours (MoJ)"


class Payer(models.TextChoices):
    NOMS = "NOMS", "NOMS"
    MOJ = "MOJ", "Ministry of Justice"
    NPS = "NPS", "National Probation Service"
    CRC = "CRC", "Another CRC"
    CO_COMMISSIONER = "CO_COMMISSIONER", "Co-commissioner"


class LedgerEntryQuerySet(models.QuerySet):
    def originals(self):
        return self.filter(reverses__isnull=True)

    def standing(self):
        """Original lines not reversed: what is paid now."""
        return self.filter(reverses__isnull=True, reversed_by__isnull=True)


class LedgerEntry(models.Model):
    """One line of the append-only payment ledger. Positive: paid to the CRC; negative: a
    deduction. Never edited or deleted; a correction reverses a line and, where the month
    is run again, a new line with the next correction number replaces it."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger")
    month = models.DateField(db_comment="First day of the month the line was paid in")
    kind = models.CharField(max_length=24, choices=EntryKind.choices)
    key = models.CharField(
        max_length=80,
        db_comment="What the line pays, e.g. FFS:2016-03, CREDIT:FIRST_APPOINTMENT:2016-03, "
        "PBR_BINARY:2016-Q2; one standing line per key",
    )
    correction = models.PositiveSmallIntegerField(
        default=0, db_comment="0 for the first line of a key; +1 for each replacement"
    )
    amount = _money(db_comment="Signed: positive paid to the CRC, negative deducted")
    excess = _money(
        default=ZERO,
        db_comment="What the formula gave beyond a cap (PbR pot, credit cap): recorded, not paid",
    )
    payer = models.CharField(max_length=16, choices=Payer.choices, default=Payer.NOMS)
    payer_organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The NPS or the CRC paying a fee-for-use invoice",
    )
    payer_name = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300)
    detail = models.JSONField(
        default=dict, db_comment="The figures the amount was computed from, as strings"
    )
    run_part = models.ForeignKey(
        PaymentRunPart,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    service_level_result = models.ForeignKey(
        "ServiceLevelResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        db_comment="The missed service level a service credit is for",
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        db_comment="The line this one reverses (a correction); its amount is the negative",
    )
    reason = models.TextField(blank=True, db_comment="Why a line was reversed")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "month", "kind", "key", "correction", "pk"]
        verbose_name_plural = "ledger entries"
        db_table_comment = "The append-only payment ledger (DOMAIN.md 9)"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "key", "correction"],
                condition=Q(reverses__isnull=True),
                name="ledger_one_line_per_key_and_correction",
            ),
            models.CheckConstraint(name="ledger_month_is_a_first", condition=Q(month__day=1)),
            models.CheckConstraint(
                name="ledger_reversal_has_reason",
                condition=Q(reverses__isnull=True) | ~Q(reason=""),
            ),
            models.CheckConstraint(name="ledger_excess_not_negative", condition=Q(excess__gte=0)),
        ]
        indexes = [models.Index(fields=["month", "contract"], name="ledger_month_contract_idx")]

    def __str__(self):
        return f"{self.contract} {self.month:%b %Y} {self.key}: {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("The ledger is append-only: reverse a line instead of editing it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The ledger is append-only: reverse a line instead of deleting it.")


class WavStart(models.Model):
    """A start counted in a year-end reconciliation's actual WAV."""

    # db_index=False here and below: the constraint or index leading with the column serves.
    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="wav_starts", db_index=False
    )
    # Not indexed (here and on CohortMember): nothing looks a start up by the person or the
    # sentence, and these are the ledger's largest tables (every start of a year, written in
    # the year's last run). The platform deletes neither; a deletion would still be refused
    # (PROTECT and the foreign key), only after a scan of this table.
    person = models.ForeignKey(
        "probation.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sentence = models.ForeignKey(
        "probation.Sentence", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    start_type = models.CharField(max_length=32, choices=StartType.choices)
    start_date = models.DateField()
    upw_hours = models.PositiveIntegerField(
        null=True, db_comment="Unpaid work hours ordered (community orders and SSOs)"
    )

    class Meta:
        ordering = ["entry", "start_date", "pk"]
        db_table_comment = "Starts counted in a year-end WAV (what a reconciliation counted)"
        indexes = [models.Index(fields=["entry", "start_type"], name="wavstart_entry_type_idx")]

    def __str__(self):
        return f"{self.get_start_type_display()} on {self.start_date}"


class CohortMember(models.Model):
    """A member of a PbR cohort paid by a ledger line, with the dates their reoffending was
    counted over and what was found."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="members", db_index=False
    )
    person = models.ForeignKey(
        "probation.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sentence = models.ForeignKey(
        "probation.Sentence", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    entry_type = models.CharField(max_length=32, choices=StartType.choices)
    entered_on = models.DateField(db_comment="Start of the order, or release onto licence/PSS")
    pnc_number = models.CharField(max_length=20, blank=True)
    offences_before = models.DateField(
        db_comment="Offences committed before this day count (entry + follow-up months)"
    )
    proven_before = models.DateField(
        db_comment="... if proven before this day (entry + proven-within months)"
    )
    reoffences = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["entry", "entered_on", "pk"]
        db_table_comment = "Members of the PbR cohorts paid, with their counted reoffences"
        constraints = [
            models.UniqueConstraint(fields=["entry", "person"], name="cohort_member_once"),
        ]

    def __str__(self):
        return f"Cohort member entered {self.entered_on}"

    @property
    def reoffended(self) -> bool:
        return self.reoffences > 0


class CountedReoffence(models.Model):
    member = models.ForeignKey(
        CohortMember, on_delete=models.PROTECT, related_name="counted_reoffences", db_index=False
    )
    reoffence = models.ForeignKey(ProvenReoffence, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table_comment = "Proven reoffences counted against cohort members"
        constraints = [
            models.UniqueConstraint(fields=["member", "reoffence"], name="counted_reoffence_once"),
        ]

    def __str__(self):
        return f"{self.reoffence} counted"


class ServiceLevelResult(models.Model):
    """One organisation's figure for one service level measure in one month."""

    organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_level_results",
        db_comment="The CRC contract in force (empty for the NPS divisions)",
    )
    month = models.DateField()
    code = models.CharField(max_length=40)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    target = _rate(null=True, blank=True)
    met = models.BooleanField(null=True, db_comment="Empty when there was nothing to measure")
    run_part = models.ForeignKey(
        PaymentRunPart, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "organisation", "code"]
        db_table_comment = "Monthly service level figures, with the cases behind them"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "code"], name="service_level_result_once"
            ),
            models.CheckConstraint(
                name="service_level_numerator_within_denominator",
                condition=Q(numerator__lte=F("denominator")),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.month:%b %Y}: {self.numerator}/{self.denominator}"


class ServiceLevelCase(models.Model):
    result = models.ForeignKey(ServiceLevelResult, on_delete=models.CASCADE, related_name="cases")
    person = models.ForeignKey("probation.Person", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(
        max_length=60, db_comment="The record measured: a sentence, plan or referral"
    )
    met = models.BooleanField(db_comment="Counted in the numerator")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["result", "met", "pk"]
        db_table_comment = "The cases behind a monthly service level figure"

    def __str__(self):
        return f"{self.reference} ({'met' if self.met else 'not met'})"


class InvoicedDelivery(models.Model):
    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="deliveries", db_index=False
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="invoiced")
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = _money()

    class Meta:
        db_table_comment = "Deliveries invoiced by a fee-for-use ledger line"
        constraints = [
            models.UniqueConstraint(fields=["entry", "delivery"], name="invoiced_delivery_once"),
        ]

    def __str__(self):
        return f"{self.quantity} at {self.price}"


class ChargedOrder(models.Model):
    """A Senior Attendance Centre order whose hours a ledger line charged to the MoJ."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="charged_orders", db_index=False
    )
    person = models.ForeignKey("probation.Person", on_delete=models.PROTECT, related_name="+")
    sentence = models.ForeignKey("probation.Sentence", on_delete=models.PROTECT, related_name="+")
    hours = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = _money()

    class Meta:
        db_table_comment = "Senior Attendance Centre orders charged to the MoJ"
        constraints = [
            models.UniqueConstraint(fields=["entry", "sentence"], name="charged_order_once"),
        ]

    def __str__(self):
        return f"{self.hours} hours at {self.price}"
