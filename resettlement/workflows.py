"""The resettlement plan's workflow, one table (DOMAIN.md 7, TOM 2.1): every state, who must
act in it and by when, every allowed move and who may make it. Run by ``probation.workflow``;
the deadline jobs and the timeliness figures read it like the enforcement workflows.

    SCREENING  the prison completes part 1 (the CRC has it within 3 calendar days)
    PLANNING   the plan writer completes part 2 and the plan (5 business days from reception)
    TO_SHARE   the writer shares it with the allocated organisation or home CRC (1 business day)
    SHARED / COMPLETE (nobody to share with) / CLOSED (released before the plan was written)
    EXCEPTION  nobody can write the plan (a non-resettlement prison, no home CRC): NOMS acts

Moves the people make: ``complete_part1`` (prison staff), ``complete`` / ``complete_own``
and ``share`` (the plan writer's resettlement staff). Moves the services make when facts
change (``system``): ``reassign_screening`` / ``reassign_plan`` after a move between prisons,
``lose_writer`` and ``find_writer`` (part 1 done) / ``find_writer_unscreened`` as a writer
disappears or appears, ``close_on_release``.
"""

from django.conf import settings
from django.db.models import Q

from probation import access
from probation.models import Organisation, OrganisationKind
from probation.models.organisations import NOMS_CODE, NPS_CODE
from probation.workflow import Step, Transition, Workflow, register_models
from resettlement.models import PlanState, ResettlementPlan

# Who does resettlement work for a CRC in prison.
RESETTLEMENT_ROLES = frozenset({"PRISON_RESETTLEMENT_WORKER", "CRC_MANAGER"})
PRISON_ROLES = frozenset({"PRISON_STAFF"})
# Who owns pre-release tasks for the organisation that will supervise.
TASK_ROLES = frozenset(
    {"PRISON_RESETTLEMENT_WORKER", "CRC_MANAGER", "CRC_OFFENDER_MANAGER", "NPS_OFFENDER_MANAGER"}
)
NOMS_ROLES = frozenset({"NOMS_CONTRACT_MANAGER"})


def acts_for_provider(user, provider_id: int | None, roles) -> bool:
    """``access.acts_for`` for a provider: staff of a CRC for that CRC; for the NPS (whose
    staff belong to its divisions), NPS division staff holding one of ``roles``."""
    if provider_id is None or not user.is_authenticated or user.organisation is None:
        return False
    if provider_id == _organisation_id(NPS_CODE):
        if user.organisation.kind != OrganisationKind.NPS_DIVISION:
            return False
        return access.acts_for(user, user.organisation_id, roles)
    return access.acts_for(user, provider_id, roles)


def addressed_to(organisation, field: str) -> Q | None:
    """Rows whose ``field`` (an organisation) is the provider this organisation's staff act
    for: their CRC; for NPS division staff the NPS, about people whose LDU is in their
    division. None for any other organisation (prisons, NOMS): nothing is owed to them."""
    if organisation is None:
        return None
    if organisation.kind == OrganisationKind.CRC:
        return Q(**{field: organisation})
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return Q(**{f"{field}__code": NPS_CODE, "person__ldu__division": organisation})
    return None


def _organisation_id(code: str) -> int:
    return Organisation.objects.only("pk").get(code=code).pk


def _prison_staff(user, plan) -> bool:
    return access.acts_for(user, plan.episode.prison.organisation_id, PRISON_ROLES)


def _writer_staff(user, plan) -> bool:
    return access.acts_for(user, plan.episode.plan_writer_id, RESETTLEMENT_ROLES)


def _completed_by_staff(user, plan) -> bool:
    return access.acts_for(user, plan.writer_id, RESETTLEMENT_ROLES)


def _nobody(user, plan) -> bool:
    return False


def _part2_missing(plan) -> str | None:
    screening = plan.episode.screening
    if screening.part2_completed_at is None:
        return "Complete part 2 of the screening before completing the plan."
    return None


def _share_due(plan) -> int:
    return settings.PLAN_SHARING_BUSINESS_DAYS


RESETTLEMENT_PLAN = Workflow(
    name="resettlement_plan",
    label="resettlement plan",
    states=PlanState,
    steps={
        PlanState.SCREENING: Step(
            waiting_on=lambda plan: plan.episode.prison.organisation_id,
            due_on=lambda plan: plan.screening_access_by,
            deadline_source="policy.SCREENING_ACCESS_CALENDAR_DAYS (default 3 calendar days)",
        ),
        PlanState.PLANNING: Step(
            waiting_on=lambda plan: plan.episode.plan_writer_id,
            due_on=lambda plan: plan.plan_due_by,
            deadline_source="policy.RESETTLEMENT_PLAN_BUSINESS_DAYS (default 5, from reception)",
        ),
        PlanState.TO_SHARE: Step(
            waiting_on=lambda plan: plan.writer_id,
            business_days=_share_due,
            deadline_source="policy.PLAN_SHARING_BUSINESS_DAYS (default 1)",
        ),
        PlanState.EXCEPTION: Step(waiting_on=lambda plan: _organisation_id(NOMS_CODE)),
        PlanState.SHARED: Step(final=True),
        PlanState.COMPLETE: Step(final=True),
        PlanState.CLOSED: Step(final=True),
    },
    transitions=[
        Transition(
            "complete_part1",
            "complete part 1 of the screening",
            (PlanState.SCREENING,),
            PlanState.PLANNING,
            _prison_staff,
            "prison staff of the prison holding the person",
        ),
        Transition(
            "complete",
            "complete the resettlement plan",
            (PlanState.PLANNING,),
            PlanState.TO_SHARE,
            _writer_staff,
            "the plan writer's resettlement staff",
            guard=_part2_missing,
        ),
        Transition(
            "complete_own",
            "complete the resettlement plan",
            (PlanState.PLANNING,),
            PlanState.COMPLETE,
            _writer_staff,
            "the plan writer's resettlement staff",
            guard=_part2_missing,
        ),
        Transition(
            "share",
            "share the resettlement plan",
            (PlanState.TO_SHARE,),
            PlanState.SHARED,
            _completed_by_staff,
            "the resettlement staff of the CRC that wrote the plan",
        ),
        Transition(
            "reassign_screening",
            "pass part 1 to the new prison",
            (PlanState.SCREENING,),
            PlanState.SCREENING,
            _nobody,
            "the system",
        ),
        Transition(
            "reassign_plan",
            "pass the plan to its new writer",
            (PlanState.PLANNING,),
            PlanState.PLANNING,
            _nobody,
            "the system",
        ),
        Transition(
            "lose_writer",
            "send the plan to NOMS's exceptions",
            (PlanState.SCREENING, PlanState.PLANNING),
            PlanState.EXCEPTION,
            _nobody,
            "the system",
        ),
        Transition(
            "find_writer",
            "give the plan to its writer",
            (PlanState.EXCEPTION,),
            PlanState.PLANNING,
            _nobody,
            "the system",
        ),
        Transition(
            "find_writer_unscreened",
            "wait for part 1 of the screening",
            (PlanState.EXCEPTION,),
            PlanState.SCREENING,
            _nobody,
            "the system",
        ),
        Transition(
            "close_on_release",
            "close the plan on release",
            (PlanState.SCREENING, PlanState.PLANNING, PlanState.EXCEPTION),
            PlanState.CLOSED,
            _nobody,
            "the system",
        ),
    ],
    initial=(PlanState.SCREENING, PlanState.EXCEPTION),
)

WORKFLOWS = ((RESETTLEMENT_PLAN, ResettlementPlan),)
register_models(WORKFLOWS)
