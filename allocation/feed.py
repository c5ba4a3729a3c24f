"""The allocations feed partner systems poll (``GET /api/v1/allocations/?since=``): the
decisions that concern the caller's organisation, oldest first (DOMAIN.md 4: "The NPS
records the decision, informs the CRC ...").

Who reads which decisions:

- a CRC (its API client or staff): the decisions that gave a case to that CRC, of people it
  may see now – a case since moved elsewhere drops out of the feed with the person;
- an NPS division: the decisions that kept or gave a case to the NPS in that division;
- national read-only roles (NOMS contract managers, PPCS): every decision;
- anyone else: none.

Every row is also limited to people the caller may see (``probation.access``), so the feed
never shows more than the pages do.
"""

import datetime

from django.db.models import QuerySet

from allocation.models import AllocationDecision
from probation import access
from probation.models import OrganisationKind, User
from probation.models.organisations import NPS_CODE


def allocations_visible_to(
    user: User, *, since: datetime.datetime | None = None
) -> QuerySet[AllocationDecision]:
    """The decisions the user's organisation reads in the feed (see the module docstring),
    decided at or after ``since``, with what a page of them shows loaded. Unordered: the
    API's cursor orders it."""
    decisions = AllocationDecision.objects.select_related(
        "person",
        "sentence",
        "organisation",
        "team__ldu",
        "offender_manager",
        "pbr_provider",
    )
    organisation = user.organisation if user.is_authenticated else None
    national = any(role.national_read_only for role in access.effective_roles(user))
    if organisation is None:
        return decisions.none()
    if organisation.kind == OrganisationKind.CRC:
        decisions = decisions.filter(organisation=organisation)
    elif organisation.kind == OrganisationKind.NPS_DIVISION:
        decisions = decisions.filter(organisation__code=NPS_CODE, division=organisation)
    elif not national:
        return decisions.none()
    decisions = access.records_visible_to(user, decisions)
    if since is not None:
        decisions = decisions.filter(decided_at__gte=since)
    return decisions.order_by()
