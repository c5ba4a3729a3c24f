"""One measure's part of an organisation's page (``performance.views_organisation``): its
trend chart (``performance.charts``) and the table of the same figures by month – with the
breakdown, the contract's target and met or not met where there is one – each figure
linking to the cases behind it (``performance:cases``) or, for money, to the ledger.
"""

import datetime
from urllib.parse import urlencode

from django.urls import reverse

from contracts import periods
from contracts.service_levels import met as target_met
from performance import charts, selectors
from performance.base import Kind, Measure
from probation.models import Organisation


def _cases_url(organisation: Organisation, code: str, month: datetime.date, breakdown="") -> str:
    url = reverse("performance:cases", args=[organisation.code, code, periods.month_label(month)])
    return f"{url}?{urlencode({'breakdown': breakdown})}" if breakdown else url


def _cell(text="", *, href=None, hint="", numeric=True, tag=None, tag_colour=None) -> dict:
    return {
        "text": text,
        "href": href,
        "hint": hint,
        "numeric": numeric,
        "tag": tag,
        "tag_colour": tag_colour,
    }


def _heading(text: str, numeric: bool = True) -> dict:
    return {"text": text, "numeric": numeric}


def show(measure: Measure, value) -> str:
    """A figure as shown in a table: "–" for none."""
    if value is None:
        return "–"
    return charts.format_value(
        value, percent=measure.kind == Kind.SHARE, money=measure.kind == Kind.MONEY
    )


def _count(value) -> str:
    return "–" if value is None else f"{value:,}"


def money(pennies) -> str:
    return "–" if pennies is None else charts.format_value(pennies / 100, money=True)


def _whole_figures(figures: dict, months) -> dict:
    """The whole figure of each month: the stored one ("" breakdown), else the sum of the
    parts (a breakdown measure whose whole is not stored)."""
    whole = dict(figures.get("", {}))
    for breakdown, by_month in figures.items():
        if breakdown == "":
            continue
        for month, part in by_month.items():
            if "" in figures and month in figures[""]:
                continue
            before = whole.get(month)
            whole[month] = selectors.Figure(
                (before.numerator if before else 0) + part.numerator,
                None
                if part.denominator is None
                else ((before.denominator or 0) if before else 0) + part.denominator,
            )
    return whole


