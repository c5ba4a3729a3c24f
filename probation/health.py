"""/health/: the database, the cache (Redis when configured) and the Celery workers."""

import datetime

from django.conf import settings
from health_check.views import HealthCheckView


class HealthView(HealthCheckView):
    def get_checks(self):
        from health_check.checks import Cache, Database

        checks = [Database(), Cache()]
        if settings.REDIS_URL:
            from health_check.contrib.celery import Ping
            from health_check.contrib.redis import Redis
            from redis.asyncio import Redis as RedisClient

            checks.append(Redis(client_factory=lambda: RedisClient.from_url(settings.REDIS_URL)))
            # One worker's answer is enough: without a limit the ping waits out its whole
            # timeout and, with the queue inspection after it, could overrun the check's.
            checks.append(Ping(timeout=datetime.timedelta(seconds=2), limit=1))
        return checks
