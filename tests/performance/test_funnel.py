"""Funnel plots (issue 9 part 3; TOM 7.4): control limits p0 ± z·√(p0(1 − p0) ÷ n) around
the pooled rate (or a target), clipped to [0, 1], with z = 1.959964 and 3.090232, and flags
by strict inequalities – a rate exactly on a limit is within it. ``performance.funnel`` is
pure: these tests need no database."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from performance.funnel import Z_95, Z_998, Flag, FunnelError, Unit, curve, flag, funnel, limits

APPROX = {"abs": 1e-9}


def point(result, code):
    return next(p for p in result.points if p.code == code)


# --- The constants ---------------------------------------------------------------------------


def test_z_constants_are_the_normal_quantiles_to_six_places():
    assert Z_95 == round(norm.ppf(0.975), 6) == 1.959964
    assert Z_998 == round(norm.ppf(0.999), 6) == 3.090232


# --- The formula on hand-computed figures ----------------------------------------------------


def test_limits_around_one_half_for_a_hundred_cases():
    # √(0.5 × 0.5 ÷ 100) = 0.05
    assert limits(0.5, 100, Z_95) == pytest.approx((0.5 - 0.0979982, 0.5 + 0.0979982), **APPROX)
    assert limits(0.5, 100, Z_998) == pytest.approx((0.5 - 0.1545116, 0.5 + 0.1545116), **APPROX)


def test_the_pooled_rate_is_the_sum_of_numerators_over_the_sum_of_denominators():
    result = funnel([Unit("CRC11", 80, 100), Unit("CRC12", 150, 200), Unit("CRC20", 95, 100)])
    assert result.pooled_rate == 325 / 400 == 0.8125
    assert result.target_rate is None
    # √(0.8125 × 0.1875 ÷ 100) = 0.0390312..., √(... ÷ 200) = 0.0275995...
    crc11, crc12, crc20 = result.points
    assert (crc11.rate, crc12.rate, crc20.rate) == (0.8, 0.75, 0.95)
    assert (crc11.lower_95, crc11.upper_95) == pytest.approx((0.7360002, 0.8889998), abs=1e-7)
    assert (crc11.lower_998, crc11.upper_998) == pytest.approx((0.6918844, 0.9331156), abs=1e-7)
    assert (crc12.lower_95, crc12.upper_95) == pytest.approx((0.7584065, 0.8665935), abs=1e-7)
    assert (crc12.lower_998, crc12.upper_998) == pytest.approx((0.7272119, 0.8977881), abs=1e-7)
    # Units of the same size share their limits.
    assert (crc20.lower_95, crc20.upper_998) == (crc11.lower_95, crc11.upper_998)
    assert [p.flag for p in result.points] == [Flag.WITHIN, Flag.LOW_WARNING, Flag.HIGH_ALERT]
    assert [p.code for p in result.points] == ["CRC11", "CRC12", "CRC20"]
    assert (crc12.numerator, crc12.denominator) == (150, 200)


def test_a_target_rate_replaces_the_pooled_rate_as_the_centre():
    units = [Unit("A", 30, 100), Unit("B", 70, 100)]
    pooled = funnel(units)
    assert pooled.pooled_rate == 0.5
    assert [p.flag for p in pooled.points] == [Flag.LOW_ALERT, Flag.HIGH_ALERT]

    targeted = funnel(units, target_rate=0.9)
    assert targeted.pooled_rate == targeted.target_rate == 0.9
    a = point(targeted, "A")
    # √(0.9 × 0.1 ÷ 100) = 0.03
    assert (a.lower_95, a.upper_95) == pytest.approx((0.9 - 0.05879892, 0.9 + 0.05879892))
    assert (a.lower_998, a.upper_998) == pytest.approx((0.9 - 0.09270696, 0.9 + 0.09270696))
    assert [p.flag for p in targeted.points] == [Flag.LOW_ALERT, Flag.LOW_ALERT]
    # A target equal to the pooled rate draws the same funnel.
    assert funnel(units, target_rate=0.5).points == pooled.points


def test_a_target_of_zero_or_one_is_a_centre_too():
    units = [Unit("A", 0, 10), Unit("B", 1, 10)]
    at_zero = funnel(units, target_rate=0)
    assert at_zero.pooled_rate == 0.0
    assert [p.flag for p in at_zero.points] == [Flag.WITHIN, Flag.HIGH_ALERT]
    at_one = funnel(units, target_rate=1)
    assert [p.flag for p in at_one.points] == [Flag.LOW_ALERT, Flag.LOW_ALERT]


# --- Clipping to [0, 1] ---------------------------------------------------------------------


def test_limits_near_zero_are_clipped_at_zero():
    result = funnel([Unit("BIG", 1, 1000), Unit("SMALL", 0, 5)])
    small = point(result, "SMALL")
    p0 = 1 / 1005
    assert p0 - Z_95 * math.sqrt(p0 * (1 - p0) / 5) < 0
    assert small.lower_95 == small.lower_998 == 0.0
    assert small.upper_95 == pytest.approx(p0 + Z_95 * math.sqrt(p0 * (1 - p0) / 5))
    assert small.flag == Flag.WITHIN  # 0 is on the clipped lower limit: within it


def test_limits_near_one_are_clipped_at_one():
    result = funnel([Unit("BIG", 999, 1000), Unit("SMALL", 5, 5)])
    small = point(result, "SMALL")
    assert small.upper_95 == small.upper_998 == 1.0
    assert 0 < small.lower_998 < small.lower_95 < 1
    assert small.flag == Flag.WITHIN  # 1 is on the clipped upper limit: within it


def test_a_unit_of_one_case_has_the_whole_range():
    result = funnel([Unit("ONE", 0, 1), Unit("OTHER", 1, 1)])
    assert result.pooled_rate == 0.5
    for p in result.points:
        assert (p.lower_998, p.lower_95, p.upper_95, p.upper_998) == (0.0, 0.0, 1.0, 1.0)
        assert p.flag == Flag.WITHIN


def test_a_pooled_rate_of_zero_or_one_has_no_spread():
    nothing = funnel([Unit("A", 0, 10), Unit("B", 0, 50)])
    assert nothing.pooled_rate == 0
    assert all((p.lower_998, p.upper_998, p.flag) == (0, 0, Flag.WITHIN) for p in nothing.points)
    everything = funnel([Unit("A", 10, 10), Unit("B", 50, 50)])
    assert all((p.lower_998, p.upper_998, p.flag) == (1, 1, Flag.WITHIN) for p in everything.points)


def test_no_units_give_an_empty_funnel():
    assert funnel([]).points == []


# --- Flags at each boundary (strict inequalities) --------------------------------------------

LOWER_998, LOWER_95, UPPER_95, UPPER_998 = 0.2, 0.3, 0.7, 0.8


def below(x):
    return math.nextafter(x, -math.inf)


def above(x):
    return math.nextafter(x, math.inf)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        pytest.param(above(UPPER_998), Flag.HIGH_ALERT, id="a hair above the upper 99.8% limit"),
        pytest.param(UPPER_998, Flag.HIGH_WARNING, id="on the upper 99.8% limit"),
        pytest.param(below(UPPER_998), Flag.HIGH_WARNING, id="a hair below the upper 99.8%"),
        pytest.param(above(UPPER_95), Flag.HIGH_WARNING, id="a hair above the upper 95% limit"),
        pytest.param(UPPER_95, Flag.WITHIN, id="on the upper 95% limit"),
        pytest.param(below(UPPER_95), Flag.WITHIN, id="a hair below the upper 95% limit"),
        pytest.param(0.5, Flag.WITHIN, id="in the middle"),
        pytest.param(above(LOWER_95), Flag.WITHIN, id="a hair above the lower 95% limit"),
        pytest.param(LOWER_95, Flag.WITHIN, id="on the lower 95% limit"),
        pytest.param(below(LOWER_95), Flag.LOW_WARNING, id="a hair below the lower 95% limit"),
        pytest.param(above(LOWER_998), Flag.LOW_WARNING, id="a hair above the lower 99.8%"),
        pytest.param(LOWER_998, Flag.LOW_WARNING, id="on the lower 99.8% limit"),
        pytest.param(below(LOWER_998), Flag.LOW_ALERT, id="a hair below the lower 99.8% limit"),
    ],
)
def test_flag_at_each_limit(rate, expected):
    assert flag(rate, LOWER_95, UPPER_95, LOWER_998, UPPER_998) == expected


def test_flags_name_themselves():
    assert Flag.HIGH_ALERT.label == "High: above the 99.8% limit"
    assert not Flag.WITHIN.flagged
    assert all(f.flagged for f in Flag if f is not Flag.WITHIN)


# --- Figures a funnel cannot be drawn from ---------------------------------------------------


@pytest.mark.parametrize(
    ("units", "target", "field"),
    [
        pytest.param([Unit("A", 1, 2), Unit("B", 0, 0)], None, "units.1.denominator", id="n=0"),
        pytest.param([Unit("A", -1, 2)], None, "units.0.numerator", id="negative numerator"),
        pytest.param([Unit("A", 0, -2)], None, "units.0.denominator", id="negative n"),
        pytest.param(
            [Unit("A", 1, 2), Unit("B", 1, 2), Unit("C", 3, 2)],
            None,
            "units.2.numerator",
            id="numerator above denominator",
        ),
        pytest.param([Unit("A", 1, 2)], 1.01, "target_rate", id="target above 1"),
        pytest.param([Unit("A", 1, 2)], -0.01, "target_rate", id="target below 0"),
    ],
)
def test_impossible_figures_are_refused_naming_the_figure(units, target, field):
    with pytest.raises(FunnelError) as refused:
        funnel(units, target_rate=target)
    assert refused.value.field == field


def test_a_numerator_equal_to_its_denominator_is_possible():
    assert funnel([Unit("A", 2, 2), Unit("B", 0, 2)]).pooled_rate == 0.5


# --- Properties --------------------------------------------------------------------------------


@st.composite
def units_(draw, max_units=12):
    n = draw(st.integers(1, max_units))
    units = []
    for index in range(n):
        denominator = draw(st.integers(1, 100_000))
        numerator = draw(st.integers(0, denominator))
        units.append(Unit(f"U{index}", numerator, denominator))
    return units


targets = st.none() | st.floats(0, 1, allow_nan=False)


@given(units=units_(), target=targets)
def test_limits_are_ordered_around_the_centre_and_within_zero_and_one(units, target):
    result = funnel(units, target_rate=target)
    p0 = result.pooled_rate
    if target is None:
        assert p0 == sum(u.numerator for u in units) / sum(u.denominator for u in units)
    else:
        assert p0 == target
    for p in result.points:
        assert 0 <= p.lower_998 <= p.lower_95 <= p0 <= p.upper_95 <= p.upper_998 <= 1
        assert 0 <= p.rate <= 1
        assert p.flag == flag(p.rate, p.lower_95, p.upper_95, p.lower_998, p.upper_998)


@given(units=units_(), target=targets)
def test_each_flag_says_where_the_rate_lies(units, target):
    for p in funnel(units, target_rate=target).points:
        if p.flag == Flag.HIGH_ALERT:
            assert p.rate > p.upper_998
        elif p.flag == Flag.HIGH_WARNING:
            assert p.upper_95 < p.rate <= p.upper_998
        elif p.flag == Flag.LOW_ALERT:
            assert p.rate < p.lower_998
        elif p.flag == Flag.LOW_WARNING:
            assert p.lower_998 <= p.rate < p.lower_95
        else:
            assert p.lower_95 <= p.rate <= p.upper_95


@given(
    p0=st.floats(0, 1, allow_nan=False),
    n=st.integers(1, 10**7),
    more=st.integers(1, 10**7),
    z=st.sampled_from([Z_95, Z_998]),
)
def test_limits_narrow_as_the_unit_grows(p0, n, more, z):
    lower, upper = limits(p0, n, z)
    lower_bigger, upper_bigger = limits(p0, n + more, z)
    assert lower <= lower_bigger <= p0 <= upper_bigger <= upper
    assert upper_bigger - lower_bigger <= upper - lower


@given(p0=st.floats(0.01, 0.99), n=st.integers(1, 10**6))
def test_the_99_8_limits_hold_the_95_limits(p0, n):
    lower_95, upper_95 = limits(p0, n, Z_95)
    lower_998, upper_998 = limits(p0, n, Z_998)
    assert lower_998 <= lower_95 and upper_95 <= upper_998


@given(units=units_(max_units=6), target=targets)
def test_the_order_of_units_does_not_change_their_figures(units, target):
    """Sums of whole numbers are exact: the same pooled rate in any order."""
    forwards = {p.code: p for p in funnel(units, target_rate=target).points}
    backwards = {p.code: p for p in funnel(list(reversed(units)), target_rate=target).points}
    assert forwards == backwards


def test_the_curve_follows_the_limits():
    drawn = curve(0.3, 500, Z_95)
    assert drawn[0][0] == 1 and drawn[-1][0] == 500
    assert all((lo, up) == limits(0.3, n, Z_95) for n, lo, up in drawn)
    assert curve(0.3, 0, Z_95) == []
