"""``contracts.rules``: every payment formula and its boundaries, directly (no database).

WAV bands at and one hour past an edge; the twelve instalments summing to the bid;
reconciliation on, a hair inside and a hair outside each band edge; half-up rounding;
binary outcomes either side of the significance level against scipy's binomial
distribution computed here independently; the frequency hurdle; the caps."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from contracts import rules
from tests.contracts.factories import BANDS, WEIGHTS

D = Decimal


def one(start_type, upw_hours=None):
    return rules.wav(WEIGHTS, BANDS, [(start_type, upw_hours, 1)]).wav


# --- WAV -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "weight"),
    [
        (None, "1.0"),  # no unpaid work
        (0, "1.0"),
        (1, "1.4"),
        (100, "1.4"),  # exactly on the first band's edge: that band
        (101, "1.8"),  # one hour over: the next band
        (200, "1.8"),
        (201, "2.2"),  # the open-ended last band
        (100_000, "2.2"),
    ],
)
def test_a_community_orders_weight_takes_the_first_band_at_or_above_its_hours(hours, weight):
    assert one("COMMUNITY_ORDER", hours) == D(weight)


def test_an_sso_with_unpaid_work_adds_its_band_to_its_own_weight():
    assert one("SUSPENDED_SENTENCE_ORDER", None) == D("1.2")
    assert one("SUSPENDED_SENTENCE_ORDER", 100) == D("1.6")
    assert one("SUSPENDED_SENTENCE_ORDER", 101) == D("2.0")


@pytest.mark.parametrize("start_type", ["LICENCE", "PSS", "RESETTLEMENT_PLAN"])
def test_only_orders_take_an_unpaid_work_band(start_type):
    assert one(start_type, 150) == D(WEIGHTS[start_type])


def test_a_single_open_ended_band_takes_any_hours():
    bands = [{"max_hours": None, "weight": "0.7"}]
    assert rules.wav(WEIGHTS, bands, [("COMMUNITY_ORDER", 1, 1)]).wav == D("1.7")
    assert rules.wav(WEIGHTS, bands, [("COMMUNITY_ORDER", 5000, 1)]).wav == D("1.7")


def test_hours_beyond_closed_bands_are_refused_not_guessed():
    with pytest.raises(ValueError):
        rules.wav(WEIGHTS, [{"max_hours": 100, "weight": "0.4"}], [("COMMUNITY_ORDER", 101, 1)])


def test_wav_totals_by_type_and_counts_grouped_starts():
    result = rules.wav(
        WEIGHTS,
        BANDS,
        [
            ("COMMUNITY_ORDER", 100, 3),  # 3 × 1.4
            ("COMMUNITY_ORDER", None, 2),  # 2 × 1.0
            ("SUSPENDED_SENTENCE_ORDER", 250, 1),  # 1.2 + 1.2
            ("LICENCE", None, 4),  # 4 × 1.5
            ("PSS", None, 1),
            ("RESETTLEMENT_PLAN", None, 10),  # 10 × 0.3
        ],
    )
    assert result.by_type == {
        "COMMUNITY_ORDER": D("6.2"),
        "SUSPENDED_SENTENCE_ORDER": D("2.4"),
        "LICENCE": D("6.0"),
        "PSS": D("0.5"),
        "RESETTLEMENT_PLAN": D("3.0"),
    }
    assert result.wav == D("18.1")
    assert result.starts == 21


def test_no_starts_is_a_wav_of_nothing():
    result = rules.wav(WEIGHTS, BANDS, [])
    assert (result.wav, result.by_type, result.starts) == (0, {}, 0)


# --- Instalments and rounding ------------------------------------------------------------


def test_twelve_instalments_of_an_amount_not_divisible_by_twelve():
    instalments = rules.monthly_instalments(D("100.00"))
    assert instalments == [D("8.33")] * 11 + [D("8.37")]
    assert sum(instalments) == D("100.00")


def test_an_instalment_rounds_half_up():
    # 1.50 / 12 = 0.125: half-up gives 0.13 (banker's rounding would give 0.12).
    assert rules.monthly_instalments(D("1.50")) == [D("0.13")] * 11 + [D("0.07")]
    assert rules.monthly_instalments(D("10000000.00"))[:11] == [D("833333.33")] * 11


@given(
    st.decimals(
        min_value=0, max_value=D("9999999999.99"), places=2, allow_nan=False, allow_infinity=False
    )
)
def test_twelve_instalments_sum_exactly_to_the_bid(annual):
    instalments = rules.monthly_instalments(annual)
    assert len(instalments) == 12
    assert sum(instalments) == annual
    each = (annual / 12).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert instalments[:11] == [each] * 11
    assert all(i.as_tuple().exponent == -2 for i in instalments)
    # each is within half a penny of a twelfth, so the twelfth within 12 half-pennies.
    assert abs(instalments[11] - each) <= D("0.06")


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("2.675", "2.68"),  # a float would give 2.67
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("1.004999", "1.00"),
        ("-2.675", "-2.68"),
    ],
)
def test_pennies_rounds_half_up_away_from_zero(amount, rounded):
    assert str(rules.pennies(D(amount))) == rounded


# --- Year-end reconciliation ---------------------------------------------------------------

# £1m on a predicted WAV of 3,000: a unit price of 333.33…, band 2,850 to 3,150.
FFS, PREDICTED, TOLERANCE = D("1000000.00"), D("3000"), D("0.05")
UNIT = FFS / PREDICTED


def reconcile(actual):
    return rules.reconcile(FFS, PREDICTED, D(actual), TOLERANCE)


def test_the_band_and_the_unit_price():
    result = reconcile("3000")
    assert result.unit_price == UNIT
    assert (result.lower_bound, result.upper_bound) == (D("2850"), D("3150"))
    assert result.monthly_payments == rules.monthly_instalments(FFS)
    assert sum(result.monthly_payments) == FFS


@pytest.mark.parametrize("actual", ["2850", "3150", "2850.01", "3149.99", "3000"])
def test_on_an_edge_or_a_hair_inside_the_band_nothing_is_adjusted(actual):
    adjustment = reconcile(actual).adjustment
    assert adjustment == 0 and str(adjustment) == "0.00"


def test_a_hair_above_the_band_is_paid_at_the_unit_price():
    # 0.01 × 333.333… = 3.333… → 3.33
    assert reconcile("3150.01").adjustment == D("3.33")
    assert reconcile("3150.02").adjustment == D("6.67")  # 6.666… rounds up
    assert reconcile("3300").adjustment == D("50000.00")


def test_a_hair_below_the_band_is_deducted_at_the_unit_price():
    assert reconcile("2849.99").adjustment == D("-3.33")
    assert reconcile("2849.98").adjustment == D("-6.67")
    assert reconcile("2700").adjustment == D("-50000.00")


def test_reconciliation_rounds_half_up_both_ways():
    # A unit price of 1 and no tolerance: half a penny either side rounds away from zero.
    assert rules.reconcile(D("1000"), D("1000"), D("1000.005"), D("0")).adjustment == D("0.01")
    assert rules.reconcile(D("1000"), D("1000"), D("999.995"), D("0")).adjustment == D("-0.01")


@given(
    actual=st.decimals(min_value=0, max_value=10_000, places=2),
    tolerance=st.decimals(min_value=0, max_value=1, places=3),
)
def test_adjusted_exactly_when_outside_the_band_and_signed_by_the_side(actual, tolerance):
    result = rules.reconcile(FFS, PREDICTED, actual, tolerance)
    lower, upper = PREDICTED * (1 - tolerance), PREDICTED * (1 + tolerance)
    if actual > upper:
        expected = ((actual - upper) * UNIT).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert result.adjustment == expected >= 0
    elif actual < lower:
        expected = ((lower - actual) * UNIT).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert result.adjustment == -expected <= 0
    else:
        assert result.adjustment == 0


# --- Payment by results: binary -----------------------------------------------------------

# n = 20, b = 0.5: P(X ≤ 5) ≈ 0.0207 and P(X ≤ 6) ≈ 0.0577 straddle 0.05, and by symmetry
# P(X ≥ 15) and P(X ≥ 14).
N, B, PRICE = 20, D("0.5"), D("1000.00")


def test_binary_p_values_are_the_exact_binomial_tails():
    for k in range(N + 1):
        result = rules.pbr_binary(N, k, B, PRICE)
        assert result.p_value_reduction == pytest.approx(binom.cdf(k, N, 0.5), rel=1e-12)
        assert result.p_value_increase == pytest.approx(binom.sf(k - 1, N, 0.5), rel=1e-12)
        assert result.rate == D(k) / D(N)


def test_a_reduction_just_below_the_significance_level_is_paid():
    assert binom.cdf(5, N, 0.5) < 0.05
    result = rules.pbr_binary(N, 5, B, PRICE)
    assert result.outcome == rules.REDUCTION
    assert result.amount == D("5000.00")  # price × (b·n − k) = 1000 × (10 − 5)


def test_just_above_the_significance_level_nothing_is_paid():
    assert binom.cdf(6, N, 0.5) > 0.05 and binom.sf(5, N, 0.5) > 0.05
    result = rules.pbr_binary(N, 6, B, PRICE)
    assert result.outcome == rules.NOT_SIGNIFICANT
    assert str(result.amount) == "0.00"


def test_an_increase_just_below_the_significance_level_is_deducted():
    assert binom.sf(14, N, 0.5) < 0.05
    result = rules.pbr_binary(N, 15, B, PRICE)
    assert result.outcome == rules.INCREASE
    assert result.amount == D("-5000.00")  # −price × (k − b·n)
    assert rules.pbr_binary(N, 14, B, PRICE).outcome == rules.NOT_SIGNIFICANT


def test_a_p_value_equal_to_the_significance_level_is_not_significant():
    p = rules.pbr_binary(N, 5, B, PRICE).p_value_reduction
    at = rules.pbr_binary(N, 5, B, PRICE, significance_level=D(repr(p)))
    assert at.outcome == rules.NOT_SIGNIFICANT
    looser = rules.pbr_binary(N, 6, B, PRICE, significance_level=D("0.06"))
    assert looser.outcome == rules.REDUCTION


def test_a_binary_amount_with_a_fractional_expectation_rounds_half_up():
    # b·n = 0.35 × 401 = 140.35; k = 100: 140.35 − 100 = 40.35 reoffenders prevented.
    result = rules.pbr_binary(401, 100, D("0.35"), D("0.50"))
    assert result.outcome == rules.REDUCTION
    assert result.amount == D("20.18")  # 20.175 → 20.18


def test_impossible_binary_cohorts_are_refused():
    for n, k in [(0, 0), (10, 11), (10, -1)]:
        with pytest.raises(ValueError):
            rules.pbr_binary(n, k, B, PRICE)


# --- Payment by results: frequency ---------------------------------------------------------


def frequency(r, f, n=1000, rate="0.35", fb="3.0", price="500.00"):
    return rules.pbr_frequency(n, r, f, D(rate), D(fb), D(price))


def test_a_frequency_reduction_with_the_hurdle_met_is_paid():
    result = frequency(300, 750)  # f = 2.5, rate 0.3 ≤ 0.35
    assert (result.rate, result.frequency, result.hurdle_met) == (D("0.3"), D("2.5"), True)
    assert result.outcome == rules.REDUCTION
    assert result.amount == D("75000.00")  # 500 × (3.0 − 2.5) × 300


def test_the_hurdle_is_met_at_exactly_the_baseline_rate():
    result = frequency(350, 875)
    assert result.hurdle_met and result.outcome == rules.REDUCTION


def test_a_frequency_reduction_with_the_hurdle_missed_is_not_paid():
    result = frequency(351, 702)  # f = 2.0, rate 0.351 > 0.35
    assert not result.hurdle_met
    assert result.outcome == rules.HURDLE_NOT_MET and str(result.amount) == "0.00"


def test_an_increase_is_deducted_with_the_hurdle_missed_or_met():
    missed = frequency(400, 1400)  # f = 3.5
    assert not missed.hurdle_met
    assert missed.outcome == rules.INCREASE and missed.amount == D("-100000.00")
    met = frequency(300, 1050)  # f = 3.5
    assert met.hurdle_met
    assert met.outcome == rules.INCREASE and met.amount == D("-75000.00")


def test_equal_frequencies_change_nothing():
    result = frequency(300, 900)
    assert result.outcome == rules.NO_CHANGE and str(result.amount) == "0.00"


def test_no_reoffender_is_a_rate_and_frequency_of_nothing():
    result = frequency(0, 0)
    assert (result.rate, result.frequency, result.hurdle_met) == (0, 0, True)
    assert result.amount == 0


def test_a_frequency_amount_rounds_half_up():
    # f = 10/3, fb = 3.5: 0.1666… × 3 × 0.01 = 0.005 → 0.01
    result = rules.pbr_frequency(10, 3, 10, D("0.5"), D("3.5"), D("0.01"))
    assert result.outcome == rules.REDUCTION and result.amount == D("0.01")


@pytest.mark.parametrize(("r", "f"), [(1001, 1001), (5, 4), (0, 1), (-1, 0)])
def test_impossible_frequency_cohorts_are_refused(r, f):
    with pytest.raises(ValueError):
        frequency(r, f)


# --- Caps and credits ----------------------------------------------------------------------


def test_a_payment_exactly_at_the_room_left_is_paid_whole():
    assert rules.capped(D("100.00"), D("100.00")) == (D("100.00"), D("0.00"))


def test_a_penny_over_the_room_left_is_recorded_as_excess():
    assert rules.capped(D("100.01"), D("100.00")) == (D("100.00"), D("0.01"))


def test_with_no_room_left_a_payment_is_all_excess():
    assert rules.capped(D("50.00"), D("0")) == (D("0.00"), D("50.00"))
    assert rules.capped(D("50.00"), D("-10.00")) == (D("0.00"), D("50.00"))


@pytest.mark.parametrize("room", ["0", "-10.00", "5.00"])
def test_a_deduction_is_never_capped(room):
    assert rules.capped(D("-50.00"), D(room)) == (D("-50.00"), D("0.00"))


def test_a_service_credit_is_its_share_of_the_monthly_ffs_to_the_penny():
    assert rules.service_credit(D("0.02"), D("833333.33")) == D("16666.67")
    assert rules.service_credit(D("0.5"), D("0.01")) == D("0.01")  # 0.005 half-up
