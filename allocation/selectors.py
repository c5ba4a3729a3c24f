"""Reads for allocation. Case data starts from ``probation.access``."""

from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from allocation.models import AllocationDecision, AllocationKind, AllocationReferral
from allocation.rules import due_by
from probation import access, clock
from probation.calendar import business_days_between
from probation.models import (
    Management,
    PlanVersion,
    RsrScore,
    Sentence,
    SentenceStatus,
    SentenceType,
    User,
)

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


def current_decision(sentence: Sentence) -> AllocationDecision | None:
    """The decision in force for the sentence: its latest, of any kind (an allocation, a
    reallocation or a concurrent move); None while it awaits allocation."""
    return (
        AllocationDecision.objects.select_related(
            "organisation", "team", "team__ldu", "offender_manager", "decided_by", "pbr_provider"
        )
        .filter(sentence=sentence)
        .order_by("-decided_at", "-pk")
        .first()
    )


def current_decisions(sentences: QuerySet) -> list[AllocationDecision]:
    """The decision in force for each of these sentences – its latest: an allocation, a
    reallocation or a concurrent move – in one query."""
    newer = AllocationDecision.objects.filter(
        sentence_id=OuterRef("sentence_id"), decided_at__gt=OuterRef("decided_at")
    )
    return list(AllocationDecision.objects.filter(sentence__in=sentences).filter(~Exists(newer)))


def custodial_term_months(sentence: Sentence) -> int:
    """Whole months of a determinate custodial sentence's term (0 for any other)."""
    if sentence.sentence_type != SentenceType.CUSTODIAL or sentence.indeterminate:
        return 0
    end = sentence.sentence_date + relativedelta(
        months=sentence.term_months or 0, days=sentence.term_days or 0
    )
    span = relativedelta(end, sentence.sentence_date)
    return span.years * 12 + span.months


def current_rsr(person) -> RsrScore | None:
    """The person's current RSR score: the most recently calculated."""
    return RsrScore.objects.filter(person=person).order_by("-assessed_on", "-recorded_at").first()


@dataclass(frozen=True)
class CaseFacts:
    """What the record says about a case awaiting allocation, shown beside the decision."""

    plan: object  # the current PlanVersion or None
    rsr: object  # the current RsrScore or None
    referral: object  # the AllocationReferral or None
    other_sentences: list
    custody_sentences: list

    @property
    def initial(self) -> dict:
        """The allocation form's starting values, from the record."""
        initial = {}
        if self.plan is not None:
            initial["rosh"] = self.plan.rosh_level
        if self.custody_sentences:
            initial["aggregate_custody_last_5_years_months"] = sum(
                custodial_term_months(other) for other in self.custody_sentences
            )
        if self.rsr is not None:
            initial.update(
                rsr_score=self.rsr.score,
                rsr_assessed_on=self.rsr.assessed_on,
                rsr_source=self.rsr.source,
            )
        return initial


def case_facts(person, sentence: Sentence) -> CaseFacts:
    """The person's current plan (RoSH), RSR, how the sentence arrived, their other active
    sentences and their custodial sentences of the last five years."""
    others = list(
        Sentence.objects.filter(person=person, status=SentenceStatus.ACTIVE)
        .exclude(pk=sentence.pk)
        .order_by("number")
    )
    five_years_ago = sentence.sentence_date - relativedelta(years=5)
    custody = list(
        Sentence.objects.filter(
            person=person,
            sentence_type=SentenceType.CUSTODIAL,
            sentence_date__gte=five_years_ago,
        )
        .exclude(pk=sentence.pk)
        .order_by("-sentence_date")
    )
    return CaseFacts(
        plan=PlanVersion.objects.filter(person=person).order_by("-version").first(),
        rsr=current_rsr(person),
        referral=AllocationReferral.objects.filter(sentence=sentence).first(),
        other_sentences=others,
        custody_sentences=custody,
    )
