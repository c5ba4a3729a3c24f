"""Fixtures shared by the contracts tests (``freeze``, the platform's clock stopped, is in
tests/conftest.py): ``line`` appends a ledger line through ``contracts.ledger``."""

from decimal import Decimal

import pytest


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
