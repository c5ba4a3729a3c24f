"""The workflow engine (``probation.workflow``) and the tables it runs
(``enforcement.workflows``): every move a table does not list is refused, whoever asks;
each step's deadline comes from the business-day calendar; every move is recorded with who,
when and whether it was in time."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcement import workflows
from enforcement.models import Failure, FailureState
from probation import clock
from probation.calendar import add_business_days, business_days_between, is_business_day
from probation.models import AuditEvent, WorkflowEvent
from probation.workflow import REGISTRY, InvalidTransition, business_days_left, with_models
from tests.probation.factories import person_of, sentence_of, staff

D = datetime.date

ALL = [(wf, state) for wf, _ in workflows.WORKFLOWS for state in wf.states.values]


def test_every_workflow_of_the_app_is_registered_once():
    assert {wf.name for wf, _ in workflows.WORKFLOWS} <= set(REGISTRY)
    assert len({wf.name for wf, _ in workflows.WORKFLOWS}) == len(workflows.WORKFLOWS)


@pytest.mark.django_db
@pytest.mark.parametrize(("wf", "state"), ALL, ids=[f"{w.name}:{s}" for w, s in ALL])
def test_an_action_not_allowed_from_a_state_is_refused(wf, state):
    record = SimpleNamespace(state=state, pk=0)
    allowed = {t.action for t in wf.allowed_from(state)}
    for transition in wf.transitions:
        if transition.action in allowed:
            continue
        with pytest.raises(InvalidTransition) as refused:
            wf.check(record, transition.action, actor=None)
        message = refused.value.messages[0]
        assert wf.states(state).label.lower() in message
        assert transition.label in message


@pytest.mark.parametrize(("wf", "state"), ALL, ids=[f"{w.name}:{s}" for w, s in ALL])
def test_final_states_allow_nothing_and_others_allow_something(wf, state):
    if wf.steps[state].final:
        assert wf.allowed_from(state) == []
    else:
        assert wf.allowed_from(state), f"{wf.name} would be stuck in {state}"


def test_an_unknown_action_is_refused():
    with pytest.raises(InvalidTransition, match="no action 'promote'"):
        workflows.FAILURE.check(
            SimpleNamespace(state="AWAITING_DECISION", pk=0), "promote", actor=None
        )


def test_every_deadline_names_its_setting():
    for wf, _ in with_models():
        for state in wf.deadline_states():
            assert wf.steps[state].deadline_source, f"{wf.name}.{state}"


def test_the_readme_lists_every_deadline_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Deadlines of the workflows", 1)[1].split("\n## ", 1)[0]
    for wf, _ in with_models():
        for state in wf.deadline_states():
            source = wf.steps[state].deadline_source
            for word in source.replace(",", " ").split():
                if word.isupper() and word.endswith("_DAYS"):
                    assert word in section, f"README does not list {word}"


# --- on records ----------------------------------------------------------------------------


def _at(day: D, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def case(db):
    person = person_of("CRC11")
    return SimpleNamespace(
        person=person,
        sentence=sentence_of(person, "COMMUNITY_ORDER", length_months=12),
        officer=staff("CRC_OFFENDER_MANAGER", "CRC11"),
    )


def _open_failure(case, at: datetime.datetime) -> Failure:
    failure = Failure(
        person=case.person,
        sentence=case.sentence,
        enforced_as="COMMUNITY_ORDER",
        failure_date=at.date(),
        description="Did not attend the appointment",
        provider=case.person.responsible_provider,
        recorded_by=case.officer,
    )
    return workflows.FAILURE.open(
        failure, state=FailureState.AWAITING_DECISION, actor=case.officer, at=at
    )


def test_opening_sets_who_must_act_and_the_deadline_across_christmas(case, settings):
    settings.FAILURE_DECISION_BUSINESS_DAYS = 2
    # Thu 24 Dec 2026; Fri 25 and Mon 28 (Boxing Day observed) are bank holidays.
    failure = _open_failure(case, _at(D(2026, 12, 24)))
    assert failure.due_by == D(2026, 12, 30)
    assert failure.waiting_on_id == case.person.responsible_provider_id
    assert failure.closed_at is None
    event = WorkflowEvent.objects.get(workflow="failure", record_id=failure.pk)
    assert (event.action, event.from_state, event.to_state) == ("open", "", "AWAITING_DECISION")
    assert event.actor == case.officer and event.due_by is None
    assert (
        AuditEvent.objects.filter(object_type="enforcement.failure", action="CREATE").count() == 1
    )


@pytest.mark.parametrize(
    ("decided_on", "in_time"), [(D(2026, 12, 30), True), (D(2026, 12, 31), False)]
)
def test_the_event_records_whether_the_step_was_in_time(case, settings, decided_on, in_time):
    settings.FAILURE_DECISION_BUSINESS_DAYS = 2
    failure = _open_failure(case, _at(D(2026, 12, 24)))
    workflows.FAILURE.advance(
        failure, "accept_excuse", actor=case.officer, at=_at(decided_on, 16), notes="In hospital"
    )
    failure.refresh_from_db()
    assert failure.state == FailureState.EXCUSE_ACCEPTED
    assert failure.due_by is None and failure.waiting_on_id is None
    assert failure.closed_at == _at(decided_on, 16)
    event = WorkflowEvent.objects.get(
        workflow="failure", record_id=failure.pk, action="accept_excuse"
    )
    assert event.due_by == D(2026, 12, 30)
    assert event.within_deadline is in_time
    assert event.step_organisation_id == case.person.responsible_provider_id
    assert event.notes == "In hospital"


def test_a_second_decision_is_refused_naming_who_made_the_first(case):
    failure = _open_failure(case, clock.now())
    workflows.FAILURE.advance(failure, "accept_excuse", actor=case.officer)
    with pytest.raises(InvalidTransition) as refused:
        workflows.FAILURE.check(failure, "warn", actor=case.officer)
    message = refused.value.messages[0]
    assert "reasonable excuse accepted" in message
    assert case.officer.get_full_name() in message or case.officer.username in message


def test_someone_the_table_does_not_allow_is_refused(case):
    failure = _open_failure(case, clock.now())
    other_crc = staff("CRC_OFFENDER_MANAGER", "CRC12")
    enforcement_officer = staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL")
    for actor in (other_crc, enforcement_officer):
        with pytest.raises(PermissionDenied, match="Only the responsible officer"):
            workflows.FAILURE.check(failure, "accept_excuse", actor=actor)
    failure.refresh_from_db()
    assert failure.state == FailureState.AWAITING_DECISION


def test_a_guard_refuses_a_warning_the_law_does_not_allow(case):
    first = _open_failure(case, _at(D(2026, 3, 2)))
    first.warned_on = D(2026, 3, 2)
    workflows.FAILURE.advance(first, "warn", actor=case.officer, at=_at(D(2026, 3, 2)))
    second = _open_failure(case, _at(D(2026, 11, 2)))
    with pytest.raises(InvalidTransition, match="no further warning is allowed"):
        workflows.FAILURE.check(second, "warn", actor=case.officer)
    assert [t.action for t in workflows.FAILURE.actions_for(case.officer, second)] == [
        "refer",
        "accept_excuse",
    ]


# --- the calendar behind every deadline ---------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(start=st.dates(D(2025, 1, 1), D(2030, 12, 31)), days=st.integers(0, 25))
def test_a_deadline_is_a_business_day_that_many_business_days_on(start, days):
    due = add_business_days(start, days)
    assert is_business_day(due) and due >= start
    if is_business_day(start):
        assert business_days_between(start, due) == days
    assert business_days_left(due, today=start) == business_days_between(start, due)


@settings(max_examples=100, deadline=None)
@given(due=st.dates(D(2025, 1, 1), D(2030, 12, 31)), late=st.integers(1, 40))
def test_overdue_counts_business_days_past_the_deadline(due, late):
    today = due + datetime.timedelta(days=late)
    assert business_days_left(due, today=today) == -business_days_between(due, today)
    assert business_days_left(None, today=today) is None


def test_the_history_says_what_was_done_and_where_it_led(case):
    from probation.workflow import history

    failure = _open_failure(case, clock.now())
    workflows.FAILURE.advance(failure, "accept_excuse", actor=case.officer, notes="In hospital")
    labels = [event.label for event in history(workflows.FAILURE, failure)]
    assert labels == [
        "Opened: waiting for the responsible officer's decision",
        "Accept a reasonable excuse: reasonable excuse accepted",
    ]
