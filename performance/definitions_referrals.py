"""Allocation, risk escalation, enforcement and transfers: the decisions the NPS makes on
cases, the referrals providers make to it, and how quickly it answers (DOMAIN.md 4-6, 10;
TOM 7.4).

The NPS's answers are read from the workflow events (``WorkflowEvent``) as
``enforcement.reports`` reads them: an event ending a step with a deadline names the
organisation that had to act (``step_organisation``: for the NPS, the division of the
person's LDU), the deadline (``due_by``) and whether it was met (``within_deadline``); a
step counts in the month (local time) it was completed.
"""

import datetime

from django.db.models import (
    Case,
    CharField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from allocation.models import AllocationDecision, AllocationKind
from allocation.rules import Decision
from contracts.service_levels import REFERRAL_ACTIONS
from enforcement.models import RecallRequest, RiskEscalation
from performance.definitions_cases import (
    crc_of,
    day_of,
    deadline,
    division_of,
    instant,
    ldu_at,
    met,
    sentence_reference,
    text,
)
from probation.models import Sentence
from probation.models.organisations import OrganisationKind
from probation.models.transfers import CaseTransfer, TransferStatus
from probation.models.workflow import WorkflowEvent

# The NPS's decisions that answer a referral, by workflow: (workflow, the step answered,
# {action: label}).
ESCALATION_DECISIONS = (
    "risk_escalation",
    "AWAITING_NPS",
    {"decide_high": "Decided high", "decide_not_high": "Decided not high"},
)
BREACH_DECISIONS = (
    "breach_referral",
    "AWAITING_EO",
    {
        "decide_court_action": "Decided on court action",
        "decide_no_further_action": "Decided on no further action",
        "return_with_advice": "Returned with advice",
    },
)
RECALL_ENDORSEMENTS = (
    "recall_request",
    "AWAITING_ENDORSEMENT",
    {"endorse": "Endorsed", "decline_endorsement": "Declined to endorse"},
)


def _in_month(field: str, first: datetime.date, after: datetime.date) -> Q:
    return Q(**{f"{field}__gte": instant(first), f"{field}__lt": instant(after)})


def _labelled(field: str, labels: dict[str, str]) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(label)) for value, label in labels.items()),
        default=F(field),
        output_field=CharField(),
    )


def _located(queryset: QuerySet, moment: str, *, division: bool = True) -> QuerySet:
    """The person's LDU at ``moment`` (a field of the row) and, with ``division``, its NPS
    division."""
    located = queryset.annotate(
        case_person=F("person_id"), for_ldu=ldu_at("person", OuterRef(moment))
    )
    return located.annotate(for_division=division_of()) if division else located


# --- Allocation (DOMAIN.md 4) -------------------------------------------------------------------


def allocated_in_one_day(first: datetime.date, after: datetime.date) -> QuerySet:
    """``allocation.reports.allocation_timeliness`` as case rows: the sentences whose
    allocation fell due in the month – those allocated (their ALLOCATION decision due in
    the month; met when decided within its deadline) and those still unallocated after
    their due date (the deadline job's breach due in the month; never met) – counted for
    the NPS division that decided (else the division of the person's LDU) or, unallocated,
    the division the breach was recorded for."""
    rows = (
        Sentence.objects.annotate(
            allocation=FilteredRelation(
                "allocation_decisions",
                condition=Q(allocation_decisions__kind=AllocationKind.ALLOCATION),
            )
        )
        .filter(
            Q(allocation__due_by__gte=first, allocation__due_by__lt=after)
            | Q(
                allocation__isnull=True,
                allocation_breach__due_by__gte=first,
                allocation_breach__due_by__lt=after,
            )
        )
        .annotate(
            allocation_due=Coalesce("allocation__due_by", "allocation_breach__due_by"),
            case_met=met(Q(allocation__within_deadline=True)),
            case_reference=sentence_reference(),
            case_detail=Concat(
                Value("Due by "),
                text("allocation_due"),
                Value(", "),
                Case(
                    When(
                        allocation__isnull=False,
                        then=Concat(
                            Value("allocated "),
                            day_of("allocation__decided_at"),
                            output_field=CharField(),
                        ),
                    ),
                    default=Value("not allocated yet"),
                    output_field=CharField(),
                ),
                output_field=CharField(),
            ),
            for_division=Case(
                When(
                    allocation__isnull=False,
                    then=Coalesce("allocation__division_id", "person__ldu__division_id"),
                ),
                default=F("allocation_breach__division_id"),
                output_field=IntegerField(),
            ),
            case_person=F("person_id"),
            for_ldu=F("person__ldu_id"),
        )
    )
    # The NPS's measure: counted for the deciding division, an NPS organisation.
    return rows.annotate(for_provider=F("for_division"))


def allocated_to_nps(first: datetime.date, after: datetime.date) -> QuerySet:
    """Allocation decisions (the first of each sentence, not reallocations in error or
    concurrent moves) made in the month; met when the NPS was chosen. Counted for the CRC
    of the Contract Package Area of the person's LDU when decided, and that LDU."""
    rows = _located(
        AllocationDecision.objects.filter(
            _in_month("decided_at", first, after), kind=AllocationKind.ALLOCATION
        ),
        "decided_at",
    )
    return rows.annotate(
        case_met=met(Q(decision=Decision.NPS)),
        case_reference=sentence_reference("sentence__"),
        case_detail=Concat(
            Value("Allocated to "),
            F("organisation__code"),
            Value(" on "),
            day_of("decided_at"),
            Value(" (rules recommended "),
            F("recommended_decision"),
            Value(")"),
            output_field=CharField(),
        ),
        for_provider=crc_of(),
    )


