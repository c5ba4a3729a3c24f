"""Reads of the core records. Case data always starts from ``probation.access``."""

from django.db.models import Prefetch, QuerySet

from probation import access
from probation.filters import PersonFilter
from probation.models import (
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Person,
    User,
)

# One extra query per page, whatever its size: each person's open assignment.
_CURRENT_ASSIGNMENTS = Prefetch(
    "manager_assignments",
    queryset=OffenderManagerAssignment.objects.filter(ended_at__isnull=True).select_related(
        "team", "offender_manager"
    ),
    to_attr="current_assignments",
)


def person_list(*, user: User, filters: dict | None = None) -> QuerySet[Person]:
    """The people the user may see, filtered as the search asks, ready to display."""
    people = (
        access.people_visible_to(user)
        .select_related("ldu", "ldu__division", "ldu__crc", "responsible_provider")
        .prefetch_related(_CURRENT_ASSIGNMENTS, "aliases")
    )
    if filters:
        people = PersonFilter(filters, queryset=people).qs
    return people.order_by("last_name", "first_name", "crn")


def person_detail(*, user: User, crn: str) -> Person:
    return access.person_for_view(
        user,
        crn,
        queryset=Person.objects.select_related(
            "ldu", "ldu__parent", "ldu__division", "ldu__crc", "responsible_provider"
        ).prefetch_related(_CURRENT_ASSIGNMENTS, "aliases"),
    )


def organisation_list(*, filters: dict | None = None) -> QuerySet[Organisation]:
    """Reference data: open to every signed-in user and client."""
    from probation.filters import OrganisationFilter

    organisations = Organisation.objects.select_related("parent", "division", "crc")
    if filters:
        organisations = OrganisationFilter(filters, queryset=organisations).qs
    return organisations.order_by("kind", "code")


def ldu_choices() -> list[tuple[int, str]]:
    return [
        (ldu.pk, f"{ldu.name} ({ldu.crc.name})")
        for ldu in Organisation.objects.ldus().select_related("crc").order_by("name")
    ]


def national_structure() -> list[dict]:
    """Divisions, their clusters and LDUs, with each LDU's CRC – in three queries."""
    divisions = list(Organisation.objects.divisions())
    clusters = list(Organisation.objects.filter(kind=OrganisationKind.LDU_CLUSTER).order_by("code"))
    ldus = list(Organisation.objects.ldus().select_related("crc").order_by("code"))
    by_cluster: dict[int, list] = {}
    for ldu in ldus:
        by_cluster.setdefault(ldu.parent_id, []).append(ldu)
    by_division: dict[int, list] = {}
    for cluster in clusters:
        by_division.setdefault(cluster.parent_id, []).append(
            {"cluster": cluster, "ldus": by_cluster.get(cluster.pk, [])}
        )
    return [{"division": d, "clusters": by_division.get(d.pk, [])} for d in divisions]


def current_assignment(person: Person) -> OffenderManagerAssignment | None:
    """The person's open offender manager assignment (one at most, by constraint)."""
    prefetched = getattr(person, "current_assignments", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return (
        OffenderManagerAssignment.objects.select_related("team", "offender_manager")
        .filter(person=person, ended_at__isnull=True)
        .first()
    )
