"""Confirming an allocation: one atomic, audited decision that makes the chosen provider
responsible, moves the case from the NPS court team, records the PbR cohort, demands a
clinical judgement where the rules ask or the officer departs from them, and happens once
even when two officers confirm at the same moment."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from allocation import services
from allocation.models import AllocationDecision
from probation.models import AuditEvent, OffenderManagerAssignment
from tests.probation.factories import (
    org,
    person_of,
    requirement_of,
    sentence_of,
    staff,
    team_of,
)

pytestmark = pytest.mark.django_db


RSR_FROM_OASYS = {"rsr_assessed_on": datetime.date(2026, 11, 2), "rsr_source": "OASYS"}


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def new_case(**person_fields):
    """A person recorded at court: the NPS holds them until allocation."""
    person = person_of("NPS", ldu_crc="CRC11", **person_fields)
    OffenderManagerAssignment.objects.create(
        person=person,
        provider=org("NPS"),
        team=team_of(org("NPS-WAL")),
        started_at=datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC),
    )
    sentence = sentence_of(person, sentence_date=datetime.date.today())
    requirement_of(sentence, "UNPAID_WORK")
    return person, sentence


def test_allocating_to_the_home_crc(officer):
    person, sentence = new_case()
    crc_team = team_of(org("CRC11"))
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=crc_team,
        inputs={"rosh": "MEDIUM", "rsr_score": 2.0, **RSR_FROM_OASYS},
    )
    person.refresh_from_db()
    sentence.refresh_from_db()
    assert (decision.recommended_rule, decision.organisation.code) == ("HOME_CPA_CRC", "CRC11")
    assert person.responsible_provider.code == "CRC11"
    assert sentence.pbr_provider.code == "CRC11"
    current = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=True)
    assert current.team == crc_team and current.provider.code == "CRC11"
    assert OffenderManagerAssignment.objects.filter(person=person).count() == 2
    assert decision.within_deadline and decision.inputs["rosh"] == "MEDIUM"
    assert AuditEvent.objects.filter(object_type="allocation.allocationdecision").exists()


def test_high_rsr_needs_a_judgement_and_nothing_changes_without_it(officer):
    person, sentence = new_case()
    kwargs = dict(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "MEDIUM", "rsr_score": 6.9, **RSR_FROM_OASYS},
    )
    with pytest.raises(ValidationError) as refused:
        services.allocation_confirm(**kwargs)
    assert "judgement" in refused.value.message_dict
    person.refresh_from_db()
    assert person.responsible_provider.code == "NPS"
    assert not AllocationDecision.objects.exists()
    decision = services.allocation_confirm(**kwargs, judgement="Stable, protective factors")
    assert decision.judgement == "Stable, protective factors"


def test_departing_from_the_recommendation_needs_a_judgement(officer):
    person, sentence = new_case()
    nps_team = team_of(org("NPS-WAL"))
    kwargs = dict(
        actor=officer, crn=person.crn, number=sentence.number, decision="NPS", team=nps_team
    )
    with pytest.raises(ValidationError) as refused:
        services.allocation_confirm(**kwargs, inputs={"rosh": "LOW"})
    assert "judgement" in refused.value.message_dict
    decision = services.allocation_confirm(
        **kwargs, inputs={"rosh": "LOW"}, judgement="Police intelligence on gang links"
    )
    assert (decision.recommended_decision, decision.decision) == ("CRC", "NPS")
    assert decision.pbr_provider is None


def test_high_rosh_goes_to_the_nps_outside_pbr(officer):
    person, sentence = new_case()
    decision = services.allocation_confirm(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="NPS",
        team=team_of(org("NPS-WAL")),
        inputs={"rosh": "HIGH"},
    )
    sentence.refresh_from_db()
    assert decision.recommended_rule == "HIGH_ROSH" and sentence.pbr_provider is None


def test_a_sentence_is_allocated_once(officer):
    person, sentence = new_case()
    kwargs = dict(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    services.allocation_confirm(**kwargs)
    with pytest.raises(ValidationError, match="allocated this sentence"):
        services.allocation_confirm(**kwargs)


def test_only_allocation_officers_allocate():
    person, sentence = new_case()
    for role, organisation in (("NPS_OFFENDER_MANAGER", "NPS-WAL"), ("CRC_MANAGER", "CRC11")):
        with pytest.raises(PermissionDenied):
            services.allocation_confirm(
                actor=staff(role, organisation),
                crn=person.crn,
                number=sentence.number,
                decision="CRC",
                team=team_of(org("CRC11")),
            )


def test_the_team_must_belong_to_the_chosen_provider(officer):
    person, sentence = new_case()
    with pytest.raises(ValidationError) as refused:
        services.allocation_confirm(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            decision="CRC",
            team=team_of(org("CRC20")),
            inputs={"rosh": "LOW"},
        )
    assert "team" in refused.value.message_dict
    assert not AllocationDecision.objects.exists()


def test_em_only_orders_are_not_allocated(officer):
    person = person_of("NPS", ldu_crc="CRC11")
    sentence = sentence_of(person)
    requirement_of(sentence, "CURFEW_EM", curfew_hours_per_day=8)
    with pytest.raises(ValidationError) as refused:
        services.allocation_confirm(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            decision="CRC",
            team=team_of(org("CRC11")),
        )
    assert "Electronic Monitoring" in str(refused.value)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_confirming_at_once_make_one_decision():
    person, sentence = new_case()
    officers = [staff("NPS_ALLOCATION_OFFICER", "NPS-WAL") for _ in range(2)]
    barrier = threading.Barrier(len(officers))
    outcomes = []

    def confirm(officer):
        try:
            barrier.wait()
            services.allocation_confirm(
                actor=officer,
                crn=person.crn,
                number=sentence.number,
                decision="CRC",
                team=team_of(org("CRC11")),
                inputs={"rosh": "LOW"},
            )
            outcomes.append("allocated")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("allocated") == 1, outcomes
    assert any("allocated this sentence" in o for o in outcomes), outcomes
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 1
    assert (
        OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).count() == 1
    )
