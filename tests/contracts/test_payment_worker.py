"""The monthly payment run on PostgreSQL with a real Celery worker over the demo data: a
run and the same run again give the same ledger and no new lines; a worker killed
(SIGKILL) in the middle of a run, then the run resumed, gives the ledger of an
uninterrupted run."""

import datetime
import signal
import time

import pytest
from django.db import connection

from contracts import payments, periods
from contracts.models import PartStatus, RunTrigger
from probation import demo
from tests.conftest import own_queue, start_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.xdist_group("redis"),
]

TODAY = datetime.date.today()
MONTH = periods.add_months(periods.first_of_month(TODAY), -1)

LEDGER = """
    SELECT c.year, o.code, e.month, e.kind, e.key, e.correction, e.amount, e.excess,
           e.payer, e.description, e.detail::text,
           (SELECT count(*) FROM contracts_wavstart w WHERE w.entry_id = e.id),
           (SELECT count(*) FROM contracts_cohortmember m WHERE m.entry_id = e.id),
           (SELECT coalesce(sum(m.reoffences), 0) FROM contracts_cohortmember m
             WHERE m.entry_id = e.id),
           (SELECT count(*) FROM contracts_invoiceddelivery d WHERE d.entry_id = e.id),
           (SELECT count(*) FROM contracts_chargedorder s WHERE s.entry_id = e.id),
           (SELECT count(*) FROM contracts_servicelevelcase k
             WHERE k.result_id = e.service_level_result_id)
      FROM contracts_ledgerentry e
      JOIN contracts_contract c ON c.id = e.contract_id
      JOIN probation_organisation o ON o.id = c.crc_id
     ORDER BY o.code, c.year, e.key, e.correction
"""
RESULTS = """
    SELECT o.code, r.month, r.code, r.numerator, r.denominator, r.met,
           (SELECT count(*) FROM contracts_servicelevelcase k WHERE k.result_id = r.id)
      FROM contracts_servicelevelresult r JOIN probation_organisation o ON o.id = r.organisation_id
     ORDER BY o.code, r.code
"""


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute(LEDGER)
        ledger_rows = cursor.fetchall()
        cursor.execute(RESULTS)
        return ledger_rows, cursor.fetchall()


def wait_for(run, timeout=240):
    deadline = time.monotonic() + timeout
    while run.parts.exclude(status=PartStatus.DONE).exists():
        assert not run.parts.filter(status=PartStatus.FAILED).exists(), list(
            run.parts.filter(status=PartStatus.FAILED).values_list("error", flat=True)
        )
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.2)


@pytest.fixture
def demo_data():
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database on PostgreSQL only")
    demo.seed(offenders=600, seed=8, today=TODAY)


def test_a_run_and_the_same_run_again_give_the_same_ledger(demo_data, worker):
    first = payments.start_run(MONTH, trigger=RunTrigger.COMMAND)
    wait_for(first)
    ledger_rows, results = snapshot()
    assert ledger_rows, "the demo month paid nothing"
    kinds = {row[3] for row in ledger_rows}
    assert {"FFS_INSTALMENT", "FEE_FOR_USE"} <= kinds
    assert len({row[1] for row in ledger_rows}) == 21  # every CRC was paid
    again = payments.start_run(MONTH, trigger=RunTrigger.COMMAND)
    wait_for(again)
    assert snapshot() == (ledger_rows, results)
    assert sum(again.parts.values_list("lines_written", flat=True)) == 0


@pytest.fixture
def queue():
    with own_queue() as name:
        yield name


def test_a_worker_killed_mid_run_leaves_after_resuming_the_ledger_of_a_run_not_killed(
    demo_data, queue
):
    process = start_worker(queue)
    try:
        run = payments.start_run(MONTH, trigger=RunTrigger.COMMAND)
        deadline = time.monotonic() + 120
        while not run.parts.filter(status=PartStatus.DONE).exists():
            assert time.monotonic() < deadline, "no part finished"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    unfinished = run.parts.exclude(status=PartStatus.DONE).count()
    assert unfinished > 0, "the worker finished before it was killed: nothing was tested"

    process = start_worker(queue)
    try:
        payments.dispatch(run)  # resume: the parts not done start again
        wait_for(run)
        resumed = snapshot()
        assert max(run.parts.values_list("attempts", flat=True)) >= 1

        # The same month on the same facts, uninterrupted, from an empty ledger.
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE contracts_countedreoffence, contracts_cohortmember, "
                "contracts_wavstart, contracts_invoiceddelivery, contracts_chargedorder, "
                "contracts_ledgerentry, contracts_servicelevelcase, "
                "contracts_servicelevelresult CASCADE"
            )
        clean = payments.start_run(MONTH, trigger=RunTrigger.COMMAND)
        wait_for(clean)
        assert snapshot() == resumed
    finally:
        process.terminate()
        process.wait(timeout=30)
