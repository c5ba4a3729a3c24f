"""The payment formulas (DOMAIN.md 9; TOM 6.4-6.5): facts in, figures out, no database.

The calculation endpoints (``/api/v1/calculations/wav``, ``ffs-reconciliation``,
``pbr-binary``, ``pbr-frequency``) and the monthly payment run both call these functions,
so the same facts always give the same figures. Money is ``Decimal``, rounded half-up to
the penny only where a formula says so; intermediate figures keep full precision
(``decimal`` context of 28 digits).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from scipy.stats import binomtest

PENNY = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
TWELVE = Decimal("12")

ORDER_TYPES = ("COMMUNITY_ORDER", "SUSPENDED_SENTENCE_ORDER")


def pennies(amount: Decimal) -> Decimal:
    """Rounded half-up to the penny (0.005 → 0.01, −0.005 → −0.01)."""
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Weighted Annual Volume ----------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    max_hours: int | None  # None: no upper limit (the last band)
    weight: Decimal


def bands_of(upw_bands: Iterable[dict]) -> list[Band]:
    """Contract or API bands, ``[{"max_hours": 100, "weight": "0.4"}, ...]``, as ``Band``s.
    Validation (ascending, the last open-ended) is the serializer's job."""
    return [
        Band(None if b.get("max_hours") is None else int(b["max_hours"]), _decimal(b["weight"]))
        for b in upw_bands
    ]


def band_weight(bands: list[Band], upw_hours: int | None) -> Decimal:
    """The weight of the first band whose ``max_hours`` is at or above the hours ordered
    (an open-ended band takes any number); nothing without unpaid work."""
    if not upw_hours:
        return ZERO
    for band in bands:
        if band.max_hours is None or upw_hours <= band.max_hours:
            return band.weight
    raise ValueError(f"{upw_hours} hours of unpaid work fall in no band")


def start_weight(
    weights: dict, bands: list[Band], start_type: str, upw_hours: int | None = None
) -> Decimal:
    """One start's weight: its type's weight, plus for an order its unpaid-work band's."""
    weight = _decimal(weights.get(start_type, 0))
    if start_type in ORDER_TYPES:
        weight += band_weight(bands, upw_hours)
    return weight


@dataclass(frozen=True)
class Wav:
    wav: Decimal
    by_type: dict[str, Decimal]
    starts: int


def wav(
    weights: dict, upw_bands: Iterable[dict], starts: Iterable[tuple[str, int | None, int]]
) -> Wav:
    """The Weighted Annual Volume of ``starts``: ``(start type, unpaid work hours or None,
    how many such starts)`` – the run passes grouped counts, the API one per start."""
    bands = bands_of(upw_bands)
    by_type: dict[str, Decimal] = {}
    total, count = ZERO, 0
    for start_type, upw_hours, number in starts:
        weighted = start_weight(weights, bands, start_type, upw_hours) * number
        by_type[start_type] = by_type.get(start_type, ZERO) + weighted
        total += weighted
        count += number
    return Wav(total, by_type, count)


# --- Fee for service -----------------------------------------------------------------------


def monthly_instalments(annual_ffs: Decimal) -> list[Decimal]:
    """Twelve payments in arrears: each annual ÷ 12 rounded half-up to the penny, the
    twelfth absorbing the remainder so the year sums exactly to the bid."""
    annual = _decimal(annual_ffs)
    each = pennies(annual / TWELVE)
    return [each] * 11 + [annual - each * 11]


@dataclass(frozen=True)
class Reconciliation:
    unit_price: Decimal
    lower_bound: Decimal
    upper_bound: Decimal
    adjustment: Decimal  # signed, to the penny
    monthly_payments: list[Decimal]


def reconcile(
    annual_ffs: Decimal, predicted_wav: Decimal, actual_wav: Decimal, tolerance: Decimal
) -> Reconciliation:
    """Year-end reconciliation of FFS to the actual WAV: outside the tolerance band around
    the predicted WAV, the volume beyond the band's edge at the unit price (FFS ÷ predicted
    WAV) is paid (above) or deducted (below); on an edge or inside it, nothing."""
    annual, predicted = _decimal(annual_ffs), _decimal(predicted_wav)
    actual, tolerance = _decimal(actual_wav), _decimal(tolerance)
    unit_price = annual / predicted
    lower, upper = predicted * (ONE - tolerance), predicted * (ONE + tolerance)
    if actual > upper:
        adjustment = pennies((actual - upper) * unit_price)
    elif actual < lower:
        adjustment = -pennies((lower - actual) * unit_price)
    else:
        adjustment = ZERO.quantize(PENNY)
    return Reconciliation(unit_price, lower, upper, adjustment, monthly_instalments(annual))


