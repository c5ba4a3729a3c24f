"""Lists of Through the Gate work for the pages: a prison's reception and resettlement queue
and an organisation's "plans received" (DOMAIN.md 7).

Each list is one query per section whatever its length (``select_related``, no per-row
lookups) and holds only people the user may see (``probation.access``); every row carries
its business days remaining, overdue first, then the soonest due.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet

from probation import access, clock
from probation.models import OrganisationKind, User
from probation.models.organisations import NOMS_CODE
from probation.workflow import business_days_left
from resettlement import custody
from resettlement.designations import designation_facts
from resettlement.models import CustodyEpisode, PlanState, Prison, ResettlementPlan
from resettlement.workflows import addressed_to

# Rows shown per section of a prison's queue (the most urgent first).
QUEUE_SECTION_LIMIT = 200


@dataclass
class Section:
    key: str
    title: str
    hint: str
    rows: list
    more: bool = False


def may_open_queue(user: User, prison: Prison, *, on: datetime.date | None = None) -> bool:
    """Its prison staff, the staff of the CRCs that are its host: lead provider or host CRCs,
    and NOMS."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or not access.vetting_of(user).current:
        return False
    if custody.is_prison_staff(user, prison) or organisation.code == NOMS_CODE:
        return True
    if organisation.kind != OrganisationKind.CRC:
        return False
    facts = designation_facts(prison, on or clock.today())
    return organisation.code == facts.host_lead_provider or organisation.code in facts.host_crcs


def _plans(user: User, prison: Prison, state: str) -> QuerySet[ResettlementPlan]:
    return (
        access.records_visible_to(user, ResettlementPlan.objects.all())
        .filter(state=state, episode__prison=prison, episode__released_on__isnull=True)
        .select_related(
            "person",
            "episode",
            "episode__plan_writer",
            "episode__share_with",
            "episode__screening",
            "waiting_on",
        )
        .order_by(F("due_by").asc(nulls_last=True), "pk")
    )


def _rows(queryset, due_of, today) -> tuple[list, bool]:
    rows = list(queryset[: QUEUE_SECTION_LIMIT + 1])
    more = len(rows) > QUEUE_SECTION_LIMIT
    rows = rows[:QUEUE_SECTION_LIMIT]
    for row in rows:
        row.due = due_of(row)
        row.days_left = business_days_left(row.due, today=today)
    return rows, more


def prison_queue(user: User, prison: Prison) -> list[Section]:
    """The prison's reception and resettlement queue for the user, in four sections: new
    receptions waiting for part 1, plans being written (part 2 and the plan), plans to
    share, and releases in the next 12 weeks. One query per section."""
    if not may_open_queue(user, prison):
        raise PermissionDenied(
            "Only the prison's staff, its host CRCs and NOMS see its resettlement queue."
        )
    today = clock.today()
    sections = []
    for key, state, title, hint in (
        (
            "screening",
            PlanState.SCREENING,
            "New receptions needing part 1 of the screening",
            "Prison staff complete part 1; the CRC has it within "
            f"{settings.SCREENING_ACCESS_CALENDAR_DAYS} calendar days of reception.",
        ),
        (
            "planning",
            PlanState.PLANNING,
            "Part 2 and the resettlement plan due",
            "The plan writer completes part 2 and the plan within "
            f"{settings.RESETTLEMENT_PLAN_BUSINESS_DAYS} business days of reception.",
        ),
        (
            "to_share",
            PlanState.TO_SHARE,
            "Plans to share",
            f"Shared within {settings.PLAN_SHARING_BUSINESS_DAYS} business day of completion.",
        ),
    ):
        rows, more = _rows(_plans(user, prison, state), lambda plan: plan.due_by, today)
        sections.append(Section(key, title, hint, rows, more))
    horizon = today + datetime.timedelta(days=settings.PRE_RELEASE_WINDOW_DAYS)
    releases = (
        access.records_visible_to(user, CustodyEpisode.objects.all())
        .filter(
            prison=prison,
            released_on__isnull=True,
            expected_release_on__gte=today,
            expected_release_on__lte=horizon,
        )
        .select_related("person", "pre_release_lead", "accommodation_employment_by")
        .order_by("expected_release_on", "pk")
    )
    rows, more = _rows(releases, lambda episode: episode.expected_release_on, today)
    sections.append(
        Section(
            "releases",
            "Releases in the next 12 weeks",
            f"Expected release within {settings.PRE_RELEASE_WINDOW_DAYS} days: the pre-release "
            "window is open.",
            rows,
            more,
        )
    )
    return sections


def may_receive_plans(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return organisation is not None and organisation.kind in (
        OrganisationKind.CRC,
        OrganisationKind.NPS_DIVISION,
    )


def plans_received(user: User) -> QuerySet[ResettlementPlan]:
    """Plans shared with the user's provider, newest first: their CRC's for CRC staff; the
    NPS's for NPS division staff, for people whose LDU is in their division. Only people the
    user may see."""
    if not may_receive_plans(user):
        raise PermissionDenied("Plans are shared with CRCs and the NPS.")
    plans = ResettlementPlan.objects.filter(
        addressed_to(user.organisation, "shared_with"), shared_at__isnull=False
    )
    return (
        access.records_visible_to(user, plans)
        .select_related("person", "episode__prison", "writer", "shared_by", "shared_with")
        .order_by("-shared_at", "-pk")
    )
