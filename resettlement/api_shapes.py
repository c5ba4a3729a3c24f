"""Custody episodes as the API shows them (``resettlement.api``): plain dictionaries named
and documented by ``resettlement.serializers``, read with a constant number of queries –
the list's rows from one ``select_related`` query, an episode's stays, screening, plan with
its needs, and tasks from one query each. Callers have already scoped the episode through
``probation.access`` (or a service has checked the caller's authority)."""

from django.db.models import Prefetch

from resettlement.models import (
    CustodyEpisode,
    PlanNeed,
    PreReleaseTask,
    PrisonStay,
    ResettlementPlan,
    Screening,
)

EPISODE_RELATED = (
    "person",
    "prison",
    "release_prison",
    "sentence",
    "allocated_to",
    "plan_writer",
    "share_with",
    "pre_release_lead",
    "accommodation_employment_by",
    "plan",
)


def _code(organisation) -> str | None:
    return organisation.code if organisation is not None else None


def _plan_of(episode: CustodyEpisode) -> ResettlementPlan | None:
    try:
        return episode.plan
    except ResettlementPlan.DoesNotExist:
        return None


def summary(episode: CustodyEpisode) -> dict:
    plan = _plan_of(episode)
    return {
        "id": episode.pk,
        "crn": episode.person.crn,
        "status": episode.status,
        "sentence_number": episode.sentence.number if episode.sentence_id else None,
        "received_on": episode.received_on,
        "prison": episode.prison.code,
        "expected_release_on": episode.expected_release_on,
        "released_on": episode.released_on,
        "plan_state": plan.state if plan else None,
        "plan_due_by": plan.plan_due_by if plan else None,
        "responsibility": {
            "allocated_to": _code(episode.allocated_to),
            "plan_writer": _code(episode.plan_writer),
            "share_with": _code(episode.share_with),
            "pre_release_lead": _code(episode.pre_release_lead),
            "accommodation_employment_by": _code(episode.accommodation_employment_by),
            "reasons": list(episode.reasons or []),
        },
    }


def stays(episode_id: int) -> list[dict]:
    return [
        {
            "prison": stay.prison.code,
            "prison_name": stay.prison.name,
            "arrived_on": stay.arrived_on,
            "left_on": stay.left_on,
        }
        for stay in PrisonStay.objects.filter(episode_id=episode_id).select_related("prison")
    ]


def _username(user) -> str | None:
    return user.username if user is not None else None


def _screening(episode_id: int) -> dict | None:
    screening = (
        Screening.objects.select_related(
            "part1_completed_by", "part2_completed_by", "part2_organisation"
        )
        .filter(episode_id=episode_id)
        .first()
    )
    if screening is None:
        return None
    return {
        "part1": {
            "immediate_needs": screening.immediate_needs,
            "accommodation_need": screening.accommodation_need,
            "employment_need": screening.employment_need,
            "finance_debt_need": screening.finance_debt_need,
            "abuse_victim_need": screening.abuse_victim_need,
            "sex_work_need": screening.sex_work_need,
            "other_needs": screening.other_needs,
            "completed_at": screening.part1_completed_at,
            "completed_by": _username(screening.part1_completed_by),
        },
        "part2": {
            "assessment": screening.assessment,
            "completed_at": screening.part2_completed_at,
            "completed_by": _username(screening.part2_completed_by),
            "organisation": _code(screening.part2_organisation),
        },
    }


def _plan(episode_id: int) -> dict | None:
    plan = (
        ResettlementPlan.objects.select_related("waiting_on", "writer", "shared_with")
        .prefetch_related(
            Prefetch("needs", queryset=PlanNeed.objects.select_related("owner").order_by("pk"))
        )
        .filter(episode_id=episode_id)
        .first()
    )
    if plan is None:
        return None
    return {
        "state": plan.state,
        "waiting_on": _code(plan.waiting_on),
        "screening_access_by": plan.screening_access_by,
        "plan_due_by": plan.plan_due_by,
        "due_by": plan.due_by,
        "writer": _code(plan.writer),
        "completed_at": plan.completed_at,
        "completed_late": plan.completed_late,
        "shared_with": _code(plan.shared_with),
        "share_due_by": plan.share_due_by,
        "shared_at": plan.shared_at,
        "shared_late": plan.shared_late,
        "needs": [
            {
                "kind": need.kind,
                "status": need.status,
                "actions": need.actions,
                "owner": _code(need.owner),
            }
            for need in plan.needs.all()
        ],
    }


def _tasks(episode_id: int) -> list[dict]:
    return [
        {
            "kind": task.kind,
            "owner": task.owner.code,
            "opened_on": task.opened_on,
            "due_by": task.due_by,
            "status": task.status,
        }
        for task in PreReleaseTask.objects.filter(episode_id=episode_id).select_related("owner")
    ]


def detail(episode: CustodyEpisode) -> dict:
    return {
        **summary(episode),
        "stays": stays(episode.pk),
        "screening": _screening(episode.pk),
        "plan": _plan(episode.pk),
        "tasks": _tasks(episode.pk),
    }


def release(episode: CustodyEpisode) -> dict:
    sentence = episode.sentence if episode.sentence_id else None
    return {
        "released_on": episode.released_on,
        "release_type": episode.release_type or None,
        "release_prison": _code(episode.release_prison),
        "expected_release_on": episode.expected_release_on,
        "sentence_number": sentence.number if sentence else None,
        "sentence_actual_release_date": sentence.actual_release_date if sentence else None,
    }


def reloaded(episode: CustodyEpisode) -> CustodyEpisode:
    """The episode a service just changed, read back for the answer. The service checked the
    caller's authority; after a move or release the caller may no longer see the person
    (prison staff read only the people held in their prison now), so this is not scoped."""
    return CustodyEpisode.objects.select_related(*EPISODE_RELATED).get(pk=episode.pk)


# Service error names -> the request's field names.
