"""The screening and the resettlement plan as services: who may act at each step, what the
workflow allows, the plan's clocks (who it waits on and by when at each state), lateness at
the boundary day, versions and audit rows, and the notification of the receiving side."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.models import AuditEvent, Notification, NotificationKind
from probation.workflow import InvalidTransition
from resettlement import plans, rules
from resettlement.models import NeedKind, NeedStatus, PlanState, ResettlementPlan, Screening
from tests.probation.factories import org, person_of, staff
from tests.resettlement.days import clear_monday
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db


# A Monday: the plan is due the next Monday (5 business days).
RECEIVED = clear_monday()
PLAN_DUE = RECEIVED + datetime.timedelta(days=7)

PART1 = dict(
    immediate_needs="Tenancy at risk",
    accommodation_need=True,
    employment_need=False,
    finance_debt_need=True,
    abuse_victim_need=True,
    sex_work_need=False,
    other_needs="",
)


@pytest.fixture
def case(freeze):
    """A person allocated to CRC20 received into Cardiff, whose host: lead provider CRC11
    writes the plan and shares it with CRC20."""
    freeze(RECEIVED)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff, received_on=RECEIVED)
    return {
        "prison": cardiff,
        "person": person,
        "episode": episode,
        "officer": prison_officer(cardiff),
        "writer": staff("PRISON_RESETTLEMENT_WORKER", "CRC11"),
        "allocated": staff("CRC_OFFENDER_MANAGER", "CRC20"),
    }


def _plan(case) -> ResettlementPlan:
    return ResettlementPlan.objects.select_related("waiting_on").get(episode=case["episode"])


def _part1(case, actor=None, complete=True, **changes):
    return plans.part1_record(
        actor or case["officer"],
        case["person"].crn,
        case["episode"].pk,
        **{**PART1, **changes},
        complete=complete,
    )


def _part2(case, actor=None, complete=True):
    return plans.part2_record(
        actor or case["writer"],
        case["person"].crn,
        case["episode"].pk,
        assessment="Needs a tenancy and debt advice",
        complete=complete,
    )


def _complete(case, actor=None):
    return plans.plan_complete(
        actor or case["writer"], case["person"].crn, case["episode"].pk, summary="The plan"
    )


def _share(case, actor=None):
    return plans.plan_share(actor or case["writer"], case["person"].crn, case["episode"].pk)


# --- Part 1 ---------------------------------------------------------------------------------


def test_part1_by_the_prison_passes_the_plan_to_its_writer_with_its_needs(case):
    plan = _plan(case)
    assert plan.state == PlanState.SCREENING
    assert plan.waiting_on == case["prison"].organisation
    assert plan.due_by == rules.screening_access_by(RECEIVED) == PLAN_DUE - datetime.timedelta(4)
    _part1(case)
    plan = _plan(case)
    assert plan.state == PlanState.PLANNING
    assert plan.waiting_on == org("CRC11")
    assert plan.due_by == PLAN_DUE == rules.plan_due_by(RECEIVED)
    needs = {n.kind: n for n in plan.needs.select_related("owner")}
    assert set(needs) == {
        NeedKind.ACCOMMODATION,
        NeedKind.EMPLOYMENT_RETENTION,
        NeedKind.EMPLOYMENT_BROKERAGE,
        NeedKind.FINANCE_DEBT,
        NeedKind.ABUSE_VICTIM,
    }
    assert needs[NeedKind.ACCOMMODATION].status == NeedStatus.TO_DO
    assert needs[NeedKind.EMPLOYMENT_RETENTION].status == NeedStatus.NOT_NEEDED
    assert needs[NeedKind.FINANCE_DEBT].status == NeedStatus.TO_DO
    # Accommodation and work after release: the allocated CRC; the rest: the writer.
    assert needs[NeedKind.ACCOMMODATION].owner.code == "CRC20"
    assert needs[NeedKind.EMPLOYMENT_BROKERAGE].owner.code == "CRC20"
    assert needs[NeedKind.EMPLOYMENT_RETENTION].owner.code == "CRC11"
    assert needs[NeedKind.ABUSE_VICTIM].owner.code == "CRC11"


def test_part1_is_versioned_and_audited_and_completes_once(case):
    _part1(case, complete=False)
    assert _plan(case).state == PlanState.SCREENING
    _part1(case, complete=True)
    first = Screening.objects.get(episode=case["episode"]).part1_completed_at
    _part1(case, complete=True, other_needs="Also a dog")
    screening = Screening.objects.get(episode=case["episode"])
    assert screening.part1_completed_at == first
    assert screening.other_needs == "Also a dog"
    assert screening.history.count() == 4  # created at reception, then three saves
    assert {h.history_user for h in screening.history.all()[:3]} == {case["officer"]}
    assert (
        AuditEvent.objects.filter(
            object_type="resettlement.screening", object_id=str(screening.pk), action="UPDATE"
        ).count()
        == 3
    )
    assert _plan(case).state == PlanState.PLANNING


def test_only_the_prison_holding_the_person_records_part1(case):
    with pytest.raises(PermissionDenied):
        _part1(case, actor=case["writer"])
    elsewhere = prison_officer(prison("SWI", lead="CRC11"))
    with pytest.raises(Http404):
        _part1(case, actor=elsewhere)
    assert _plan(case).state == PlanState.SCREENING


def test_part1_of_a_case_with_noms_only_saves(freeze):
    freeze(RECEIVED)
    holding = prison("HLD", resettlement=False)
    person = person_of("NPS", no_fixed_abode=True)
    episode = reception(person, holding, status="REMAND", received_on=RECEIVED)
    plans.part1_record(prison_officer(holding), person.crn, episode.pk, **PART1, complete=True)
    plan = ResettlementPlan.objects.get(episode=episode)
    assert plan.state == PlanState.EXCEPTION and plan.waiting_on == org("NOMS")
    assert Screening.objects.get(episode=episode).part1_completed_at is not None
    assert not plan.needs.exists()


# --- Part 2 ----------------------------------------------------------------------------------


def test_part2_waits_for_part1_and_is_the_writers(case):
    with pytest.raises(ValidationError) as error:
        _part2(case)
    assert "assessment" in error.value.message_dict
    _part1(case)
    for outsider in (
        case["officer"],
        case["allocated"],
        staff("CRC_OFFENDER_MANAGER", "CRC11"),  # the writer's CRC, not resettlement staff
    ):
        with pytest.raises(PermissionDenied):
            _part2(case, actor=outsider)
    _part2(case, complete=False)
    screening = _part2(case)
    assert screening.part2_organisation == org("CRC11")
    assert screening.part2_completed_by == case["writer"]
    assert screening.history.count() == 4  # reception, part 1, two saves of part 2


def test_part2_only_while_the_plan_is_written(case):
    _part1(case)
    _part2(case)
    _complete(case)
    with pytest.raises(InvalidTransition):
        _part2(case)


# --- Completion -------------------------------------------------------------------------------


def test_the_plan_is_not_completed_before_part2(case):
    _part1(case)
    with pytest.raises(InvalidTransition, match="part 2"):
        _complete(case)
    with pytest.raises(PermissionDenied):
        _complete(case, actor=case["officer"])


def test_the_screening_cannot_be_skipped(case):
    with pytest.raises(InvalidTransition):
        _complete(case)


@pytest.mark.parametrize(
    ("completed_on", "late"),
    [(PLAN_DUE, False), (PLAN_DUE + datetime.timedelta(days=1), True)],
)
def test_completion_is_late_after_the_due_day_and_the_sharing_clock_starts(
    case, freeze, completed_on, late
):
    _part1(case)
    _part2(case)
    freeze(completed_on)
    plan = _complete(case)
    plan = _plan(case)
    assert plan.state == PlanState.TO_SHARE
    assert plan.completed_late is late
    assert plan.writer == org("CRC11") and plan.completed_by == case["writer"]
    assert plan.shared_with == org("CRC20")
    assert plan.waiting_on == org("CRC11")
    assert plan.share_due_by == rules.share_due_by(completed_on)
    assert plan.due_by == plan.share_due_by  # the engine's clock is the rules' clock


def test_a_plan_with_nobody_to_share_with_is_complete(freeze):
    freeze(RECEIVED)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC11")
    episode = reception(person, cardiff, received_on=RECEIVED)
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    plans.part1_record(prison_officer(cardiff), person.crn, episode.pk, **PART1, complete=True)
    plans.part2_record(writer, person.crn, episode.pk, assessment="Fine", complete=True)
    plan = plans.plan_complete(writer, person.crn, episode.pk, summary="Plan")
    assert plan.state == PlanState.COMPLETE
    assert plan.waiting_on is None and plan.due_by is None and plan.share_due_by is None
    assert plan.closed_at is not None
    with pytest.raises(InvalidTransition):
        plans.plan_share(writer, person.crn, episode.pk)


def test_completion_needs_a_summary(case):
    _part1(case)
    _part2(case)
    with pytest.raises(ValidationError) as error:
        plans.plan_complete(case["writer"], case["person"].crn, case["episode"].pk, summary=" ")
    assert "summary" in error.value.message_dict
    assert _plan(case).state == PlanState.PLANNING


# --- Sharing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("days_after_due, late", [(0, False), (1, True)])
def test_sharing_is_late_after_its_day_and_tells_the_allocated_crc(
    case, freeze, days_after_due, late
):
    _part1(case)
    _part2(case)
    thursday = RECEIVED + datetime.timedelta(days=3)
    freeze(thursday)  # share by Friday
    _complete(case)
    assert _plan(case).share_due_by == thursday + datetime.timedelta(days=1)
    freeze(thursday + datetime.timedelta(days=1 + days_after_due))
    with pytest.raises(PermissionDenied):
        _share(case, actor=case["allocated"])
    plan = _share(case)
    plan = _plan(case)
    assert plan.state == PlanState.SHARED
    assert plan.shared_late is late
    assert plan.shared_by == case["writer"]
    assert plan.waiting_on is None and plan.closed_at is not None
    notification = Notification.objects.get(key=f"resettlement-plan-shared:{plan.pk}")
    assert notification.kind == NotificationKind.RESETTLEMENT
    assert notification.organisation == org("CRC20")
    assert notification.url.endswith(f"/custody/{case['episode'].pk}/plan/")
    with pytest.raises(InvalidTransition):
        _share(case)
    assert Notification.objects.filter(key__startswith="resettlement-plan-shared").count() == 1


def test_a_plan_for_the_nps_is_addressed_to_the_persons_division(freeze):
    freeze(RECEIVED)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("NPS")
    episode = reception(person, cardiff, received_on=RECEIVED)
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    plans.part1_record(prison_officer(cardiff), person.crn, episode.pk, **PART1, complete=True)
    plans.part2_record(writer, person.crn, episode.pk, assessment="Fine", complete=True)
    plans.plan_complete(writer, person.crn, episode.pk, summary="Plan")
    plan = plans.plan_share(writer, person.crn, episode.pk)
    notification = Notification.objects.get(key=f"resettlement-plan-shared:{plan.pk}")
    assert notification.organisation == person.ldu.division
    assert plan.shared_with.code == "NPS"


def test_the_workflow_refuses_sharing_before_completion(case):
    _part1(case)
    with pytest.raises(InvalidTransition):
        _share(case)


# --- Needs -------------------------------------------------------------------------------------


def test_the_writer_writes_the_needs_while_planning(case):
    crn, episode_id = case["person"].crn, case["episode"].pk
    with pytest.raises(InvalidTransition):
        plans.needs_update(case["writer"], crn, episode_id, needs=[])
    _part1(case)
    with pytest.raises(PermissionDenied):
        plans.needs_update(case["allocated"], crn, episode_id, needs=[])
    with pytest.raises(ValidationError) as error:
        plans.needs_update(
            case["writer"],
            crn,
            episode_id,
            needs=[{"kind": "ACCOMMODATION", "status": "TO_DO", "actions": ""}],
        )
    assert "actions" in error.value.messages[0]
    with pytest.raises(ValidationError):
        plans.needs_update(
            case["writer"],
            crn,
            episode_id,
            needs=[{"kind": "SIGNPOSTING", "status": "DONE", "owner_code": "NOPE"}],
        )
    saved = plans.needs_update(
        case["writer"],
        crn,
        episode_id,
        needs=[
            {"kind": "ACCOMMODATION", "status": "IN_PROGRESS", "actions": "Refer to housing"},
            {"kind": "SIGNPOSTING", "status": "TO_DO", "actions": "Gym", "owner_code": "NPS"},
        ],
    )
    by_kind = {n.kind: n for n in saved}
    assert by_kind["ACCOMMODATION"].owner.code == "CRC20"  # default owner kept
    assert by_kind["SIGNPOSTING"].owner.code == "NPS"
    accommodation = by_kind["ACCOMMODATION"]
    assert accommodation.history.count() == 2
    assert AuditEvent.objects.filter(
        object_type="resettlement.planneed", object_id=str(accommodation.pk), action="UPDATE"
    ).exists()


def test_after_completion_the_owner_updates_the_status_only(case):
    crn, episode_id = case["person"].crn, case["episode"].pk
    _part1(case)
    _part2(case)
    _complete(case)
    owner_staff = staff("CRC_OFFENDER_MANAGER", "CRC20")
    plans.needs_update(
        owner_staff, crn, episode_id, needs=[{"kind": "ACCOMMODATION", "status": "DONE"}]
    )
    plan = _plan(case)
    assert plan.needs.get(kind="ACCOMMODATION").status == NeedStatus.DONE
    # CRC20 does not own finance and debt (the writer does).
    with pytest.raises(PermissionDenied):
        plans.needs_update(
            owner_staff, crn, episode_id, needs=[{"kind": "FINANCE_DEBT", "status": "DONE"}]
        )
    plans.needs_update(
        case["writer"], crn, episode_id, needs=[{"kind": "FINANCE_DEBT", "status": "DONE"}]
    )
    with pytest.raises(ValidationError):
        plans.needs_update(
            case["writer"], crn, episode_id, needs=[{"kind": "SEX_WORK", "status": "TO_DO"}]
        )


# --- The clocks on any day ------------------------------------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    days_ago=st.integers(min_value=10, max_value=95),
    work_days=st.integers(min_value=0, max_value=9),
)
def test_the_engines_clocks_are_the_rules_clocks_on_any_day(freeze, days_ago, work_days):
    """Received on any day (weekends included), completed any number of days later: the
    plan waits for part 2 until ``rules.plan_due_by``, is late exactly when completed after
    it, and is to be shared by ``rules.share_due_by`` of the completion day. (Days within
    the last three months: staff are vetted relative to the real date.)"""
    received = datetime.date.today() - datetime.timedelta(days=days_ago)
    freeze(received)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff, received_on=received)
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    plans.part1_record(prison_officer(cardiff), person.crn, episode.pk, **PART1, complete=True)
    plan = ResettlementPlan.objects.get(episode=episode)
    assert plan.due_by == rules.plan_due_by(received)
    plans.part2_record(writer, person.crn, episode.pk, assessment="A", complete=True)
    completed = received + datetime.timedelta(days=work_days)
    freeze(completed)
    plan = plans.plan_complete(writer, person.crn, episode.pk, summary="Plan")
    assert plan.completed_late is (completed > rules.plan_due_by(received))
    assert plan.due_by == plan.share_due_by == rules.share_due_by(completed)
