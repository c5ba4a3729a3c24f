"""Intelligence from the NPS to a CRC, serious further offences and Victim Summary Reports
(DOMAIN.md 5; enforcement.intelligence, enforcement.sfo): who may share, acknowledge,
record, review and report; the deadlines from settings; each step once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from enforcement import intelligence, sfo
from enforcement.models import VictimSummaryReport
from probation import clock
from probation.calendar import add_business_days
from probation.models import CaseDocument, Notification, OffenderManagerAssignment
from probation.workflow import InvalidTransition
from tests.probation.factories import org, person_of, staff, team_of

pytestmark = pytest.mark.django_db


def crc_case():
    """A CRC11 case managed by the CRC's team (in NPS-WAL's division)."""
    person = person_of("CRC11")
    OffenderManagerAssignment.objects.create(
        person=person, provider=org("CRC11"), team=team_of(org("CRC11")), started_at=clock.now()
    )
    return person


def share(actor, person, **kwargs):
    fields = dict(source="POLICE", summary="Arrested after a fight outside a pub")
    return intelligence.intelligence_share(actor=actor, crn=person.crn, **{**fields, **kwargs})


# --- Intelligence ---------------------------------------------------------------------------------


def test_intelligence_waits_on_the_crc_team_managing_the_case(settings):
    settings.INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS = 1
    person = crc_case()
    record = share(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person)
    assert record.state == "AWAITING_ACKNOWLEDGEMENT"
    assert record.provider == org("CRC11") == record.waiting_on
    assert record.shared_by_organisation == org("NPS-WAL")
    assert record.due_by == add_business_days(clock.today(), 1)
    notice = Notification.objects.get(key=f"intelligence:{record.pk}:shared")
    assert (notice.kind, notice.organisation, notice.team, notice.person) == (
        "INTELLIGENCE",
        org("CRC11"),
        team_of(org("CRC11")),
        person,
    )


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("NPS_SENIOR_MANAGER", "NPS-WAL", None),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", None),
        ("NPS_ALLOCATION_MANAGER", "NPS-WAL", None),
        ("NPS_ALLOCATION_OFFICER", "NPS-WAL", PermissionDenied),
        ("NPS_COURT_OFFICER", "NPS-WAL", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-LON", Http404),
        ("CRC_MANAGER", "CRC11", PermissionDenied),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", "allowed"),
)
def test_who_passes_intelligence_on(role, organisation, refusal):
    person = crc_case()
    actor = staff(role, organisation)
    if refusal is None:
        assert share(actor, person).shared_by == actor
    else:
        with pytest.raises(refusal):
            share(actor, person)


def test_intelligence_is_for_a_crc_case():
    person = person_of("NPS", ldu_crc="CRC11")
    with pytest.raises(ValidationError, match="The NPS manages this case"):
        share(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"source": "RUMOUR"}, "source"), ({"summary": "  "}, "summary")],
    ids=["unknown-source", "no-summary"],
)
def test_sharing_errors_name_their_field(kwargs, field):
    with pytest.raises(ValidationError) as error:
        share(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), crc_case(), **kwargs)
    assert field in error.value.message_dict


def test_the_crc_acknowledges_once_with_its_response():
    person = crc_case()
    record = share(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person)
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    acknowledge = intelligence.intelligence_acknowledge
    with pytest.raises(ValidationError) as error:
        acknowledge(actor=officer, crn=person.crn, intelligence_id=record.pk, response="")
    assert "response" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        acknowledge(
            actor=staff("NPS_SENIOR_MANAGER", "NPS-WAL"),
            crn=person.crn,
            intelligence_id=record.pk,
            response="Noted",
        )
    with pytest.raises(Http404):
        acknowledge(
            actor=staff("CRC_OFFENDER_MANAGER", "CRC20"),
            crn=person.crn,
            intelligence_id=record.pk,
            response="Noted",
        )
    done = acknowledge(
        actor=officer, crn=person.crn, intelligence_id=record.pk, response="Plan reviewed today"
    )
    assert done.state == "ACKNOWLEDGED" and done.acknowledged_by == officer
    assert done.response == "Plan reviewed today" and done.due_by is None
    with pytest.raises(InvalidTransition, match="acknowledged"):
        acknowledge(actor=officer, crn=person.crn, intelligence_id=record.pk, response="Again")


# --- Serious further offences ---------------------------------------------------------------------


def record_sfo(actor, person, **kwargs):
    fields = dict(charged_on=clock.today() - datetime.timedelta(days=2), offence="Robbery")
    return sfo.sfo_record(actor=actor, crn=person.crn, **{**fields, **kwargs})


def test_recording_an_sfo_notifies_noms_and_opens_the_review(settings):
    settings.SFO_REVIEW_BUSINESS_DAYS = 60
    person = crc_case()
    recorded = record_sfo(staff("CRC_OFFENDER_MANAGER", "CRC11"), person)
    assert recorded.state == "REVIEW_DUE" and recorded.provider == org("CRC11")
    assert recorded.waiting_on == org("CRC11")
    assert recorded.due_by == add_business_days(clock.today(), 60)
    assert recorded.noms_notified_at == recorded.opened_at
    assert recorded.outcome == "AWAITING_TRIAL"
    notice = Notification.objects.get(key=f"sfo:{recorded.pk}:noms")
    assert (notice.kind, notice.organisation) == ("SERIOUS_FURTHER_OFFENCE", org("NOMS"))
    assert "Robbery" in notice.title


def test_an_nps_case_is_reviewed_by_the_persons_division():
    person = person_of("NPS", ldu_crc="CRC11")
    recorded = record_sfo(staff("NPS_OFFENDER_MANAGER", "NPS-WAL"), person)
    assert recorded.provider == org("NPS-WAL") == recorded.waiting_on
    reviewed = sfo.sfo_review_complete(
        actor=staff("NPS_SENIOR_MANAGER", "NPS-WAL"),
        crn=person.crn,
        sfo_id=recorded.pk,
        findings="Contacts were kept",
    )
    assert reviewed.state == "REVIEWED"


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("CRC_MANAGER", "CRC11", None),
        ("PRISON_RESETTLEMENT_WORKER", "CRC11", PermissionDenied),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", "allowed"),
)
def test_who_records_an_sfo(role, organisation, refusal):
    person = crc_case()
    actor = staff(role, organisation)
    if refusal is None:
        assert record_sfo(actor, person).reported_by == actor
    else:
        with pytest.raises(refusal):
            record_sfo(actor, person)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"offence": ""}, "offence"),
        ({"charged_on": None}, "charged_on"),
        ({"charged_on": "tomorrow"}, "charged_on"),
    ],
    ids=["no-offence", "no-date", "charged-tomorrow"],
)
def test_sfo_errors_name_their_field(kwargs, field):
    if kwargs.get("charged_on") == "tomorrow":
        kwargs["charged_on"] = clock.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        record_sfo(staff("CRC_OFFENDER_MANAGER", "CRC11"), crc_case(), **kwargs)
    assert field in error.value.message_dict


def test_a_manager_completes_the_review_once_with_findings():
    person = crc_case()
    recorded = record_sfo(staff("CRC_OFFENDER_MANAGER", "CRC11"), person)
    complete = sfo.sfo_review_complete
    with pytest.raises(PermissionDenied):
        complete(
            actor=staff("CRC_OFFENDER_MANAGER", "CRC11"),
            crn=person.crn,
            sfo_id=recorded.pk,
            findings="x",
        )
    manager = staff("CRC_MANAGER", "CRC11")
    with pytest.raises(ValidationError) as error:
        complete(actor=manager, crn=person.crn, sfo_id=recorded.pk, findings=" ")
    assert "findings" in error.value.message_dict
    done = complete(actor=manager, crn=person.crn, sfo_id=recorded.pk, findings="Risk missed")
    assert done.state == "REVIEWED" and done.reviewed_by == manager and done.due_by is None
    with pytest.raises(InvalidTransition, match="completed"):
        complete(actor=manager, crn=person.crn, sfo_id=recorded.pk, findings="Again")


# --- The outcome of the charge and the Victim Summary Report --------------------------------------


def outcome(actor, person, recorded, **kwargs):
    fields = dict(outcome="CONVICTED", outcome_on=clock.today(), victims_opted_in=True)
    return sfo.sfo_outcome(actor=actor, crn=person.crn, sfo_id=recorded.pk, **{**fields, **kwargs})


def test_a_conviction_with_victims_opted_in_makes_a_report_due(settings):
    settings.VSR_BUSINESS_DAYS = 20
    person = crc_case()
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    recorded = record_sfo(officer, person)
    convicted = outcome(officer, person, recorded)
    assert convicted.outcome == "CONVICTED" and convicted.victims_opted_in is True
    vsr = VictimSummaryReport.objects.get(sfo=recorded)
    assert (vsr.state, vsr.provider, vsr.waiting_on) == ("DUE", org("CRC11"), org("CRC11"))
    assert vsr.due_by == add_business_days(clock.today(), 20)
    with pytest.raises(ValidationError, match="recorded already"):
        outcome(officer, person, recorded, outcome="NOT_CONVICTED")
    assert VictimSummaryReport.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "report"),
    [
        ({"outcome": "NOT_CONVICTED", "victims_opted_in": None}, False),
        ({"victims_opted_in": False}, False),
    ],
    ids=["not-convicted", "victims-did-not-opt-in"],
)
def test_no_report_otherwise(kwargs, report):
    person = crc_case()
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    recorded = outcome(officer, person, record_sfo(officer, person), **kwargs)
    assert VictimSummaryReport.objects.filter(sfo=recorded).exists() is report


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "AWAITING_TRIAL"}, "outcome"),
        ({"outcome_on": None}, "outcome_on"),
        ({"outcome_on": "before-charge"}, "outcome_on"),
        ({"victims_opted_in": None}, "victims_opted_in"),
    ],
    ids=["no-outcome", "no-date", "before-the-charge", "convicted-without-opt-in-answer"],
)
def test_outcome_errors_name_their_field(kwargs, field):
    person = crc_case()
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    recorded = record_sfo(officer, person)
    if kwargs.get("outcome_on") == "before-charge":
        kwargs["outcome_on"] = recorded.charged_on - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        outcome(officer, person, recorded, **kwargs)
    assert field in error.value.message_dict
    recorded.refresh_from_db()
    assert recorded.outcome == "AWAITING_TRIAL"


def test_only_the_provider_records_the_outcome():
    person = crc_case()
    recorded = record_sfo(staff("CRC_OFFENDER_MANAGER", "CRC11"), person)
    with pytest.raises(PermissionDenied):
        outcome(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person, recorded)


def test_the_report_is_written_once_stored_as_a_document_then_shared_at_a_meeting(settings):
    settings.VSR_MEETING_BUSINESS_DAYS = 20
    person = crc_case()
    officer, manager = staff("CRC_OFFENDER_MANAGER", "CRC11"), staff("CRC_MANAGER", "CRC11")
    outcome(officer, person, record_sfo(officer, person))
    vsr = VictimSummaryReport.objects.get(person=person)
    with pytest.raises(ValidationError) as error:
        sfo.vsr_write(actor=officer, crn=person.crn, vsr_id=vsr.pk, summary="")
    assert "summary" in error.value.message_dict
    with pytest.raises(InvalidTransition, match="due"):
        sfo.vsr_record_meeting(
            actor=manager,
            crn=person.crn,
            vsr_id=vsr.pk,
            meeting_on=clock.today(),
            senior_representative="A. Director",
            victim_liaison_officer="B. Liaison",
        )
    written = sfo.vsr_write(
        actor=officer, crn=person.crn, vsr_id=vsr.pk, summary="What the review found"
    )
    assert written.state == "WRITTEN"
    assert written.due_by == add_business_days(clock.today(), 20)
    document = CaseDocument.objects.get(pk=written.document_id)
    assert document.kind == "VICTIM_SUMMARY_REPORT" and document.person == person
    assert "What the review found" in document.body_html and person.crn in document.body_html
    assert (document.workflow, document.record_id) == ("victim_summary_report", vsr.pk)
    with pytest.raises(InvalidTransition):
        sfo.vsr_write(actor=officer, crn=person.crn, vsr_id=vsr.pk, summary="Again")
    meeting = dict(
        meeting_on=clock.today(),
        senior_representative="A. Director",
        victim_liaison_officer="B. Liaison",
        notes="The victims asked about the review",
    )
    with pytest.raises(PermissionDenied):
        sfo.vsr_record_meeting(actor=officer, crn=person.crn, vsr_id=vsr.pk, **meeting)
    with pytest.raises(ValidationError) as error:
        sfo.vsr_record_meeting(
            actor=manager,
            crn=person.crn,
            vsr_id=vsr.pk,
            **{**meeting, "senior_representative": "", "meeting_on": None},
        )
    assert {"senior_representative", "meeting_on"} <= set(error.value.message_dict)
    shared = sfo.vsr_record_meeting(actor=manager, crn=person.crn, vsr_id=vsr.pk, **meeting)
    assert shared.state == "SHARED" and shared.closed_at is not None
    assert shared.meeting_notes == "The victims asked about the review"
