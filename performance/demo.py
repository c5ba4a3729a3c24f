"""The demo's performance facts (``performance.demo``, run by ``probation.demo.seed`` after
the other apps' demo data): the facts job run over the demo data's recent months, so the
dashboards have figures (and two years of trends) before the first nightly run. Only the
latest ``DEMO_MONTHS`` are computed here – the job over every month from
FACTS_FIRST_MONTH takes about a minute on the demo data; the first nightly run (or
``manage.py refresh_facts``) computes the older months, which hold few demo cases. Seeding
again computes only the months due among them."""

import datetime

from contracts import periods
from performance import facts

DEMO_MONTHS = 24


def seed(*, today: datetime.date, months: int = DEMO_MONTHS) -> dict:
    """Compute the facts of the months due among the latest ``months``. Returns the job's
    summary (months, facts, changed)."""
    since = periods.add_months(periods.first_of_month(today), 1 - months)
    due = [month for month in facts.months_to_refresh(today) if month >= since]
    summary = facts.refresh(due)
    return {key: value for key, value in summary.items() if key != "per_month"}
