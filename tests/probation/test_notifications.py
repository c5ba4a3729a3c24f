"""Notifications are addressed (organisation, team, role) and scoped by the person they are
about; notifying is idempotent on the key; one page lists them at a constant query cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probation import notifications
from probation.models import Notification, Team
from tests.probation.factories import org, person_of, staff, team_of

pytestmark = pytest.mark.django_db


def _notify(key="k1", **fields):
    defaults = {
        "kind": "ALLOCATION_RECEIVED",
        "organisation": org("CRC11"),
        "title": "A case for you",
    }
    return notifications.notify(key=key, **{**defaults, **fields})


def test_notifying_twice_with_one_key_makes_one_notification():
    assert _notify() is not None
    assert _notify() is None
    assert Notification.objects.filter(key="k1").count() == 1


def test_addressed_to_a_team_its_members_and_the_crc_manager_see_it():
    team = team_of(org("CRC11"))
    other_team = Team.objects.create(
        organisation=org("CRC11"), ldu=team.ldu, name="Another team of CRC11"
    )
    _notify(team=team)
    member = staff("CRC_OFFENDER_MANAGER", "CRC11")
    outsider = staff("CRC_OFFENDER_MANAGER", "CRC11", team=other_team)
    manager = staff("CRC_MANAGER", "CRC11", team=other_team)
    assert notifications.notifications_for(member).count() == 1
    assert notifications.notifications_for(manager).count() == 1
    assert notifications.notifications_for(outsider).count() == 0
    assert notifications.notifications_for(staff("CRC_OFFENDER_MANAGER", "CRC20")).count() == 0


def test_addressed_to_a_role_only_its_holders_see_it():
    _notify(organisation=org("NPS-WAL"), role="NPS_ALLOCATION_MANAGER")
    assert notifications.unread_count(staff("NPS_ALLOCATION_MANAGER", "NPS-WAL")) == 1
    assert notifications.unread_count(staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")) == 0
    assert notifications.unread_count(staff("NPS_ALLOCATION_MANAGER", "NPS-LON")) == 0


def test_a_notification_about_a_person_out_of_scope_is_not_shown():
    person = person_of("CRC20")
    _notify(person=person)  # addressed to CRC11, about a person CRC20 manages
    assert notifications.notifications_for(staff("CRC_MANAGER", "CRC11")).count() == 0
    person.responsible_provider = org("CRC11")
    person.save()
    assert notifications.notifications_for(staff("CRC_MANAGER", "CRC11")).count() == 1


def test_the_page_lists_and_marks_read(client):
    manager = staff("CRC_MANAGER", "CRC11")
    note = _notify(url="/caseload/")
    client.force_login(manager)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert b"A case for you" in page.content and b"New" in page.content
    response = client.post(f"/notifications/{note.pk}/read/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None and note.read_by == manager
    assert notifications.unread_count(manager) == 0


def test_someone_else_s_notification_answers_404(client):
    note = _notify()
    client.force_login(staff("CRC_MANAGER", "CRC20"))
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_page_costs_the_same_queries_for_1_or_20_notifications(client):
    manager = staff("CRC_MANAGER", "CRC11")
    client.force_login(manager)
    _notify(key="first", person=person_of("CRC11"), team=team_of(org("CRC11")))
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as one:
        client.get("/notifications/")
    for n in range(19):
        _notify(key=f"more{n}", person=person_of("CRC11"), team=team_of(org("CRC11")))
    with CaptureQueriesContext(connection) as twenty:
        response = client.get("/notifications/")
    assert response.content.count(b"Mark as read<") == 20
    assert len(twenty) == len(one)
