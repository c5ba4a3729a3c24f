"""NOMS's resettlement exceptions: a prisoner nobody can write a plan for (a prison that
is not a resettlement prison, no home CRC known) waits with NOMS until NOMS records the home
area; the plan then goes to the CRC that writes it."""

import datetime
from html import escape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from probation.models import AuditEvent
from resettlement import exceptions
from resettlement.models import PlanState, ResettlementPlan
from tests.probation.factories import org, person_of, staff
from tests.resettlement.factories import prison, reception

pytestmark = pytest.mark.django_db

QUEUE = reverse("resettlement:exceptions")


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _stuck(status="REMAND", provider="NPS", received_on=None, code="LLI"):
    holding = prison(code, resettlement=False, kind="MALE_TRAINING")
    person = person_of(provider, no_fixed_abode=True)
    episode = reception(person, holding, status=status, received_on=received_on)
    assert episode.plan.state == PlanState.EXCEPTION
    return person, episode


def _home_area_url(episode):
    return reverse("resettlement:home-area", args=[episode.person.crn, episode.pk])


def test_a_remand_prisoner_goes_to_the_home_crc_once_noms_records_it():
    person, episode = _stuck("REMAND")
    exceptions.home_crc_record(_noms(), person.crn, episode.pk, "CRC12")
    episode.refresh_from_db()
    plan = episode.plan
    plan.refresh_from_db()
    assert episode.home_crc.code == "CRC12" and episode.plan_writer.code == "CRC12"
    # Part 1 not done yet: the plan waits on the prison for it, then on CRC12.
    assert plan.state == PlanState.SCREENING
    assert plan.waiting_on == episode.prison.organisation
    assert AuditEvent.objects.filter(action="UPDATE", object_id=str(episode.pk)).exists()


def test_after_part_1_the_plan_waits_on_the_writing_crc():
    person, episode = _stuck("REMAND")
    screening = episode.screening
    screening.part1_completed_at = timezone.now()
    screening.save()
    exceptions.home_crc_record(_noms(), person.crn, episode.pk, "CRC14")
    plan = episode.plan
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNING and plan.waiting_on == org("CRC14")


@pytest.mark.parametrize(("status", "provider"), [("SENTENCED", "NPS"), ("RECALLED", "CRC20")])
def test_a_sentenced_or_recalled_prisoner_goes_to_the_home_crc_and_shares_with_the_allocated(
    status, provider
):
    person, episode = _stuck(status, provider=provider)
    exceptions.home_crc_record(_noms(), person.crn, episode.pk, "CRC13")
    episode.refresh_from_db()
    assert episode.plan_writer.code == "CRC13"
    assert episode.share_with.code == provider
    assert ResettlementPlan.objects.get(episode=episode).state == PlanState.SCREENING


def test_a_released_prisoner_has_no_home_area_to_record():
    person, episode = _stuck()
    episode.released_on = episode.received_on
    episode.release_prison = episode.prison
    episode.release_type = "END_OF_REMAND"
    episode.save()
    with pytest.raises(ValidationError) as raised:
        exceptions.home_crc_record(_noms(), person.crn, episode.pk, "CRC12")
    assert "episode" in raised.value.message_dict


def test_only_noms_records_a_home_area_and_only_a_crc_code():
    person, episode = _stuck()
    with pytest.raises(PermissionDenied):
        exceptions.home_crc_record(staff("CRC_MANAGER", "CRC11"), person.crn, episode.pk, "CRC11")
    with pytest.raises(ValidationError) as raised:
        exceptions.home_crc_record(_noms(), person.crn, episode.pk, "NPS")
    assert "home_crc_code" in raised.value.message_dict
    episode.refresh_from_db()
    assert episode.home_crc is None and episode.plan.state == PlanState.EXCEPTION


def test_the_queue_is_for_noms_oldest_first_with_days_waiting(client):
    today = datetime.date.today()
    _first_person, newer = _stuck(received_on=today - datetime.timedelta(days=2))
    older_person, older = _stuck(received_on=today - datetime.timedelta(days=9))
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    assert client.get(QUEUE).status_code == 403
    client.force_login(_noms())
    page = client.get(QUEUE).content.decode()
    assert page.index(older_person.crn) < page.index(newer.person.crn)
    assert "waiting 9 days" in page and "waiting 2 days" in page
    assert _home_area_url(older) in page
    assert older.reasons and escape(older.reasons[0]) in page


def test_the_home_area_page(client):
    person, episode = _stuck()
    url = _home_area_url(episode)
    client.force_login(_noms())
    page = client.get(url)
    assert page.status_code == 200 and "Record the home area" in page.content.decode()
    assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).exists()
    empty = client.post(url, {}).content.decode()
    assert "govuk-error-summary" in empty
    response = client.post(url, {"home_crc_code": "CRC12"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    episode.refresh_from_db()
    assert episode.plan_writer.code == "CRC12"
    assert person.crn not in client.get(QUEUE).content.decode()


def test_the_home_area_page_for_someone_else_who_sees_the_person(client):
    person, episode = _stuck()
    officer = staff("PRISON_STAFF", episode.prison.organisation.code)
    client.force_login(officer)
    page = client.get(_home_area_url(episode))
    assert page.status_code == 200 and 'data-testid="not-noms"' in page.content.decode()
    assert client.post(_home_area_url(episode), {"home_crc_code": "CRC12"}).status_code == 403
    client.force_login(staff("CRC_MANAGER", "CRC05"))
    assert client.get(_home_area_url(episode)).status_code == 404


def test_the_queue_runs_a_constant_number_of_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(_noms())
    _stuck()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(6):
        _stuck()
    assert queries() == few
