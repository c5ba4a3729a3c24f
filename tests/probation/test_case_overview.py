"""The case overview (the person page): every part of the record in one page, read in a
constant number of queries whatever the size of the case, and audited as a view."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.models import AuditEvent
from tests.probation.factories import (
    contact_of,
    person_of,
    plan_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db


def _grow(person, officer, sentences: int, contacts: int):
    for _ in range(sentences):
        sentence = sentence_of(person)
        requirement_of(sentence, "UNPAID_WORK")
        requirement_of(sentence, "REHABILITATION_ACTIVITY")
    for n in range(contacts):
        contact_of(
            person,
            officer,
            starts_at=timezone.now() + datetime.timedelta(days=n - contacts // 2),
        )
    plan_of(person, officer)


def _queries(client, person) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/people/{person.crn}/")
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_overview_shows_every_part_of_the_record(client):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    _grow(person, officer, sentences=1, contacts=4)
    client.force_login(officer)
    _, page = _queries(client, person)
    for heading in ("Sentences", "Plan", "Contacts", "Transfers between areas", "Personal details"):
        assert heading in page, heading
    assert "Community Order" in page and "Unpaid work" in page
    assert "Medium" in page  # RoSH from the plan
    assert AuditEvent.objects.filter(action="VIEW", object_id=str(person.pk)).exists()


def test_overview_reads_in_constant_queries(client):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    small, large = person_of("CRC11"), person_of("CRC11")
    _grow(small, officer, sentences=1, contacts=2)
    _grow(large, officer, sentences=6, contacts=40)
    client.force_login(officer)
    _queries(client, small)  # warm caches (content types, sessions)
    few, _ = _queries(client, small)
    many, _ = _queries(client, large)
    assert many == few, f"{few} queries for a small case, {many} for a large one"
