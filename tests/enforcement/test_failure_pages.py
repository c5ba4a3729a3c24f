"""The pages of failures to comply and breach referrals: recording a failure, the decision
page offering only the lawful options with the rule's reasons, the breach referral page's
forms for each side, and the NPS enforcement officers' queue (overdue first, constant
queries)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from enforcement.models import BreachReferral, Failure, FailureState
from tests.enforcement.test_breach import eo_decide, referred
from tests.enforcement.test_failures import (
    TODAY,
    community_order,
    decide,
    on_licence,
    record,
)
from tests.probation.factories import person_of, sentence_of, staff

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def om():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def eo():
    return staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL")


@pytest.fixture
def person():
    return person_of("CRC11")


def failure_url(failure):
    return f"/enforcement/people/{failure.person.crn}/failures/{failure.pk}/"


def referral_url(referral):
    return f"/enforcement/people/{referral.person.crn}/breach-referrals/{referral.pk}/"


def radios(html: str) -> set[str]:
    return {
        value
        for value in ("warn", "refer", "notify_hmcts", "accept_excuse", "request_recall")
        if f'name="action" type="radio" value="{value}"' in html
    }


# --- Recording a failure ---------------------------------------------------------------------


def test_the_responsible_officer_records_a_failure_and_is_taken_to_decide(om, person):
    sentence = community_order(person)
    client = client_for(om)
    url = f"/enforcement/people/{person.crn}/failures/new/"
    page = client.get(url)
    assert page.status_code == 200 and f"{sentence.reference} Community Order" in page.text
    response = client.post(
        url,
        {
            "sentence_number": sentence.number,
            "failure_date_day": TODAY.day,
            "failure_date_month": TODAY.month,
            "failure_date_year": TODAY.year,
            "description": "Did not attend unpaid work",
        },
    )
    failure = Failure.objects.get(person=person)
    assert response.status_code == 302 and response.url == failure_url(failure)


def test_recording_a_failure_shows_errors_in_a_summary(om, person):
    sentence = community_order(person)
    tomorrow = TODAY + datetime.timedelta(days=1)
    page = client_for(om).post(
        f"/enforcement/people/{person.crn}/failures/new/",
        {
            "sentence_number": sentence.number,
            "failure_date_day": tomorrow.day,
            "failure_date_month": tomorrow.month,
            "failure_date_year": tomorrow.year,
            "description": "",
        },
    )
    assert page.status_code == 200
    assert "govuk-error-summary" in page.text
    assert "Describe the failure to comply" in page.text
    assert not Failure.objects.exists()


def test_someone_else_who_sees_the_case_is_told_who_records_failures(person):
    community_order(person)
    worker = client_for(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    url = f"/enforcement/people/{person.crn}/failures/new/"
    page = worker.get(url)
    assert page.status_code == 200 and 'data-testid="not-responsible-officer"' in page.text
    assert worker.post(url, {"description": "x"}).status_code == 403
    other_crc = client_for(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert other_crc.get(url).status_code == 404


# --- The decision page -----------------------------------------------------------------------


def test_a_first_failure_on_an_order_offers_a_warning_with_the_rules_reasons(om, person):
    failure = record(om, person, community_order(person))
    page = client_for(om).get(failure_url(failure))
    assert page.status_code == 200
    assert radios(page.text) == {"warn", "refer", "accept_excuse"}
    assert "Waiting for the responsible officer" in page.text  # the state's label
    assert "a warning is allowed" in page.text
    assert "Referral to: NPS enforcement officer" in page.text


def test_a_second_failure_within_12_months_offers_only_the_referral(om, person):
    sentence = community_order(person)
    decide(om, record(om, person, sentence, on=TODAY - datetime.timedelta(days=30)), "warn")
    second = record(om, person, sentence, on=TODAY)
    page = client_for(om).get(failure_url(second))
    assert radios(page.text) == {"refer", "accept_excuse"}
    assert "No warning is allowed." in page.text
    assert "no further warning is allowed" in page.text
    # A warning posted anyway is refused with the rule's reason, in the error summary.
    refused = client_for(om).post(failure_url(second), {"action": "warn", "notes": ""})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.text
    assert "no further warning is allowed" in refused.text
    second.refresh_from_db()
    assert second.state == FailureState.AWAITING_DECISION


def test_a_senior_attendance_centre_failure_offers_hmcts_only(om, person):
    sac = sentence_of(
        person, "SENIOR_ATTENDANCE_CENTRE", attendance_centre_hours=12, management="ATTENDANCE_ONLY"
    )
    page = client_for(om).get(failure_url(record(om, person, sac)))
    assert radios(page.text) == {"notify_hmcts", "accept_excuse"}


def test_a_licence_failure_offers_a_warning_and_points_to_the_recall_request(om, person):
    from django.urls import NoReverseMatch, reverse

    failure = record(om, person, on_licence(person))
    page = client_for(om).get(failure_url(failure))
    assert radios(page.text) == {"warn", "accept_excuse"}
    try:
        recall = reverse("enforcement:recall-create", args=[person.crn])
    except NoReverseMatch:
        recall = None
    if recall:
        assert f"{recall}?failure={failure.pk}" in page.text
    else:
        assert 'data-testid="recall-link"' not in page.text


def test_giving_a_warning_from_the_page_shows_the_letter(om, person):
    failure = record(om, person, community_order(person))
    client = client_for(om)
    response = client.post(failure_url(failure), {"action": "warn", "notes": ""})
    assert response.status_code == 302
    page = client.get(failure_url(failure))
    failure.refresh_from_db()
    letter = f"/people/{person.crn}/documents/{failure.warning_letter_id}/"
    assert letter in page.text and "Warning given" in page.text
    assert 'data-testid="decision-form"' not in page.text
    shown = client.get(letter)
    assert shown.status_code == 200 and "Warning: failure to comply" in shown.text
    assert "Give a warning: warning given" in page.text  # the history


def test_a_referral_without_an_account_is_an_error_on_the_field(om, person):
    failure = record(om, person, community_order(person))
    page = client_for(om).post(failure_url(failure), {"action": "refer", "notes": ""})
    assert page.status_code == 200
    assert 'href="#id_notes"' in page.text
    assert not BreachReferral.objects.exists()


def test_who_may_decide_on_the_page(om, eo, person):
    failure = record(om, person, community_order(person))
    page = client_for(eo).get(failure_url(failure))
    assert page.status_code == 200 and radios(page.text) == set()
    assert 'data-testid="waiting-for-officer"' in page.text
    assert client_for(eo).post(failure_url(failure), {"action": "warn"}).status_code == 403
    other_crc = client_for(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert other_crc.get(failure_url(failure)).status_code == 404
    assert other_crc.post(failure_url(failure), {"action": "warn"}).status_code == 404
    noms = client_for(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    assert noms.get(failure_url(failure)).status_code == 200
    assert noms.post(failure_url(failure), {"action": "warn"}).status_code == 403
    failure.refresh_from_db()
    assert failure.state == FailureState.AWAITING_DECISION


# --- The breach referral page ----------------------------------------------------------------


def test_the_enforcement_officer_decides_on_the_page_and_the_crc_cannot(om, eo):
    referral = referred(om)
    crc_page = client_for(om).get(referral_url(referral))
    assert crc_page.status_code == 200
    assert 'data-testid="eo-decision-form"' not in crc_page.text
    assert 'data-testid="withdraw-form"' in crc_page.text
    forbidden = client_for(om).post(
        referral_url(referral),
        {"form": "decide", "action": "decide_court_action", "eo_reasons": "x"},
    )
    assert forbidden.status_code == 403
    client = client_for(eo)
    page = client.get(referral_url(referral))
    assert 'data-testid="eo-decision-form"' in page.text
    assert f"/people/{referral.person.crn}/documents/{referral.pre_breach_pack_id}/" in page.text
    missing = client.post(referral_url(referral), {"form": "decide", "action": ""})
    assert missing.status_code == 200 and "Select your decision" in missing.text
    done = client.post(
        referral_url(referral),
        {"form": "decide", "action": "decide_court_action", "eo_reasons": "Third failure"},
    )
    assert done.status_code == 302
    page = client.get(referral_url(referral))
    assert 'data-testid="court-outcome-form"' in page.text
    assert "Breach proven: revoked and resentenced" in page.text
    assert "suspended sentence activated" not in page.text  # not on a Community Order
    recorded = client.post(
        referral_url(referral),
        {
            "form": "outcome",
            "court_outcome": "FINE",
            "court_outcome_on_day": TODAY.day,
            "court_outcome_on_month": TODAY.month,
            "court_outcome_on_year": TODAY.year,
        },
    )
    assert recorded.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "COURT_OUTCOME" and referral.court_outcome == "FINE"


def test_a_second_decision_on_the_page_says_who_decided(om, eo):
    referral = referred(om)
    eo_decide(eo, referral, "decide_no_further_action")
    page = client_for(staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL")).post(
        referral_url(referral),
        {"form": "decide", "action": "decide_court_action", "eo_reasons": "Court"},
    )
    assert page.status_code == 200 and "govuk-error-summary" in page.text
    assert eo.get_full_name() in page.text


def test_the_responsible_officer_sends_a_returned_referral_back(om, eo):
    referral = referred(om)
    eo_decide(eo, referral, "return_with_advice", "Add the compliance since the order")
    client = client_for(om)
    assert 'data-testid="returned-form"' in client.get(referral_url(referral)).text
    response = client.post(
        referral_url(referral),
        {"form": "returned", "action": "resubmit", "notes": "Attended 2 of 6 since"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "AWAITING_EO"


# --- The enforcement officers' queue ---------------------------------------------------------


def test_the_queue_shows_business_days_and_overdue_first(om, eo):
    soon, overdue = referred(om), referred(om)
    BreachReferral.objects.filter(pk=overdue.pk).update(due_by=TODAY - datetime.timedelta(days=7))
    page = client_for(eo).get("/enforcement/breach-referrals/")
    assert page.status_code == 200
    assert page.text.index(overdue.person.crn) < page.text.index(soon.person.crn)
    assert "Overdue by" in page.text and "business days left" in page.text
    assert "Waiting for the NPS enforcement officer" in page.text


def test_the_queue_is_for_nps_enforcement_staff(om):
    referred(om)
    assert client_for(om).get("/enforcement/breach-referrals/").status_code == 403
    london = client_for(staff("NPS_ENFORCEMENT_OFFICER", "NPS-LON"))
    assert 'data-testid="eo-queue-row"' not in london.get("/enforcement/breach-referrals/").text


def test_the_queue_costs_the_same_queries_at_any_length(om, eo, django_assert_num_queries):
    client = client_for(eo)
    referred(om)
    client.get("/enforcement/breach-referrals/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as one_row:
        assert client.get("/enforcement/breach-referrals/").status_code == 200
    for _ in range(4):
        eo_decide(eo, referred(om), "decide_court_action")
    with django_assert_num_queries(len(one_row)):
        page = client.get("/enforcement/breach-referrals/")
    assert page.text.count('data-testid="eo-queue-row"') == 5
