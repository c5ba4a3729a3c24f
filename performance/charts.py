"""The data of the dashboards' charts (issue 9 part 4), and their text alternatives.

A chart is drawn in the browser by ``probation/static/js/charts.mjs`` (Chart.js, served
from our own static files) from a JSON object the page embeds with Django's
``json_script``; ``templates/performance/_chart.html`` puts the chart, its caption, its text
alternative and its table together, so the chart is never the only way to read a figure.

Values are in the units shown to the reader: percentages from 0 to 100 when ``percent`` is
true (a SHARE, or a funnel's rates), figures per 100 cases, counts, and money in pounds.
Two types:

- trend (``trend``): ``{"type": "trend", "title", "labels": ["2016-01", ...], "series":
  [{"label", "values": [number | null], "kind": "line" | "bar"}], "target": number | null,
  "percent": bool, "y_label"}`` – one value per label, null for a month with no figure;
  ``target`` is drawn as a dashed line.
- funnel (``funnel``): ``{"type": "funnel", "title", "percent": true, "pooled", "points":
  [{"code", "label", "x" (the denominator), "y" (the rate), "flag"}], "curves": {"n": [...],
  "lower_95", "upper_95", "lower_998", "upper_998"}}`` – the limit lines of
  ``performance.funnel.curve`` around the pooled rate (or the target), dashed; points
  coloured by their flag.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from contracts import periods
from performance import funnel as funnel_rules
from performance.base import Kind, Measure

LINE, BAR = "line", "bar"
# Steps of a funnel's limit lines (performance.funnel.curve): smooth at any width.
FUNNEL_CURVE_STEPS = 60


def month_name(month: datetime.date) -> str:
    """A month for people: ``Mar 2016``."""
    return f"{month:%b %Y}"


def value_of(measure: Measure, numerator: int | None, denominator: int | None) -> float | None:
    """A figure in the units shown: a SHARE as a percentage, a PER_100 per 100 cases (one
    decimal), a COUNT as it is, MONEY (pennies) in pounds. None when there is no figure
    (no fact, or a rate of nothing)."""
    if numerator is None:
        return None
    if measure.kind == Kind.COUNT:
        return numerator
    if measure.kind == Kind.MONEY:
        return round(numerator / 100, 2)
    if not denominator:
        return None
    return round(100 * numerator / denominator, 1)


def target_value(target: Decimal | float | None) -> float | None:
    """A contract's target (a share, 0.9) as a percentage (90.0)."""
    return None if target is None else round(float(target) * 100, 1)


def format_value(value: float | None, *, percent: bool = False, money: bool = False) -> str:
    """A value as text: ``91.3%``, ``£1,234.50``, ``1,204``, ``4.5``; ``no figure`` for None."""
    if value is None:
        return "no figure"
    if percent:
        return f"{value:g}%"
    if money:
        return f"£{value:,.2f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    kind: str = LINE


def trend(
    *,
    title: str,
    months: Sequence[datetime.date],
    series: Iterable[Series],
    target: float | None = None,
    percent: bool = False,
    y_label: str = "",
) -> dict:
    """Trend chart data (module docstring): one value of each series per month."""
    series = list(series)
    for one in series:
        if len(one.values) != len(months):
            raise ValueError(
                f"Series {one.label!r} has {len(one.values)} values for {len(months)} months"
            )
        if one.kind not in (LINE, BAR):
            raise ValueError(f"Series {one.label!r}: kind {one.kind!r} is not line or bar")
    return {
        "type": "trend",
        "title": title,
        "labels": [periods.month_label(month) for month in months],
        "series": [{"label": s.label, "values": list(s.values), "kind": s.kind} for s in series],
        "target": target,
        "percent": percent,
        "y_label": y_label,
    }


def trend_text(
    *,
    title: str,
    months: Sequence[datetime.date],
    values: Sequence[float | None],
    target: float | None = None,
    percent: bool = False,
    money: bool = False,
) -> str:
    """The text alternative of a trend: "First appointment on time for Wales CRC, Jan 2016
    to Dec 2016: from 80% to 91%; target 90%" – the first and last figures of the months
    that have one."""
    span = f"{title}, {month_name(months[0])} to {month_name(months[-1])}" if months else title

    def shown(value):
        return format_value(value, percent=percent, money=money)

    known = [
        (month, value) for month, value in zip(months, values, strict=True) if value is not None
    ]
    if not known:
        text = f"{span}: no figures"
    elif len(known) == 1:
        month, value = known[0]
        text = f"{span}: {shown(value)} in {month_name(month)} only"
    else:
        text = f"{span}: from {shown(known[0][1])} to {shown(known[-1][1])}"
        if len(known) < len(months):
            text += f" ({len(known)} of {len(months)} months with a figure)"
    if target is not None:
        text += f"; target {format_value(target, percent=percent)}"
    return text


def funnel(
    *,
    title: str,
    result: funnel_rules.Funnel,
    labels: dict[str, str] | None = None,
    steps: int = FUNNEL_CURVE_STEPS,
) -> dict:
    """Funnel chart data (module docstring) from ``performance.funnel.funnel``'s result:
    rates and limits as percentages, the limit lines from n = 1 to the largest denominator."""
    labels = labels or {}

    def pct(rate: float) -> float:
        return round(100 * rate, 2)

    n_max = max((point.denominator for point in result.points), default=0)
    p0 = result.pooled_rate
    at_95 = funnel_rules.curve(p0, n_max, funnel_rules.Z_95, steps)
    at_998 = funnel_rules.curve(p0, n_max, funnel_rules.Z_998, steps)
    return {
        "type": "funnel",
        "title": title,
        "percent": True,
        "pooled": pct(p0),
        "points": [
            {
                "code": point.code,
                "label": labels.get(point.code, point.code),
                "x": point.denominator,
                "y": pct(point.rate),
                "flag": str(point.flag),
            }
            for point in result.points
        ],
        "curves": {
            "n": [n for n, _, _ in at_95],
            "lower_95": [pct(lower) for _, lower, _ in at_95],
            "upper_95": [pct(upper) for _, _, upper in at_95],
            "lower_998": [pct(lower) for _, lower, _ in at_998],
            "upper_998": [pct(upper) for _, _, upper in at_998],
        },
    }


def funnel_text(
    *, title: str, result: funnel_rules.Funnel, labels: dict[str, str] | None = None
) -> str:
    """The text alternative of a funnel plot: the centre line and the units outside the
    limits, e.g. "Breach referrals on time across CRCs, Mar 2016: 21 units around a pooled
    rate of 84.2%; above the 99.8% limit: Wales; below the 95% limit: Durham Tees Valley"
    ("all within the limits" when none is outside)."""
    labels = labels or {}
    centre = "target" if result.target_rate is not None else "pooled rate"
    text = (
        f"{title}: {len(result.points)} units around a {centre} of "
        f"{format_value(round(100 * result.pooled_rate, 1), percent=True)}"
    )
    flagged = [flag for flag in funnel_rules.Flag if flag.flagged]
    parts = []
    for flag in flagged:
        names = [labels.get(p.code, p.code) for p in result.points if p.flag == flag]
        if names:
            parts.append(f"{flag.label.split(': ', 1)[1]}: {', '.join(names)}")
    return text + ("; " + "; ".join(parts) if parts else "; all within the limits")
