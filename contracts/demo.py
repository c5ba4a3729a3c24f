"""The demo's contracts (``contracts.demo``, run by ``probation.demo.seed``): a contract for
every CRC for the contract years from three years ago to the current one, with service
levels for every measure, a rate card, a few fee-for-use orders delivered in recent months,
and a file of proven reoffences for some of the people with a PNC number. Nothing is paid:
the monthly run (``manage.py run_payments YYYY-MM`` or the runs page) does that."""

import datetime
import hashlib
import random
from decimal import Decimal

from contracts import periods
from contracts.models import (
    Contract,
    Delivery,
    ProvenReoffence,
    PurchaserKind,
    RateCardItem,
    RateCardOrder,
    ReoffendingImport,
    ServiceLevel,
)
from probation.models import Organisation, Person, Sentence
from probation.models.organisations import NPS_CODE

WEIGHTS = {
    "COMMUNITY_ORDER": "1.0",
    "SUSPENDED_SENTENCE_ORDER": "1.1",
    "LICENCE": "1.4",
    "PSS": "0.6",
    "RESETTLEMENT_PLAN": "0.3",
}
BANDS = [
    {"max_hours": 100, "weight": "0.3"},
    {"max_hours": 200, "weight": "0.6"},
    {"max_hours": None, "weight": "0.9"},
]
RATE_CARD = (
    ("programme", "Accredited programme place", "session", "145.00", False),
    ("upw-placement", "Unpaid work placement", "hour", "11.50", False),
    ("attendance-centre", "Senior Attendance Centre", "hour", "24.00", True),
)
YEARS_BACK = 3
REOFFENDING_SHARE = 0.3


def _service_level_codes() -> list[str]:
    from contracts.service_levels import MEASURES

    return sorted(MEASURES)


def seed_contracts(users: dict, *, seed: int, today: datetime.date) -> int:
    """Contracts, rate-card orders and reoffending data for the demo. Returns the number
    of contracts made. Seeding again (``seed_demo --append``) adds only what is missing:
    contracts not yet made, orders not yet placed, reoffences of people who have none."""
    rng = random.Random(seed + 8)
    current = periods.contract_year_of(today)
    codes = _service_level_codes()
    contracts = []
    for crc in Organisation.objects.crcs():
        size = Decimal(rng.randint(40, 160)) * 100  # predicted WAV
        held = set(Contract.objects.filter(crc=crc).values_list("year", flat=True))
        for year in range(max(1, current - YEARS_BACK), current + 1):
            if year in held:
                continue
            start, end = periods.contract_year_dates(year)
            ffs = size * Decimal("2100.00")
            contract = Contract.objects.create(
                crc=crc,
                year=year,
                start_date=start,
                end_date=end,
                maximum_annual_payment=(ffs * Decimal("1.10")).quantize(Decimal("0.01")),
                ffs_bid=ffs,
                predicted_wav=size,
                tolerance=Decimal("0.05"),
                wav_weights=WEIGHTS,
                upw_bands=BANDS,
                binary_baseline_q1=Decimal("0.345"),
                binary_baseline_q2=Decimal("0.350"),
                binary_baseline_q3=Decimal("0.340"),
                binary_baseline_q4=Decimal("0.355"),
                annual_binary_baseline=Decimal("0.347"),
                frequency_baseline=Decimal("3.05"),
                price_per_reoffender=Decimal("1200.00"),
                price_per_reoffence=Decimal("450.00"),
                monthly_credit_cap=Decimal("0.10"),
                updated_by=users.get("noms.contracts"),
            )
            ServiceLevel.objects.bulk_create(
                ServiceLevel(
                    contract=contract,
                    code=code,
                    target=Decimal("0.80"),
                    credit_share=Decimal("0.01"),
                )
                for code in codes
            )
            RateCardItem.objects.bulk_create(
                RateCardItem(
                    contract=contract,
                    service=service,
                    name=name,
                    unit=unit,
                    price=Decimal(price),
                    attendance_centre=attendance,
                )
                for service, name, unit, price, attendance in RATE_CARD
            )
            contracts.append(contract)
    _seed_orders(users, today=today, rng=rng)
    _seed_reoffending(users, today=today, rng=rng)
    return len(contracts)


def _seed_orders(users, *, today, rng):
    """The NPS buys programme places from CRC11 and CRC20 each month of the last three."""
    officer = users.get("noms.contracts")
    nps = Organisation.objects.get(code=NPS_CODE)
    this_month = periods.first_of_month(today)
    for code in ("CRC11", "CRC20"):
        for back in (1, 2, 3):
            month = periods.add_months(this_month, -back)
            contract = Contract.objects.filter(
                crc__code=code, start_date__lte=month, end_date__gte=month
            ).first()
            reference = f"NPS-{code}-{month:%Y%m}"
            if contract is None or RateCardOrder.objects.filter(reference=reference).exists():
                continue
            item = contract.rate_card.get(service="programme")
            order = RateCardOrder.objects.create(
                item=item,
                purchaser_kind=PurchaserKind.NPS,
                purchaser=nps,
                reference=reference,
                ordered_on=month,
                quantity=Decimal(rng.randint(4, 12)),
                ordered_by=officer,
            )
            Delivery.objects.create(
                order=order,
                delivered_on=month + datetime.timedelta(days=rng.randint(3, 25)),
                quantity=order.quantity,
                recorded_by=officer,
            )


def _seed_reoffending(users, *, today, rng):
    """Proven reoffences for some people with a PNC number and a sentence, committed after
    their sentence and proven some weeks later – all before today."""
    rows = []
    people = (
        Person.objects.filter(pnc_number__isnull=False)
        .exclude(pnc_number__in=ProvenReoffence.objects.values("pnc_number"))
        .order_by("pk")
        .values_list("pnc_number", "pk")
    )
    first_dates = dict(
        Sentence.objects.filter(person__pnc_number__isnull=False)
        .order_by("person_id", "-sentence_date")  # the earliest wins
        .values_list("person_id", "sentence_date")
    )
    for pnc, person_id in people:
        start = first_dates.get(person_id)
        if start is None or rng.random() > REOFFENDING_SHARE:
            continue
        for _ in range(rng.choice((1, 1, 2, 3, 5))):
            offence = start + datetime.timedelta(days=rng.randint(1, 500))
            disposal = offence + datetime.timedelta(days=rng.randint(20, 240))
            if disposal < today:
                rows.append((pnc, offence, disposal, rng.choice(("TH68010", "AW12001", "CD71040"))))
    rows = sorted(set(rows))
    if not rows:
        return
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    source = ReoffendingImport.objects.create(
        filename="demo-proven-reoffences.csv",
        sha256=digest,
        imported_by=users.get("noms.contracts"),
        rows=len(rows),
        added=len(rows),
        already_held=0,
    )
    ProvenReoffence.objects.bulk_create(
        ProvenReoffence(
            source=source,
            pnc_number=pnc,
            offence_date=offence,
            disposal_date=disposal,
            offence_code=code,
        )
        for pnc, offence, disposal, code in rows
    )
