"""Days for the plan tests: fixed weekdays relative to the real date."""

import datetime

from probation.calendar import is_business_day


def clear_monday(weeks_back: int = 3) -> datetime.date:
    """A Monday a few weeks before the real date with two weeks of business days after it
    (no bank holiday): fixed weekdays for the clocks, while staff vetting (dated relative to
    the real date) stays current."""
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday() + 7 * weeks_back)
    while not all(
        is_business_day(monday + datetime.timedelta(days=d)) for d in range(12) if d % 7 < 5
    ):
        monday -= datetime.timedelta(days=7)
    return monday
