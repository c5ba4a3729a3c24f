"""The payment run pages (issue 8 part 7): NOMS pay a month with the button (a month not
yet over is refused: arrears), see every run with its progress, and a run's progress per
CPA and NPS division, refreshing while parts are unfinished and resumable. CRC staff do not
see runs at all (404)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import (
    EntryKind,
    LedgerEntry,
    PartStatus,
    PaymentRun,
    PaymentRunPart,
    RunTrigger,
)
from probation import clock
from probation.models import Organisation
from tests.contracts.factories import contract_of
from tests.probation.factories import org, staff

pytestmark = pytest.mark.django_db

RUNS = reverse("contracts:runs")


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _summary(page: str) -> str:
    match = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def _run(month=datetime.date(2015, 3, 1), statuses=None) -> PaymentRun:
    run = PaymentRun.objects.create(
        month=month, trigger=RunTrigger.COMMAND, requested_at=timezone.now()
    )
    for code, status in (statuses or {}).items():
        PaymentRunPart.objects.create(
            run=run,
            organisation=org(code),
            status=status,
            lines_written=2 if status == PartStatus.DONE else 0,
            summary={"notes": [f"note of {code}"], "already_held": 1}
            if status == PartStatus.DONE
            else {},
            error="OperationalError: server closed the connection" if status == "FAILED" else "",
        )
    return run


@pytest.mark.parametrize("role", ["CRC_FINANCE_OFFICER", "CRC_MANAGER"])
def test_crc_staff_do_not_see_payment_runs(client, role):
    run = _run(statuses={"CRC11": PartStatus.DONE})
    client.force_login(staff(role, "CRC11"))
    assert client.get(RUNS).status_code == 404
    assert client.post(RUNS, {"month": "2015-03"}).status_code == 404
    assert client.get(reverse("contracts:run", args=[run.pk])).status_code == 404
    assert client.post(reverse("contracts:run-resume", args=[run.pk])).status_code == 404
    assert PaymentRun.objects.count() == 1
    assert "Payment runs" not in client.get(reverse("contracts:contracts")).content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("", "Enter the month to pay"),
        ("March 2015", "Enter the month as a year and month, like 2016-03"),
        ("2015-13", "Enter the month as a year and month, like 2016-03"),
    ],
    ids=["empty", "words", "month-13"],
)
def test_a_month_that_is_not_a_month_is_a_form_error(client, month, message):
    client.force_login(_noms())
    page = client.post(RUNS, {"month": month}).content.decode()
    assert message in _summary(page)
    assert not PaymentRun.objects.exists()


def test_a_month_not_yet_over_is_refused(client):
    """Paid in arrears: this month is refused; the month before is paid."""
    client.force_login(_noms())
    this_month = clock.today().replace(day=1)
    page = client.post(RUNS, {"month": f"{this_month:%Y-%m}"}).content.decode()
    assert "has not ended: months are paid in arrears" in _summary(page)
    assert not PaymentRun.objects.exists()


def test_paying_a_past_month_runs_every_part_and_shows_the_run(
    client, django_capture_on_commit_callbacks
):
    """SQLite, CELERY_TASK_ALWAYS_EAGER: the parts run as the run is committed."""
    contract = contract_of("CRC11", year=1)
    noms = _noms()
    client.force_login(noms)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUNS, {"month": "2015-03"})
    run = PaymentRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contracts:run", args=[run.pk])
    assert (run.month, run.trigger, run.requested_by) == (
        datetime.date(2015, 3, 1),
        RunTrigger.BUTTON,
        noms,
    )
    organisations = Organisation.objects.filter(kind__in=("CRC", "NPS_DIVISION"), active=True)
    assert run.parts.count() == organisations.count()
    failed = list(run.parts.exclude(status=PartStatus.DONE).values_list("error", flat=True))
    assert failed == []
    instalment = LedgerEntry.objects.get(contract=contract, kind=EntryKind.FFS_INSTALMENT)
    assert instalment.month == datetime.date(2015, 3, 1) and instalment.run_part.run == run
    page = client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in page and "Resume unfinished parts" not in page
    crc11 = re.search(r'data-organisation="CRC11" data-status="DONE">(.*?)</tr>', page, re.S)
    assert crc11 is not None
    listing = client.get(RUNS).content.decode()
    row = re.search(rf'data-run="{run.pk}">(.*?)</tr>', listing, re.S).group(1)
    assert "March 2015" in row and f"{organisations.count()} of {organisations.count()}" in row


def test_an_unfinished_run_refreshes_and_can_be_resumed(client, django_capture_on_commit_callbacks):
    contract_of("CRC11", year=1)
    run = _run(
        statuses={
            "CRC11": PartStatus.PENDING,
            "CRC20": PartStatus.DONE,
            "CRC12": PartStatus.FAILED,
        }
    )
    client.force_login(_noms())
    url = reverse("contracts:run", args=[run.pk])
    page = client.get(url).content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert "1 of 3 parts done, 2 lines written" in page
    assert "OperationalError: server closed the connection" in page
    assert "note of CRC20" in page and "1 line already held" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contracts:run-resume", args=[run.pk]))
    assert response.status_code == 302 and response.url == url
    assert set(run.parts.values_list("status", flat=True)) == {PartStatus.DONE}
    assert LedgerEntry.objects.filter(contract__crc__code="CRC11").exists()
    page = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page and "Resume unfinished parts" not in page


def test_the_run_list_costs_the_same_queries_for_one_run_or_many(client):
    client.force_login(_noms())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(RUNS).status_code == 200
        return len(captured)

    _run(statuses={"CRC11": PartStatus.DONE})
    few = queries()
    for month in range(4, 12):
        _run(datetime.date(2015, month, 1), {"CRC11": PartStatus.DONE, "CRC20": "FAILED"})
    assert queries() == few
    page = client.get(RUNS).content.decode()
    assert page.count('data-testid="run-row"') == 9 and "1 failed" in page
