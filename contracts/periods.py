"""Months, contract years and cohort periods (DOMAIN.md 9), pure date arithmetic.

A contract year is twelve calendar months from its start (a 1st); its quarters are the
three-month blocks from that start, so binary cohorts are contract quarters and frequency
cohorts contract years. Month arithmetic is ``dateutil.relativedelta``'s: 31 January plus
one month is 28 (or 29) February. ``AddMonths`` gives the same answer in SQL.
"""

import datetime
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import DateField, Func

ONE_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    return day + relativedelta(months=months)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return add_months(first_of_month(month), 1) - ONE_DAY


_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def parse_month(text: str) -> datetime.date:
    """``2016-03`` → 1 March 2016; ValueError for anything else (other digits, spaces,
    signs, a month outside 01–12)."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return datetime.date(int(match[1]), int(match[2]), 1)


def month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def contract_year_of(day: datetime.date, first_start: datetime.date | None = None) -> int:
    """The contract year (1, 2, ...) a day falls in, counting from CONTRACT_FIRST_YEAR_START;
    0 or less before it."""
    first = first_start or settings.CONTRACT_FIRST_YEAR_START
    months = (day.year - first.year) * 12 + day.month - first.month
    if day.day < first.day:
        months -= 1
    return months // 12 + 1


def contract_year_dates(year: int, first_start: datetime.date | None = None):
    first = first_start or settings.CONTRACT_FIRST_YEAR_START
    start = add_months(first, 12 * (year - 1))
    return start, add_months(start, 12) - ONE_DAY


@dataclass(frozen=True)
class Period:
    """A cohort period: a contract quarter (binary) or a contract year (frequency)."""

    start: datetime.date
    end: datetime.date  # inclusive
    label: str  # "Y2-Q3" or "Y2"
    quarter: int | None  # 1-4 for a quarter, None for a year

    def matures_in(self) -> datetime.date:
        """The first month whose run pays the cohort: the month after the last member's
        waiting period ends (entry on the last day + PBR_PROVEN_WITHIN_MONTHS), plus the
        data lag (PBR_DATA_LAG_MONTHS)."""
        waiting_ends = add_months(self.end, settings.PBR_PROVEN_WITHIN_MONTHS)
        return first_of_month(add_months(waiting_ends, 1 + settings.PBR_DATA_LAG_MONTHS))


def quarters(contract_start: datetime.date, year: int) -> list[Period]:
    """The four binary cohort periods of a contract year."""
    periods = []
    for quarter in range(1, 5):
        start = add_months(contract_start, 3 * (quarter - 1))
        end = add_months(contract_start, 3 * quarter) - ONE_DAY
        periods.append(Period(start, end, f"Y{year}-Q{quarter}", quarter))
    return periods


def year_period(contract_start: datetime.date, contract_end: datetime.date, year: int) -> Period:
    return Period(contract_start, contract_end, f"Y{year}", None)


def instalment_number(contract_start: datetime.date, month: datetime.date) -> int:
    """1 for the contract's first month ... 12 for its last."""
    return (month.year - contract_start.year) * 12 + month.month - contract_start.month + 1


class AddMonths(Func):
    """``date + n months`` in SQL, with ``add_months``'s answer: a day past the end of the
    target month becomes its last day (PostgreSQL's interval arithmetic does this; SQLite's
    ``date(x, '+n months')`` overflows into the next month and is brought back)."""

    output_field = DateField()

    def __init__(self, expression, months: int, **extra):
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + make_interval(months => {self.months}))::date", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        shift = f"'{self.months:+d} months'"
        moved = f"date({sql}, {shift})"
        return (
            f"(CASE WHEN strftime('%%d', {moved}) = strftime('%%d', {sql}) THEN {moved} "
            f"ELSE date({sql}, {shift}, 'start of month', '-1 day') END)",
            params * 4,
        )
