import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Service and browser tests skip on a bare machine, but CI requires them to run."""
    for item in items:
        if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
            if os.environ.get("REQUIRE_SERVICE_TESTS"):
                raise pytest.UsageError("REDIS_URL must be set: CI runs the Redis tests")
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (a real Redis)"))


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(day_or_instant)``: the platform's clock stands still there (09:00 local on a
    date)."""

    import datetime

    from django.utils import timezone

    from probation import clock

    def freeze_at(when):
        if isinstance(when, datetime.datetime):
            instant = when
        else:
            instant = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9)))
        monkeypatch.setattr(clock, "now", lambda: instant)
        return instant

    return freeze_at


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _database_url_of(connection) -> str | None:
    """The URL of the database this test process uses (the test database, once set up),
    so a worker process started by a test reads and writes the same rows. PostgreSQL only:
    SQLite's test database lives in this process's memory."""
    if connection.vendor != "postgresql":
        return None
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def start_worker(queue: str):
    """Start a real Celery worker process on this test's database (see ``worker``),
    consuming only ``queue``, and wait until it answers a ping. The caller stops it."""
    from django.db import connection

    env = dict(os.environ, DEBUG="1", CELERY_TASK_DEFAULT_QUEUE=queue)
    database_url = _database_url_of(connection)
    if database_url:
        env["DATABASE_URL"] = database_url
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
            "--queues",
            queue,
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
        if app.control.ping(destination=[name.replace("%h", _hostname())], timeout=1.0):
            break
        assert process.poll() is None, process.stdout.read()
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 seconds")
    return process


def _hostname() -> str:
    import socket

    return socket.gethostname()


@pytest.fixture
def worker():
    """A real Celery worker in its own process, consuming from the Redis broker, on this
    test's database (when it is PostgreSQL; a test whose tasks touch the database must
    commit its rows: ``django_db(transaction=True)``). Tests using it are marked
    ``redis`` and ``xdist_group("redis")``."""
    with own_queue() as queue:
        process = start_worker(queue)
        yield process
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@contextlib.contextmanager
def own_queue():
    """A broker queue of this test's own: the tasks it sends go there, and only its worker
    (started with ``start_worker(queue)``) consumes them – never a worker another test
    process started on another test database."""
    from probation.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = before


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_the_test_runs_a_worker(request):
    """Only tests marked ``redis`` send tasks to the broker, each to its own queue; every
    other test runs the tasks it starts in-process, as the embedded default does."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    from probation.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
