"""Allocation points other than a new sentence (transfer in, transfer into custody, youth to
adult), the RSR recorded with its date and source, and a concurrent order taking the
person's other sentences to the NPS."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from allocation import referrals, selectors, services
from allocation.models import AllocationDecision, AllocationReferral
from allocation.rules import due_by
from probation.models import AuditEvent, Management, OffenderManagerAssignment, RsrScore
from tests.allocation.test_allocation import RSR_FROM_OASYS, new_case
from tests.probation.factories import (
    api_client,
    org,
    plan_of,
    requirement_of,
    sentence_of,
    staff,
    team_of,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def _old_case(days_ago=40):
    """A sentence passed weeks ago elsewhere, arriving now."""
    person, sentence = new_case()
    sentence.sentence_date = TODAY - datetime.timedelta(days=days_ago)
    sentence.save()
    return person, sentence


# --- transfers in and the allocation clock ---------------------------------------------------


def test_a_transfer_in_starts_the_clock_on_the_day_it_is_received(officer):
    person, sentence = _old_case()
    referral = referrals.referral_record(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        point="TRANSFER_IN",
        received_on=TODAY,
        from_jurisdiction="SCOTLAND",
        transferred_from="Glasgow Criminal Justice Social Work",
    )
    sentence.refresh_from_db()
    clock = selectors.allocation_clock(sentence, today=TODAY)
    assert clock.due_by == due_by(TODAY) and not clock.overdue
    queued = selectors.awaiting_allocation(user=officer).get(pk=sentence.pk)
    assert queued.clock_start == TODAY
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    assert decision.point == "TRANSFER_IN" and decision.due_by == due_by(TODAY)
    assert decision.within_deadline
    assert AuditEvent.objects.filter(
        object_type="allocation.allocationreferral", object_id=str(referral.pk)
    ).exists()


def test_without_a_referral_the_old_sentence_is_overdue(officer):
    person, sentence = _old_case()
    clock = selectors.allocation_clock(sentence, today=TODAY)
    assert clock.due_by == due_by(sentence.sentence_date) and clock.overdue


def test_the_queue_orders_by_the_clock_start_not_the_sentence_date(officer):
    old_person, old_sentence = _old_case(days_ago=60)
    referrals.referral_record(
        actor=officer,
        crn=old_person.crn,
        number=old_sentence.number,
        point="TRANSFER_IN",
        received_on=TODAY,
        from_jurisdiction="NORTHERN_IRELAND",
    )
    _, recent = _old_case(days_ago=3)
    queue = list(selectors.awaiting_allocation(user=officer))
    assert queue.index(recent) < queue.index(old_sentence)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"point": "TRANSFER_IN"}, "from_jurisdiction"),
        ({"point": "CUSTODY_TRANSFER"}, "transferred_from"),
        ({"point": "YOUTH_TRANSITION"}, "youth_offending_team"),
        ({"point": "YOUTH_TRANSITION"}, "transition_decided_on"),
        ({"point": "NEW_SENTENCE"}, "point"),
        (
            {"point": "TRANSFER_IN", "received_on": TODAY + datetime.timedelta(days=1)},
            "received_on",
        ),
        (
            {"point": "TRANSFER_IN", "received_on": TODAY - datetime.timedelta(days=41)},
            "received_on",
        ),
    ],
)
def test_a_referral_says_what_its_point_needs(officer, fields, field):
    person, sentence = _old_case()
    with pytest.raises(ValidationError) as refused:
        referrals.referral_record(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            **{"received_on": TODAY, **fields},
        )
    assert field in refused.value.message_dict
    assert not AllocationReferral.objects.exists()


def test_an_allocated_sentence_keeps_its_arrival(officer):
    person, sentence = new_case()
    services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    with pytest.raises(ValidationError):
        referrals.referral_record(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            point="TRANSFER_IN",
            received_on=TODAY,
            from_jurisdiction="SCOTLAND",
        )


def test_crc_staff_do_not_record_arrivals():
    person, sentence = new_case()
    person.responsible_provider = org("CRC11")
    person.save()
    with pytest.raises(PermissionDenied):
        referrals.referral_record(
            actor=staff("CRC_MANAGER", "CRC11"),
            crn=person.crn,
            number=sentence.number,
            point="TRANSFER_IN",
            received_on=TODAY,
            from_jurisdiction="SCOTLAND",
        )


# --- youth to adult --------------------------------------------------------------------------


def test_a_youth_to_adult_transition_records_the_yot_and_brings_the_sentence_into_probation(
    officer,
):
    person, sentence = _old_case()
    sentence.management = Management.UNDER_18
    sentence.save()
    assert not selectors.awaiting_allocation(user=officer).filter(pk=sentence.pk).exists()
    referrals.referral_record(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        point="YOUTH_TRANSITION",
        received_on=TODAY,
        youth_offending_team="Cardiff Youth Offending Service",
        transition_decision="Turned 18; YOT and probation agreed transfer at the review",
        transition_decided_on=TODAY - datetime.timedelta(days=7),
        from_jurisdiction="SCOTLAND",  # not a transfer in: dropped
    )
    sentence.refresh_from_db()
    referral = AllocationReferral.objects.get(sentence=sentence)
    assert sentence.management == Management.MANAGED
    assert referral.youth_offending_team == "Cardiff Youth Offending Service"
    assert referral.from_jurisdiction == ""
    assert selectors.awaiting_allocation(user=officer).filter(pk=sentence.pk).exists()


def test_the_referral_page_shows_errors_then_saves(client, officer):
    person, sentence = _old_case()
    client.force_login(officer)
    url = f"/allocation/{person.crn}/{sentence.number}/referral/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"point": "TRANSFER_IN"})
    page = response.content.decode()
    assert "There is a problem" in page and "Select the jurisdiction" in page
    response = client.post(
        url,
        {
            "point": "TRANSFER_IN",
            "received_on_day": str(TODAY.day),
            "received_on_month": str(TODAY.month),
            "received_on_year": str(TODAY.year),
            "from_jurisdiction": "ISLE_OF_MAN",
        },
    )
    assert response.status_code == 302
    shown = client.get(f"/allocation/{person.crn}/{sentence.number}/").content.decode()
    assert "Transfer in from another UK jurisdiction" in shown and "Isle of Man" in shown


def test_the_referral_api_for_a_court_system():
    person, sentence = _old_case()
    _, key = api_client("NPS-WAL")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/people/{person.crn}/sentences/{sentence.number}/allocation-referral"
    before = api.get(url).json()
    assert (before["point"], before["received_on"]) == (
        "NEW_SENTENCE",
        sentence.sentence_date.isoformat(),
    )
    new = api.put(url, {"point": "NEW_SENTENCE", "received_on": TODAY.isoformat()}, format="json")
    assert new.status_code == 400 and "point" in new.content.decode()
    bad = api.put(url, {"point": "TRANSFER_IN", "received_on": TODAY.isoformat()}, format="json")
    assert bad.status_code == 400 and "from_jurisdiction" in bad.content.decode()
    ok = api.put(
        url,
        {"point": "TRANSFER_IN", "received_on": TODAY.isoformat(), "from_jurisdiction": "JERSEY"},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert api.get(url).json()["from_jurisdiction"] == "JERSEY"
    _, crc_key = api_client("CRC20")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {crc_key}")
    assert other.get(url).status_code == 404


# --- RSR with its date and source ------------------------------------------------------------


def test_an_rsr_given_at_allocation_is_kept_with_its_date_and_source(officer):
    person, sentence = new_case()
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "MEDIUM", "rsr_score": 7.2, **RSR_FROM_OASYS},
        judgement="Protective factors: stable housing and work",
    )
    rsr = RsrScore.objects.get(person=person)
    assert (float(rsr.score), rsr.source, rsr.assessed_on) == (
        7.2,
        "OASYS",
        datetime.date(2026, 11, 2),
    )
    assert decision.inputs["rsr"] == {"score": 7.2, "assessed_on": "2026-11-02", "source": "OASYS"}
    assert decision.inputs["rsr_score"] == 7.2


@pytest.mark.parametrize(
    "given, field",
    [
        ({"rsr_source": "OASYS"}, "rsr_assessed_on"),
        ({"rsr_assessed_on": datetime.date(2026, 11, 2)}, "rsr_source"),
        (
            {"rsr_assessed_on": TODAY + datetime.timedelta(days=1), "rsr_source": "OASYS"},
            "rsr_assessed_on",
        ),
    ],
)
def test_an_rsr_without_its_date_or_source_is_refused(officer, given, field):
    person, sentence = new_case()
    with pytest.raises(ValidationError) as refused:
        services.allocation_confirm(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            decision="CRC",
            team=team_of(org("CRC11")),
            inputs={"rosh": "MEDIUM", "rsr_score": 2.0, **given},
        )
    assert field in refused.value.message_dict
    assert not RsrScore.objects.exists() and not AllocationDecision.objects.exists()


def test_the_recorded_rsr_and_plan_feed_the_recommendation(officer, client):
    person, sentence = new_case()
    plan_of(person, officer, rosh_level="MEDIUM")
    RsrScore.objects.create(
        person=person,
        score=8.1,
        assessed_on=datetime.date(2026, 10, 1),
        source="PRE_SENTENCE_REPORT",
        recorded_at=datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.UTC),
        recorded_by=officer,
    )
    client.force_login(officer)
    page = client.get(f"/allocation/{person.crn}/{sentence.number}/").content.decode()
    assert "8.10% – Pre-sentence report, 1 October 2026" in page
    assert "Clinical judgement required" in page  # RSR 8.1 from the record, RoSH medium


# --- concurrent orders -----------------------------------------------------------------------


def test_a_concurrent_order_meeting_an_nps_rule_takes_both_sentences_to_the_nps(officer):
    person, first = new_case()
    services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=first.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    second = sentence_of(person, sentence_date=TODAY)
    requirement_of(second, "UNPAID_WORK")
    nps_team = team_of(org("NPS-WAL"))
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=second.number,
        decision="NPS",
        team=nps_team,
        inputs={"mappa": True, "rosh": "LOW"},
    )
    assert decision.recommended_rule == "CONCURRENT_ORDER" and decision.moves_existing_sentences
    moved = AllocationDecision.objects.get(sentence=first, kind="CONCURRENT")
    assert moved.organisation.code == "NPS" and moved.team == nps_team
    assert moved.replaces.organisation.code == "CRC11"
    assert moved.pbr_provider.code == "CRC11"  # the first sentence stays in CRC11's cohort
    current = {d.sentence_id: d for d in selectors.current_decisions(person.sentences.all())}
    assert {current[first.pk].decision, current[second.pk].decision} == {"NPS"}
    first.refresh_from_db()
    person.refresh_from_db()
    assert first.pbr_provider.code == "CRC11" and person.responsible_provider.code == "NPS"
    active = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=True)
    assert active.team == nps_team
    assert AuditEvent.objects.filter(
        object_type="allocation.allocationdecision", object_id=str(moved.pk)
    ).exists()


def test_a_concurrent_order_the_crc_keeps_moves_nothing(officer):
    person, first = new_case()
    services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=first.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    second = sentence_of(person, sentence_date=TODAY)
    requirement_of(second, "UNPAID_WORK")
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=second.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    assert decision.recommended_rule == "EXISTING_CRC_CASE"
    assert not AllocationDecision.objects.filter(kind="CONCURRENT").exists()


def test_crc_staff_read_the_arrival_but_cannot_record_it(client):
    person, sentence = new_case()
    person.responsible_provider = org("CRC11")
    person.save()
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    url = f"/allocation/{person.crn}/{sentence.number}/referral/"
    page = client.get(url).content.decode()
    assert "New sentence: the allocation clock started on the sentence date" in page
    assert 'name="point"' not in page
    assert client.post(url, {"point": "TRANSFER_IN"}).status_code == 403
    assert not AllocationReferral.objects.exists()


def test_custody_of_the_last_five_years_is_totalled_from_the_record(client, officer):
    """The trap: a foreign national given under 12 months goes to a CRC even though the
    recorded custody of the last five years adds up to 12 months or more."""
    person, _ = new_case(foreign_national=True, nationality="Polish")
    for years_ago, months in ((2, 8), (4, 6), (6, 24)):  # the last one is outside the 5 years
        sentenced = TODAY - datetime.timedelta(days=365 * years_ago)
        sentence_of(
            person,
            "CUSTODIAL",
            sentence_date=sentenced,
            offence_date=sentenced - datetime.timedelta(days=60),
            term_months=months,
            status="COMPLETED",
        )
    current = sentence_of(person, "CUSTODIAL", sentence_date=TODAY, term_months=10)
    facts = selectors.case_facts(person, current)
    assert facts.initial["aggregate_custody_last_5_years_months"] == 14
    client.force_login(officer)
    page = client.get(f"/allocation/{person.crn}/{current.number}/").content.decode()
    assert 'value="14"' in page
    assert "rule HOME_CPA_CRC" in page


@pytest.mark.parametrize(
    ("months", "days", "rule"),
    [(0, 20, "HOME_CPA_CRC"), (11, 29, "HOME_CPA_CRC"), (12, 0, "FOREIGN_NATIONAL")],
)
def test_a_recorded_custodial_term_in_days_reaches_the_rules(client, officer, months, days, rule):
    """A term under a month once made the page fail ("no term given"); a foreign national
    just under 12 months still goes to the CRC, at 12 to the NPS."""
    person, _ = new_case(foreign_national=True, nationality="Polish")
    custody = sentence_of(
        person, "CUSTODIAL", sentence_date=TODAY, term_months=months, term_days=days
    )
    client.force_login(officer)
    response = client.get(f"/allocation/{person.crn}/{custody.number}/")
    assert response.status_code == 200
    assert f"rule {rule}" in response.content.decode()