def section(measure, figures, organisation, months, targets, contracts) -> dict:
    """One measure's chart, text alternative and table."""
    title = f"{measure.name} for {organisation.name}"
    whole = _whole_figures(figures, months)
    parts = sorted(b for b in figures if b)
    values = [
        charts.value_of(
            measure,
            getattr(whole.get(m), "numerator", None),
            getattr(whole.get(m), "denominator", None),
        )
        for m in months
    ]
    percent = measure.kind == Kind.SHARE
    has_targets = measure.service_level and any((measure.code, m) in targets for m in months)
    latest_target = next(
        (targets[(measure.code, m)] for m in reversed(months) if (measure.code, m) in targets), None
    )
    chart_target = charts.target_value(latest_target) if has_targets else None
    y_label = {
        Kind.SHARE: "Percentage of cases",
        Kind.COUNT: "Number",
        Kind.PER_100: "Per 100 cases",
        Kind.MONEY: "Pounds",
    }[measure.kind]

    if parts:
        series = [charts.Series("Total", values, charts.BAR)] + [
            charts.Series(
                part,
                [
                    charts.value_of(
                        measure,
                        getattr(figures[part].get(m), "numerator", None),
                        getattr(figures[part].get(m), "denominator", None),
                    )
                    for m in months
                ],
                charts.LINE,
            )
            for part in parts
        ]
    elif measure.kind == Kind.MONEY:
        of = [
            None
            if whole.get(m) is None or whole[m].denominator is None
            else whole[m].denominator / 100
            for m in months
        ]
        series = [
            charts.Series(measure.name, values, charts.BAR),
            charts.Series(measure.denominator or "Of", of, charts.LINE),
        ]
    else:
        series = [
            charts.Series(
                measure.name, values, charts.BAR if measure.kind == Kind.COUNT else charts.LINE
            )
        ]
    chart = charts.trend(
        title=title,
        months=months,
        series=series,
        target=chart_target,
        percent=percent,
        y_label=y_label,
    )
    text = charts.trend_text(
        title=title,
        months=months,
        values=values,
        target=chart_target,
        percent=percent,
        money=measure.kind == Kind.MONEY,
    )

    # The table: the same figures, each linked to the cases behind it.
    if parts:
        head = [_heading("Month", False)] + [_heading(p) for p in parts] + [_heading("Total")]
    elif measure.kind == Kind.COUNT:
        head = [_heading("Month", False), _heading("Number")]
    elif measure.kind == Kind.MONEY:
        head = [
            _heading("Month", False),
            _heading("Amount"),
            _heading("Of"),
            _heading("Share"),
        ]
    else:
        head = [
            _heading("Month", False),
            _heading("Met" if percent else "Counted"),
            _heading("Cases"),
            _heading("Percentage" if percent else "Per 100 cases"),
        ]
        if has_targets:
            head += [_heading("Target"), _heading("Target met", False)]
    rows = []
    for month, value in zip(months, values, strict=True):
        figure = whole.get(month)
        cells = [_cell(charts.month_name(month), numeric=False)]
        if parts:
            for part in parts:
                one = figures[part].get(month)
                shown = charts.value_of(
                    measure, getattr(one, "numerator", None), getattr(one, "denominator", None)
                )
                cells.append(
                    _cell(
                        show(measure, shown),
                        href=_cases_url(organisation, measure.code, month, part) if one else None,
                        hint=f"the cases of {part}, {charts.month_name(month)}",
                    )
                )
            cells.append(
                _cell(
                    show(measure, value),
                    href=_cases_url(organisation, measure.code, month) if figure else None,
                    hint=f"the cases, {charts.month_name(month)}",
                )
            )
        elif measure.kind == Kind.COUNT:
            cells.append(
                _cell(
                    show(measure, value),
                    href=_cases_url(organisation, measure.code, month) if figure else None,
                    hint=f"the cases, {charts.month_name(month)}",
                )
            )
        elif measure.kind == Kind.MONEY:
            contract = contracts.get(month)
            ledger = reverse("contracts:ledger", args=[contract.pk]) if contract else None
            share = (
                None
                if figure is None or not figure.denominator
                else round(100 * figure.numerator / figure.denominator, 1)
            )
            cells += [
                _cell(
                    money(getattr(figure, "numerator", None)),
                    href=ledger if figure else None,
                    hint=f"the contract's ledger, {charts.month_name(month)}",
                ),
                _cell(money(getattr(figure, "denominator", None))),
                _cell(charts.format_value(share, percent=True) if share is not None else "–"),
            ]
        else:
            cells += [
                _cell(_count(getattr(figure, "numerator", None))),
                _cell(_count(getattr(figure, "denominator", None))),
                _cell(
                    show(measure, value) if figure else "–",
                    href=_cases_url(organisation, measure.code, month) if figure else None,
                    hint=f"the cases, {charts.month_name(month)}",
                ),
            ]
            if has_targets:
                target = targets.get((measure.code, month))
                cells.append(
                    _cell(
                        charts.format_value(charts.target_value(target), percent=True)
                        if target is not None
                        else "–"
                    )
                )
                verdict = (
                    target_met(figure.numerator, figure.denominator, target) if figure else None
                )
                if verdict is None:
                    cells.append(_cell("–", numeric=False))
                else:
                    cells.append(
                        _cell(
                            tag="Met" if verdict else "Not met",
                            tag_colour="green" if verdict else "red",
                            numeric=False,
                        )
                    )
        rows.append(cells)
    return {
        "measure": measure,
        "chart": chart,
        "chart_id": f"chart-{measure.code.lower().replace('_', '-')}",
        "text": text,
        "table": {"caption": f"{measure.name}, by month", "head": head, "rows": rows},
        "ledger": measure.kind == Kind.MONEY,
    }
