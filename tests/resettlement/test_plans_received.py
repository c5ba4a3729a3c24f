"""The "plans received" list of the home CRC or the NPS: the plans shared with the user's
provider (for NPS staff, of people in their division), newest first, late ones marked, with
who shared them and when – at a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probation import clock
from probation.models import Organisation
from resettlement import plans
from tests.probation.factories import person_of, staff
from tests.resettlement.days import clear_monday
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db

URL = reverse("resettlement:plans-received")
PART1 = dict(
    immediate_needs="",
    accommodation_need=True,
    employment_need=False,
    finance_debt_need=False,
    abuse_victim_need=False,
    sex_work_need=False,
    other_needs="",
)


def _shared(person, *, freeze=None, share_on=None):
    """Receive the person into Cardiff (CRC11 writes), and write, complete and share the
    plan (on ``share_on`` when given)."""
    cardiff = prison("CFI", lead="CRC11")
    episode = reception(person, cardiff, received_on=clock.today())
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    plans.part1_record(prison_officer(cardiff), person.crn, episode.pk, **PART1, complete=True)
    plans.part2_record(writer, person.crn, episode.pk, assessment="Needs", complete=True)
    plans.plan_complete(writer, person.crn, episode.pk, summary="Plan")
    if share_on is not None:
        freeze(share_on)
    return plans.plan_share(writer, person.crn, episode.pk)


def test_the_allocated_crc_receives_its_plans_and_others_do_not(client):
    ours = person_of("CRC20", first_name="Ours", last_name="Received")
    theirs = person_of("CRC12", first_name="Theirs", last_name="Elsewhere")
    _shared(ours)
    _shared(theirs)
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    html = client.get(URL).content.decode()
    assert "Ours Received" in html and "Theirs Elsewhere" not in html
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC21"))
    assert "No plans have been shared with you." in client.get(URL).content.decode()
    client.force_login(prison_officer(prison("CFI")))
    assert client.get(URL).status_code == 403


def test_the_nps_receives_plans_in_its_division_only(client):
    here = person_of("NPS", ldu_crc="CRC11", first_name="Division", last_name="Here")
    there = person_of("NPS", ldu_crc="CRC20", first_name="Division", last_name="There")
    assert here.ldu.division_id != there.ldu.division_id
    _shared(here)
    _shared(there)
    division = here.ldu.division
    client.force_login(staff("NPS_OFFENDER_MANAGER", division.code))
    html = client.get(URL).content.decode()
    assert "Division Here" in html and "Division There" not in html


def test_newest_first_and_late_ones_marked(client, freeze):
    monday = clear_monday()
    freeze(monday)
    early = person_of("CRC20", first_name="Early", last_name="Sharer")
    _shared(early)
    late = person_of("CRC20", first_name="Late", last_name="Sharer")
    # Completed Monday, due Tuesday, shared Wednesday.
    _shared(late, freeze=freeze, share_on=monday + datetime.timedelta(days=2))
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    html = client.get(URL).content.decode()
    assert html.index("Late Sharer") < html.index("Early Sharer")
    assert html.count("Shared late") == 1
    row = html[html.index("Late Sharer") :]
    assert row.index("Shared late") < row.index("Early Sharer")


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_plans_received_costs_the_same_queries_at_any_size(client):
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    _shared(person_of("CRC20"))
    client.get(URL)
    few = _queries(client)
    for _ in range(5):
        _shared(person_of("CRC20"))
    assert _queries(client) == few
    assert Organisation.objects.filter(code="CRC20").exists()
