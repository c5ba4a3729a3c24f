"""The NPS allocation queue: sentences awaiting allocation in the officer's division, soonest
due first, with business days left and overdue cases marked; constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation import selectors, services
from probation.models import Management
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff, team_of

pytestmark = pytest.mark.django_db
D = datetime.date


def pending(crc="CRC11", **sentence_fields):
    person = person_of("NPS", ldu_crc=crc)
    if "sentence_date" in sentence_fields:
        sentence_fields.setdefault(
            "offence_date", sentence_fields["sentence_date"] - datetime.timedelta(days=30)
        )
    sentence = sentence_of(person, **sentence_fields)
    requirement_of(sentence, "UNPAID_WORK")
    return sentence


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def test_queue_lists_the_divisions_unallocated_managed_sentences_soonest_first(officer):
    later = pending(sentence_date=D(2026, 11, 20))
    sooner = pending(sentence_date=D(2026, 11, 18))
    london = pending("CRC20")
    em_only = pending(management=Management.EM_ONLY)
    done = pending()
    services.allocation_confirm(
        actor=officer,
        crn=done.person.crn,
        number=done.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    queue = list(selectors.awaiting_allocation(user=officer))
    assert queue[:2] == [sooner, later]
    assert london not in queue and em_only not in queue and done not in queue


@pytest.mark.parametrize(
    ("sentenced", "today", "left", "overdue_by"),
    [
        (D(2026, 12, 24), D(2026, 12, 24), 1, 0),
        (D(2026, 12, 24), D(2026, 12, 29), 0, 0),  # due today, across Christmas
        (D(2026, 12, 24), D(2026, 12, 30), 0, 1),
        (D(2026, 4, 2), D(2026, 4, 7), 0, 0),  # across Easter
        (D(2026, 4, 2), D(2026, 4, 9), 0, 2),
    ],
)
def test_the_clock(sentenced, today, left, overdue_by):
    sentence = pending(sentence_date=sentenced)
    clock = selectors.allocation_clock(sentence, today=today)
    assert (clock.business_days_left, clock.overdue_by, clock.overdue) == (
        left,
        overdue_by,
        overdue_by > 0,
    )


def test_queue_page_filters_and_uses_constant_queries(client, officer):
    client.force_login(officer)
    for _ in range(2):
        pending()
    client.get("/allocation/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/allocation/").status_code == 200
    for _ in range(20):
        pending()
    with CaptureQueriesContext(connection) as many:
        page = client.get("/allocation/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert page.content.decode().count("/sentences/") >= 22
    other_ldu = client.get("/allocation/", {"ldu": "LDU9999"}).content.decode()
    assert "No cases are awaiting allocation" in other_ldu


def test_crc_staff_see_no_unallocated_cases():
    pending()
    crc = staff("CRC_MANAGER", "CRC11")
    assert not selectors.awaiting_allocation(user=crc).exists()
