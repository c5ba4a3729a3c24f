"""DOMAIN.md 11: every view and change of case data is audited, append-only."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from rest_framework.test import APIClient

from probation import services
from probation.models import AuditEvent
from probation.models.audit import AppendOnlyError
from tests.probation.factories import person_of, recorded_person, staff

pytestmark = pytest.mark.django_db


def test_viewing_a_record_on_the_page_writes_an_audit_row(client):
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    client.force_login(user)
    assert client.get(f"/people/{person.crn}/").status_code == 200
    event = AuditEvent.objects.get(action="VIEW")
    assert (event.actor, event.actor_organisation.code, event.person_crn, event.via) == (
        user,
        "CRC11",
        person.crn,
        "web",
    )
    assert event.object_type == "probation.person"


def test_viewing_through_the_api_is_audited_as_api():
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    api = APIClient()
    api.force_login(user)
    assert api.get(f"/api/v1/people/{person.crn}/").status_code == 200
    assert AuditEvent.objects.get(action="VIEW", person_crn=person.crn).via == "api"


def test_a_refused_view_writes_no_audit_row(client):
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    other = person_of("CRC20")
    assert client.get(f"/people/{other.crn}/").status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_change_records_old_and_new_values():
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", first_name="Jon")
    services.person_update(actor=user, crn=person.crn, first_name="John", nationality="Welsh")
    event = AuditEvent.objects.get(action="UPDATE")
    assert event.changes == {"first_name": ["Jon", "John"], "nationality": ["", "Welsh"]}
    assert event.actor_username == user.username


def test_creating_a_person_is_audited_with_its_values():
    user = staff("NPS_COURT_OFFICER", "NPS-WAL")
    person = recorded_person(user)
    event = AuditEvent.objects.get(action="CREATE")
    assert event.person_crn == person.crn
    assert event.changes["first_name"] == [None, "Ann"]
    assert person.responsible_provider.code == "NPS"


def test_an_unchanged_save_writes_nothing():
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", first_name="Jon")
    services.person_update(actor=user, crn=person.crn, first_name="Jon")
    assert not AuditEvent.objects.filter(action="UPDATE").exists()


def test_a_failed_change_is_not_audited_and_changes_nothing():
    from django.core.exceptions import ValidationError

    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", first_name="Jon")
    with pytest.raises(ValidationError):
        services.person_update(actor=user, crn=person.crn, first_name="X", pnc_number="nonsense")
    person.refresh_from_db()
    assert person.first_name == "Jon"
    assert not AuditEvent.objects.filter(action="UPDATE").exists()


def _one_event():
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    services.person_update(actor=user, crn=person.crn, first_name="Changed")
    return AuditEvent.objects.get()


def test_the_application_cannot_change_or_delete_audit_rows():
    event = _one_event()
    event.object_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr != "tampered"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE probation_auditevent SET object_repr = 'tampered'",
        "DELETE FROM probation_auditevent",
    ],
    ids=["raw-update", "raw-delete"],
)
def test_the_database_refuses_raw_changes_to_audit_rows(statement):
    event = _one_event()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).object_repr != "tampered"


def test_auditors_search_by_person_staff_member_and_date(client):
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person, other = person_of("CRC11"), person_of("CRC11")
    services.person_update(actor=om, crn=person.crn, first_name="Changed")
    services.person_update(actor=om, crn=other.crn, first_name="Other")
    auditor = staff("NOMS_AUDITOR", "NOMS")
    client.force_login(auditor)
    today = AuditEvent.objects.first().at.date()
    response = client.get(
        "/audit/",
        {
            "person_crn": person.crn,
            "username": om.username,
            "date_from_day": today.day,
            "date_from_month": today.month,
            "date_from_year": today.year,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert person.crn in body and other.crn not in body
    assert "Changed" in body


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        ("CRC_MANAGER", "CRC11"),
        ("NOMS_CONTRACT_MANAGER", "NOMS"),
        ("NPS_SENIOR_MANAGER", "NPS-WAL"),
    ],
)
def test_only_auditors_search_the_trail(client, role, organisation):
    client.force_login(staff(role, organisation))
    assert client.get("/audit/").status_code == 403


def test_a_deletion_is_recorded_with_the_values_it_removed():
    from probation import audit

    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", first_name="Gone")
    pk, crn = person.pk, person.crn
    person.delete()
    event = audit.record_delete(actor=user, instance=person, pk=pk)
    assert (event.action, event.object_id, event.person_crn) == ("DELETE", str(pk), crn)
    assert event.changes["first_name"] == ["Gone", None]
