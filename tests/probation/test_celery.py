"""A real Celery worker, started as its own process, runs a task through Redis."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from probation.tasks import HEARTBEAT_CACHE_KEY, record_heartbeat

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.xdist_group("redis")]


@pytest.fixture
def worker():
    env = dict(os.environ, DEBUG="1")
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "probation",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-n",
            name,
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    from probation.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            break
        assert process.poll() is None, process.stdout.read()
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 seconds")
    yield process
    process.terminate()
    process.wait(timeout=30)


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
