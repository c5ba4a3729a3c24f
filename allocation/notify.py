"""Telling the receiving provider (DOMAIN.md 4: "The NPS records the decision, informs the
CRC ..."): an in-app notification to the team that took the case. Partner systems read
the same decisions from ``GET /api/v1/allocations/?since=``."""

from django.urls import reverse

from probation.models import NotificationKind
from probation.notifications import notify


def allocation_received(allocation) -> None:
    """Notify the team that now manages the case (once per decision)."""
    sentence = allocation.sentence
    person = allocation.person
    notify(
        kind=NotificationKind.ALLOCATION_RECEIVED,
        organisation=allocation.organisation,
        team=allocation.team,
        person=person,
        title=f"{person.full_name} ({sentence.reference}) allocated to {allocation.team.name}",
        body=f"{allocation.get_kind_display()}: {allocation.rule_label}.",
        url=reverse("allocation:allocate", args=[person.crn, sentence.number]),
        key=f"allocation-received:{allocation.pk}",
    )
