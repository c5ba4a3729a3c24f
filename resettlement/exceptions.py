"""NOMS's resettlement exceptions: prisoners nobody can write a plan for (TOM 2.2).

In a prison that is not a resettlement prison the prison contacts the prisoner's home CRC,
which arranges the service; when no home CRC is known (no fixed abode, or the home area
never recorded) the rules name no plan writer and the plan waits in state EXCEPTION, with
NOMS. NOMS contract managers find out the home area and record it here; the rules are
asked again and the plan moves on to the CRC that now writes it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from probation import audit, clock
from probation.models import Organisation, User
from resettlement import custody, designations
from resettlement.models import CustodyEpisode, PlanState, ResettlementPlan


def may_resolve(user: User) -> bool:
    """NOMS contract managers work the exceptions queue."""
    return designations.may_designate(user)


def exception_plans() -> QuerySet[ResettlementPlan]:
    """Plans nobody can write, oldest reception first (then the longest waiting)."""
    return (
        ResettlementPlan.objects.filter(state=PlanState.EXCEPTION)
        .select_related("person", "episode__prison", "episode__home_crc")
        .order_by("episode__received_on", "step_started_at", "pk")
    )


@transaction.atomic
def home_crc_record(actor: User, crn: str, episode_id: int, home_crc_code: str) -> CustodyEpisode:
    """Record the CRC of the prisoner's home CPA on an open custody episode (NOMS). The
    person's row is locked, then the episode's; the rules are asked again
    (``custody.refresh``), which takes the plan out of NOMS's exceptions to its writer."""
    if not may_resolve(actor):
        raise PermissionDenied("Only NOMS contract managers record a prisoner's home area here.")
    _person, episode = custody.lock_episode(actor, crn, episode_id)
    errors = {}
    code = (home_crc_code or "").strip().upper()
    home_crc = Organisation.objects.crcs().filter(code=code).first() if code else None
    if home_crc is None:
        errors["home_crc_code"] = "Select the CRC of the prisoner's home area."
    if not episode.open:
        errors["episode"] = "This person has been released: there is no plan to write now."
    if errors:
        raise ValidationError(errors)
    if episode.home_crc_id != home_crc.pk:
        before = audit.snapshot(episode)
        episode.home_crc = home_crc
        episode._history_user = actor
        episode.save(update_fields=["home_crc"])
        audit.record_update(actor=actor, instance=episode, before=before)
    custody.refresh(episode, actor=actor, at=clock.now())
    return episode
