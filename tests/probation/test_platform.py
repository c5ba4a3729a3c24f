"""Settings from the environment, the embedded default, the deploy check, deployment files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# The child processes get a clean environment: no services, and not the browser tests'
# DJANGO_ALLOW_ASYNC_UNSAFE (which the deploy check rightly refuses).
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")


def _django(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "probation.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_default_is_sqlite_with_tasks_in_process():
    result = _django(
        "from django.conf import settings as s; import json; print(json.dumps("
        "[s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL]))",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [
        "django.db.backends.sqlite3",
        True,
        "memory://",
    ]


def test_postgres_and_redis_come_from_the_environment():
    result = _django(
        "from django.conf import settings as s; import json; print(json.dumps("
        "[s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND']]))",
        DEBUG="1",
        DATABASE_URL="postgres://u@db.example:5432/p",
        REDIS_URL="redis://cache.example:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [
        "django.db.backends.postgresql",
        False,
        "redis://cache.example:6379/0",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _django("print('started')", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2#Lm9$Vt4!Zr8&Nw" * 3,
        ALLOWED_HOSTS="probation.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docker_compose_describes_the_deployment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]


def test_celery_is_configured_for_safe_redelivery():
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert "worker-heartbeat" in settings.CELERY_BEAT_SCHEDULE


def test_no_model_change_is_missing_a_migration(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
