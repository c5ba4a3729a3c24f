"""Exactly one current offender manager per person, with history (DOMAIN.md 11)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from probation import selectors, services
from probation.models import AuditEvent, OffenderManagerAssignment
from tests.probation.factories import org, person_of, recorded_person, staff, team_of

pytestmark = pytest.mark.django_db


def test_a_new_case_sits_with_the_nps_court_team_until_allocation():
    officer = staff("NPS_COURT_OFFICER", "NPS-WAL")
    person = recorded_person(officer)
    [assignment] = OffenderManagerAssignment.objects.filter(person=person)
    assert assignment.team == officer.team and assignment.offender_manager is None
    assert assignment.provider.code == "NPS" and assignment.ended_at is None


def test_changing_the_manager_ends_the_old_assignment_and_starts_the_new_one():
    officer = staff("NPS_COURT_OFFICER", "NPS-WAL")
    person = recorded_person(officer)
    nps_om = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    first = OffenderManagerAssignment.objects.get(person=person)
    new = services.offender_manager_change(
        actor=officer, crn=person.crn, team=nps_om.team, offender_manager=nps_om
    )
    first.refresh_from_db()
    assert first.ended_at == new.started_at
    assert selectors.current_assignment(person) == new
    assert OffenderManagerAssignment.objects.filter(person=person).count() == 2
    event = AuditEvent.objects.get(action="UPDATE", person_crn=person.crn)
    assert event.changes["offender_manager"][1]["offender_manager"] == nps_om.username


def test_the_same_assignment_again_changes_nothing():
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    assert OffenderManagerAssignment.objects.filter(person=person).count() == 1


@pytest.mark.parametrize(
    ("manager_org", "team_org", "field"),
    [("CRC20", "CRC20", "team"), ("NPS-WAL", "NPS-WAL", "team"), ("CRC11", "CRC11", None)],
    ids=["other-crcs-team", "nps-team-for-a-crc-case", "own-team"],
)
def test_the_team_must_belong_to_the_responsible_provider(manager_org, team_org, field):
    actor = staff("CRC_MANAGER", "CRC11")
    person = person_of("CRC11")
    manager = staff(
        "CRC_OFFENDER_MANAGER" if manager_org.startswith("CRC") else "NPS_OFFENDER_MANAGER",
        manager_org,
    )
    call = lambda: services.offender_manager_change(  # noqa: E731
        actor=actor, crn=person.crn, team=team_of(org(team_org)), offender_manager=manager
    )
    if field is None:
        assert call().offender_manager == manager
    else:
        with pytest.raises(ValidationError) as error:
            call()
        assert field in error.value.message_dict
        assert not OffenderManagerAssignment.objects.filter(person=person).exists()


def test_the_manager_must_be_a_member_of_the_team():
    actor = staff("CRC_MANAGER", "CRC11")
    person = person_of("CRC11")
    outsider = staff("CRC_OFFENDER_MANAGER", "CRC11", team=None)
    with pytest.raises(ValidationError, match="member of the team"):
        services.offender_manager_change(
            actor=actor, crn=person.crn, team=actor.team, offender_manager=outsider
        )


def test_the_database_refuses_a_second_current_assignment():
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    with pytest.raises(IntegrityError), transaction.atomic():
        OffenderManagerAssignment.objects.create(
            person=person, provider=org("CRC11"), team=om.team, started_at="2026-01-01T00:00Z"
        )


def test_the_record_page_names_the_offender_manager(client):
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    client.force_login(om)
    body = client.get(f"/people/{person.crn}/").content.decode()
    assert "Offender manager" in body and om.display_name in body and om.team.name in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_managers_changing_at_once_leave_exactly_one_current_assignment():
    import threading

    from django.db import connections

    om = staff("CRC_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    others = [staff("CRC_OFFENDER_MANAGER", "CRC11") for _ in range(4)]
    barrier = threading.Barrier(len(others))
    failures = []

    def change(manager):
        try:
            barrier.wait()
            services.offender_manager_change(
                actor=om, crn=person.crn, team=om.team, offender_manager=manager
            )
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=change, args=(m,)) for m in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assignments = OffenderManagerAssignment.objects.filter(person=person)
    assert assignments.count() == 1 + len(others)
    assert assignments.filter(ended_at__isnull=True).count() == 1


def test_the_api_and_the_list_name_the_current_offender_manager(client):
    from rest_framework.test import APIClient

    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.offender_manager_change(actor=om, crn=person.crn, team=om.team, offender_manager=om)
    api = APIClient()
    api.force_login(om)
    detail = api.get(f"/api/v1/people/{person.crn}/").json()["offender_manager"]
    assert (detail["username"], detail["team"], detail["provider"]) == (
        om.username,
        om.team.name,
        "CRC11",
    )
    listed = api.get("/api/v1/people/").json()["results"]
    assert [p["offender_manager"]["username"] for p in listed] == [om.username]
    unassigned = person_of("CRC11")
    assert api.get(f"/api/v1/people/{unassigned.crn}/").json()["offender_manager"] is None
    client.force_login(om)
    assert om.display_name in client.get("/people/").content.decode()
