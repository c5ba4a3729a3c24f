"""Celery tasks of the core. Tasks take ids, call a service and are safe to run twice."""

from celery import shared_task
from django.core.cache import cache

from probation import clock

HEARTBEAT_CACHE_KEY = "probation:worker-heartbeat"


@shared_task(name="probation.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Record that a worker ran a task just now (the beat schedule runs it every few
    minutes; /health/ and operators read it). Idempotent: the last run wins."""
    at = clock.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, at, timeout=None)
    return at
