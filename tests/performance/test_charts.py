"""Chart data and text alternatives (issue 9 part 4; ``performance.charts``): figures in the
units shown (a share as a percentage, per 100, counts, pennies as pounds), the trend and
funnel data contracts ``js/charts.mjs`` draws, the funnel's limit lines from
``performance.funnel`` (the same limits as the API), and the text alternative of each."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from performance import charts, funnel
from performance.base import Kind, Measure

D = datetime.date
MONTHS = [D(2016, month, 1) for month in range(1, 13)]


def measure(kind: Kind) -> Measure:
    return Measure(code="X", name="X", topic="Volumes", kind=kind, numerator="", denominator="")


@pytest.mark.parametrize(
    "kind, numerator, denominator, value",
    [
        (Kind.SHARE, 8, 10, 80.0),
        (Kind.SHARE, 1, 3, 33.3),
        (Kind.SHARE, 2, 3, 66.7),
        (Kind.SHARE, 0, 0, None),
        (Kind.SHARE, None, None, None),
        (Kind.PER_100, 3, 400, 0.8),
        (Kind.PER_100, 5, None, None),
        (Kind.COUNT, 1204, None, 1204),
        (Kind.COUNT, 0, None, 0),
        (Kind.MONEY, 123450, 1000000, 1234.5),
    ],
    ids=[
        "share",
        "share-a-third",
        "share-rounded-up",
        "share-of-nothing",
        "no-fact",
        "per-100",
        "per-100-without-denominator",
        "count",
        "count-zero",
        "money-in-pounds",
    ],
)
def test_values_in_the_units_shown(kind, numerator, denominator, value):
    assert charts.value_of(measure(kind), numerator, denominator) == value


@pytest.mark.parametrize(
    "value, options, text",
    [
        (91.3, {"percent": True}, "91.3%"),
        (90.0, {"percent": True}, "90%"),
        (1234.5, {"money": True}, "£1,234.50"),
        (1204, {}, "1,204"),
        (4.5, {}, "4.5"),
        (None, {"percent": True}, "no figure"),
    ],
)
def test_format_value(value, options, text):
    assert charts.format_value(value, **options) == text


def test_a_target_share_as_a_percentage():
    from decimal import Decimal

    assert charts.target_value(Decimal("0.90")) == 90.0
    assert charts.target_value(Decimal("0.875")) == 87.5
    assert charts.target_value(None) is None


def test_trend_data():
    data = charts.trend(
        title="First appointment on time for Wales",
        months=MONTHS[:3],
        series=[charts.Series("On time", [80.0, None, 91.0])],
        target=90.0,
        percent=True,
        y_label="Percentage of cases",
    )
    assert data == {
        "type": "trend",
        "title": "First appointment on time for Wales",
        "labels": ["2016-01", "2016-02", "2016-03"],
        "series": [{"label": "On time", "values": [80.0, None, 91.0], "kind": "line"}],
        "target": 90.0,
        "percent": True,
        "y_label": "Percentage of cases",
    }


def test_a_trend_refuses_series_that_do_not_fit_the_months():
    with pytest.raises(ValueError, match="2 values for 3 months"):
        charts.trend(title="T", months=MONTHS[:3], series=[charts.Series("S", [1, 2])])
    with pytest.raises(ValueError, match="not line or bar"):
        charts.trend(title="T", months=MONTHS[:1], series=[charts.Series("S", [1], "pie")])


@pytest.mark.parametrize(
    "values, target, text",
    [
        (
            [80.0] + [None] * 10 + [91.0],
            90.0,
            "First appointment on time for Wales CRC, Jan 2016 to Dec 2016: from 80% to 91% "
            "(2 of 12 months with a figure); target 90%",
        ),
        (
            [80.0 + n for n in range(12)],
            90.0,
            "First appointment on time for Wales CRC, Jan 2016 to Dec 2016: from 80% to 91%; "
            "target 90%",
        ),
        (
            [None] * 5 + [85.5] + [None] * 6,
            None,
            "First appointment on time for Wales CRC, Jan 2016 to Dec 2016: 85.5% in Jun 2016 only",
        ),
        (
            [None] * 12,
            None,
            "First appointment on time for Wales CRC, Jan 2016 to Dec 2016: no figures",
        ),
    ],
    ids=["gaps", "every-month", "one-month", "none"],
)
def test_the_text_alternative_of_a_trend(values, target, text):
    assert (
        charts.trend_text(
            title="First appointment on time for Wales CRC",
            months=MONTHS,
            values=values,
            target=target,
            percent=True,
        )
        == text
    )


def test_the_text_alternative_of_money_and_counts():
    months = MONTHS[:2]
    assert charts.trend_text(title="Paid", months=months, values=[1000, 2500.5], money=True) == (
        "Paid, Jan 2016 to Feb 2016: from £1,000.00 to £2,500.50"
    )
    assert charts.trend_text(title="Starts", months=months, values=[120, 140]) == (
        "Starts, Jan 2016 to Feb 2016: from 120 to 140"
    )


@pytest.fixture
def compared():
    units = [
        funnel.Unit("CRC11", 95, 100),  # far above the pooled rate
        funnel.Unit("CRC12", 50, 100),
        funnel.Unit("CRC13", 50, 100),
        funnel.Unit("CRC14", 50, 100),
        funnel.Unit("CRC15", 10, 100),  # far below
    ]
    return funnel.funnel(units)


def test_funnel_data_uses_the_funnel_rules(compared):
    data = charts.funnel(title="Compared", result=compared, labels={"CRC11": "Wales"})
    assert data["type"] == "funnel" and data["percent"] is True
    assert data["pooled"] == 51.0
    points = {p["code"]: p for p in data["points"]}
    assert points["CRC11"] == {
        "code": "CRC11",
        "label": "Wales",
        "x": 100,
        "y": 95.0,
        "flag": "HIGH_ALERT",
    }
    assert points["CRC12"]["label"] == "CRC12" and points["CRC12"]["flag"] == "WITHIN"
    assert points["CRC15"]["flag"] == "LOW_ALERT"
    curves = data["curves"]
    expected = funnel.curve(0.51, 100, funnel.Z_95, charts.FUNNEL_CURVE_STEPS)
    assert curves["n"] == [n for n, _, _ in expected]
    assert curves["n"][0] == 1 and curves["n"][-1] == 100
    for key in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert len(curves[key]) == len(curves["n"])
    # The limits at n = 100 are the unit's limits, as percentages.
    point = next(p for p in compared.points if p.code == "CRC12")
    assert curves["upper_95"][-1] == round(100 * point.upper_95, 2)
    assert curves["lower_998"][-1] == round(100 * point.lower_998, 2)


def test_a_funnel_of_no_units():
    data = charts.funnel(title="None", result=funnel.funnel([]))
    assert data["points"] == [] and data["curves"]["n"] == []


def test_the_text_alternative_of_a_funnel(compared):
    text = charts.funnel_text(
        title="Compared, Mar 2016", result=compared, labels={"CRC11": "Wales"}
    )
    assert text == (
        "Compared, Mar 2016: 5 units around a pooled rate of 51%; above the 99.8% limit: "
        "Wales; below the 99.8% limit: CRC15"
    )
    within = funnel.funnel([funnel.Unit("A", 5, 10), funnel.Unit("B", 5, 10)], target_rate=0.5)
    assert charts.funnel_text(title="T", result=within) == (
        "T: 2 units around a target of 50%; all within the limits"
    )


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_share_is_between_0_and_100(numerator, denominator):
    value = charts.value_of(measure(Kind.SHARE), min(numerator, denominator), denominator)
    assert 0 <= value <= 100
