"""Business days: the one calendar every deadline of the platform counts in (DOMAIN.md 4:
"business days exclude weekends and the England & Wales bank holidays").

Bank holidays come from the ``holidays`` package for England (subdivision ``ENG``); Wales
has the same bank holidays as England, so one calendar serves both. Substitute days are
included (25 December 2027 is a Saturday, so 27 and 28 December are the holidays). One-off
closures are added with the setting ``BUSINESS_CLOSURE_DATES``.

Conventions, used by every clock:

- ``add_business_days(d, n)`` for ``n >= 1`` is the n-th business day *after* ``d``; ``d``
  itself never counts, whatever day it is. "Within 5 business days of a Friday sentence"
  is therefore due the following Friday (no holidays in between).
- ``add_business_days(d, 0)`` is ``d`` when ``d`` is a business day, else the next
  business day: "on the day, or the next working day".
- ``business_days_between(a, b)`` counts the business days after ``a`` up to and including
  ``b`` (0 when ``b <= a``), so for ``n >= 1``
  ``business_days_between(d, add_business_days(d, n)) == n``.
"""

import datetime
import functools

import holidays
from django.conf import settings

_ONE_DAY = datetime.timedelta(days=1)
# England's bank holidays; Wales ("WLS") has the same.
_SUBDIVISION = "ENG"


@functools.lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.UK(subdiv=_SUBDIVISION, years=year))


def is_bank_holiday(day: datetime.date) -> bool:
    return day in _bank_holidays(day.year)


def is_business_day(day: datetime.date) -> bool:
    """Not a Saturday or Sunday, not an England & Wales bank holiday, not a closure."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return (
        day.weekday() < 5
        and not is_bank_holiday(day)
        and day not in settings.BUSINESS_CLOSURE_DATES
    )


def add_business_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th business day after ``day`` (see the module's conventions for ``n == 0``)."""
    if n < 0:
        raise ValueError("add_business_days counts forward only (n >= 0)")
    if n == 0:
        while not is_business_day(day):
            day += _ONE_DAY
        return day
    while n:
        day += _ONE_DAY
        if is_business_day(day):
            n -= 1
    return day


def business_days_before(day: datetime.date, n: int) -> datetime.date:
    """The n-th business day before ``day`` (``day`` itself never counts); for n = 0,
    ``day`` when it is a business day, else the business day before it. The mirror of
    ``add_business_days``: reminder days before a deadline, tasks due before a release."""
    if n < 0:
        raise ValueError("business_days_before counts back only (n >= 0)")
    if n == 0:
        while not is_business_day(day):
            day -= _ONE_DAY
        return day
    while n:
        day -= _ONE_DAY
        if is_business_day(day):
            n -= 1
    return day


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after ``start`` up to and including ``end``; 0 when ``end <= start``."""
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if is_business_day(day):
            count += 1
    return count
