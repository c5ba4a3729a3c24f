"""Celery tasks of the core. Tasks take ids, call a service and are safe to run twice."""

import datetime

from celery import group, shared_task
from django.core.cache import cache

from probation import clock
from probation.calendar import is_business_day

HEARTBEAT_CACHE_KEY = "probation:worker-heartbeat"


@shared_task(name="probation.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Record that a worker ran a task just now (the beat schedule runs it every few
    minutes; /health/ and operators read it). Idempotent: the last run wins."""
    at = clock.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, at, timeout=None)
    return at


def fan_out_per_cpa(task, today_iso: str | None = None) -> dict:
    """Start ``task(cpa_code, today_iso)`` for every Contract Package Area on ``today_iso``
    (default: today), side by side on the workers, so one failing CPA is retried alone.
    Nothing on a weekend, bank holiday or closure day: the morning jobs' next business run
    catches up. Returns the ids of the tasks started, so a caller can wait for them."""
    from probation.models import Organisation

    today = datetime.date.fromisoformat(today_iso) if today_iso else clock.today()
    if not is_business_day(today):
        return {"today": today.isoformat(), "business_day": False, "tasks": []}
    codes = list(Organisation.objects.crcs().order_by("code").values_list("code", flat=True))
    started = group(task.s(code, today.isoformat()) for code in codes).apply_async()
    return {
        "today": today.isoformat(),
        "business_day": True,
        "tasks": [result.id for result in started.results],
    }
