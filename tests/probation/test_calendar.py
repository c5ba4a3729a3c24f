"""The business-day calendar (DOMAIN.md 4): weekends, England & Wales bank holidays with
their substitute days, and one-off closures from settings."""

import datetime

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from probation.calendar import add_business_days, business_days_between, is_business_day

D = datetime.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 24), True),
        (D(2026, 12, 25), False),  # Christmas Day, a Friday
        (D(2026, 12, 26), False),  # Boxing Day, a Saturday ...
        (D(2026, 12, 28), False),  # ... so Monday 28th is the substitute day
        (D(2026, 12, 29), True),
        (D(2027, 12, 24), True),
        (D(2027, 12, 25), False),  # Saturday
        (D(2027, 12, 27), False),  # substitute for Christmas Day
        (D(2027, 12, 28), False),  # substitute for Boxing Day
        (D(2027, 12, 29), True),
        (D(2026, 4, 2), True),
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 4, 7), True),
        (D(2026, 5, 4), False),  # early May bank holiday
        (D(2026, 5, 25), False),  # spring bank holiday
        (D(2026, 5, 26), True),
        (D(2026, 8, 31), False),  # summer bank holiday (England and Wales)
        (D(2026, 11, 21), False),  # Saturday
        (D(2026, 11, 22), False),  # Sunday
        (D(2026, 11, 23), True),
        (D(2027, 1, 1), False),
    ],
    ids=str,
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param(D(2026, 12, 24), 1, D(2026, 12, 29), id="christmas-2026-one-day"),
        pytest.param(D(2026, 12, 23), 5, D(2027, 1, 4), id="christmas-new-year-2026"),
        pytest.param(D(2027, 12, 24), 1, D(2027, 12, 29), id="christmas-2027-substitutes"),
        pytest.param(D(2027, 12, 23), 3, D(2027, 12, 30), id="christmas-2027-three-days"),
        pytest.param(D(2026, 4, 2), 1, D(2026, 4, 7), id="easter-2026"),
        pytest.param(D(2026, 3, 30), 5, D(2026, 4, 8), id="easter-2026-week"),
        pytest.param(D(2026, 5, 1), 1, D(2026, 5, 5), id="early-may-2026"),
        pytest.param(D(2026, 5, 22), 1, D(2026, 5, 26), id="spring-2026"),
        pytest.param(D(2026, 11, 20), 5, D(2026, 11, 27), id="friday-plus-five"),
        pytest.param(D(2026, 11, 21), 1, D(2026, 11, 23), id="saturday-plus-one"),
        pytest.param(D(2026, 11, 23), 0, D(2026, 11, 23), id="zero-on-business-day"),
        pytest.param(D(2026, 12, 25), 0, D(2026, 12, 29), id="zero-on-holiday-rolls-on"),
        pytest.param(D(2027, 12, 25), 0, D(2027, 12, 29), id="zero-on-saturday-holiday"),
    ],
)
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(D(2026, 12, 24), D(2026, 12, 29), 1, id="christmas-2026"),
        pytest.param(D(2027, 12, 24), D(2027, 12, 31), 3, id="christmas-2027"),
        pytest.param(D(2026, 4, 2), D(2026, 4, 7), 1, id="easter-2026"),
        pytest.param(D(2026, 11, 23), D(2026, 11, 23), 0, id="same-day"),
        pytest.param(D(2026, 11, 24), D(2026, 11, 23), 0, id="end-before-start"),
        pytest.param(D(2026, 11, 20), D(2026, 11, 22), 0, id="weekend-only"),
    ],
)
def test_business_days_between(start, end, expected):
    assert business_days_between(start, end) == expected


def test_an_error_for_counting_backwards():
    with pytest.raises(ValueError):
        add_business_days(D(2026, 11, 23), -1)


@override_settings(BUSINESS_CLOSURE_DATES=(D(2026, 11, 24),))
def test_a_closure_date_from_settings_is_not_a_business_day():
    assert not is_business_day(D(2026, 11, 24))
    assert add_business_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
    assert business_days_between(D(2026, 11, 23), D(2026, 11, 25)) == 1


def test_without_the_closure_the_day_counts():
    assert is_business_day(D(2026, 11, 24))


def test_policy_reads_closure_dates_from_the_environment(monkeypatch):
    import importlib

    from probation import policy

    monkeypatch.setenv("BUSINESS_CLOSURE_DATES", "2027-06-04, 2027-06-07")
    try:
        reloaded = importlib.reload(policy)
        closures = reloaded.BUSINESS_CLOSURE_DATES
        assert closures == (D(2027, 6, 4), D(2027, 6, 7))
    finally:
        monkeypatch.delenv("BUSINESS_CLOSURE_DATES")
        importlib.reload(policy)


days = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))


@given(day=days, n=st.integers(min_value=1, max_value=60))
def test_adding_then_counting_gives_n_back(day, n):
    assert business_days_between(day, add_business_days(day, n)) == n


@given(day=days, n=st.integers(min_value=0, max_value=60))
def test_the_result_is_always_a_business_day(day, n):
    result = add_business_days(day, n)
    assert is_business_day(result)
    assert result >= day


@given(day=days, n=st.integers(min_value=0, max_value=60), later=st.integers(0, 30))
def test_monotonic(day, n, later):
    assert add_business_days(day, n) <= add_business_days(day, n + 1)
    assert add_business_days(day, n) <= add_business_days(day + datetime.timedelta(later), n)


@given(day=days)
def test_zero_days_on_a_business_day_is_the_day_itself(day):
    if is_business_day(day):
        assert add_business_days(day, 0) == day
        assert business_days_between(day, add_business_days(day, 0)) == 0