# --- Risk escalation (DOMAIN.md 5) ---------------------------------------------------------------


def escalations(first: datetime.date, after: datetime.date) -> QuerySet:
    """Risk escalation referrals a CRC made to the NPS in the month (whatever became of
    them), counted for that CRC."""
    rows = _located(
        RiskEscalation.objects.filter(
            _in_month("opened_at", first, after),
            raised_by_organisation__kind=OrganisationKind.CRC,
        ),
        "opened_at",
    )
    return rows.annotate(
        case_met=Value(True),
        case_reference=Concat(
            F("person__crn"), Value(" escalation "), text("pk"), output_field=CharField()
        ),
        case_detail=Concat(
            Value("Referred "),
            day_of("opened_at"),
            Value(", RoSH "),
            F("current_rosh"),
            Value(", now "),
            F("state"),
            output_field=CharField(),
        ),
        for_provider=F("raised_by_organisation_id"),
    )


def _nps_answers(
    answers: tuple[str, str, dict[str, str]], first: datetime.date, after: datetime.date
) -> QuerySet:
    """The NPS's answers of one kind given in the month; met when given within the step's
    deadline. Counted for the division that had to answer."""
    workflow, step, labels = answers
    rows = _located(
        WorkflowEvent.objects.filter(
            _in_month("at", first, after),
            workflow=workflow,
            from_state=step,
            action__in=tuple(labels),
        ),
        "at",
        division=False,
    )
    return rows.annotate(
        case_met=met(Q(within_deadline=True)),
        case_reference=Concat(
            F("person__crn"),
            Value(f" {workflow.replace('_', ' ')} "),
            text("record_id"),
            output_field=CharField(),
        ),
        case_detail=Concat(
            _labelled("action", labels),
            Value(" "),
            day_of("at"),
            Value(", due by "),
            deadline(),
            output_field=CharField(),
        ),
        # The division that had to answer: an NPS organisation, counted for the NPS.
        for_provider=F("step_organisation_id"),
        for_division=F("step_organisation_id"),
    )


def escalation_responses(first: datetime.date, after: datetime.date) -> QuerySet:
    return _nps_answers(ESCALATION_DECISIONS, first, after)


# --- Enforcement (DOMAIN.md 6) -----------------------------------------------------------------


def breach_referrals(first: datetime.date, after: datetime.date) -> QuerySet:
    """The responsible officers' decisions in the month to refer a failure to comply to an
    NPS enforcement officer (the ``refer`` events of ENFORCEMENT_REFERRALS_ON_TIME),
    counted for the provider whose decision it was."""
    rows = _located(
        WorkflowEvent.objects.filter(
            _in_month("at", first, after), workflow="failure", action="refer"
        ),
        "at",
    )
    return rows.annotate(
        case_met=Value(True),
        case_reference=Concat(
            F("person__crn"), Value(" failure "), text("record_id"), output_field=CharField()
        ),
        case_detail=Concat(
            Value(f"{REFERRAL_ACTIONS['refer']} made "),
            day_of("at"),
            Value(", due by "),
            deadline(),
            output_field=CharField(),
        ),
        for_provider=F("step_organisation_id"),
    )


def recall_requests(first: datetime.date, after: datetime.date) -> QuerySet:
    """Recall requests made to PPCS in the month – after a failure to comply, or with a
    risk escalation – counted for the provider of the officer who requested (a CRC, or the
    NPS through its division)."""
    rows = _located(RecallRequest.objects.filter(_in_month("opened_at", first, after)), "opened_at")
    return rows.annotate(
        case_met=Value(True),
        case_reference=Concat(
            sentence_reference("sentence__"),
            Value(" recall "),
            text("pk"),
            output_field=CharField(),
        ),
        case_detail=Concat(
            Value("Requested "),
            day_of("opened_at"),
            Case(
                When(emergency=True, then=Value(" (emergency)")),
                default=Value(""),
                output_field=CharField(),
            ),
            Value(", now "),
            F("state"),
            output_field=CharField(),
        ),
        for_provider=F("requested_by_organisation_id"),
    )


def breach_responses(first: datetime.date, after: datetime.date) -> QuerySet:
    return _nps_answers(BREACH_DECISIONS, first, after)


def recall_endorsements(first: datetime.date, after: datetime.date) -> QuerySet:
    return _nps_answers(RECALL_ENDORSEMENTS, first, after)


# --- Transfers (DOMAIN.md 6) -------------------------------------------------------------------


def transfers_out(first: datetime.date, after: datetime.date) -> QuerySet:
    """Transfers accepted in the month that moved a case to another Contract Package Area
    or another provider, counted for the provider the case left and its LDU then."""
    return (
        CaseTransfer.objects.filter(
            Q(decided_at__gte=instant(first), decided_at__lt=instant(after)),
            status=TransferStatus.ACCEPTED,
        )
        .filter(~Q(from_ldu__crc=F("to_ldu__crc")) | ~Q(from_provider=F("to_provider")))
        .annotate(
            case_met=Value(True),
            case_person=F("person_id"),
            case_reference=Concat(
                F("person__crn"), Value(" transfer "), text("pk"), output_field=CharField()
            ),
            case_detail=Concat(
                Value("From "),
                F("from_ldu__code"),
                Value(" ("),
                F("from_provider__code"),
                Value(") to "),
                F("to_ldu__code"),
                Value(" ("),
                F("to_provider__code"),
                Value("), accepted "),
                day_of("decided_at"),
                output_field=CharField(),
            ),
            for_provider=F("from_provider_id"),
            for_division=F("from_ldu__division_id"),
            for_ldu=F("from_ldu_id"),
        )
    )
