"""Pages and API for contacts and the plan: GOV.UK forms with field errors, scoped reads
that are audited, 400s with field paths, and lists whose cost does not grow with size."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from probation.models import AuditEvent, Contact, PlanVersion
from tests.probation.factories import (
    api_client,
    contact_of,
    person_of,
    plan_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
YESTERDAY = TODAY - DAY


def _date(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11")


@pytest.fixture
def web(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def api():
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- Timeline page --------------------------------------------------------------------------


def _timeline_queries(web, person, officer, count):
    order = sentence_of(person)
    unpaid = requirement_of(order)
    past = timezone.now() - DAY
    for n in range(count):
        contact_of(
            person,
            officer,
            starts_at=past - n * DAY,
            sentence=order,
            requirement=unpaid if n % 2 else None,
            outcome="ATTENDED_COMPLIED" if n % 3 else "",
        )
    with CaptureQueriesContext(connection) as queries:
        response = web.get(f"/people/{person.crn}/contacts/")
    assert response.status_code == 200
    return len(queries), response


def test_the_timeline_costs_the_same_for_5_and_50_contacts(officer):
    web = Client()
    web.force_login(officer)
    few, _ = _timeline_queries(web, person_of("CRC11"), officer, 5)
    many, response = _timeline_queries(web, person_of("CRC11"), officer, 50)
    assert few == many
    assert "Record outcome" in response.content.decode()
    assert 'rel="next"' in response.content.decode()  # 50 > one page of 25


def test_the_timeline_filters_and_is_audited(web, person, officer):
    contact_of(person, officer, contact_type="NOTE", notes="A case note")
    contact_of(person, officer, contact_type="HOME_VISIT", notes="A home visit")
    response = web.get(f"/people/{person.crn}/contacts/", {"contact_type": "NOTE"})
    body = response.content.decode()
    assert "A case note" in body and "A home visit" not in body
    assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).exists()


# --- Recording a contact --------------------------------------------------------------------


def test_record_an_attended_unpaid_work_session(web, person, officer):
    unpaid = requirement_of(sentence_of(person))
    form = web.get(f"/people/{person.crn}/contacts/new/")
    assert form.status_code == 200 and "Unpaid work hours credited" in form.content.decode()
    response = web.post(
        f"/people/{person.crn}/contacts/new/",
        {
            "contact_type": "UNPAID_WORK_SESSION",
            **_date("starts_on", YESTERDAY),
            "starts_time": "09:30",
            "staff": officer.pk,
            "requirement_id": unpaid.pk,
            "outcome": "ATTENDED_COMPLIED",
            "unpaid_work_hours": "7.5",
            "notes": "Worked well",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.crn}/contacts/"
    contact = Contact.objects.get(person=person)
    assert contact.unpaid_work_hours == 7.5 and contact.requirement == unpaid
    local = timezone.localtime(contact.starts_at)
    assert (local.date(), local.hour, local.minute) == (YESTERDAY, 9, 30)


def test_service_errors_show_on_their_fields(web, person):
    response = web.post(
        f"/people/{person.crn}/contacts/new/",
        {
            "contact_type": "OFFICE_APPOINTMENT",
            **_date("starts_on", TODAY + 2 * DAY),
            "starts_time": "10:00",
            "outcome": "ATTENDED_COMPLIED",
            "unpaid_work_hours": "3",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#id_outcome"' in body
    assert "You cannot record an outcome for a contact in the future" in body
    assert 'href="#id_unpaid_work_hours"' in body
    assert not Contact.objects.filter(person=person).exists()


def test_form_errors_ask_for_what_is_missing(web, person):
    response = web.post(f"/people/{person.crn}/contacts/new/", {"starts_time": "25:00"})
    body = response.content.decode()
    assert "Select the type of contact" in body
    assert 'href="#id_starts_on-day"' in body
    assert "Enter the time using the 24-hour clock, like 14:30" in body


def test_record_the_outcome_of_an_appointment(web, person, officer):
    contact = contact_of(person, officer, starts_at=timezone.now() - DAY, location="Cardiff")
    page = web.get(f"/people/{person.crn}/contacts/{contact.pk}/")
    assert page.status_code == 200 and 'value="Cardiff"' in page.content.decode()
    local = timezone.localtime(contact.starts_at)
    response = web.post(
        f"/people/{person.crn}/contacts/{contact.pk}/",
        {
            "contact_type": contact.contact_type,
            **_date("starts_on", local.date()),
            "starts_time": local.strftime("%H:%M"),
            "location": "Cardiff",
            "staff": officer.pk,
            "outcome": "ACCEPTABLE_ABSENCE",
            "absence_reason": "Hospital appointment, letter seen",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.outcome == "ACCEPTABLE_ABSENCE"
    assert AuditEvent.objects.filter(action="UPDATE", object_id=str(contact.pk)).exists()


def test_read_only_staff_get_403_on_forms(person):
    client = Client()
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    assert client.get(f"/people/{person.crn}/contacts/").status_code == 200
    assert client.get(f"/people/{person.crn}/contacts/new/").status_code == 403
    assert client.get(f"/people/{person.crn}/plan/").status_code == 200
    assert client.get(f"/people/{person.crn}/plan/new/").status_code == 403


# --- Plan pages -----------------------------------------------------------------------------


def test_the_plan_page_without_a_plan(web, person):
    response = web.get(f"/people/{person.crn}/plan/")
    assert response.status_code == 200
    assert "No plan has been written" in response.content.decode()


def test_the_plan_page_shows_current_history_and_as_at(web, person, officer):
    old = timezone.make_aware(datetime.datetime(2026, 1, 5, 10))
    plan_of(person, officer, effective_from=old, objectives="First objectives")
    plan_of(person, officer, objectives="Second objectives")
    body = web.get(f"/people/{person.crn}/plan/").content.decode()
    assert "Second objectives" in body and "Version 1" in body and "?as_at=2026-01-05" in body
    as_at = web.get(f"/people/{person.crn}/plan/", {"as_at": "2026-02-01"}).content.decode()
    assert "First objectives" in as_at and "as it stood on 1 February 2026" in as_at
    boxes = web.get(f"/people/{person.crn}/plan/", _date("on", datetime.date(2026, 2, 1)))
    assert "First objectives" in boxes.content.decode()
    before = web.get(f"/people/{person.crn}/plan/", {"as_at": "2025-12-01"}).content.decode()
    assert "There was no plan then" in before
    version = web.get(f"/people/{person.crn}/plan/", {"version": "1"}).content.decode()
    assert "First objectives" in version
    bad = web.get(f"/people/{person.crn}/plan/", {"as_at": "01/02/2026"})
    assert bad.status_code == 200 and "Enter the date as YYYY-MM-DD" in bad.content.decode()


def test_a_new_version_starts_from_the_current_one(web, person, officer):
    plan_of(person, officer, needs=["FINANCE"], rosh_assessor="OASys, A. Khan")
    form = web.get(f"/people/{person.crn}/plan/new/").content.decode()
    assert 'value="FINANCE" checked' in form and "OASys, A. Khan" in form
    response = web.post(
        f"/people/{person.crn}/plan/new/",
        {
            "rosh_level": "HIGH",
            **_date("rosh_assessed_on", TODAY),
            "rosh_assessor": "OASys, A. Khan",
            "needs": ["FINANCE", "DRUGS"],
            "reoffending_likelihood": "MEDIUM",
            "objectives": "Reduce drug use",
            **_date("review_date", TODAY + 60 * DAY),
        },
    )
    assert response.status_code == 302
    current = PlanVersion.objects.get(person=person, version=2)
    assert current.rosh_level == "HIGH" and current.needs == ["FINANCE", "DRUGS"]


def test_plan_form_errors(web, person):
    response = web.post(
        f"/people/{person.crn}/plan/new/",
        {
            "rosh_level": "LOW",
            **_date("rosh_assessed_on", TODAY + DAY),
            "rosh_assessor": "Me",
            "reoffending_likelihood": "LOW",
            "objectives": "Something",
            **_date("review_date", TODAY + 9 * DAY),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_rosh_assessed_on-day"' in body
    assert "must be today or in the past" in body
    assert not PlanVersion.objects.filter(person=person).exists()


# --- API ------------------------------------------------------------------------------------


def _attrs(response):
    return {error["attr"] for error in response.json()["errors"]}


def test_api_records_lists_and_changes_contacts(api, person):
    url = f"/api/v1/people/{person.crn}/contacts/"
    created = api.post(
        url,
        {
            "contact_type": "OFFICE_APPOINTMENT",
            "starts_at": (timezone.now() + 2 * DAY).isoformat(),
            "location": "Newport office",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    listed = api.get(url).json()
    assert [c["id"] for c in listed["results"]] == [contact_id]
    refused = api.patch(f"{url}{contact_id}/", {"outcome": "ATTENDED_COMPLIED"}, format="json")
    assert refused.status_code == 400 and _attrs(refused) == {"outcome"}
    changed = api.patch(
        f"{url}{contact_id}/",
        {"starts_at": (timezone.now() - DAY).isoformat(), "outcome": "ATTENDED_COMPLIED"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["outcome"] == "ATTENDED_COMPLIED"
    assert api.get(f"{url}{contact_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="VIEW", object_id=str(contact_id)).exists()
    assert api.get(url, {"outcome": "OUTSTANDING"}).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        pytest.param({"contact_type": "CHAT"}, "contact_type", id="unknown-type"),
        pytest.param({"starts_at": "tomorrow"}, "starts_at", id="bad-time"),
        pytest.param({"sentence_number": 7}, "sentence_number", id="no-such-sentence"),
        pytest.param({"requirement_id": 999999}, "requirement_id", id="no-such-requirement"),
        pytest.param({"unpaid_work_hours": "99.5"}, "unpaid_work_hours", id="hours-no-requirement"),
        pytest.param({"staff": "nobody"}, "staff", id="unknown-staff"),
        pytest.param({"absence_reason": "Ill"}, "absence_reason", id="reason-without-absence"),
    ],
)
def test_api_refuses_bad_contacts_with_400(api, person, body, attr):
    payload = {
        "contact_type": "OFFICE_APPOINTMENT",
        "starts_at": (timezone.now() - DAY).isoformat(),
        **body,
    }
    response = api.post(f"/api/v1/people/{person.crn}/contacts/", payload, format="json")
    assert response.status_code == 400
    assert attr in _attrs(response)


def test_api_contact_list_is_constant_in_queries(api, officer):
    counts = []
    for size in (3, 30):
        person = person_of("CRC11")
        order = sentence_of(person)
        for n in range(size):
            contact_of(person, officer, sentence=order, starts_at=timezone.now() - n * DAY)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/people/{person.crn}/contacts/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_api_plan_versions(api, person, officer):
    url = f"/api/v1/people/{person.crn}/plan-versions/"
    old = timezone.make_aware(datetime.datetime(2026, 1, 5, 10))
    plan_of(person, officer, effective_from=old)
    created = api.post(
        url,
        {
            "rosh_level": "LOW",
            "rosh_assessed_on": TODAY.isoformat(),
            "rosh_assessor": "OASys",
            "needs": ["EMPLOYMENT"],
            "reoffending_likelihood": "LOW",
            "objectives": "Find work",
            "review_date": (TODAY + 30 * DAY).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 2
    assert [v["version"] for v in api.get(url).json()["results"]] == [2, 1]
    assert [v["version"] for v in api.get(url, {"as_at": "2026-02-01"}).json()["results"]] == [1]
    assert api.get(url, {"as_at": "2025-01-01"}).json()["results"] == []
    assert api.get(url, {"as_at": "soon"}).status_code == 400
    assert api.get(f"{url}1/").json()["version"] == 1
    assert api.get(f"{url}9/").status_code == 404


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        pytest.param({"needs": ["HOUSING"]}, "needs.0", id="unknown-need"),
        pytest.param({"review_date": "2020-01-01"}, "review_date", id="review-in-the-past"),
        pytest.param({"rosh_level": "EXTREME"}, "rosh_level", id="unknown-rosh"),
    ],
)
def test_api_refuses_bad_plans_with_400(api, person, body, attr):
    payload = {
        "rosh_level": "LOW",
        "rosh_assessed_on": TODAY.isoformat(),
        "rosh_assessor": "OASys",
        "needs": [],
        "reoffending_likelihood": "LOW",
        "objectives": "Find work",
        "review_date": (TODAY + 30 * DAY).isoformat(),
        **body,
    }
    response = api.post(f"/api/v1/people/{person.crn}/plan-versions/", payload, format="json")
    assert response.status_code == 400
    assert attr in _attrs(response)


def test_the_overview_partials_render(person, officer):
    from django.template.loader import render_to_string

    from probation import contacts, plans

    sentence_of(person, sentence_date=TODAY - 2 * DAY)
    contact_of(person, officer, location="Newport office")
    contact_of(person, officer, starts_at=timezone.now() - DAY)
    plan_of(person, officer, review_date=TODAY - DAY)
    context = {"person": person, "can_change": True}
    html = render_to_string(
        "probation/case/_contacts.html",
        {**context, **contacts.overview_context(user=officer, person=person)},
    )
    assert "Newport office" in html and "Outcomes to record" in html and "Due" in html
    html = render_to_string(
        "probation/case/_plan.html",
        {**context, **plans.overview_context(user=officer, person=person)},
    )
    assert "The review was due on" in html
