"""Fixtures shared by the contracts tests: ``freeze`` stops the platform's clock (as in
tests/resettlement/conftest.py); ``line`` appends a ledger line through ``contracts.ledger``."""

import datetime
from decimal import Decimal

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


@pytest.fixture
def line():
    """``line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "833333.33", **fields)``:
    a ledger line posted as a run would (``contracts.ledger.post``)."""
    from contracts import ledger, periods

    def post(contract, month, kind, key, amount, **fields):
        fields.setdefault("description", f"{kind} {key}")
        return ledger.post(
            contract, periods.parse_month(month), kind, key, Decimal(amount), **fields
        )

    return post
