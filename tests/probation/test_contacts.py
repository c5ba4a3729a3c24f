"""Contacts (DOMAIN.md 11): recording contacts and outcomes, crediting unpaid work hours and
RAR days, and the first appointment after sentence or release (probation.contacts)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from probation import clock, contacts
from probation.models import AuditEvent, Contact
from tests.probation.factories import (
    contact_of,
    person_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11")


@pytest.fixture
def past():
    return timezone.now() - datetime.timedelta(days=1)


def test_a_contact_is_recorded_audited_and_historied(officer, person, past):
    contact = contacts.contact_create(
        actor=officer,
        crn=person.crn,
        contact_type="OFFICE_APPOINTMENT",
        starts_at=past,
        staff=officer,
        outcome="ATTENDED_COMPLIED",
        notes="Discussed accommodation",
    )
    assert contact.person == person and contact.recorded_by == officer
    event = AuditEvent.objects.get(object_id=str(contact.pk), action="CREATE")
    assert event.person_crn == person.crn and event.actor == officer
    assert contact.history.get().history_user == officer


def test_an_outcome_is_recorded_later_and_the_change_audited(officer, person, past):
    contact = contact_of(person, officer, starts_at=past)
    contacts.contact_update(
        actor=officer, crn=person.crn, contact_id=contact.pk, outcome="UNACCEPTABLE_ABSENCE"
    )
    contact.refresh_from_db()
    assert contact.outcome == "UNACCEPTABLE_ABSENCE"
    event = AuditEvent.objects.get(object_id=str(contact.pk), action="UPDATE")
    assert event.changes["outcome"] == ["", "UNACCEPTABLE_ABSENCE"]
    assert contact.history.first().history_user == officer


def test_a_contact_of_another_person_is_not_found_under_this_crn(officer, person, past):
    other = contact_of(person_of("CRC11"), officer, starts_at=past)
    with pytest.raises(Http404):
        contacts.contact_update(
            actor=officer, crn=person.crn, contact_id=other.pk, outcome="ATTENDED_COMPLIED"
        )


def test_unknown_fields_cannot_be_changed(officer, person):
    contact = contact_of(person, officer)
    with pytest.raises(ValidationError) as error:
        contacts.contact_update(actor=officer, crn=person.crn, contact_id=contact.pk, person=1)
    assert "person" in error.value.message_dict


def test_read_only_staff_cannot_record(person):
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    with pytest.raises(PermissionDenied):
        contacts.contact_create(
            actor=noms,
            crn=person.crn,
            contact_type="NOTE",
            starts_at=timezone.now(),
        )


def _case(person, officer):
    order = sentence_of(person)
    return {
        "order": order,
        "unpaid": requirement_of(order, "UNPAID_WORK", unpaid_work_hours=40),
        "rar": requirement_of(order, "REHABILITATION_ACTIVITY", rar_max_days=2),
        "other_order": sentence_of(person_of("CRC11")),
    }


def _inactive():
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    user.is_active = False
    user.save()
    return user


# (case id, changes to a valid attended unpaid work session, field expected in error)
INVALID = [
    ("no-type", {"contact_type": "CHAT"}, "contact_type"),
    ("no-time", {"starts_at": None}, "starts_at"),
    ("sentence-of-someone-else", {"sentence_number": 99}, "sentence_number"),
    ("requirement-of-someone-else", {"requirement_id": "other"}, "requirement_id"),
    ("requirement-of-another-sentence", {"sentence_number": "second"}, "requirement_id"),
    ("outcome-in-the-future", {"starts_at": "future"}, "outcome"),
    ("outcome-of-a-case-note", {"contact_type": "NOTE", "unpaid_work_hours": None}, "outcome"),
    ("hours-not-attended", {"outcome": "UNACCEPTABLE_ABSENCE"}, "unpaid_work_hours"),
    ("hours-zero", {"unpaid_work_hours": Decimal("0")}, "unpaid_work_hours"),
    ("hours-over-a-session", {"unpaid_work_hours": Decimal("12.5")}, "unpaid_work_hours"),
    ("hours-on-rar", {"requirement_id": "rar"}, "unpaid_work_hours"),
    (
        "hours-beyond-the-order",
        {"unpaid_work_hours": Decimal("12"), "prior": 30},
        "unpaid_work_hours",
    ),
    ("rar-day-on-unpaid-work", {"counts_as_rar_day": True}, "counts_as_rar_day"),
    (
        "absence-without-reason",
        {"outcome": "ACCEPTABLE_ABSENCE", "unpaid_work_hours": None},
        "absence_reason",
    ),
    ("reason-without-absence", {"absence_reason": "Ill"}, "absence_reason"),
    ("inactive-staff", {"staff": "inactive"}, "staff"),
    ("api-client-as-staff", {"staff": "client"}, "staff"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_contacts_are_refused_with_the_field_named(officer, person, past, changes, field):
    from tests.probation.factories import api_client

    case = _case(person, officer)
    changes = dict(changes)
    prior = changes.pop("prior", 0)
    if prior:
        for _ in range(prior // 10):
            contact_of(
                person,
                officer,
                starts_at=past,
                requirement=case["unpaid"],
                outcome="ATTENDED_COMPLIED",
                unpaid_work_hours=Decimal(10),
            )
    values = {
        "contact_type": "UNPAID_WORK_SESSION",
        "starts_at": past,
        "requirement_id": case["unpaid"].pk,
        "outcome": "ATTENDED_COMPLIED",
        "unpaid_work_hours": Decimal("6.5"),
        "staff": officer,
    }
    replacements = {
        "other": requirement_of(case["other_order"]).pk,
        "rar": case["rar"].pk,
        "future": timezone.now() + datetime.timedelta(hours=1),
        "second": sentence_of(person).number,
        "inactive": _inactive(),
        "client": api_client("CRC11")[0],
    }
    for name, value in changes.items():
        values[name] = replacements.get(value, value) if isinstance(value, str) else value
    with pytest.raises(ValidationError) as error:
        contacts.contact_create(actor=officer, crn=person.crn, **values)
    assert field in error.value.message_dict
    assert not Contact.objects.filter(person=person).exclude(requirement__isnull=False).exists()


def test_twelve_hours_is_the_most_one_session_credits(officer, person, past):
    case = _case(person, officer)
    contact = contacts.contact_create(
        actor=officer,
        crn=person.crn,
        contact_type="UNPAID_WORK_SESSION",
        starts_at=past,
        requirement_id=case["unpaid"].pk,
        outcome="ATTENDED_COMPLIED",
        unpaid_work_hours=Decimal(12),
    )
    assert contact.unpaid_work_hours == 12
    assert contact.sentence == case["order"]  # the requirement's sentence is filled in


def test_rar_days_stop_at_the_courts_maximum(officer, person, past):
    case = _case(person, officer)

    def credit():
        return contacts.contact_create(
            actor=officer,
            crn=person.crn,
            contact_type="RAR_SESSION",
            starts_at=past,
            requirement_id=case["rar"].pk,
            outcome="ATTENDED_COMPLIED",
            counts_as_rar_day=True,
        )

    first, _second = credit(), credit()
    with pytest.raises(ValidationError) as error:
        credit()
    assert "counts_as_rar_day" in error.value.message_dict
    # Changing a credited contact does not count it twice.
    contacts.contact_update(actor=officer, crn=person.crn, contact_id=first.pk, notes="Good")


def test_a_rar_day_needs_attendance(officer, person, past):
    case = _case(person, officer)
    with pytest.raises(ValidationError) as error:
        contacts.contact_create(
            actor=officer,
            crn=person.crn,
            contact_type="RAR_SESSION",
            starts_at=past,
            requirement_id=case["rar"].pk,
            outcome="UNACCEPTABLE_ABSENCE",
            counts_as_rar_day=True,
        )
    assert "counts_as_rar_day" in error.value.message_dict


def test_an_acceptable_absence_with_its_reason(officer, person, past):
    contact = contacts.contact_create(
        actor=officer,
        crn=person.crn,
        contact_type="OFFICE_APPOINTMENT",
        starts_at=past,
        outcome="ACCEPTABLE_ABSENCE",
        absence_reason="In hospital",
    )
    assert contact.absence_reason == "In hospital"


# --- First appointment ----------------------------------------------------------------------
# Sentence on Wednesday 23 December 2026: five business days later, across Christmas, Boxing
# Day (substitute Monday 28th) and New Year's Day, is Monday 4 January 2027.
SENTENCED = D(2026, 12, 23)
DUE = D(2027, 1, 4)


@pytest.mark.parametrize(
    ("seen_on", "today", "status"),
    [
        pytest.param(D(2026, 12, 24), D(2027, 1, 10), "met", id="next-day"),
        pytest.param(DUE, D(2027, 1, 10), "met", id="on-the-due-date-after-bank-holidays"),
        pytest.param(D(2027, 1, 5), D(2027, 1, 10), "late", id="a-day-after-due"),
        pytest.param(None, DUE, "due", id="none-yet-on-the-due-date"),
        pytest.param(None, D(2026, 12, 31), "due", id="none-yet-naive-5-days-passed"),
        pytest.param(None, D(2027, 1, 5), "overdue", id="none-the-day-after-due"),
    ],
)
def test_first_appointment_across_christmas(officer, person, seen_on, today, status):
    order = sentence_of(person, sentence_date=SENTENCED, offence_date=D(2026, 10, 1))
    if seen_on:
        contact_of(person, officer, starts_at=at(seen_on), outcome="ATTENDED_COMPLIED")
    [entry] = contacts.first_appointment(person, today=today).values()
    assert entry["sentence"] == order
    assert (entry["start"], entry["due"], entry["status"]) == (SENTENCED, DUE, status)
    assert entry["date"] == seen_on


def test_only_attended_appointments_on_or_after_the_start_count(officer, person):
    sentence_of(person, sentence_date=SENTENCED, offence_date=D(2026, 10, 1))
    contact_of(person, officer, starts_at=at(D(2026, 12, 22)), outcome="ATTENDED_COMPLIED")
    contact_of(person, officer, starts_at=at(D(2026, 12, 24)), outcome="UNACCEPTABLE_ABSENCE")
    contact_of(person, officer, starts_at=at(D(2026, 12, 24)), contact_type="PHONE_CALL")
    contact_of(person, officer, starts_at=at(D(2027, 1, 5)), outcome="ATTENDED_FAILED_TO_COMPLY")
    [entry] = contacts.first_appointment(person, today=D(2027, 2, 1)).values()
    assert (entry["date"], entry["status"]) == (D(2027, 1, 5), "late")


def test_custodial_sentences_start_at_release_and_unmanaged_ones_are_skipped(officer, person):
    custody = dict(offence_date=D(2025, 1, 1), sentence_date=D(2025, 6, 1))
    released = sentence_of(
        person,
        "CUSTODIAL",
        conditional_release_date=D(2026, 4, 10),
        actual_release_date=D(2026, 4, 2),  # Thursday before Good Friday
        **custody,
    )
    hdc = sentence_of(
        person,
        "CUSTODIAL",
        conditional_release_date=D(2027, 6, 1),
        hdc_release_date=D(2027, 3, 1),
        **custody,
    )
    waiting = sentence_of(person, "CUSTODIAL", **custody)
    sentence_of(person, "SUSPENDED_SENTENCE_ORDER", management="SSO_WITHOUT_REQUIREMENTS")
    result = contacts.first_appointment(person, today=D(2026, 4, 13))
    assert set(result) == {released.number, hdc.number, waiting.number}
    # 2 April + 5 business days, skipping Good Friday and Easter Monday: 13 April.
    assert result[released.number]["due"] == D(2026, 4, 13)
    assert result[released.number]["status"] == "due"
    assert result[hdc.number]["start"] == D(2027, 3, 1)
    assert result[waiting.number]["status"] == "awaiting_release"


def test_overview_lists_upcoming_and_outstanding_in_constant_queries(
    officer, person, past, django_assert_max_num_queries
):
    sentence_of(person, sentence_date=timezone.localdate() - datetime.timedelta(days=2))
    upcoming = contact_of(person, officer)
    outstanding = contact_of(person, officer, starts_at=past)
    done = contact_of(person, officer, starts_at=past, outcome="ATTENDED_COMPLIED")
    with django_assert_max_num_queries(8):
        context = contacts.overview_context(user=officer, person=person)
    assert context["upcoming_appointments"] == [upcoming]
    assert context["outcomes_to_record"] == [outstanding]
    assert set(context["recent_contacts"]) == {upcoming, outstanding, done}
    assert context["first_appointments"][0]["status"] == "met"
    for _ in range(20):
        contact_of(person, officer, starts_at=past)
    sentence_of(person)
    with django_assert_max_num_queries(8):
        contacts.overview_context(user=officer, person=person)


def test_contact_list_filters_by_type_and_outcome(officer, person, past):
    note = contact_of(person, officer, contact_type="NOTE", starts_at=past)
    open_visit = contact_of(person, officer, contact_type="HOME_VISIT", starts_at=past)
    seen = contact_of(person, officer, starts_at=past, outcome="ATTENDED_COMPLIED")
    listed = contacts.contact_list(user=officer, crn=person.crn, filters={})
    assert set(listed) == {note, open_visit, seen}
    assert list(
        contacts.contact_list(user=officer, crn=person.crn, filters={"contact_type": "NOTE"})
    ) == [note]
    assert list(
        contacts.contact_list(
            user=officer, crn=person.crn, filters={"outcome": "ATTENDED_COMPLIED"}
        )
    ) == [seen]
    outstanding = contacts.contact_list(
        user=officer, crn=person.crn, filters={"outcome": "OUTSTANDING"}
    )
    assert set(outstanding) == {note, open_visit}


def test_the_clock_decides_what_is_in_the_future(officer, person, monkeypatch):
    frozen = at(D(2026, 11, 23), 12)
    monkeypatch.setattr(clock, "now", lambda: frozen)
    with pytest.raises(ValidationError):
        contacts.contact_create(
            actor=officer,
            crn=person.crn,
            contact_type="OFFICE_APPOINTMENT",
            starts_at=at(D(2026, 11, 23), 13),
            outcome="ATTENDED_COMPLIED",
        )
    contacts.contact_create(
        actor=officer,
        crn=person.crn,
        contact_type="OFFICE_APPOINTMENT",
        starts_at=at(D(2026, 11, 23), 11),
        outcome="ATTENDED_COMPLIED",
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_crediting_the_last_rar_day_at_once_cannot_overshoot():
    import threading

    from django.db import connections

    person = person_of("CRC11")
    rar = requirement_of(sentence_of(person), "REHABILITATION_ACTIVITY", rar_max_days=1)
    officers = [staff("CRC_OFFENDER_MANAGER", "CRC11") for _ in range(4)]
    barrier = threading.Barrier(len(officers))
    refused = []

    def credit(officer):
        try:
            barrier.wait()
            contacts.contact_create(
                actor=officer,
                crn=person.crn,
                contact_type="RAR_SESSION",
                starts_at=timezone.now() - datetime.timedelta(hours=1),
                requirement_id=rar.pk,
                outcome="ATTENDED_COMPLIED",
                counts_as_rar_day=True,
            )
        except ValidationError as error:
            refused.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=credit, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Contact.objects.filter(requirement=rar, counts_as_rar_day=True).count() == 1
    assert len(refused) == len(officers) - 1
