"""The demo's contracts (contracts.demo, run by probation.demo.seed)."""

import datetime

import pytest

from contracts import demo as contracts_demo
from contracts import periods, service_levels
from contracts.models import Contract, ProvenReoffence, RateCardOrder, ServiceLevel
from probation import demo
from probation.models import User

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def test_every_crc_has_its_recent_contracts_with_every_service_level_and_seeding_again_adds_none():
    demo.seed(offenders=80, seed=4, today=TODAY)
    current = periods.contract_year_of(TODAY)
    years = set(range(current - 3, current + 1))
    assert Contract.objects.count() == 21 * len(years)
    assert set(Contract.objects.values_list("year", flat=True)) == years
    assert ServiceLevel.objects.count() == Contract.objects.count() * len(service_levels.MEASURES)
    in_force = Contract.objects.filter(start_date__lte=TODAY, end_date__gte=TODAY)
    assert in_force.count() == 21
    assert RateCardOrder.objects.filter(deliveries__isnull=False).exists()
    assert ProvenReoffence.objects.exists()
    orders, reoffences = RateCardOrder.objects.count(), ProvenReoffence.objects.count()
    users = {u.username: u for u in User.objects.all()}
    assert contracts_demo.seed_contracts(users, seed=5, today=TODAY) == 0  # seed_demo --append
    assert Contract.objects.count() == 21 * len(years)
    assert RateCardOrder.objects.count() == orders
    assert ProvenReoffence.objects.count() >= reoffences