# --- Payment by results --------------------------------------------------------------------

REDUCTION = "REDUCTION"
INCREASE = "INCREASE"
NOT_SIGNIFICANT = "NOT_SIGNIFICANT"
HURDLE_NOT_MET = "HURDLE_NOT_MET"
NO_CHANGE = "NO_CHANGE"


@dataclass(frozen=True)
class BinaryResult:
    rate: Decimal
    p_value_reduction: float
    p_value_increase: float
    outcome: str
    amount: Decimal


def pbr_binary(
    cohort_size: int,
    reoffenders: int,
    baseline_rate: Decimal,
    price_per_reoffender: Decimal,
    significance_level: Decimal = Decimal("0.05"),
) -> BinaryResult:
    """The binary metric of one quarterly cohort: one-sided exact binomial tests of the
    reoffenders against the baseline rate (X ~ Binomial(n, b)); paid for a significant
    reduction, deducted for a significant increase, nothing otherwise."""
    n, k = int(cohort_size), int(reoffenders)
    if n < 1 or not 0 <= k <= n:
        raise ValueError("a cohort has at least one member and 0 to n reoffenders")
    b, price = _decimal(baseline_rate), _decimal(price_per_reoffender)
    alpha = float(_decimal(significance_level))
    p_reduction = float(binomtest(k, n, float(b), alternative="less").pvalue)  # P(X <= k)
    p_increase = float(binomtest(k, n, float(b), alternative="greater").pvalue)  # P(X >= k)
    expected = b * n
    if p_reduction < alpha:
        outcome, amount = REDUCTION, pennies(price * (expected - k))
    elif p_increase < alpha:
        outcome, amount = INCREASE, -pennies(price * (k - expected))
    else:
        outcome, amount = NOT_SIGNIFICANT, ZERO.quantize(PENNY)
    return BinaryResult(Decimal(k) / Decimal(n), p_reduction, p_increase, outcome, amount)


@dataclass(frozen=True)
class FrequencyResult:
    rate: Decimal
    frequency: Decimal
    hurdle_met: bool
    outcome: str
    amount: Decimal


def pbr_frequency(
    cohort_size: int,
    reoffenders: int,
    reoffences: int,
    baseline_rate: Decimal,
    baseline_frequency: Decimal,
    price_per_reoffence: Decimal,
) -> FrequencyResult:
    """The frequency metric of one annual cohort: reoffences per reoffender against the
    baseline. A reduction is paid only if the binary hurdle is met (the cohort's rate at or
    below the annual binary baseline); any increase is deducted, hurdle or not."""
    n, r, f_count = int(cohort_size), int(reoffenders), int(reoffences)
    if n < 1 or not 0 <= r <= n or f_count < r or (r == 0 and f_count):
        raise ValueError("impossible cohort figures")
    fb, price = _decimal(baseline_frequency), _decimal(price_per_reoffence)
    rate = Decimal(r) / Decimal(n)
    frequency = Decimal(f_count) / Decimal(r) if r else ZERO
    hurdle_met = rate <= _decimal(baseline_rate)
    if frequency < fb and hurdle_met:
        outcome, amount = REDUCTION, pennies(price * (fb - frequency) * r)
    elif frequency < fb:
        outcome, amount = HURDLE_NOT_MET, ZERO.quantize(PENNY)
    elif frequency > fb:
        outcome, amount = INCREASE, -pennies(price * (frequency - fb) * r)
    else:
        outcome, amount = NO_CHANGE, ZERO.quantize(PENNY)
    return FrequencyResult(rate, frequency, hurdle_met, outcome, amount)


# --- Caps ----------------------------------------------------------------------------------


def capped(amount: Decimal, room: Decimal) -> tuple[Decimal, Decimal]:
    """A payment within the room left under a cap: ``(paid, excess)``. Deductions (negative
    amounts) are never capped; a payment is cut to the room left, never below nothing."""
    amount, room = _decimal(amount), max(_decimal(room), ZERO)
    if amount <= room:
        return amount, ZERO.quantize(PENNY)
    return room.quantize(PENNY), (amount - room).quantize(PENNY)


def service_credit(credit_share: Decimal, monthly_ffs: Decimal) -> Decimal:
    """A missed service level's credit: its share of the month's FFS, to the penny."""
    return pennies(_decimal(credit_share) * _decimal(monthly_ffs))
