import datetime

import pytest
from django.utils import timezone

from probation import clock


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(day_or_instant)``: the platform's clock stands still there (09:00 local on a
    date)."""

    def freeze_at(when):
        if isinstance(when, datetime.datetime):
            instant = when
        else:
            instant = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9)))
        monkeypatch.setattr(clock, "now", lambda: instant)
        return instant

    return freeze_at
