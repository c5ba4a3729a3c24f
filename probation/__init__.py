"""The probation platform: project settings, URLs, the Celery app and the core records."""

from probation.celery import app as celery_app

__all__ = ("celery_app",)
