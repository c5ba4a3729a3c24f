"""Failures to comply and the responsible officer's decision (DOMAIN.md 6;
enforcement.failures): recorded directly or from a contact's outcome, decided with only the
options the law allows – a CO/SSO warning only without one in the 12 months before the
failure (across a leap day), PSS warnings as often as needed, a SAC order to HMCTS only –
each decision through the workflow table, audited, with its documents."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from enforcement import failures
from enforcement.models import BreachReferral, Failure, FailureState
from enforcement.workflows import FAILURE
from probation import contacts
from probation.calendar import add_business_days
from probation.models import (
    AuditEvent,
    CaseDocument,
    Notification,
    Sentence,
    WorkflowEvent,
)
from probation.models.sentences import Management
from probation.workflow import InvalidTransition
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.date.today()


@pytest.fixture
def om():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11")


def community_order(person, kind="COMMUNITY_ORDER", **fields):
    fields.setdefault("sentence_date", TODAY - datetime.timedelta(days=400))
    fields.setdefault("offence_date", fields["sentence_date"] - datetime.timedelta(days=30))
    sentence = sentence_of(person, kind, **fields)
    requirement_of(sentence, "UNPAID_WORK")
    return sentence


def on_licence(person, *, pss=False):
    """A custodial sentence whose licence runs today, or (``pss``) whose licence ended and
    whose post-sentence supervision runs today."""
    if pss:
        dates = dict(
            licence_start_date=TODAY - datetime.timedelta(days=300),
            licence_end_date=TODAY - datetime.timedelta(days=100),
            pss_start_date=TODAY - datetime.timedelta(days=99),
            pss_end_date=TODAY + datetime.timedelta(days=200),
        )
    else:
        dates = dict(
            licence_start_date=TODAY - datetime.timedelta(days=100),
            licence_end_date=TODAY + datetime.timedelta(days=200),
        )
    return sentence_of(
        person,
        "CUSTODIAL",
        term_months=10,
        sentence_date=TODAY - datetime.timedelta(days=400),
        offence_date=TODAY - datetime.timedelta(days=500),
        **dates,
    )


def record(actor, person, sentence, on=None, **kwargs):
    return failures.failure_record(
        actor=actor,
        crn=person.crn,
        sentence_number=sentence.number,
        failure_date=on or TODAY - datetime.timedelta(days=1),
        description=kwargs.pop("description", "Did not attend the office appointment"),
        **kwargs,
    )


def decide(actor, failure, action, notes=""):
    return failures.failure_decide(
        actor=actor, crn=failure.person.crn, failure_id=failure.pk, action=action, notes=notes
    )


def earlier_warning(person, sentence, warned_on, enforced_as="COMMUNITY_ORDER"):
    """A warning given on ``warned_on`` for an earlier failure (written straight to the
    database: the services date warnings today)."""
    failure = Failure(
        person=person,
        sentence=sentence,
        enforced_as=enforced_as,
        failure_date=warned_on,
        description="Missed an unpaid work session",
        provider=person.responsible_provider,
        recorded_by=staff("CRC_OFFENDER_MANAGER", "CRC11"),
        warned_on=warned_on,
    )
    FAILURE.open(failure, state=FailureState.AWAITING_DECISION, actor=failure.recorded_by)
    Failure.objects.filter(pk=failure.pk).update(state=FailureState.WARNED)
    return failure


# --- Recording ---------------------------------------------------------------------------------


def test_a_failure_waits_for_the_responsible_officer_with_its_deadline(om, person):
    sentence = community_order(person)
    failure = record(om, person, sentence)
    assert failure.state == FailureState.AWAITING_DECISION
    assert failure.enforced_as == "COMMUNITY_ORDER"
    assert failure.provider == org("CRC11") and failure.waiting_on == org("CRC11")
    assert failure.due_by == add_business_days(timezone.localdate(failure.opened_at), 2)
    event = WorkflowEvent.objects.get(workflow="failure", record_id=failure.pk)
    assert (event.action, event.to_state, event.actor) == ("open", "AWAITING_DECISION", om)
    assert AuditEvent.objects.filter(
        action="CREATE", object_type="enforcement.failure", person_crn=person.crn
    ).exists()
    told = Notification.objects.get(kind="ENFORCEMENT", person=person)
    assert told.organisation == org("CRC11")
    assert told.url == f"/enforcement/people/{person.crn}/failures/{failure.pk}/"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"on": TODAY + datetime.timedelta(days=1)}, "failure_date"),
        ({"number": 99}, "sentence_number"),
        ({"number": None}, "sentence_number"),
        ({"description": "  "}, "description"),
        ({"on": TODAY - datetime.timedelta(days=500)}, "failure_date"),  # before sentence
        ({"terminated": True}, "sentence_number"),
        ({"management": Management.EM_ONLY}, "sentence_number"),
    ],
    ids=[
        "future-date",
        "unknown-sentence",
        "no-sentence",
        "no-description",
        "before-sentence",
        "terminated-sentence",
        "not-supervised",
    ],
)
def test_a_failure_that_cannot_be_true_is_refused_with_field_errors(om, person, change, field):
    sentence = community_order(person)
    if change.get("terminated"):
        Sentence.objects.filter(pk=sentence.pk).update(status="TERMINATED")
    if "management" in change:
        Sentence.objects.filter(pk=sentence.pk).update(management=change["management"])
    with pytest.raises(ValidationError) as error:
        failures.failure_record(
            actor=om,
            crn=person.crn,
            sentence_number=change.get("number", sentence.number),
            failure_date=change.get("on", TODAY),
            description=change.get("description", "Did not attend"),
        )
    assert field in error.value.message_dict
    assert not Failure.objects.exists()


def test_a_sentence_not_enforced_this_way_is_refused(om, person):
    deferred = sentence_of(person, "DEFERRED", deferred_until=TODAY + datetime.timedelta(days=90))
    in_custody = sentence_of(person, "CUSTODIAL", term_months=24)
    with pytest.raises(ValidationError) as error:
        record(om, person, deferred)
    assert "is not enforced this way" in error.value.message_dict["sentence_number"][0]
    with pytest.raises(ValidationError) as error:
        record(om, person, in_custody)
    assert "not on licence" in error.value.message_dict["failure_date"][0]


@pytest.mark.parametrize(
    ("make", "enforced_as"),
    [
        (lambda p: community_order(p), "COMMUNITY_ORDER"),
        (lambda p: community_order(p, "SUSPENDED_SENTENCE_ORDER"), "SUSPENDED_SENTENCE_ORDER"),
        (lambda p: on_licence(p), "LICENCE"),
        (lambda p: on_licence(p, pss=True), "PSS"),
        (
            lambda p: sentence_of(
                p,
                "SENIOR_ATTENDANCE_CENTRE",
                attendance_centre_hours=24,
                management=Management.ATTENDANCE_ONLY,
            ),
            "SENIOR_ATTENDANCE_CENTRE",
        ),
    ],
    ids=["co", "sso", "licence", "pss", "sac"],
)
def test_what_is_enforced_follows_the_sentence_on_the_day(om, person, make, enforced_as):
    assert record(om, person, make(person)).enforced_as == enforced_as


@pytest.mark.parametrize(
    ("role", "organisation", "error"),
    [
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", PermissionDenied),
        ("PRISON_RESETTLEMENT_WORKER", "CRC11", PermissionDenied),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=["nps-enforcement-officer", "resettlement-worker", "noms", "other-crc"],
)
def test_only_the_responsible_officer_records_a_failure(person, role, organisation, error):
    sentence = community_order(person)
    with pytest.raises(error):
        record(staff(role, organisation), person, sentence)
    assert not Failure.objects.exists()


# --- Warnings: the 12-month rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "warned_on", "allowed"),
    [
        ("COMMUNITY_ORDER", D(2023, 2, 28), True),
        ("COMMUNITY_ORDER", D(2023, 3, 1), False),
        ("SUSPENDED_SENTENCE_ORDER", D(2023, 2, 28), True),
        ("SUSPENDED_SENTENCE_ORDER", D(2023, 3, 1), False),
        ("COMMUNITY_ORDER", D(2024, 2, 29), False),
    ],
    ids=[
        "co-warning-12-months-to-the-day-before-leap-day-allows",
        "co-warning-a-day-later-bars",
        "sso-warning-12-months-to-the-day-allows",
        "sso-warning-a-day-later-bars",
        "co-warning-on-the-failure-day-bars",
    ],
)
def test_a_warning_on_an_order_only_without_one_in_the_12_months_before(
    om, person, kind, warned_on, allowed
):
    """A failure on 29 February 2024 looks back to 28 February 2023: a warning given that
    day is not within the 12 months; one given on 1 March 2023 is."""
    sentence = community_order(person, kind, sentence_date=D(2022, 6, 1))
    earlier_warning(person, sentence, warned_on, enforced_as=kind)
    failure = record(om, person, sentence, on=D(2024, 2, 29))
    offered = {t.action for t in FAILURE.actions_for(om, failure)}
    assert ("warn" in offered) is allowed
    if allowed:
        decided = decide(om, failure, "warn")
        assert decided.state == FailureState.WARNED
    else:
        with pytest.raises(InvalidTransition, match="no further warning is allowed"):
            decide(om, failure, "warn")
        failure.refresh_from_db()
        assert failure.state == FailureState.AWAITING_DECISION and failure.warned_on is None


def test_a_warning_is_dated_today_with_its_letter_and_the_rules_evidence(om, person):
    sentence = community_order(person)
    failure = decide(om, record(om, person, sentence), "warn", notes="First missed session")
    failure.refresh_from_db()
    assert failure.state == FailureState.WARNED and failure.closed_at is not None
    assert failure.warned_on == TODAY and failure.decided_by == om
    assert failure.options["warning_allowed"] is True
    assert failure.options["referral_to"] == "NPS_ENFORCEMENT_OFFICER"
    letter = failure.warning_letter
    assert (letter.kind, letter.workflow, letter.record_id) == (
        "WARNING_LETTER",
        "failure",
        failure.pk,
    )
    assert person.full_name in letter.body_html
    assert "within the next 12 months" in letter.body_html
    assert sentence.reference in letter.body_html
    assert WorkflowEvent.objects.filter(
        workflow="failure", record_id=failure.pk, action="warn", to_state="WARNED"
    ).exists()
    assert AuditEvent.objects.filter(
        action="UPDATE", object_type="enforcement.failure", object_id=str(failure.pk)
    ).exists()


def test_a_failure_is_warned_once_the_second_time_is_refused_naming_who(om, person):
    failure = record(om, person, community_order(person))
    decide(om, failure, "warn")
    with pytest.raises(InvalidTransition, match=f"by {om.get_full_name()}"):
        decide(om, failure, "warn")
    assert CaseDocument.objects.filter(kind="WARNING_LETTER").count() == 1


def test_a_second_failure_within_12_months_must_be_referred(om, person):
    sentence = community_order(person)
    decide(om, record(om, person, sentence, on=TODAY - datetime.timedelta(days=60)), "warn")
    # Warned today: a failure today follows the warning (one dated before it would not).
    second = record(om, person, sentence, on=TODAY)
    assert {t.action for t in FAILURE.actions_for(om, second)} == {"refer", "accept_excuse"}
    with pytest.raises(ValidationError) as error:
        decide(om, second, "refer")
    assert "notes" in error.value.message_dict
    decide(om, second, "refer", notes="Second missed appointment; no contact since.")
    second.refresh_from_db()
    assert second.state == FailureState.REFERRED
    assert second.options["warning_allowed"] is False
    assert second.options["previous_warnings"] == [TODAY.isoformat()]
    referral = BreachReferral.objects.get(failure=second)
    assert referral.state == "AWAITING_EO"
    assert referral.division == person.ldu.division == org("NPS-WAL")
    assert referral.referred_by == om and referral.referred_by_organisation == org("CRC11")
    pack = referral.pre_breach_pack
    assert (pack.kind, pack.workflow, pack.record_id) == (
        "PRE_BREACH_PACK",
        "breach_referral",
        referral.pk,
    )
    assert "Second missed appointment" in pack.body_html
    assert f"{TODAY:%-d %B %Y}" in pack.body_html  # the previous warning
    assert "Unpaid work" in pack.body_html  # the order's requirements
    told = Notification.objects.get(kind="ENFORCEMENT", role="NPS_ENFORCEMENT_OFFICER")
    assert told.organisation == org("NPS-WAL")
    assert told.url == f"/enforcement/people/{person.crn}/breach-referrals/{referral.pk}/"


def test_post_sentence_supervision_allows_a_second_warning_and_a_referral(om, person):
    sentence = on_licence(person, pss=True)
    decide(om, record(om, person, sentence, on=TODAY - datetime.timedelta(days=20)), "warn")
    second = record(om, person, sentence, on=TODAY - datetime.timedelta(days=2))
    assert {t.action for t in FAILURE.actions_for(om, second)} == {
        "warn",
        "refer",
        "accept_excuse",
    }
    decide(om, second, "warn")
    third = record(om, person, sentence)
    decide(om, third, "refer", notes="Third failure on PSS")
    assert Failure.objects.filter(sentence=sentence, state="WARNED").count() == 2
    assert BreachReferral.objects.filter(failure=third).exists()


def test_a_senior_attendance_centre_failure_goes_to_hmcts_only(om, person):
    sentence = sentence_of(
        person,
        "SENIOR_ATTENDANCE_CENTRE",
        attendance_centre_hours=24,
        management=Management.ATTENDANCE_ONLY,
    )
    failure = record(om, person, sentence)
    assert {t.action for t in FAILURE.actions_for(om, failure)} == {
        "notify_hmcts",
        "accept_excuse",
    }
    with pytest.raises(InvalidTransition):
        decide(om, failure, "warn")
    with pytest.raises(InvalidTransition, match="not referred that way"):
        decide(om, failure, "refer", notes="Missed attendance")
    decide(om, failure, "notify_hmcts")
    failure.refresh_from_db()
    assert failure.state == FailureState.HMCTS_NOTIFIED and failure.hmcts_notified_on == TODAY
    assert failure.options["referral_to"] == "HMCTS"


def test_an_order_is_not_sent_to_hmcts_and_a_licence_not_to_the_enforcement_officer(om, person):
    co_failure = record(om, person, community_order(person))
    with pytest.raises(InvalidTransition):
        decide(om, co_failure, "notify_hmcts")
    licence_failure = record(om, person, on_licence(person))
    with pytest.raises(InvalidTransition, match="not referred that way"):
        decide(om, licence_failure, "refer", notes="Missed appointment")
    with pytest.raises(ValidationError) as error:
        decide(om, licence_failure, "request_recall")  # enforcement.recalls' page
    assert "action" in error.value.message_dict
    decide(om, licence_failure, "warn")
    licence_failure.refresh_from_db()
    assert licence_failure.state == FailureState.WARNED


def test_an_excuse_is_accepted_with_what_it_was(om, person):
    failure = record(om, person, community_order(person))
    with pytest.raises(ValidationError) as error:
        decide(om, failure, "accept_excuse")
    assert "notes" in error.value.message_dict
    decide(om, failure, "accept_excuse", notes="In hospital that day; letter seen")
    failure.refresh_from_db()
    assert failure.state == FailureState.EXCUSE_ACCEPTED
    assert failure.decision_notes == "In hospital that day; letter seen"


@pytest.mark.parametrize(
    ("role", "organisation", "error"),
    [
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", PermissionDenied),
        ("PRISON_RESETTLEMENT_WORKER", "CRC11", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=["nps-enforcement-officer", "resettlement-worker", "other-crc"],
)
def test_only_the_responsible_officer_decides(om, person, role, organisation, error):
    failure = record(om, person, community_order(person))
    with pytest.raises(error):
        decide(staff(role, organisation), failure, "warn")
    failure.refresh_from_db()
    assert failure.state == FailureState.AWAITING_DECISION


def test_a_failure_of_another_person_is_not_found_under_this_crn(om, person):
    other = person_of("CRC11")
    failure = record(om, other, community_order(other))
    with pytest.raises(Http404):
        failures.failure_decide(
            actor=om, crn=person.crn, failure_id=failure.pk, action="warn", notes=""
        )


# --- From a contact's outcome ---------------------------------------------------------------


def appointment(actor, person, sentence=None, outcome="UNACCEPTABLE_ABSENCE", **fields):
    return contacts.contact_create(
        actor=actor,
        crn=person.crn,
        contact_type="OFFICE_APPOINTMENT",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        sentence_number=sentence.number if sentence else None,
        outcome=outcome,
        **fields,
    )


def test_an_unacceptable_absence_opens_one_failure_however_often_the_outcome_changes(om, person):
    sentence = community_order(person)
    contact = appointment(om, person, sentence, notes="No phone call either")
    failure = Failure.objects.get(contact=contact)
    assert failure.sentence == sentence and failure.recorded_by == om
    assert failure.failure_date == timezone.localdate(contact.starts_at)
    assert "Unacceptable absence" in failure.description
    assert "No phone call either" in failure.description
    contacts.contact_update(
        actor=om, crn=person.crn, contact_id=contact.pk, outcome="ATTENDED_FAILED_TO_COMPLY"
    )
    contacts.contact_update(actor=om, crn=person.crn, contact_id=contact.pk, notes="Changed")
    assert Failure.objects.filter(person=person).count() == 1


def test_an_outcome_changed_away_from_a_failure_closes_it_while_undecided(om, person):
    sentence = community_order(person)
    contact = appointment(om, person, sentence)
    contacts.contact_update(
        actor=om,
        crn=person.crn,
        contact_id=contact.pk,
        outcome="ACCEPTABLE_ABSENCE",
        absence_reason="Hospital appointment, letter seen",
    )
    failure = Failure.objects.get(contact=contact)
    assert failure.state == FailureState.EXCUSE_ACCEPTED
    assert "changed from unacceptable absence to acceptable absence" in failure.decision_notes
    contacts.contact_update(
        actor=om,
        crn=person.crn,
        contact_id=contact.pk,
        outcome="UNACCEPTABLE_ABSENCE",
        absence_reason="",
    )
    assert Failure.objects.filter(person=person).count() == 1  # never a second


def test_a_decided_failure_keeps_its_decision_when_the_outcome_changes(om, person):
    contact = appointment(om, person, community_order(person))
    failure = Failure.objects.get(contact=contact)
    decide(om, failure, "warn")
    contacts.contact_update(
        actor=om, crn=person.crn, contact_id=contact.pk, outcome="ATTENDED_COMPLIED"
    )
    failure.refresh_from_db()
    assert failure.state == FailureState.WARNED


@pytest.mark.parametrize(
    ("sentences", "opened"),
    [(1, True), (2, False), (0, False)],
    ids=["one-enforceable-sentence", "two-sentences-to-choose-from", "no-sentence"],
)
def test_a_contact_naming_no_sentence_uses_the_only_enforceable_one(om, person, sentences, opened):
    for _ in range(sentences):
        community_order(person)
    contact = appointment(om, person)
    assert Failure.objects.filter(contact=contact).exists() is opened


def test_outcomes_that_are_not_failures_open_nothing(om, person):
    sentence = community_order(person)
    appointment(om, person, sentence, outcome="ATTENDED_COMPLIED")
    appointment(om, person, sentence, outcome="")
    assert not Failure.objects.exists()


def test_a_failure_recorded_from_a_contact_directly_is_checked(om, person):
    sentence = community_order(person)
    complied = appointment(om, person, sentence, outcome="ATTENDED_COMPLIED")
    with pytest.raises(ValidationError) as error:
        record(om, person, sentence, contact=complied)
    assert "contact" in error.value.message_dict
    absent = appointment(om, person, sentence)  # opened its failure already
    with pytest.raises(ValidationError) as error:
        record(om, person, sentence, contact=absent.pk)
    assert "already recorded" in error.value.message_dict["contact"][0]
