"""In-app notifications (``probation.models.notifications``): the one way any part of the
platform tells a team, an organisation or the holders of a role that something needs them.

``notify`` is idempotent on its key, so a job that runs twice notifies once. Reading goes
through ``notifications_for``, which also applies the scoping layer: a notification about a
person is shown only to someone who may see that person now.
"""

from django.db.models import Q, QuerySet

from probation import access, clock
from probation.models import Notification, Organisation, OrganisationKind, Person, Team, User

# Roles that see every notification addressed to a team of their organisation.
ORGANISATION_WIDE_ROLES = frozenset({"CRC_MANAGER", "NPS_SENIOR_MANAGER", "NPS_ALLOCATION_MANAGER"})


def addressee(provider: Organisation, person: Person) -> Organisation:
    """The organisation whose staff act for ``provider`` on this person: the CRC itself, or
    for the NPS – whose staff belong to its divisions – the division of the person's LDU."""
    if provider.is_nps and provider.kind != OrganisationKind.NPS_DIVISION:
        return person.ldu.division
    return provider


def notify(
    *,
    kind: str,
    organisation: Organisation,
    title: str,
    key: str,
    team: Team | None = None,
    role: str = "",
    person: Person | None = None,
    body: str = "",
    url: str = "",
) -> Notification | None:
    """Address a notification; returns None when one with this key exists already."""
    notification, created = Notification.objects.get_or_create(
        key=key[:200],
        defaults={
            "kind": kind,
            "organisation": organisation,
            "team": team,
            "role": role,
            "person": person,
            "title": title[:200],
            "body": body,
            "url": url,
            "created_at": clock.now(),
        },
    )
    return notification if created else None


def notifications_for(user: User) -> QuerySet[Notification]:
    """Notifications addressed to the user: their organisation's, narrowed by team and role
    as addressed; about people the user may see (or about no one)."""
    if not user.is_authenticated or user.organisation_id is None:
        return Notification.objects.none()
    roles = {role.code for role in access.effective_roles(user)}
    addressed = Q(organisation_id=user.organisation_id) & (Q(role="") | Q(role__in=roles))
    if not roles & ORGANISATION_WIDE_ROLES:
        addressed &= Q(team__isnull=True) | Q(team_id=user.team_id)
    visible = Q(person__isnull=True) | Q(person__in=access.people_visible_to(user))
    return Notification.objects.filter(addressed & visible)


def unread_count(user: User, *, kind: str | None = None) -> int:
    """How many of the user's notifications (of one kind, if given) no one has read: one
    COUNT query, for the banners on the home and caseload pages."""
    unread = notifications_for(user).filter(read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.count()


def mark_read(*, actor: User, pk: int) -> Notification:
    """Mark one of the user's notifications read (404 for anyone else's)."""
    from django.shortcuts import get_object_or_404

    notification = get_object_or_404(notifications_for(actor), pk=pk)
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.read_by = actor
        notification.save(update_fields=["read_at", "read_by"])
    return notification
