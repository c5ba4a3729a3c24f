"""The pages of risk escalation, risk reviews, intelligence, SFOs and Victim Summary Reports
(enforcement.views_risk): forms for those who may act, explanations for those who may not,
404 for another organisation's case, and the senior managers' queue in its order, in a
constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from enforcement.models import (
    Intelligence,
    RiskEscalation,
    RiskReview,
    SeriousFurtherOffence,
    VictimSummaryReport,
)
from probation import clock
from probation.models import Licence
from tests.enforcement.test_escalations import allocated_to_crc, decide, raise_for
from tests.enforcement.test_intelligence_sfo import crc_case, outcome, record_sfo, share
from tests.probation.factories import org, sentence_of, staff, team_of

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"enforcement:{name}", args=args)


# --- Raising a referral ---------------------------------------------------------------------------


def test_the_responsible_officer_refers_a_case_from_the_page():
    person, _, officer = allocated_to_crc()
    client = client_of(officer)
    page = client.get(url("escalation-create", person.crn))
    assert page.status_code == 200 and b"Refer to the NPS" in page.content
    response = client.post(
        url("escalation-create", person.crn),
        {"new_information": "Police report threats", "crc_view": "Risk may be high"},
    )
    escalation = RiskEscalation.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == url("risk_escalation", person.crn, escalation.pk)
    again = client.get(url("escalation-create", person.crn))
    assert b"waiting for a decision" in again.content
    assert b'name="new_information"' not in again.content


def test_immediate_risk_without_the_action_taken_is_an_error_on_the_page():
    person, _, officer = allocated_to_crc()
    response = client_of(officer).post(
        url("escalation-create", person.crn),
        {"new_information": "Threats", "crc_view": "High", "immediate_risk": "on"},
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"What you did at once" in response.content
    assert not RiskEscalation.objects.exists()


def test_others_read_why_they_cannot_refer_and_cannot_post():
    person, _, _ = allocated_to_crc()
    manager = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL"))
    page = manager.get(url("escalation-create", person.crn))
    assert page.status_code == 200 and b"Only the responsible officer" in page.content
    assert b"<textarea" not in page.content
    posted = manager.post(url("escalation-create", person.crn), {"new_information": "x"})
    assert posted.status_code == 403
    other_crc = client_of(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert other_crc.get(url("escalation-create", person.crn)).status_code == 404


# --- The referral page and the decision ----------------------------------------------------------


def test_a_senior_manager_decides_high_on_the_page_and_a_second_decision_is_refused():
    person, sentence, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    manager = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL"))
    page = manager.get(url("risk_escalation", person.crn, escalation.pk))
    assert page.status_code == 200 and b"Your decision" in page.content
    assert team_of(org("NPS-WAL")).name.encode() in page.content
    form = {
        "action": "decide",
        "outcome": "high",
        "decision_reason": "Weapon used",
        "nps_team": team_of(org("NPS-WAL")).pk,
        "continued_interventions": "Accredited programme",
        "crc_grantees": [officer.pk],
    }
    response = manager.post(url("risk_escalation", person.crn, escalation.pk), form)
    assert response.status_code == 302
    escalation.refresh_from_db()
    person.refresh_from_db()
    assert escalation.state == "HIGH" and person.responsible_provider == org("NPS")
    sentence.refresh_from_db()
    assert sentence.pbr_provider == org("CRC11")
    late = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL"))
    refused = late.post(url("risk_escalation", person.crn, escalation.pk), form)
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
    assert b"you cannot decide" in refused.content
    # The CRC officer named keeps the case open to deliver the intervention.
    assert (
        client_of(officer).get(url("risk_escalation", person.crn, escalation.pk)).status_code == 200
    )


def test_a_crc_officer_cannot_decide_but_withdraws_on_the_page():
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    client = client_of(officer)
    page = client.get(url("risk_escalation", person.crn, escalation.pk))
    assert b"Your decision" not in page.content and b"Withdraw the referral" in page.content
    decided = client.post(
        url("risk_escalation", person.crn, escalation.pk),
        {"action": "decide", "outcome": "not_high", "decision_reason": "x"},
    )
    assert decided.status_code == 403
    withdrawn = client.post(
        url("risk_escalation", person.crn, escalation.pk), {"action": "withdraw"}
    )
    assert withdrawn.status_code == 302
    escalation.refresh_from_db()
    assert escalation.state == "WITHDRAWN"


def test_a_parallel_recall_is_offered_for_a_person_on_licence():
    person, _, officer = allocated_to_crc()
    today = clock.today()
    custodial = sentence_of(
        person,
        "CUSTODIAL",
        term_months=18,
        licence_start_date=today - datetime.timedelta(days=10),
        licence_end_date=today + datetime.timedelta(days=200),
    )
    Licence.objects.create(sentence=custodial)
    escalation = raise_for(officer, person, immediate_risk=True, immediate_action="Police told")
    page = client_of(officer).get(url("risk_escalation", person.crn, escalation.pk))
    assert b"Immediate risk" in page.content
    try:
        recall = reverse("enforcement:recall-create", args=[person.crn])
    except NoReverseMatch:
        assert b"Request recall in parallel" not in page.content
    else:
        assert f"{recall}?escalation={escalation.pk}".encode() in page.content


def test_another_organisations_records_are_missing():
    person, _, officer = allocated_to_crc(review_by=clock.today() + datetime.timedelta(days=30))
    escalation = raise_for(officer, person)
    review = RiskReview.objects.get(person=person)
    record = share(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person)
    recorded = record_sfo(officer, person)
    outcome(officer, person, recorded)
    vsr = VictimSummaryReport.objects.get(person=person)
    other = client_of(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    london = client_of(staff("NPS_SENIOR_MANAGER", "NPS-LON"))
    for address in (
        url("risk_escalation", person.crn, escalation.pk),
        url("risk_review", person.crn, review.pk),
        url("intelligence", person.crn, record.pk),
        url("sfo_review", person.crn, recorded.pk),
        url("victim_summary_report", person.crn, vsr.pk),
        url("intelligence-create", person.crn),
        url("sfo-create", person.crn),
    ):
        assert other.get(address).status_code == 404, address
        assert london.get(address).status_code == 404, address


# --- The senior managers' queue -------------------------------------------------------------------


def _waiting(*, immediate=False, due_by=None):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(
        officer,
        person,
        immediate_risk=immediate,
        immediate_action="Police told" if immediate else "",
    )
    if due_by is not None:
        RiskEscalation.objects.filter(pk=escalation.pk).update(due_by=due_by)
    return person


def test_the_queue_puts_immediate_risk_first_then_overdue_then_soonest_due():
    today = clock.today()
    later = _waiting(due_by=today + datetime.timedelta(days=7))
    overdue = _waiting(due_by=today - datetime.timedelta(days=3))
    immediate = _waiting(immediate=True)
    soon = _waiting(due_by=today + datetime.timedelta(days=1))
    page = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL")).get(url("escalation-queue"))
    body = page.content.decode()
    positions = [body.index(p.crn) for p in (immediate, overdue, soon, later)]
    assert positions == sorted(positions)
    assert "Overdue" in body and "Immediate risk" in body and "business day" in body
    crc = client_of(staff("CRC_MANAGER", "CRC11")).get(url("escalation-queue"))
    assert crc.status_code == 200 and immediate.crn not in crc.content.decode()
    other = client_of(staff("NPS_SENIOR_MANAGER", "NPS-LON")).get(url("escalation-queue"))
    assert immediate.crn not in other.content.decode()


def test_the_queue_reads_in_constant_queries():
    client = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL"))
    counts = []
    for size in (1, 4):
        while RiskEscalation.objects.filter(state="AWAITING_NPS").count() < size:
            _waiting()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("escalation-queue")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- Risk review ----------------------------------------------------------------------------------


def test_the_review_page_shows_the_date_and_triggers_and_links_to_the_referral():
    review_by = clock.today() + datetime.timedelta(days=30)
    person, _, officer = allocated_to_crc(review_by=review_by, triggers="A new partner")
    review = RiskReview.objects.get(person=person)
    client = client_of(officer)
    page = client.get(url("risk_review", person.crn, review.pk))
    body = page.content.decode()
    assert "A new partner" in body and f"{review_by:%-d %b %Y}" in body
    answer = url("escalation-create", person.crn) + f"?review={review.pk}"
    assert answer in body
    form = client.get(answer)
    assert b"Answers the risk review" in form.content
    client.post(
        answer, {"new_information": "New partner", "crc_view": "Risk may rise", "review": review.pk}
    )
    review.refresh_from_db()
    assert review.state == "REFERRED"
    assert RiskEscalation.objects.get(person=person).risk_review == review


# --- Intelligence ---------------------------------------------------------------------------------


def test_intelligence_is_passed_on_and_acknowledged_on_the_pages():
    person = crc_case()
    manager = client_of(staff("NPS_SENIOR_MANAGER", "NPS-WAL"))
    response = manager.post(
        url("intelligence-create", person.crn), {"source": "POLICE", "summary": "Arrested"}
    )
    record = Intelligence.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == url("intelligence", person.crn, record.pk)
    officer = client_of(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    page = officer.get(url("intelligence-create", person.crn))
    assert page.status_code == 200 and b"<textarea" not in page.content
    assert officer.post(url("intelligence-create", person.crn), {}).status_code == 403
    detail = officer.get(url("intelligence", person.crn, record.pk))
    assert b"Acknowledge" in detail.content
    empty = officer.post(url("intelligence", person.crn, record.pk), {"response": ""})
    assert b"govuk-error-summary" in empty.content
    done = officer.post(url("intelligence", person.crn, record.pk), {"response": "Plan reviewed"})
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.state == "ACKNOWLEDGED"
    twice = officer.post(url("intelligence", person.crn, record.pk), {"response": "Again"})
    assert twice.status_code == 200 and b"you cannot acknowledge" in twice.content


# --- SFO and Victim Summary Report ----------------------------------------------------------------


def test_an_sfo_is_recorded_reviewed_and_its_report_written_and_shared_on_the_pages():
    person = crc_case()
    officer = client_of(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    manager = client_of(staff("CRC_MANAGER", "CRC11"))
    charged = clock.today() - datetime.timedelta(days=3)
    response = officer.post(
        url("sfo-create", person.crn),
        {
            "charged_on_day": charged.day,
            "charged_on_month": charged.month,
            "charged_on_year": charged.year,
            "offence": "Robbery",
        },
    )
    recorded = SeriousFurtherOffence.objects.get(person=person)
    assert response["Location"] == url("sfo_review", person.crn, recorded.pk)
    page = officer.get(url("sfo_review", person.crn, recorded.pk))
    assert b"Record the outcome" in page.content and b"Management review" in page.content
    assert b"Save the review" not in page.content  # the officer is not a manager
    assert (
        manager.post(
            url("sfo_review", person.crn, recorded.pk), {"action": "review", "findings": "Gaps"}
        ).status_code
        == 302
    )
    today = clock.today()
    assert (
        officer.post(
            url("sfo_review", person.crn, recorded.pk),
            {
                "action": "outcome",
                "outcome": "CONVICTED",
                "outcome_on_day": today.day,
                "outcome_on_month": today.month,
                "outcome_on_year": today.year,
                "victims_opted_in": "yes",
            },
        ).status_code
        == 302
    )
    recorded.refresh_from_db()
    assert recorded.state == "REVIEWED" and recorded.outcome == "CONVICTED"
    vsr = VictimSummaryReport.objects.get(sfo=recorded)
    address = url("victim_summary_report", person.crn, vsr.pk)
    assert b"Write the report" in officer.get(address).content
    assert officer.post(address, {"action": "write", "summary": "Findings"}).status_code == 302
    vsr.refresh_from_db()
    assert vsr.document is not None
    assert (
        reverse("document", args=[person.crn, vsr.document_id]).encode()
        in officer.get(address).content
    )
    assert officer.post(address, {"action": "meeting"}).status_code == 403
    bad = manager.post(address, {"action": "meeting", "senior_representative": "A. Director"})
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    shared = manager.post(
        address,
        {
            "action": "meeting",
            "meeting_on_day": today.day,
            "meeting_on_month": today.month,
            "meeting_on_year": today.year,
            "senior_representative": "A. Director",
            "victim_liaison_officer": "B. Liaison",
        },
    )
    assert shared.status_code == 302
    vsr.refresh_from_db()
    assert vsr.state == "SHARED"


def test_the_sfo_form_is_for_the_provider_managing_the_case():
    person = crc_case()
    worker = client_of(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    page = worker.get(url("sfo-create", person.crn))
    assert page.status_code == 200 and b"Only the responsible officer" in page.content
    assert worker.post(url("sfo-create", person.crn), {"offence": "x"}).status_code == 403


def test_a_decided_referral_shows_the_decision_and_its_history():
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    manager = staff("NPS_SENIOR_MANAGER", "NPS-WAL")
    decide(manager, person, escalation, high=False, decision_reason="Threats were withdrawn")
    page = client_of(officer).get(url("risk_escalation", person.crn, escalation.pk))
    body = page.content.decode()
    assert "Threats were withdrawn" in body and manager.display_name in body
    assert "Decide the risk is not high" in body and "Withdraw the referral" not in body
