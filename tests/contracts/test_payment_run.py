"""The monthly payment run in-process (contracts.payments): what it writes for a month,
that it writes nothing twice, the caps, reversals and the same figures as the calculation
endpoints. The run on a real Celery worker is tests/contracts/test_payment_worker.py."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contracts import ledger, payments, rules, service_levels
from contracts.models import (
    CohortMember,
    Contract,
    EntryKind,
    LedgerEntry,
    PartStatus,
    PaymentRun,
    ProvenReoffence,
    ReoffendingImport,
    RunTrigger,
    ServiceLevelResult,
    WavStart,
)
from probation.rules import pnc_check_letter
from tests.contracts.factories import contract_of, service_level_of
from tests.probation.factories import org, person_of, sentence_of, staff

pytestmark = pytest.mark.django_db

D = Decimal


def pay(month: datetime.date, crc: str = "CRC11") -> dict:
    """Run ``month`` for one CRC in-process, as a worker would."""
    run = PaymentRun.objects.create(
        month=month, trigger=RunTrigger.COMMAND, requested_at=datetime.datetime.now(datetime.UTC)
    )
    part = run.parts.create(organisation=org(crc))
    return payments.pay_part(part.pk)


def lines(contract, **filters):
    return list(LedgerEntry.objects.filter(contract=contract, **filters).order_by("pk"))


def _pnc(serial: int) -> str:
    return f"2001/{serial:07d}{pnc_check_letter(2001, serial)}"


def cohort_person(serial, crc="CRC11", *, entered, kind="COMMUNITY_ORDER", **sentence):
    person = person_of(crc, pnc_number=_pnc(serial))
    fields = dict(sentence_date=entered, offence_date=entered - datetime.timedelta(days=30))
    if kind == "CUSTODIAL":
        fields |= dict(actual_release_date=entered, licence_start_date=entered)
        fields["sentence_date"] = entered - datetime.timedelta(days=200)
        fields["offence_date"] = entered - datetime.timedelta(days=300)
    sentence_of(person, kind, pbr_provider=org(crc), **{**fields, **sentence})
    return person


def reoffence(person, offence_date, disposal_date):
    source = ReoffendingImport.objects.first() or ReoffendingImport.objects.create(
        filename="test.csv", sha256="0" * 64, rows=0, added=0, already_held=0
    )
    return ProvenReoffence.objects.create(
        source=source,
        pnc_number=person.pnc_number,
        offence_date=offence_date,
        disposal_date=disposal_date,
        offence_code="TH68010",
    )


# --- Fee for service -------------------------------------------------------------------------


def test_twelve_instalments_pay_the_bid_exactly_and_each_month_once():
    contract = contract_of("CRC11", year=1, ffs_bid=D("1000000.07"))
    month = contract.start_date
    for _ in range(12):
        pay(month)
        pay(month)  # a second run of the month writes nothing
        month = month.replace(year=month.year + (month.month == 12), month=month.month % 12 + 1)
    instalments = lines(contract, kind=EntryKind.FFS_INSTALMENT)
    assert len(instalments) == 12
    assert sum(e.amount for e in instalments) == D("1000000.07")
    assert [e.amount for e in instalments] == rules.monthly_instalments(D("1000000.07"))
    assert instalments[0].key == "FFS:2015-02" and instalments[-1].key == "FFS:2016-01"


def test_a_second_run_of_the_month_reports_what_it_already_held():
    contract_of("CRC11", year=1)
    first = pay(datetime.date(2015, 3, 1))
    again = pay(datetime.date(2015, 3, 1))
    assert first["lines_written"] >= 1
    assert again["lines_written"] == 0 and again["already_held"] == first["lines_written"]


def test_a_month_not_yet_over_is_not_paid(freeze):
    freeze(datetime.date(2015, 3, 31))
    contract_of("CRC11", year=1)
    with pytest.raises(payments.MonthNotOver):
        payments.start_run(datetime.date(2015, 3, 1))
    freeze(datetime.date(2015, 4, 1))
    run = payments.start_run(datetime.date(2015, 3, 1))  # eager on SQLite: runs at once
    assert run.parts.count() == 21 + 7  # every CRC and NPS division


def test_no_contract_in_force_pays_no_fee_but_the_part_is_done():
    summary = pay(datetime.date(2015, 3, 1))
    assert summary["lines_written"] == 0
    assert "No contract in force this month" in summary["notes"]


def test_the_database_refuses_a_second_line_for_a_key():
    contract = contract_of("CRC11", year=1)
    pay(datetime.date(2015, 2, 1))
    line = lines(contract)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            contract=contract,
            month=line.month,
            kind=line.kind,
            key=line.key,
            correction=line.correction,
            amount=line.amount,
            description="twice",
            created_at=line.created_at,
        )


def test_the_ledger_is_append_only():
    contract = contract_of("CRC11", year=1)
    pay(datetime.date(2015, 2, 1))
    line = lines(contract)[0]
    line.amount = D("1.00")
    with pytest.raises(ValueError, match="append-only"):
        line.save()
    with pytest.raises(ValueError, match="append-only"):
        line.delete()
    if connection.vendor == "postgresql":  # the database itself refuses, not only the model
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            LedgerEntry.objects.filter(pk=line.pk).update(amount=D("1.00"))
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            LedgerEntry.objects.filter(pk=line.pk)._raw_delete(connection.alias)


def test_a_reversed_line_is_replaced_by_the_next_run_with_the_next_correction():
    contract = contract_of("CRC11", year=1)
    pay(datetime.date(2015, 2, 1))
    original = lines(contract, kind=EntryKind.FFS_INSTALMENT)[0]
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    reversal = ledger.reverse(original, reason="Bid corrected", user=noms)
    assert reversal.amount == -original.amount and reversal.reverses == original
    with pytest.raises(ledger.AlreadyReversed):
        ledger.reverse(original, reason="again", user=noms)
    with pytest.raises(ledger.AlreadyReversed):
        ledger.reverse(reversal, reason="undo", user=noms)
    pay(datetime.date(2015, 2, 1))
    replacement = LedgerEntry.objects.standing().get(contract=contract, key="FFS:2015-02")
    assert replacement.correction == 1
    total = sum(e.amount for e in lines(contract, key="FFS:2015-02"))
    assert total == original.amount  # paid once, net
    pay(datetime.date(2015, 2, 1))
    assert len(lines(contract, key="FFS:2015-02")) == 3


# --- Service credits -------------------------------------------------------------------------


def _missed(monkeypatch, codes):
    """Service levels measured as missed this month (the measures themselves are tested in
    test_service_levels.py): stored results, as record_month stores them."""

    def record_month(organisation, month, *, contract=None, run_part=None):
        results = []
        for code in codes:
            result, _ = ServiceLevelResult.objects.get_or_create(
                organisation=organisation,
                month=month,
                code=code,
                defaults=dict(
                    contract=contract,
                    numerator=7,
                    denominator=10,
                    target=D("0.90"),
                    met=False,
                    computed_at=datetime.datetime.now(datetime.UTC),
                ),
            )
            results.append(result)
        return results

    monkeypatch.setattr(service_levels, "record_month", record_month)


def test_a_missed_service_level_costs_its_share_of_the_month_fee(monkeypatch):
    contract = contract_of("CRC11", year=1, ffs_bid=D("1200000.00"))  # £100,000 a month
    service_level_of(contract, "A_LEVEL", credit_share="0.025")
    service_level_of(contract, "MET_LEVEL", credit_share="0.05")
    _missed(monkeypatch, ["A_LEVEL", "NOT_IN_CONTRACT"])
    pay(datetime.date(2015, 2, 1))
    (credit,) = lines(contract, kind=EntryKind.SERVICE_CREDIT)
    assert credit.amount == D("-2500.00") and credit.excess == 0
    assert credit.service_level_result.code == "A_LEVEL"
    assert credit.key == "CREDIT:A_LEVEL:2015-02"


def test_the_months_credits_are_capped(monkeypatch):
    contract = contract_of(
        "CRC11", year=1, ffs_bid=D("1200000.00"), monthly_credit_cap=D("0.10")
    )  # cap £10,000
    for code in ("A", "B", "C"):
        service_level_of(contract, code, credit_share="0.04")  # £4,000 each
    _missed(monkeypatch, ["A", "B", "C"])
    pay(datetime.date(2015, 2, 1))
    credits = {e.key.split(":")[1]: e for e in lines(contract, kind=EntryKind.SERVICE_CREDIT)}
    assert [credits[c].amount for c in "ABC"] == [D("-4000.00"), D("-4000.00"), D("-2000.00")]
    assert [credits[c].excess for c in "ABC"] == [0, 0, D("2000.00")]
    pay(datetime.date(2015, 2, 1))
    assert len(lines(contract, kind=EntryKind.SERVICE_CREDIT)) == 3


# --- Payment by results ----------------------------------------------------------------------

Y1_Q1 = datetime.date(2015, 2, 1)
PAYS_Y1 = datetime.date(2017, 11, 1)  # every year-1 cohort has matured (18 + 3 months' lag)


def test_cohorts_are_paid_once_they_mature_and_never_twice(settings):
    settings.PBR_DATA_LAG_MONTHS = 3
    contract = contract_of("CRC11", year=1)
    cohort_person(1, entered=Y1_Q1)
    pay(datetime.date(2017, 1, 1))  # Q1 (Feb-Apr 2015) matures in February 2017
    assert not lines(contract, kind=EntryKind.PBR_BINARY)
    pay(datetime.date(2017, 2, 1))
    assert [e.key for e in lines(contract, kind=EntryKind.PBR_BINARY)] == ["PBR_BINARY:Y1-Q1"]
    pay(PAYS_Y1)
    keys = [e.key for e in lines(contract, kind__in=(EntryKind.PBR_BINARY, "PBR_FREQUENCY"))]
    assert keys == [
        "PBR_BINARY:Y1-Q1",
        "PBR_BINARY:Y1-Q2",
        "PBR_BINARY:Y1-Q3",
        "PBR_BINARY:Y1-Q4",
        "PBR_FREQUENCY:Y1",
    ]
    pay(datetime.date(2017, 12, 1))
    assert len(lines(contract, kind__in=(EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY))) == 5


def _cohort_of_100_with_20_reoffenders():
    people = [cohort_person(i, entered=Y1_Q1 + datetime.timedelta(days=i % 80)) for i in range(100)]
    for person in people[:20]:
        entered = person.sentences.get().sentence_date
        day = datetime.timedelta(days=1)
        reoffence(person, entered + 60 * day, entered + 90 * day)
    return people


def test_a_significant_reduction_is_paid_within_the_pot_and_the_excess_recorded():
    # The pot is MAP − FFS = £10,000; 100 members, 20 reoffenders against 0.35: a
    # significant reduction worth £1,000 × (35 − 20) = £15,000.
    contract = contract_of(
        "CRC11", year=1, maximum_annual_payment=D("10010000.00"), ffs_bid=D("10000000.00")
    )
    _cohort_of_100_with_20_reoffenders()
    pay(PAYS_Y1)
    binary = LedgerEntry.objects.get(contract=contract, key="PBR_BINARY:Y1-Q1")
    expected = rules.pbr_binary(100, 20, D("0.35"), D("1000.00"), D("0.05"))
    assert expected.outcome == "REDUCTION" and expected.amount == D("15000.00")
    assert binary.amount == D("10000.00") and binary.excess == D("5000.00")
    assert binary.detail["outcome"] == "REDUCTION"
    assert binary.detail["cohort_size"] == 100 and binary.detail["reoffenders"] == 20
    # The annual cohort's frequency payment finds the pot spent: nothing paid, all recorded.
    frequency = LedgerEntry.objects.get(contract=contract, key="PBR_FREQUENCY:Y1")
    formula = rules.pbr_frequency(100, 20, 20, D("0.35"), D("3.0"), D("500.00"))
    assert formula.outcome == "REDUCTION" and formula.amount == D("20000.00")
    assert frequency.amount == 0 and frequency.excess == D("20000.00")
    # From a pound to a person: the members and the reoffences counted.
    members = CohortMember.objects.filter(entry=binary)
    assert members.count() == 100
    assert sum(m.reoffences for m in members) == 20
    assert members.filter(reoffences__gt=0).count() == 20


def test_the_run_gives_the_calculation_endpoints_figures():
    contract = contract_of("CRC11", year=1, maximum_annual_payment=D("20000000.00"))
    _cohort_of_100_with_20_reoffenders()
    pay(PAYS_Y1)
    client = APIClient()
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    answer = client.post(
        "/api/v1/calculations/pbr-binary",
        {
            "cohort_size": 100,
            "reoffenders": 20,
            "baseline_rate": "0.35",
            "price_per_reoffender": "1000.00",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    binary = LedgerEntry.objects.get(contract=contract, key="PBR_BINARY:Y1-Q1")
    assert D(answer.json()["amount"]) == binary.amount == D("15000.00")
    assert answer.json()["outcome"] == binary.detail["outcome"]
    answer = client.post(
        "/api/v1/calculations/pbr-frequency",
        {
            "cohort_size": 100,
            "reoffenders": 20,
            "reoffences": 20,
            "baseline_rate": "0.35",
            "baseline_frequency": "3.0",
            "price_per_reoffence": "500.00",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    frequency = LedgerEntry.objects.get(contract=contract, key="PBR_FREQUENCY:Y1")
    assert D(answer.json()["amount"]) == frequency.amount == D("20000.00")


def test_a_significant_increase_is_deducted_whatever_the_pot():
    contract = contract_of("CRC11", year=1, maximum_annual_payment=D("10000000.00"))  # no pot
    people = [cohort_person(i, entered=Y1_Q1) for i in range(20)]
    for person in people[:15]:
        reoffence(person, datetime.date(2015, 5, 1), datetime.date(2015, 8, 1))
    pay(PAYS_Y1)
    binary = LedgerEntry.objects.get(contract=contract, key="PBR_BINARY:Y1-Q1")
    expected = rules.pbr_binary(20, 15, D("0.35"), D("1000.00"))
    assert expected.outcome == "INCREASE"
    assert binary.amount == expected.amount == D("-8000.00") and binary.excess == 0


# --- Year-end reconciliation -----------------------------------------------------------------


def test_the_last_month_reconciles_fee_for_service_to_the_actual_wav():
    # Predicted WAV 10 ± 10 %: 12 community orders (weight 1.0) are 1 above the band's top.
    contract = contract_of(
        "CRC11", year=1, predicted_wav=D("10.00"), tolerance=D("0.10"), ffs_bid=D("100000.00")
    )
    for i in range(12):
        cohort_person(500 + i, entered=datetime.date(2015, 3, 1) + datetime.timedelta(days=i))
    cohort_person(600, entered=datetime.date(2016, 2, 1))  # next year: not counted
    pay(datetime.date(2015, 12, 1))
    assert not lines(contract, kind=EntryKind.FFS_RECONCILIATION)
    pay(datetime.date(2016, 1, 1))
    (line,) = lines(contract, kind=EntryKind.FFS_RECONCILIATION)
    expected = rules.reconcile(D("100000.00"), D("10.00"), D("12"), D("0.10"))
    assert line.amount == expected.adjustment == D("10000.00")
    assert D(line.detail["actual_wav"]) == 12
    assert WavStart.objects.filter(entry=line).count() == 12
    pay(datetime.date(2016, 1, 1))
    assert len(lines(contract, kind=EntryKind.FFS_RECONCILIATION)) == 1


def test_a_failed_part_is_marked_and_writes_nothing(monkeypatch):
    contract = contract_of("CRC11", year=1)

    def broken(*args, **kwargs):
        raise RuntimeError("measure failed")

    monkeypatch.setattr(service_levels, "record_month", broken)
    run = PaymentRun.objects.create(
        month=datetime.date(2015, 2, 1),
        trigger=RunTrigger.COMMAND,
        requested_at=datetime.datetime.now(datetime.UTC),
    )
    part = run.parts.create(organisation=org("CRC11"))
    with pytest.raises(RuntimeError):
        payments.pay_part(part.pk)
    part.refresh_from_db()
    assert part.status == PartStatus.FAILED and "measure failed" in part.error
    assert not lines(contract)  # the instalment written before the failure rolled back
    monkeypatch.undo()
    payments.pay_part(part.pk)
    part.refresh_from_db()
    assert part.status == PartStatus.DONE and part.attempts == 2
    assert len(lines(contract, kind=EntryKind.FFS_INSTALMENT)) == 1


# --- Service levels measured once per run -------------------------------------------------------


def test_the_first_part_measures_every_organisation_of_the_run_for_its_own_part():
    contract = contract_of("CRC11", year=1)
    contract_of("CRC20", year=1)
    run = PaymentRun.objects.create(
        month=datetime.date(2015, 3, 1),
        trigger=RunTrigger.COMMAND,
        requested_at=datetime.datetime.now(datetime.UTC),
    )
    parts = {code: run.parts.create(organisation=org(code)) for code in ("CRC11", "CRC20")}
    parts["NPS-WAL"] = run.parts.create(organisation=org("NPS-WAL"))
    parts["CRC01"] = run.parts.create(organisation=org("CRC01"))  # no contract in force
    payments.pay_part(parts["CRC11"].pk)
    measured = ServiceLevelResult.objects.filter(month=datetime.date(2015, 3, 1))
    assert measured.count() == 3 * len(service_levels.MEASURES)
    for code, part in parts.items():
        mine = measured.filter(organisation=org(code))
        if code == "CRC01":
            assert not mine.exists()  # as before: no contract in force, not measured
            continue
        assert set(mine.values_list("run_part", flat=True)) == {part.pk}
        expected = None if code == "NPS-WAL" else Contract.objects.get(crc=org(code), year=1).pk
        assert set(mine.values_list("contract", flat=True)) == {expected}
    assert set(measured.filter(organisation=org("CRC11")).values_list("contract", flat=True)) == {
        contract.pk
    }
    # The other parts find their results stored and measure nothing again.
    for code in ("CRC20", "NPS-WAL", "CRC01"):
        with CaptureQueriesContext(connection) as queries:
            payments.pay_part(parts[code].pk)
        assert not [
            q
            for q in queries.captured_queries
            if "servicelevel" in q["sql"].lower() and q["sql"].upper().startswith("INSERT")
        ]
    assert measured.count() == 3 * len(service_levels.MEASURES)
    assert {p.status for p in run.parts.all()} == {PartStatus.DONE}


def test_ids_reserved_in_one_query_are_distinct_and_unused():
    first = ledger.reserve_ids(ServiceLevelResult, 3)
    assert len(set(first)) == 3 and ledger.reserve_ids(ServiceLevelResult, 0) == []
    assert not ServiceLevelResult.objects.filter(pk__in=first).exists()


@pytest.mark.django_db(transaction=True)
def test_measuring_another_part_does_not_wait_for_that_parts_locks():
    """The first part writes the other organisations' results while their parts may be
    running: their locks on their organisation and part rows (FOR NO KEY UPDATE) must not
    block the KEY SHARE locks of the results' foreign keys (a deadlock otherwise: the other
    part waits on the month's lock this part holds)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and the month's lock are PostgreSQL's")
    import threading

    from django.db import connections

    contract_of("CRC11", year=1)
    contract_of("CRC20", year=1)
    run = PaymentRun.objects.create(
        month=datetime.date(2015, 3, 1),
        trigger=RunTrigger.COMMAND,
        requested_at=datetime.datetime.now(datetime.UTC),
    )
    first = run.parts.create(organisation=org("CRC11"))
    other = run.parts.create(organisation=org("CRC20"))
    holding, release = threading.Event(), threading.Event()

    def other_part_running():
        try:
            with transaction.atomic():
                from probation.models import Organisation

                Organisation.objects.select_for_update(no_key=True).get(pk=other.organisation_id)
                run.parts.select_for_update(no_key=True).get(pk=other.pk)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_part_running)
    thread.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
        payments.pay_part(first.pk)  # measures CRC20 too, and commits without waiting
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    finally:
        release.set()
        thread.join()
    assert ServiceLevelResult.objects.filter(organisation=org("CRC20"), run_part=other).count() == (
        len(service_levels.MEASURES)
    )
    payments.pay_part(other.pk)
    assert set(run.parts.values_list("status", flat=True)) == {PartStatus.DONE}
