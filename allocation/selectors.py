"""Reads for allocation. Case data starts from ``probation.access``."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from allocation.models import AllocationDecision, AllocationKind
from allocation.rules import due_by
from probation import access, clock
from probation.calendar import business_days_between
from probation.models import Management, Sentence, SentenceStatus, User

# When a sentence's one-business-day allocation clock starts: the referral's date for a
# transfer in or a youth-to-adult transition, else the sentence date (DOMAIN.md 4 "When").
CLOCK_START = Coalesce(F("allocation_referral__received_on"), F("sentence_date"))


def clock_starts_on(sentence: Sentence):
    """The clock start of one sentence (its referral, if any, must be loaded or loadable)."""
    referral = getattr(sentence, "allocation_referral", None)
    return referral.received_on if referral is not None else sentence.sentence_date


def awaiting_allocation(*, user: User, ldu: str | None = None, court: str = "") -> QuerySet:
    """Sentences probation manages that no one has allocated yet, of people the user may
    see – for an NPS allocation officer, their division's – soonest due first."""
    allocated = AllocationDecision.objects.filter(
        sentence=OuterRef("pk"), kind=AllocationKind.ALLOCATION
    )
    sentences = (
        access.records_visible_to(user, Sentence.objects.all())
        .filter(status=SentenceStatus.ACTIVE, management=Management.MANAGED)
        .filter(~Exists(allocated))
        .select_related(
            "person", "person__ldu", "person__ldu__crc", "court_ldu", "allocation_referral"
        )
        .annotate(clock_start=CLOCK_START)
    )
    organisation = user.organisation
    if organisation is not None and organisation.kind == "NPS_DIVISION":
        sentences = sentences.filter(person__ldu__division=organisation)
    if ldu:
        sentences = sentences.filter(person__ldu__code=ldu)
    if court:
        sentences = sentences.filter(court__icontains=court)
    return sentences.order_by("clock_start", "person__crn", "number")


@dataclass(frozen=True)
class Clock:
    due_by: object
    business_days_left: int  # 0 on the due date and after it
    overdue_by: int  # business days past the due date; 0 when not overdue

    @property
    def overdue(self):
        return self.overdue_by > 0


def allocation_clock(sentence: Sentence, *, today=None) -> Clock:
    """The one-business-day clock of a sentence awaiting allocation."""
    today = today or clock.today()
    due = due_by(clock_starts_on(sentence))
    if today <= due:
        return Clock(due, business_days_between(today, due), 0)
    return Clock(due, 0, max(1, business_days_between(due, today)))


def allocation_teams(person) -> list:
    """Teams that can take the case: the NPS division's of the person's LDU and the home
    CRC's."""
    from probation.models import Team

    return list(
        Team.objects.filter(organisation_id__in=[person.ldu.division_id, person.ldu.crc_id])
        .select_related("organisation")
        .order_by("organisation__kind", "name")
    )
