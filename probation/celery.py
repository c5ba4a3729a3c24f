"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")

app = Celery("probation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The options of a task that is safe to run twice (it finds what is done before it writes):
# retried when the database connection drops. Every task is already delivered again if its
# worker dies mid-task (CELERY_TASK_ACKS_LATE and CELERY_TASK_REJECT_ON_WORKER_LOST).
IDEMPOTENT_TASK = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}
