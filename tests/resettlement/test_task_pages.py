"""The pages of pre-release work and the designated-release measure: the list of tasks an
organisation owes (overdue first, business days left, constant queries), prison staff asking
for a home circumstances report or ROTL input, the owner completing a task (GOV.UK error
summaries; GET for anyone who may see the person, audited; POST only for those who may act),
and the measure for NOMS contract managers and CRC managers."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probation.models import AuditEvent
from resettlement import prerelease
from resettlement.models import PreReleaseTask, TaskKind, TaskStatus
from tests.probation.factories import staff
from tests.resettlement.factories import prison_officer
from tests.resettlement.test_measures import JUNE, release
from tests.resettlement.test_prerelease import WINDOW_OPENS, in_custody

pytestmark = pytest.mark.django_db

D = datetime.date
ASKED_ON = D(2027, 3, 25)  # HDC report due 12 April 2027


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def views_of(user, person) -> int:
    return AuditEvent.objects.filter(actor=user, action="VIEW", person_crn=person.crn).count()


@pytest.fixture
def case(freeze):
    """A CRC20 case in Cardiff (CRC11 leads before release), its window's tasks opened."""
    person, episode = in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    freeze(ASKED_ON)
    return person, episode


def request_url(episode):
    return reverse("resettlement:task-request", args=[episode.person.crn, episode.pk])


def task_url(task):
    return reverse("resettlement:task", args=[task.person.crn, task.episode_id, task.pk])


# --- Asking for a report ------------------------------------------------------------------------


def test_prison_staff_get_the_form_others_who_see_the_person_read_the_page(case):
    person, episode = case
    officer = prison_officer(episode.prison)
    response = client_for(officer).get(request_url(episode))
    assert response.status_code == 200
    assert 'name="kind"' in response.text
    assert views_of(officer, person) == 1
    om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    response = client_for(om).get(request_url(episode))
    assert response.status_code == 200
    assert 'name="kind"' not in response.text
    assert 'data-testid="not-prison-staff"' in response.text
    assert views_of(om, person) == 1
    assert client_for(om).post(request_url(episode), {"kind": "ROTL"}).status_code == 403
    outsider = staff("CRC_OFFENDER_MANAGER", "CRC12")
    assert client_for(outsider).get(request_url(episode)).status_code == 404


