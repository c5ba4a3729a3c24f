"""Money (performance.definitions_money): what NOMS paid a CRC under its contract year to
date against the MAP, and the month's service credits against its instalment, in pennies,
from hand-made ledger lines – corrections, other payers, other contract years and the
months either side."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import LedgerEntry
from performance.measures import MEASURES
from tests.contracts.factories import contract_of
from tests.probation.factories import org

D = datetime.date
pytestmark = pytest.mark.django_db


def line(contract, month, kind, amount, *, key=None, payer="NOMS", reverses=None, correction=0):
    return LedgerEntry.objects.create(
        contract=contract,
        month=month,
        kind=kind,
        key=key or f"{kind}:{month:%Y-%m}:{LedgerEntry.objects.count()}",
        amount=Decimal(amount),
        payer=payer,
        payer_name="" if payer == "NOMS" else "Purchaser",
        description="Test line",
        reverses=reverses,
        correction=correction,
        reason="Corrected" if reverses else "",
        created_at=timezone.now(),
    )


def figures(code, month):
    first = month
    after = (month + datetime.timedelta(days=32)).replace(day=1)
    return {organisation: rest for organisation, *rest in MEASURES[code].figures(first, after)}


@pytest.fixture
def ledger():
    """CRC11's year 2 (February 2016 to January 2017, MAP £12m) with lines in February,
    March and April, and its year 1's last month; CRC20's year 2 with no lines."""
    year1, year2 = contract_of("CRC11", year=1), contract_of("CRC11", year=2)
    contract_of("CRC20", year=2)
    line(year1, D(2016, 1, 1), "FFS_INSTALMENT", "833333.33")
    line(year2, D(2016, 2, 1), "FFS_INSTALMENT", "833333.33")
    line(year2, D(2016, 2, 1), "SERVICE_CREDIT", "-16666.67")
    line(year2, D(2016, 3, 1), "FFS_INSTALMENT", "833333.33")
    line(year2, D(2016, 3, 1), "SERVICE_CREDIT", "-10000.00")
    wrong = line(year2, D(2016, 3, 1), "SERVICE_CREDIT", "-5000.00", key="CREDIT:X")
    line(year2, D(2016, 3, 1), "SERVICE_CREDIT", "5000.00", key="CREDIT:X", reverses=wrong)
    line(year2, D(2016, 3, 1), "SERVICE_CREDIT", "-2500.00", key="CREDIT:X", correction=1)
    line(year2, D(2016, 3, 1), "PBR_BINARY", "1000.00")
    line(year2, D(2016, 3, 1), "FEE_FOR_USE", "750.00", payer="NPS")
    line(year2, D(2016, 3, 1), "ATTENDANCE_CENTRE", "300.00", payer="MOJ")
    line(year2, D(2016, 4, 1), "FFS_INSTALMENT", "833333.33")
    return year2


def test_payments_to_date_are_noms_lines_of_the_contract_year_up_to_the_month(ledger):
    crc11, crc20 = org("CRC11").pk, org("CRC20").pk
    map_pennies = 1_200_000_000
    assert figures("PAYMENTS_TO_DATE", D(2016, 2, 1)) == {
        crc11: ["", 83333333 - 1666667, map_pennies],
        crc20: ["", 0, map_pennies],
    }
    february = 83333333 - 1666667
    march = 83333333 - 1000000 - 250000 + 100000
    assert figures("PAYMENTS_TO_DATE", D(2016, 3, 1))[crc11] == ["", february + march, map_pennies]
    # January is year 1's last month: year 2's lines do not count.
    assert figures("PAYMENTS_TO_DATE", D(2016, 1, 1))[crc11] == ["", 83333333, map_pennies]
    assert crc20 not in figures("PAYMENTS_TO_DATE", D(2016, 1, 1))


def test_service_credits_of_the_months_instalment_once_the_month_is_paid(ledger):
    crc11 = org("CRC11").pk
    assert figures("SERVICE_CREDITS", D(2016, 3, 1)) == {crc11: ["", 1250000, 83333333]}
    assert figures("SERVICE_CREDITS", D(2016, 2, 1)) == {crc11: ["", 1666667, 83333333]}
    assert figures("SERVICE_CREDITS", D(2016, 4, 1)) == {crc11: ["", 0, 83333333]}
    # Not paid yet: no figure.
    assert figures("SERVICE_CREDITS", D(2016, 5, 1)) == {}


def test_money_figures_take_one_query_whatever_the_number_of_contracts(ledger):
    codes = ("PAYMENTS_TO_DATE", "SERVICE_CREDITS")
    few = {}
    for code in codes:
        with CaptureQueriesContext(connection) as queries:
            figures(code, D(2016, 3, 1))
        few[code] = len(queries)
    for crc in ("CRC01", "CRC02", "CRC03"):
        line(contract_of(crc, year=2), D(2016, 3, 1), "FFS_INSTALMENT", "1000.00")
    for code in codes:
        with CaptureQueriesContext(connection) as queries:
            found = figures(code, D(2016, 3, 1))
        assert few[code] == len(queries) == 1
        assert org("CRC03").pk in found
