"""The open-data rules, pure (``performance.open_data``): suppression of small counts and the
rates made from them at their boundaries, half-up rounding, and calendar quarters."""

import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from performance.base import Kind
from performance.open_data import (
    NOT_AVAILABLE,
    SUPPRESSED,
    Shown,
    decimal_text,
    has_ended,
    parse_quarter,
    quarter_after,
    quarter_end,
    quarter_label,
    quarter_months,
    quarter_of,
    shown,
)

C, X = SUPPRESSED, NOT_AVAILABLE


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(0, "0", id="zero-shown"),
        pytest.param(1, C, id="one-suppressed"),
        pytest.param(4, C, id="four-suppressed-at-most"),
        pytest.param(5, "5", id="five-shown"),
        pytest.param(1234, "1234", id="large-shown"),
    ],
)
def test_counts_from_one_to_four_are_suppressed(count, expected):
    assert shown(count, None, kind=Kind.COUNT, at_most=4) == Shown(expected, "", expected)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        pytest.param(0, 10, Shown("0", "10", "0.0"), id="zero-of-ten"),
        pytest.param(1, 10, Shown(C, "10", C), id="numerator-1-suppresses-rate"),
        pytest.param(4, 10, Shown(C, "10", C), id="numerator-4-suppresses-rate"),
        pytest.param(5, 10, Shown("5", "10", "50.0"), id="numerator-5-shown"),
        pytest.param(0, 4, Shown("0", C, C), id="denominator-4-suppresses-rate"),
        pytest.param(0, 1, Shown("0", C, C), id="denominator-1-suppresses-rate"),
        pytest.param(5, 5, Shown("5", "5", "100.0"), id="denominator-5-shown"),
        pytest.param(0, 0, Shown("0", "0", X), id="denominator-0-not-available"),
        pytest.param(3, 4, Shown(C, C, C), id="both-suppressed"),
        pytest.param(None, None, Shown(X, X, X), id="no-fact-not-available"),
        pytest.param(6, None, Shown("6", X, X), id="no-denominator-not-available"),
    ],
)
def test_a_rate_made_from_a_suppressed_count_is_suppressed(numerator, denominator, expected):
    assert shown(numerator, denominator, kind=Kind.SHARE, at_most=4) == expected


def test_a_missing_count_is_not_available():
    assert shown(None, None, kind=Kind.COUNT, at_most=4) == Shown(X, "", X)


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        pytest.param(Fraction(150, 3), Shown("7", "50", "14.0"), id="mean-50"),
        pytest.param(Fraction(121, 2), Shown("7", "61", "11.6"), id="mean-60.5-published-61"),
        pytest.param(Fraction(9, 2), Shown("7", "5", "155.6"), id="mean-4.5-published-5-shown"),
        pytest.param(Fraction(22, 5), Shown("7", C, C), id="mean-4.4-published-4-suppressed"),
        pytest.param(Fraction(2, 5), Shown("7", "0", X), id="mean-0.4-published-0-not-available"),
    ],
)
def test_per_100_divides_by_the_exact_mean_and_publishes_it_whole(mean, expected):
    assert shown(7, mean, kind=Kind.PER_100, at_most=4) == expected


def test_suppression_limit_is_a_setting(settings):
    settings.OPEN_DATA_SUPPRESS_AT_MOST = 9
    assert shown(9, None, kind=Kind.COUNT).value == C
    assert shown(10, None, kind=Kind.COUNT).value == "10"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        pytest.param(Fraction(1225, 100), "12.3", id="half-rounds-up"),
        pytest.param(Fraction(1224999, 100000), "12.2", id="just-below-half-down"),
        pytest.param(Fraction(2, 3) * 100, "66.7", id="two-thirds"),
        pytest.param(Fraction(1, 3) * 100, "33.3", id="one-third"),
        pytest.param(Fraction(5, 100), "0.1", id="0.05-up"),
        pytest.param(Fraction(0), "0.0", id="zero"),
        pytest.param(Fraction(100), "100.0", id="hundred"),
    ],
)
def test_rates_round_half_up_to_one_place(number, text):
    assert decimal_text(number, 1) == text


def test_a_rate_of_an_exact_half_rounds_up():
    # 1 of 8 = 12.5 %; 49 of 400 = 12.25 % -> 12.3 (banker's rounding would give 12.2).
    assert shown(49, 400, kind=Kind.SHARE, at_most=4).value == "12.3"
    assert shown(5, 8, kind=Kind.SHARE, at_most=4).value == "62.5"


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10))
def test_a_rate_is_shown_only_when_neither_count_is_disclosive(numerator, denominator, at_most):
    result = shown(numerator, denominator, kind=Kind.SHARE, at_most=at_most)
    if denominator == 0:
        assert result.value == X
    elif 1 <= numerator <= at_most or 1 <= denominator <= at_most:
        assert result.value == C
    else:
        whole, point, tenths = result.value.partition(".")
        assert point == "." and len(tenths) == 1
        assert abs(Fraction(result.value) - Fraction(100 * numerator, denominator)) <= Fraction(
            1, 20
        )


# --- Quarters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        pytest.param("2016-01-01", "2016-01-01", id="first-day-q1"),
        pytest.param("2016-03-31", "2016-01-01", id="last-day-q1"),
        pytest.param("2016-04-01", "2016-04-01", id="first-day-q2"),
        pytest.param("2016-09-30", "2016-07-01", id="last-day-q3"),
        pytest.param("2016-12-31", "2016-10-01", id="new-years-eve-q4"),
    ],
)
def test_quarter_of(day, quarter):
    assert quarter_of(datetime.date.fromisoformat(day)) == datetime.date.fromisoformat(quarter)


@pytest.mark.parametrize(
    ("today", "ended"),
    [
        pytest.param("2016-03-31", False, id="last-day-not-ended"),
        pytest.param("2016-04-01", True, id="next-quarter-ended"),
        pytest.param("2015-12-31", False, id="before"),
    ],
)
def test_a_quarter_ends_on_the_first_day_of_the_next(today, ended):
    assert has_ended(datetime.date(2016, 1, 1), datetime.date.fromisoformat(today)) is ended


def test_labels_and_parsing():
    q4 = datetime.date(2016, 10, 1)
    assert quarter_label(q4) == "2016-Q4"
    assert parse_quarter("2016-Q4") == q4
    assert quarter_after(q4) == datetime.date(2017, 1, 1)
    assert quarter_end(q4) == datetime.date(2016, 12, 31)
    assert quarter_months(q4) == (q4, datetime.date(2016, 11, 1), datetime.date(2016, 12, 1))
    for bad in ("2016-Q5", "2016-Q0", "16-Q1", "2016-1", ""):
        with pytest.raises(ValueError):
            parse_quarter(bad)


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)))
def test_every_day_lies_in_its_quarter(day):
    quarter = quarter_of(day)
    assert quarter.day == 1 and quarter.month in (1, 4, 7, 10)
    assert quarter <= day <= quarter_end(quarter)
    assert quarter_after(quarter) - quarter_end(quarter) == datetime.timedelta(days=1)
    assert parse_quarter(quarter_label(quarter)) == quarter
    assert has_ended(quarter, day) is False
    assert has_ended(quarter, quarter_after(quarter)) is True
    assert {m.month for m in quarter_months(quarter)} == {
        quarter.month,
        quarter.month + 1,
        quarter.month + 2,
    }