def test_a_request_with_errors_shows_the_error_summary_and_a_good_one_is_sent(case):
    _, episode = case
    client = client_for(prison_officer(episode.prison))
    response = client.post(request_url(episode), {"kind": "HDC_HOME_CIRCUMSTANCES"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text and "Enter the details" in response.text
    assert response.text.count("<title>Error: ") == 1
    response = client.post(
        request_url(episode),
        {"kind": "HDC_HOME_CIRCUMSTANCES", "details": "HDC eligibility 1 June 2027"},
    )
    task = PreReleaseTask.objects.get(kind=TaskKind.HDC_HOME_CIRCUMSTANCES)
    assert response.status_code == 302 and response["Location"] == task_url(task)
    assert (task.owner.code, task.due_by) == ("CRC20", D(2027, 4, 12))
    # Asked again while open: the service's error, on the form.
    response = client.post(
        request_url(episode), {"kind": "HDC_HOME_CIRCUMSTANCES", "details": "Again"}
    )
    assert "already open" in response.text and "govuk-error-summary" in response.text


# --- One task ------------------------------------------------------------------------------------


def test_the_owner_completes_a_task_others_read_it(case):
    person, episode = case
    task = episode.tasks.get(kind=TaskKind.ACCOMMODATION)  # CRC20's
    officer = prison_officer(episode.prison)
    response = client_for(officer).get(task_url(task))
    assert response.status_code == 200
    assert 'data-testid="not-task-owner"' in response.text
    assert views_of(officer, person) == 1
    assert client_for(officer).post(task_url(task), {"details": "x"}).status_code == 403
    lead = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")  # owns release preparation only
    assert client_for(lead).post(task_url(task), {"details": "x"}).status_code == 403

    om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    client = client_for(om)
    response = client.get(task_url(task))
    assert 'name="details"' in response.text and "business days left" in response.text
    response = client.post(task_url(task), {"details": ""})
    assert "govuk-error-summary" in response.text and "Enter what was done" in response.text
    response = client.post(task_url(task), {"details": "Approved premises place confirmed"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_by, task.completed_late) == (TaskStatus.DONE, om, False)
    response = client.get(task_url(task))
    assert 'name="details"' not in response.text and "Approved premises" in response.text


def test_a_task_of_another_episode_is_missing(case):
    person, episode = case
    task = episode.tasks.first()
    url = reverse("resettlement:task", args=[person.crn, episode.pk, task.pk + 1000])
    om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    assert client_for(om).get(url).status_code == 404


# --- The list of tasks owed ---------------------------------------------------------------------


def test_the_list_shows_the_organisations_tasks_overdue_first(case, freeze):
    person, episode = case
    prerelease.task_request(
        prison_officer(episode.prison),
        person.crn,
        episode.pk,
        kind=TaskKind.ROTL,
        details="Day release for a job interview",
    )
    freeze(D(2027, 4, 7))  # ROTL due 5 April 2027 (Easter: 26 and 29 March): overdue
    om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    response = client_for(om).get(reverse("resettlement:pre-release"))
    assert response.status_code == 200
    rows = response.text.split('data-testid="pre-release-task"')[1:]
    assert len(rows) == 3
    assert "Input to a ROTL request" in rows[0] and "Overdue by" in rows[0]
    assert "Accommodation on release" in rows[1] and "business days left" in rows[1]
    lead = client_for(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    rows = lead.get(reverse("resettlement:pre-release")).text
    assert rows.count('data-testid="pre-release-task"') == 1 and "Release preparation" in rows
    for outsider in (prison_officer(episode.prison), staff("NOMS_CONTRACT_MANAGER", "NOMS")):
        assert client_for(outsider).get(reverse("resettlement:pre-release")).status_code == 403


def test_the_list_costs_the_same_queries_at_any_length(case, freeze):
    om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    client = client_for(om)
    url = reverse("resettlement:pre-release")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).text.count('data-testid="pre-release-task"') == 2
    for _ in range(4):
        in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    freeze(ASKED_ON)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).text.count('data-testid="pre-release-task"') == 10
    assert len(many) == len(few)


def test_the_episode_include_lists_the_tasks_with_links_in_constant_queries(case):
    from django.template.loader import render_to_string

    _, episode = case
    assert "No pre-release work yet" in render_to_string("resettlement/_tasks.html", {"tasks": []})
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("resettlement/_tasks.html", {"tasks": prerelease.tasks_of(episode)})
    assert len(queries) == 1
    for task in episode.tasks.all():
        assert task_url(task) in html


# --- The designated-release measure -------------------------------------------------------------


def measure_url(**query):
    url = reverse("resettlement:designated-release")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def releases(freeze):
    from tests.resettlement.factories import prison

    freeze(D(2026, 12, 1))
    cardiff = prison("CFI", lead="CRC11")
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    counted = release(stays=[(cardiff, D(2026, 1, 5))])
    not_counted = release(stays=[(london, D(2026, 1, 5))])
    return counted, not_counted


def test_noms_contract_managers_see_every_crc_and_the_people_behind_a_figure(releases):
    counted, not_counted = releases
    client = client_for(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    response = client.get(measure_url(month="2026-06"))
    assert response.status_code == 200
    assert response.text.count('data-testid="designated-release-row"') == 21
    assert "50.0%" in response.text and "Not met" in response.text
    assert "21 and over" in response.text and "Target 80%" in response.text
    response = client.get(measure_url(month="2026-06", crc="CRC11"))
    assert counted.crn in response.text and not_counted.crn in response.text
    assert "not designated to CRC11" in response.text
    csv = client.get(measure_url(month="2026-06", crc="CRC11", format="csv"))
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("CRN,Name,Released on") and len(lines) == 3
    # The default month is the last complete one (November 2026): nobody released.
    assert "November 2026" in client.get(measure_url()).text


def test_crc_managers_see_their_own_row_and_others_are_refused(releases):
    manager = client_for(staff("CRC_MANAGER", "CRC11"))
    response = manager.get(measure_url(month=JUNE.strftime("%Y-%m")))
    assert response.text.count('data-testid="designated-release-row"') == 1
    assert manager.get(measure_url(month="2026-06", crc="CRC12")).status_code == 404
    for user in (
        staff("CRC_OFFENDER_MANAGER", "CRC11"),
        staff("NPS_OFFENDER_MANAGER", "NPS-WAL"),
    ):
        assert client_for(user).get(measure_url()).status_code == 403


def test_a_month_not_offered_is_an_error_on_the_picker(releases):
    client = client_for(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    response = client.get(measure_url(month="1999-01"))
    assert response.status_code == 200 and "govuk-error-summary" in response.text
