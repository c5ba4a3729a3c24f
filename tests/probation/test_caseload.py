"""Caseloads (probation.caseload): who is on an offender manager's or a team's caseload,
the columns an officer plans by, filters, sorting, scope and constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from probation import caseload
from probation.models import Management, OffenderManagerAssignment, Outcome, Team
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

NOW = timezone.now()


def assign(person, officer, *, team=None):
    """Make ``officer`` (or ``team`` without a named officer) the current manager."""
    OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).update(
        ended_at=NOW - datetime.timedelta(days=1)
    )
    team = team or officer.team
    return OffenderManagerAssignment.objects.create(
        person=person,
        provider=person.responsible_provider,
        team=team,
        offender_manager=officer,
        started_at=NOW - datetime.timedelta(days=1),
    )


def managed_person_of(officer, provider="CRC11", sentence_type="COMMUNITY_ORDER", **fields):
    person = person_of(provider, **fields)
    sentence_of(person, sentence_type)
    assign(person, officer)
    return person


def crns(people):
    return [p.crn for p in people]


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


# --- Who is on a caseload --------------------------------------------------------------------


def test_a_caseload_is_the_people_whose_current_offender_manager_is_the_user(officer):
    mine = managed_person_of(officer)
    colleague = staff("CRC_OFFENDER_MANAGER", "CRC11")
    theirs = managed_person_of(colleague)
    moved_on = managed_person_of(officer)
    assign(moved_on, colleague)  # my assignment ended
    assert crns(caseload.caseload(user=officer)) == [mine.crn]
    assert set(crns(caseload.caseload(user=colleague))) == {theirs.crn, moved_on.crn}


@pytest.mark.parametrize(
    ("management", "on_caseload"),
    [
        (Management.MANAGED, True),
        (Management.EM_ONLY, False),
        (Management.SSO_WITHOUT_REQUIREMENTS, False),
        (Management.ATTENDANCE_ONLY, False),
        (Management.NOT_MANAGED_CUSTODY, False),
    ],
    ids=lambda v: str(v),
)
def test_only_people_with_an_active_managed_sentence_are_on_a_caseload(
    officer, management, on_caseload
):
    person = person_of("CRC11")
    sentence_of(person, "SUSPENDED_SENTENCE_ORDER", management=management)
    assign(person, officer)
    assert (person.crn in crns(caseload.caseload(user=officer))) is on_caseload


def test_a_terminated_sentence_or_no_sentence_puts_nobody_on_a_caseload(officer):
    ended = person_of("CRC11")
    sentence_of(ended, status="TERMINATED")
    assign(ended, officer)
    assign(person_of("CRC11"), officer)  # no sentence at all
    assert list(caseload.caseload(user=officer)) == []


def test_another_crcs_person_never_appears_even_if_assigned_to_the_user(officer):
    foreign = person_of("CRC20")
    sentence_of(foreign)
    assign(foreign, officer)
    assert list(caseload.caseload(user=officer)) == []


def test_a_team_caseload_holds_every_current_case_of_the_team():
    manager = staff("CRC_MANAGER", "CRC11")
    one, two = staff("CRC_OFFENDER_MANAGER", "CRC11"), staff("CRC_OFFENDER_MANAGER", "CRC11")
    a, b = managed_person_of(one), managed_person_of(two)
    other_team = Team.objects.create(
        organisation=manager.organisation, ldu=manager.team.ldu, name="Another team"
    )
    elsewhere = person_of("CRC11")
    sentence_of(elsewhere)
    assign(elsewhere, one, team=other_team)
    team_cases = caseload.caseload(user=manager, team=manager.team)
    assert set(crns(team_cases)) == {a.crn, b.crn}
    assert crns(caseload.caseload(user=manager, team=other_team)) == [elsewhere.crn]


def test_team_selector_by_role():
    manager = staff("CRC_MANAGER", "CRC11")
    Team.objects.create(organisation=manager.organisation, ldu=manager.team.ldu, name="Team B")
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    assert caseload.teams_visible_to(manager).count() == 2
    assert list(caseload.teams_visible_to(om)) == [om.team]
    assert not caseload.teams_visible_to(staff("NOMS_CONTRACT_MANAGER", "NOMS")).exists()
    senior = staff("NPS_SENIOR_MANAGER", "NPS-WAL")
    assert list(caseload.teams_visible_to(senior)) == [senior.team]


def test_a_team_outside_the_users_organisation_is_404_on_page_and_api(client):
    manager = staff("CRC_MANAGER", "CRC11")
    other = staff("CRC_OFFENDER_MANAGER", "CRC20").team
    colleague_team = Team.objects.create(
        organisation=manager.organisation, ldu=manager.team.ldu, name="Team B"
    )
    client.force_login(manager)
    assert client.get("/caseload/", {"team": other.pk}).status_code == 404
    assert client.get("/caseload/", {"team": 999999}).status_code == 404
    assert client.get("/caseload/", {"team": "x"}).status_code == 404
    assert client.get("/caseload/", {"team": colleague_team.pk}).status_code == 200
    assert client.get("/api/v1/caseload/", {"team": other.pk}).status_code == 404
    # An offender manager sees their own team only.
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    client.force_login(om)
    assert client.get("/caseload/", {"team": colleague_team.pk}).status_code == 404
    assert client.get("/caseload/", {"team": om.team.pk}).status_code == 200


# --- The columns -----------------------------------------------------------------------------


def test_annotations_rosh_next_appointment_overdue_and_supervision_end(officer):
    person = person_of("CRC11")
    sentence_of(person, supervision_end_date=datetime.date(2027, 5, 1))
    sentence_of(person, "CUSTODIAL", supervision_end_date=datetime.date(2028, 2, 1))
    sentence_of(  # not managed: does not count
        person, management=Management.EM_ONLY, supervision_end_date=datetime.date(2030, 1, 1)
    )
    assign(person, officer)
    plan_of(person, officer, rosh_level="LOW")
    plan_of(person, officer, rosh_level="HIGH")  # version 2: the current RoSH
    day = datetime.timedelta(days=1)
    soon, later = NOW + 2 * day, NOW + 9 * day
    contact_of(person, officer, starts_at=later)
    contact_of(person, officer, starts_at=soon)
    contact_of(person, officer, starts_at=NOW - 3 * day)  # overdue
    contact_of(person, officer, starts_at=NOW - 5 * day, contact_type="HOME_VISIT")  # overdue
    contact_of(person, officer, starts_at=NOW - 4 * day, outcome=Outcome.ATTENDED_COMPLIED)
    contact_of(person, officer, starts_at=NOW - 2 * day, contact_type="NOTE")  # not one
    contact_of(person, officer, starts_at=NOW + day, contact_type="PHONE_CALL")  # not one
    [row] = caseload.caseload(user=officer)
    assert row.rosh_level == "HIGH"
    assert row.next_appointment == soon
    assert row.overdue_count == 2
    assert row.supervision_end == datetime.date(2028, 2, 1)
    assert [s.sentence_type for s in row.active_sentences] == ["COMMUNITY_ORDER", "CUSTODIAL"]
    assert row.team_name == officer.team.name
    assert row.offender_manager_id == officer.pk
    assert row.offender_manager_last_name == officer.last_name


def test_a_person_without_plan_or_contacts_has_empty_columns(officer):
    managed_person_of(officer)
    [row] = caseload.caseload(user=officer)
    assert row.rosh_level is None and row.next_appointment is None
    assert row.overdue_count == 0


# --- Filters and sorting ---------------------------------------------------------------------


@pytest.fixture
def three(officer):
    """Three cases: a CO, medium, appointment in 3 days; an SSO, high, overdue, none booked;
    a custodial case, low, appointment in 20 days."""
    day = datetime.timedelta(days=1)
    co = managed_person_of(officer, last_name="Adams")
    plan_of(co, officer, rosh_level="MEDIUM")
    contact_of(co, officer, starts_at=NOW + 3 * day)
    co.sentences.update(supervision_end_date=datetime.date(2027, 6, 1))
    sso = managed_person_of(officer, sentence_type="SUSPENDED_SENTENCE_ORDER", last_name="Brown")
    requirement_of(sso.sentences.get())
    plan_of(sso, officer, rosh_level="HIGH")
    contact_of(sso, officer, starts_at=NOW - 2 * day)
    sso.sentences.update(supervision_end_date=datetime.date(2026, 12, 1))
    custody = managed_person_of(officer, sentence_type="CUSTODIAL", last_name="Carter")
    plan_of(custody, officer, rosh_level="LOW")
    contact_of(custody, officer, starts_at=NOW + 20 * day)
    return {"co": co, "sso": sso, "custody": custody}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["co", "sso", "custody"]),
        ({"sentence_type": ["CUSTODIAL"]}, ["custody"]),
        ({"sentence_type": ["COMMUNITY_ORDER", "SUSPENDED_SENTENCE_ORDER"]}, ["co", "sso"]),
        ({"rosh": ["HIGH"]}, ["sso"]),
        ({"rosh": ["LOW", "MEDIUM"]}, ["co", "custody"]),
        ({"overdue": "true"}, ["sso"]),
        ({"overdue": "false"}, ["co", "custody"]),
        ({"next_appointment": "7"}, ["co"]),
        ({"next_appointment": "28"}, ["co", "custody"]),
        ({"next_appointment": "none"}, ["sso"]),
        ({"sort": "name"}, ["co", "sso", "custody"]),
        ({"sort": "-name"}, ["custody", "sso", "co"]),
        ({"sort": "crn"}, ["co", "sso", "custody"]),
        ({"sort": "-crn"}, ["custody", "sso", "co"]),
        ({"sort": "rosh"}, ["custody", "co", "sso"]),
        ({"sort": "-rosh"}, ["sso", "co", "custody"]),
        ({"sort": "next_appointment"}, ["co", "custody", "sso"]),  # none booked last
        ({"sort": "-next_appointment"}, ["custody", "co", "sso"]),
        ({"sort": "supervision_end"}, ["sso", "co", "custody"]),  # not recorded last
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_filters_and_sorts(officer, three, filters, expected):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in filters.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    got = crns(caseload.caseload(user=officer, filters=query))
    assert got == [three[name].crn for name in expected]


@pytest.mark.parametrize(
    "bad",
    [{"sort": "date_of_birth"}, {"next_appointment": "0"}, {"rosh": "EXTREME"}],
    ids=["sort-not-whitelisted", "next-appointment-zero-days", "unknown-rosh"],
)
def test_bad_filters_are_errors_with_field_names(officer, client, bad):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        caseload.caseload(user=officer, filters=bad)
    assert set(error.value.message_dict) == set(bad)
    client.force_login(officer)
    page = client.get("/caseload/", bad)
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    api = APIClient()
    api.force_login(officer)
    response = api.get("/api/v1/caseload/", bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == next(iter(bad))


# --- Page and API ----------------------------------------------------------------------------


def test_page_shows_the_caseload_with_sort_links_and_filters(client, officer, three):
    client.force_login(officer)
    body = client.get("/caseload/", {"sort": "-rosh"}).content.decode()
    assert "Your caseload" in body and "Apply filters" in body
    for person in three.values():
        assert f'href="/people/{person.crn}/"' in body
    assert 'aria-sort="descending"' in body and 'href="?sort=rosh"' in body
    assert "Caseload</" in body or ">Caseload" in body  # service navigation
    filtered = client.get("/caseload/", {"rosh": "HIGH"}).content.decode()
    assert three["sso"].crn in filtered and three["co"].crn not in filtered


def test_api_lists_the_caseload_with_cursor_pages(officer, three):
    api = APIClient()
    api.force_login(officer)
    body = api.get("/api/v1/caseload/", {"sort": "rosh"}).json()
    assert [row["crn"] for row in body["results"]] == [
        three[name].crn for name in ("custody", "co", "sso")
    ]
    sso = body["results"][2]
    assert sso["rosh_level"] == "HIGH" and sso["overdue_count"] == 1
    assert sso["sentences"][0]["sentence_type"] == "SUSPENDED_SENTENCE_ORDER"
    assert sso["offender_manager"] == f"{officer.first_name} {officer.last_name}"
    first = api.get("/api/v1/caseload/", {"sort": "-next_appointment", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    got = [row["crn"] for row in first["results"] + second["results"]]
    assert got == [three[name].crn for name in ("sso", "custody", "co")]  # none booked: latest


def test_api_client_sees_every_team_of_its_crc():
    _, key = api_client("CRC11")
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = managed_person_of(om)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/caseload/", {"team": om.team.pk})
    assert [row["crn"] for row in response.json()["results"]] == [person.crn]


def _fill(officer, count):
    day = datetime.timedelta(days=1)
    for index in range(count):
        person = managed_person_of(officer)
        sentence_of(person, "CUSTODIAL")
        plan_of(person, officer, rosh_level="LOW")
        contact_of(person, officer, starts_at=NOW + (index % 5 + 1) * day)
        contact_of(person, officer, starts_at=NOW - day)


@pytest.mark.parametrize(
    "url",
    [
        "/caseload/",
        "/caseload/?team={team}",
        "/caseload/?sort=-rosh&overdue=true",
        "/api/v1/caseload/",
        "/api/v1/caseload/?team={team}&sort=next_appointment",
    ],
)
def test_constant_queries_with_3_or_60_people(officer, url):
    manager = staff("CRC_MANAGER", "CRC11")
    client = APIClient()
    client.force_login(manager if "team" in url else officer)
    url = url.format(team=officer.team.pk)
    _fill(officer, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(officer, 57)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert 0 < len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_overview_context_for_the_case_page(officer):
    person = managed_person_of(officer)
    plan_of(person, officer, rosh_level="MEDIUM")
    with CaptureQueriesContext(connection) as queries:
        context = caseload.overview_context(user=officer, person=person)
    assert context["on_caseload"] and context["caseload_row"].rosh_level == "MEDIUM"
    assert len(queries) <= 6
    unmanaged = person_of("CRC11")
    sentence_of(unmanaged, management=Management.EM_ONLY)
    assert caseload.overview_context(user=officer, person=unmanaged)["on_caseload"] is False


def test_overview_partial_renders_for_the_case_page(officer):
    from django.template.loader import render_to_string

    person = managed_person_of(officer)
    contact_of(person, officer, starts_at=NOW - datetime.timedelta(days=2))
    context = caseload.overview_context(user=officer, person=person)
    html = render_to_string("probation/case/_caseload.html", {"person": person, **context})
    assert "Community Order" in html and f"{person.crn}/1" in html
    assert "Overdue appointments" in html and "govuk-tag--orange" in html
    unmanaged = person_of("CRC11")
    sentence_of(
        unmanaged, "SUSPENDED_SENTENCE_ORDER", management=Management.SSO_WITHOUT_REQUIREMENTS
    )
    context = caseload.overview_context(user=officer, person=unmanaged)
    html = render_to_string("probation/case/_caseload.html", {"person": unmanaged, **context})
    assert "Not on a caseload" in html
