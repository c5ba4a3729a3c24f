"""The one place the platform reads the time. Tests freeze it by patching these functions.

Rules never call this: they take ``today`` as an argument (STYLE.md "Time comes from one
place").
"""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())
