"""Contracts for tests: ``contract_of("CRC11", year=1)`` with round, documented figures."""

import datetime
from decimal import Decimal

from contracts import periods
from contracts.models import Contract, RateCardItem, ServiceLevel
from tests.probation.factories import org

WEIGHTS = {
    "COMMUNITY_ORDER": "1.0",
    "SUSPENDED_SENTENCE_ORDER": "1.2",
    "LICENCE": "1.5",
    "PSS": "0.5",
    "RESETTLEMENT_PLAN": "0.3",
}
BANDS = [
    {"max_hours": 100, "weight": "0.4"},
    {"max_hours": 200, "weight": "0.8"},
    {"max_hours": None, "weight": "1.2"},
]


def contract_of(crc: str = "CRC11", year: int = 1, **fields) -> Contract:
    """A contract year with MAP £12m, FFS bid £10m on a predicted WAV of 5,000 (unit price
    £2,000), tolerance 5 %, baselines 0.35 (binary) and 3.0 (frequency)."""
    start, end = periods.contract_year_dates(year, datetime.date(2015, 2, 1))
    defaults = dict(
        crc=org(crc),
        year=year,
        start_date=start,
        end_date=end,
        maximum_annual_payment=Decimal("12000000.00"),
        ffs_bid=Decimal("10000000.00"),
        predicted_wav=Decimal("5000.00"),
        tolerance=Decimal("0.05"),
        wav_weights=WEIGHTS,
        upw_bands=BANDS,
        binary_baseline_q1=Decimal("0.35"),
        binary_baseline_q2=Decimal("0.35"),
        binary_baseline_q3=Decimal("0.35"),
        binary_baseline_q4=Decimal("0.35"),
        annual_binary_baseline=Decimal("0.35"),
        frequency_baseline=Decimal("3.0"),
        price_per_reoffender=Decimal("1000.00"),
        price_per_reoffence=Decimal("500.00"),
        significance_level=Decimal("0.05"),
        monthly_credit_cap=Decimal("0.10"),
    )
    return Contract.objects.create(**{**defaults, **fields})


def service_level_of(contract, code: str, target="0.90", credit_share="0.02") -> ServiceLevel:
    return ServiceLevel.objects.create(
        contract=contract, code=code, target=Decimal(target), credit_share=Decimal(credit_share)
    )


def rate_card_item_of(contract, service="programme", price="150.00", **fields) -> RateCardItem:
    defaults = dict(name="Accredited programme place", unit="session", price=Decimal(price))
    return RateCardItem.objects.create(contract=contract, service=service, **{**defaults, **fields})
