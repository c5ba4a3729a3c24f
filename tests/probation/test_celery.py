"""A real Celery worker, started as its own process, runs a task through Redis (the
``worker`` fixture is in tests/conftest.py)."""

import pytest
from django.core.cache import cache

from probation.tasks import HEARTBEAT_CACHE_KEY, record_heartbeat

pytestmark = [pytest.mark.redis, pytest.mark.xdist_group("redis")]


def test_a_real_worker_runs_a_task_through_redis(worker):
    cache.delete(HEARTBEAT_CACHE_KEY)
    at = record_heartbeat.delay().get(timeout=30)
    assert cache.get(HEARTBEAT_CACHE_KEY) == at


def test_running_the_task_twice_is_safe(worker):
    first = record_heartbeat.delay().get(timeout=30)
    second = record_heartbeat.delay().get(timeout=30)
    assert second >= first
    assert cache.get(HEARTBEAT_CACHE_KEY) == second


@pytest.mark.django_db
def test_health_reports_database_redis_and_workers(client, worker):
    response = client.get("/health/?format=json")
    assert response.status_code == 200, response.content
    body = response.json()
    names = " ".join(body)
    assert "Database" in names and "Redis" in names and "Ping" in names
