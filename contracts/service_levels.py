"""Service level measures (DOMAIN.md 10; issue 8 part 4), computed each month per CRC and
per NPS division from the facts earlier parts record, each with its numerator, denominator
and the cases behind it.

``MEASURES`` is the registry: code → ``Measure`` (name, group, what the numerator and the
denominator count, and a set-wise query of the month's cases). Every case row carries:

- ``case_person``, ``case_reference`` (the sentence, plan or referral measured),
  ``case_met`` (counted in the numerator) and ``case_detail`` (the dates that decided it);
- who it counts for: ``for_provider`` (the provider whose performance it is: the CRC, or
  the NPS), ``for_division`` (the NPS division of the person's LDU) and ``for_ldu`` (the
  person's LDU), so a figure can be grouped by CRC, NPS division or LDU (``figures``).

Whose case it is: for sentence measures (first appointment, completion) the provider
responsible for the person when the month is measured (``Person.responsible_provider``: the
run measures a month in the first days of the next, and DOMAIN.md 6 counts a transferred
case in the receiving CPA's performance from the transfer); for an enforcement decision the
provider whose step it was (``WorkflowEvent.step_organisation``); for a resettlement plan
and its screening the CRC that wrote it (the episode's plan writer until it is written).
An NPS division's figure is the NPS's cases of people living in that division's LDUs.

``record_month`` stores one ``ServiceLevelResult`` per measure with its ``ServiceLevelCase``
rows, in a constant number of queries per measure however many cases there are: the
results' ids are reserved, the cases written against them (an ``INSERT ... SELECT`` per
measure) and the figures counted from the rows written (one query for every measure), so a
figure and its cases are the same rows. ``record_organisations`` does the same for several
organisations at once – each measure's cases read once for all of them, each case written
against its own organisation's result – which is how the payment run measures a month (its
first part measures every organisation of the run). Idempotent: a result already stored
for (organisation, month, code) is returned as it is, not computed again.
"""

import datetime
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from contracts import ledger, periods
from contracts.models import ServiceLevel, ServiceLevelCase, ServiceLevelResult
from enforcement.models import Failure
from probation import clock, sql
from probation.calendar import add_business_days
from probation.models import (
    APPOINTMENT_TYPES,
    Contact,
    Organisation,
    OrganisationKind,
    Person,
    Sentence,
)
from probation.models.contacts import ATTENDED_OUTCOMES
from probation.models.organisations import NPS_KINDS
from probation.models.sentences import (
    COMMUNITY_SENTENCE_TYPES,
    Management,
    SentenceType,
    Termination,
    TerminationReason,
)
from probation.models.workflow import WorkflowEvent
from resettlement import measures as resettlement_measures
from resettlement.models import PlanState, ResettlementPlan

# The four groups of CRC service levels (DOMAIN.md 10).
SENTENCE_DELIVERY = "Sentence delivery"
PUBLIC_PROTECTION = "Public protection"
ENFORCEMENT = "Enforcement"
THROUGH_THE_GATE = "Through the gate"

# The columns of a case row (module docstring).
CASE_COLUMNS = (
    "case_person",
    "case_reference",
    "case_met",
    "case_detail",
    "for_provider",
    "for_division",
    "for_ldu",
)
# figures(by=...): the attribution column each level groups on.
LEVELS = {"provider": "for_provider", "division": "for_division", "ldu": "for_ldu"}

# Terminations that count as completed successfully (sentence delivery).
SUCCESSFUL_TERMINATIONS = (TerminationReason.COMPLETED, TerminationReason.EXPIRED)
# The responsible officer's enforcement decisions that are referrals (DOMAIN.md 6): a breach
# referral to an NPS enforcement officer, a recall request to PPCS.
REFERRAL_ACTIONS = {"refer": "Breach referral", "request_recall": "Recall request"}

Rows = QuerySet | list[dict]


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    group: str
    numerator: str  # what counts as met
    denominator: str  # which cases are measured
    # (first day of the month, first day of the next) -> the month's cases of everyone:
    # a queryset annotated with CASE_COLUMNS, or a list of dicts with those keys.
    query: Callable[..., Rows]
    # The query takes the organisation too and reads only its cases (a measure decided in
    # Python, which would otherwise decide everyone's cases for each organisation).
    narrows: bool = False

    @property
    def description(self) -> str:
        return f"{self.numerator}, of {self.denominator[0].lower()}{self.denominator[1:]}"

    def cases(self, month: datetime.date, organisation: Organisation | None = None) -> Rows:
        """The month's cases, of one organisation (a CRC, the NPS, an NPS division or an
        LDU) when given."""
        first, after = _bounds(month)
        arguments = (first, after, organisation) if self.narrows else (first, after)
        rows = self.query(*arguments)
        if organisation is None:
            return rows
        if isinstance(rows, QuerySet):
            return rows.filter(_of(organisation))
        return [row for row in rows if _row_of(row, organisation)]


# --- Helpers ---------------------------------------------------------------------------------


def _bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = periods.first_of_month(month)
    return first, periods.add_months(first, 1)


def _instant(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``: the month's bounds for timestamps."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _nps_ids():
    return Organisation.objects.filter(kind__in=NPS_KINDS).values("pk")


def _of(organisation: Organisation) -> Q:
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return Q(for_division=organisation.pk, for_provider__in=_nps_ids())
    if organisation.kind == OrganisationKind.NPS:
        return Q(for_provider__in=_nps_ids())
    if organisation.kind == OrganisationKind.LDU:
        return Q(for_ldu=organisation.pk)
    return Q(for_provider=organisation.pk)


def _row_of(row: dict, organisation: Organisation) -> bool:
    """``_of`` for rows decided in Python (they are only ever CRC cases)."""
    if organisation.kind == OrganisationKind.LDU:
        return row["for_ldu"] == organisation.pk
    if organisation.kind in NPS_KINDS:
        return False
    return row["for_provider"] == organisation.pk


def _text(expression) -> Cast:
    return Cast(expression, CharField())


def _day(expression):
    """The local date of a timestamp, as text for a detail."""
    return _text(TruncDate(expression))


def _met(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _sentence_reference(prefix: str = ""):
    return Concat(
        F(f"{prefix}person__crn"), Value("/"), _text(F(f"{prefix}number")), output_field=CharField()
    )


def _person_columns(person: str = "person") -> dict:
    return {
        "case_person": F(f"{person}_id"),
        "for_division": F(f"{person}__ldu__division_id"),
        "for_ldu": F(f"{person}__ldu_id"),
    }


# --- Public protection: seen at the start of the order or after release --------------------


def first_appointment_due_dates(
    first: datetime.date, after: datetime.date
) -> dict[datetime.date, datetime.date]:
    """Each day of [first, after) → the first appointment of a sentence starting that day is
    due by (``probation.contacts.first_appointment_due``'s rule)."""
    within = settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS
    days = (first + datetime.timedelta(days=n) for n in range((after - first).days))
    return {day: add_business_days(day, within) for day in days}


def supervision_starts(first: datetime.date, after: datetime.date) -> QuerySet:
    """Sentences probation manages whose supervision starts in [first, after): Community
    Orders and SSOs sentenced then, and custodial sentences released then onto licence or
    post-sentence supervision (the first appointment's cases; the dashboards' starts)."""
    community = Q(
        sentence_type__in=COMMUNITY_SENTENCE_TYPES,
        sentence_date__gte=first,
        sentence_date__lt=after,
    )
    released = Q(
        sentence_type=SentenceType.CUSTODIAL,
        actual_release_date__gte=first,
        actual_release_date__lt=after,
    ) & (Q(licence_start_date__isnull=False) | Q(pss_start_date__isnull=False))
    return Sentence.objects.filter(community | released, management=Management.MANAGED)


def _first_appointment(first: datetime.date, after: datetime.date) -> QuerySet:
    """Community Orders and SSOs sentenced in the month, and custodial sentences released in
    the month onto licence or PSS, that probation manages; met when the first attended
    appointment on or after the start was on or before the due date
    (``probation.contacts.first_appointment``: FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS
    business days after the start)."""
    # The due date of each start date of the month, worked out once per day by the
    # business-day calendar and given to the database as a CASE.
    due = Case(
        *(
            When(fa_start=day, then=Value(due_by))
            for day, due_by in first_appointment_due_dates(first, after).items()
        ),
        output_field=DateField(),
    )
    seen = (
        Contact.objects.filter(
            person=OuterRef("person_id"),
            contact_type__in=APPOINTMENT_TYPES,
            outcome__in=ATTENDED_OUTCOMES,
        )
        .annotate(day=TruncDate("starts_at"))
        .filter(day__gte=OuterRef("fa_start"))
        .order_by("day")
        .values("day")[:1]
    )
    return (
        supervision_starts(first, after)
        .annotate(
            fa_start=Case(
                When(sentence_type=SentenceType.CUSTODIAL, then=F("actual_release_date")),
                default=F("sentence_date"),
                output_field=DateField(),
            )
        )
        .annotate(fa_due=due, fa_seen=Subquery(seen, output_field=DateField()))
        .annotate(
            case_met=_met(Q(fa_seen__isnull=False, fa_seen__lte=F("fa_due"))),
            case_reference=_sentence_reference(),
            case_detail=Concat(
                Value("Started "),
                _text("fa_start"),
                Value(", due by "),
                _text("fa_due"),
                Value(", first seen "),
                Coalesce(_text("fa_seen"), Value("not yet")),
                output_field=CharField(),
            ),
            for_provider=F("person__responsible_provider_id"),
            **_person_columns(),
        )
    )


# --- Sentence delivery: orders and licences completed -----------------------------------------


def _orders_completed(first: datetime.date, after: datetime.date) -> QuerySet:
    """Community Orders, SSOs and licences (custodial sentences) probation managed whose
    supervision terminated in the month; met when terminated as completed or expired."""
    reason_label = Case(
        *(When(reason=value, then=Value(label)) for value, label in TerminationReason.choices),
        default=F("reason"),
        output_field=CharField(),
    )
    return Termination.objects.filter(
        terminated_on__gte=first,
        terminated_on__lt=after,
        sentence__management=Management.MANAGED,
        sentence__sentence_type__in=(*COMMUNITY_SENTENCE_TYPES, SentenceType.CUSTODIAL),
    ).annotate(
        case_met=_met(Q(reason__in=SUCCESSFUL_TERMINATIONS)),
        case_reference=_sentence_reference("sentence__"),
        case_detail=Concat(
            Value("Terminated "),
            _text("terminated_on"),
            Value(": "),
            reason_label,
            output_field=CharField(),
        ),
        for_provider=F("sentence__person__responsible_provider_id"),
        **_person_columns("sentence__person"),
    )


# --- Enforcement: breach referrals and recall requests on time ------------------------------


def _enforcement_referrals(first: datetime.date, after: datetime.date) -> QuerySet:
    """The responsible officer's decisions in the month to refer a failure to comply to an
    NPS enforcement officer or to request recall (DOMAIN.md 6); met when made within the
    decision step's deadline (FAILURE_DECISION_BUSINESS_DAYS after the failure was
    recorded, as ``WorkflowEvent.within_deadline`` recorded it)."""
    failures = Failure.objects.filter(pk=OuterRef("record_id"))
    action_label = Case(
        *(When(action=action, then=Value(label)) for action, label in REFERRAL_ACTIONS.items()),
        output_field=CharField(),
    )
    return WorkflowEvent.objects.filter(
        workflow="failure",
        action__in=tuple(REFERRAL_ACTIONS),
        at__gte=_instant(first),
        at__lt=_instant(after),
    ).annotate(
        case_met=_met(Q(within_deadline=True)),
        case_reference=Concat(
            F("person__crn"),
            Value("/"),
            _text(Subquery(failures.values("sentence__number")[:1], output_field=IntegerField())),
            Value(" failure "),
            _text("record_id"),
            output_field=CharField(),
        ),
        case_detail=Concat(
            action_label,
            Value(" made "),
            _day("at"),
            Value(", due by "),
            Coalesce(_text("due_by"), Value("no deadline")),
            output_field=CharField(),
        ),
        for_provider=F("step_organisation_id"),
        **_person_columns(),
    )


# --- Through the gate: screening, plans and sharing ------------------------------------------


def _plans_due(first: datetime.date, after: datetime.date, *writers: str) -> QuerySet:
    """Resettlement plans due in the month, except those released before the plan was due
    and never completed (nobody could finish them), attributed to their writer (the first
    of ``writers`` recorded)."""
    writers = writers or ("writer_id", "episode__plan_writer_id")
    return (
        ResettlementPlan.objects.filter(plan_due_by__gte=first, plan_due_by__lt=after)
        .exclude(
            state=PlanState.CLOSED,
            completed_at__isnull=True,
            episode__released_on__lte=F("plan_due_by"),
        )
        .annotate(
            for_provider=Coalesce(*(F(name) for name in writers)),
            case_reference=Concat(
                F("person__crn"), Value(" plan "), _text("pk"), output_field=CharField()
            ),
            **_person_columns(),
        )
    )


def _plan_within_5_days(first: datetime.date, after: datetime.date) -> QuerySet:
    return _plans_due(first, after).annotate(
        case_met=_met(Q(completed_at__isnull=False, completed_late=False)),
        case_detail=Concat(
            Value("Received "),
            _text("episode__received_on"),
            Value(", due by "),
            _text("plan_due_by"),
            Value(", completed "),
            Coalesce(_day("completed_at"), Value("not yet")),
            output_field=CharField(),
        ),
    )


def _screening(first: datetime.date, after: datetime.date) -> QuerySet:
    writers = ("episode__screening__part2_organisation_id", "writer_id", "episode__plan_writer_id")
    return (
        _plans_due(first, after, *writers)
        .annotate(part2_on=TruncDate("episode__screening__part2_completed_at"))
        .annotate(
            case_met=_met(Q(part2_on__isnull=False, part2_on__lte=F("plan_due_by"))),
            case_detail=Concat(
                Value("Received "),
                _text("episode__received_on"),
                Value(", part 2 due by "),
                _text("plan_due_by"),
                Value(", completed "),
                Coalesce(_text("part2_on"), Value("not yet")),
                output_field=CharField(),
            ),
        )
    )


def _plan_shared(first: datetime.date, after: datetime.date) -> QuerySet:
    return ResettlementPlan.objects.filter(
        share_due_by__gte=first, share_due_by__lt=after
    ).annotate(
        for_provider=F("writer_id"),
        case_reference=Concat(
            F("person__crn"), Value(" plan "), _text("pk"), output_field=CharField()
        ),
        case_met=_met(Q(shared_at__isnull=False, shared_late=False)),
        case_detail=Concat(
            Value("Completed "),
            _day("completed_at"),
            Value(", share due by "),
            _text("share_due_by"),
            Value(", shared "),
            Coalesce(_day("shared_at"), Value("not yet")),
            output_field=CharField(),
        ),
        **_person_columns(),
    )


def _designated_release(
    first: datetime.date, after: datetime.date, organisation: Organisation | None = None
) -> list[dict]:
    """``resettlement.measures.designated_release``, as case rows: CRC cases only (it counts
    releases whose allocated organisation is a CRC), so an NPS organisation's figure is 0/0
    and is not computed; for a CRC only its own releases are read."""
    if organisation is not None and organisation.kind in NPS_KINDS:
        return []
    crc = organisation if organisation is not None and organisation.is_crc else None
    figures = resettlement_measures.designated_release(first, crc=crc)
    released = [person for figure in figures for person in figure.people]
    if not released:
        return []
    crcs = dict(Organisation.objects.filter(kind=OrganisationKind.CRC).values_list("code", "pk"))
    people = {
        row["crn"]: row
        for row in Person.objects.filter(crn__in={p.crn for p in released}).values(
            "pk", "crn", "ldu_id", "ldu__division_id"
        )
    }
    return [
        {
            "case_person": people[p.crn]["pk"],
            "case_reference": f"{p.crn} released {p.released_on:%Y-%m-%d}",
            "case_met": p.counted,
            "case_detail": p.reason[:300],
            "for_provider": crcs.get(p.crc),
            "for_division": people[p.crn]["ldu__division_id"],
            "for_ldu": people[p.crn]["ldu_id"],
        }
        for p in released
    ]


# --- The registry ----------------------------------------------------------------------------

MEASURES: dict[str, Measure] = {
    measure.code: measure
    for measure in (
        Measure(
            code="FIRST_APPOINTMENT",
            name="First appointment on time",
            group=PUBLIC_PROTECTION,
            numerator="Seen at a first appointment within "
            f"{settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS} business days of the start "
            "(an attended appointment on or after the start, by the due date)",
            denominator="Community Orders and Suspended Sentence Orders sentenced in the "
            "month, and releases in the month onto licence or post-sentence supervision, "
            "managed by the provider",
            query=_first_appointment,
        ),
        Measure(
            code="ORDERS_COMPLETED",
            name="Orders and licences completed",
            group=SENTENCE_DELIVERY,
            numerator="Terminated as completed (all requirements met) or expired "
            "(supervision period ended)",
            denominator="Community Orders, Suspended Sentence Orders and licences whose "
            "supervision terminated in the month, for any reason",
            query=_orders_completed,
        ),
        Measure(
            code="ENFORCEMENT_REFERRALS_ON_TIME",
            name="Breach referrals and recall requests on time",
            group=ENFORCEMENT,
            numerator="Made within the responsible officer's decision deadline "
            f"({settings.FAILURE_DECISION_BUSINESS_DAYS} business days after the failure to "
            "comply was recorded)",
            denominator="Failures to comply referred to an NPS enforcement officer or made "
            "the subject of a recall request to PPCS in the month",
            query=_enforcement_referrals,
        ),
        Measure(
            code="SCREENING",
            name="Basic custody screening part 2 on time",
            group=THROUGH_THE_GATE,
            numerator="Part 2 of the screening completed by its due date "
            f"({settings.RESETTLEMENT_PLAN_BUSINESS_DAYS} business days after reception)",
            denominator="Receptions whose screening and plan were due in the month (except "
            "people released before they were due with none written)",
            query=_screening,
        ),
        Measure(
            code="PLAN_WITHIN_5_DAYS",
            name="Resettlement plans within five business days",
            group=THROUGH_THE_GATE,
            numerator="Plan completed by its due date "
            f"({settings.RESETTLEMENT_PLAN_BUSINESS_DAYS} business days after reception)",
            denominator="Resettlement plans due in the month (except people released before "
            "the plan was due with none written)",
            query=_plan_within_5_days,
        ),
        Measure(
            code="PLAN_SHARED_WITHIN_1_DAY",
            name="Resettlement plans shared within one business day",
            group=THROUGH_THE_GATE,
            numerator="Shared with the home CRC or the NPS by the share date "
            f"({settings.PLAN_SHARING_BUSINESS_DAYS} business day after completion)",
            denominator="Completed plans whose sharing was due in the month",
            query=_plan_shared,
        ),
        Measure(
            code="DESIGNATED_RELEASE",
            name="Adult men released from a designated resettlement prison",
            group=THROUGH_THE_GATE,
            numerator="Released from a resettlement prison designated to the CRC after at "
            f"least {settings.DESIGNATED_RELEASE_MINIMUM_MONTHS} months in resettlement "
            "prisons",
            denominator="Adult men released in the month whom the CRC will supervise "
            "(resettlement.measures.designated_release)",
            query=_designated_release,
            narrows=True,
        ),
    )
}


# --- Figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    numerator: int
    denominator: int

    def met(self, target: Decimal | None) -> bool | None:
        return met(self.numerator, self.denominator, target)


def met(numerator: int, denominator: int, target: Decimal | None) -> bool | None:
    """numerator ÷ denominator ≥ target (exactly at the target is met), compared without
    division; None when there is nothing to measure or no target."""
    if not denominator or target is None:
        return None
    return Decimal(numerator) >= Decimal(target) * denominator


def figures(
    month: datetime.date, *, by: str = "provider", codes=None
) -> dict[str, dict[int, Figure]]:
    """Every organisation's figure of each measure for the month at once, for the
    dashboards: ``by`` "provider" (each CRC, and the NPS as a whole), "division" (the NPS's
    cases per NPS division) or "ldu" (every case per LDU). One query per measure."""
    column = LEVELS[by]
    result: dict[str, dict[int, Figure]] = {}
    for code in codes or MEASURES:
        rows = MEASURES[code].cases(month)
        grouped: dict[int, Figure] = {}
        if isinstance(rows, QuerySet):
            if by == "division":
                rows = rows.filter(for_provider__in=_nps_ids())
            for row in (
                rows.filter(**{f"{column}__isnull": False})
                .order_by()
                .values(column)
                .annotate(denominator=Count("pk"), numerator=Count("pk", filter=Q(case_met=True)))
            ):
                grouped[row[column]] = Figure(row["numerator"], row["denominator"])
        elif by != "division":  # Python-decided rows are CRC cases only
            for row in rows:
                if row[column] is None:
                    continue
                before = grouped.get(row[column], Figure(0, 0))
                grouped[row[column]] = Figure(
                    before.numerator + bool(row["case_met"]), before.denominator + 1
                )
        result[code] = grouped
    return result


# --- Recording a month -----------------------------------------------------------------------

_CASE_FIELDS = {
    "result": "case_result",
    "person": "case_person",
    "reference": "case_reference",
    "met": "case_met",
    "detail": "case_detail",
}


@dataclass(frozen=True)
class Measured:
    """An organisation to measure for a month: a CRC with the contract in force (its targets
    decide ``met``), or an NPS division (no contract); the run part it is measured for."""

    organisation: Organisation
    contract: object = None
    run_part: object = None


def record_month(
    organisation: Organisation,
    month: datetime.date,
    *,
    contract=None,
    run_part=None,
) -> list[ServiceLevelResult]:
    """Compute every measure for the organisation (a CRC, or an NPS division) for the month
    and store a ServiceLevelResult (with the contract's target when it has that service
    level) and its ServiceLevelCase rows. Idempotent: a result already stored for
    (organisation, month, code) is returned as it is, not computed again. Runs in the
    caller's transaction; a constant number of queries per measure."""
    recorded = record_organisations(month, [Measured(organisation, contract, run_part)])
    return recorded[organisation.pk]


def record_organisations(
    month: datetime.date, measured: list[Measured]
) -> dict[int, list[ServiceLevelResult]]:
    """``record_month`` for several organisations at once (the payment run measures every
    organisation of a run in its first part): each measure's cases are read once for them
    all – one ``INSERT ... SELECT`` per measure writing each case against its
    organisation's result – and the figures counted from the rows written, in one query.
    Organisation id → its results, in ``MEASURES`` order. Idempotent per (organisation,
    month, code), like ``record_month``; the caller holds the transaction (and, for
    organisations whose parts another worker may be running, the month's lock)."""
    month = periods.first_of_month(month)
    by_pk = {m.organisation.pk: m for m in measured}
    stored: dict[int, dict[str, ServiceLevelResult]] = {pk: {} for pk in by_pk}
    for result in ServiceLevelResult.objects.filter(organisation__in=by_pk, month=month):
        stored[result.organisation_id][result.code] = result
    todo = [
        (code, pk) for code in MEASURES for pk in by_pk if code not in stored[pk]
    ]  # (code, organisation) pairs to compute
    if todo:
        with transaction.atomic():
            for result in _compute(month, by_pk, todo):
                stored[result.organisation_id][result.code] = result
    return {pk: [stored[pk][code] for code in MEASURES if code in stored[pk]] for pk in by_pk}


def _compute(month, by_pk: dict[int, Measured], todo) -> list[ServiceLevelResult]:
    """The results of ``todo`` (code, organisation id) with their case rows: ids reserved
    first, the cases written against them, the figures counted from the cases written."""
    contracts = {m.contract.pk for m in by_pk.values() if m.contract is not None}
    targets: dict[tuple[int, str], Decimal] = {
        (contract_id, code): target
        for contract_id, code, target in ServiceLevel.objects.filter(
            contract__in=contracts
        ).values_list("contract_id", "code", "target")
    }
    ids = iter(ledger.reserve_ids(ServiceLevelResult, len(todo)))
    reserved = {(code, pk): next(ids) for code, pk in todo}
    for code, measure in MEASURES.items():
        organisations = {
            by_pk[pk].organisation: result_id
            for (c, pk), result_id in reserved.items()
            if c == code
        }
        if organisations:
            _write_cases(measure, month, organisations)
    counts = {
        row["result_id"]: (row["numerator"], row["denominator"])
        for row in ServiceLevelCase.objects.filter(result_id__in=reserved.values())
        .order_by()
        .values("result_id")
        .annotate(denominator=Count("pk"), numerator=Count("pk", filter=Q(met=True)))
    }
    now = clock.now()
    results = []
    for (code, pk), result_id in reserved.items():
        numerator, denominator = counts.get(result_id, (0, 0))
        contract = by_pk[pk].contract
        target = targets.get((contract.pk, code)) if contract is not None else None
        results.append(
            ServiceLevelResult(
                id=result_id,
                organisation=by_pk[pk].organisation,
                contract=contract,
                month=month,
                code=code,
                numerator=numerator,
                denominator=denominator,
                target=target,
                met=met(numerator, denominator, target),
                run_part=by_pk[pk].run_part,
                computed_at=now,
            )
        )
    return ServiceLevelResult.objects.bulk_create(results)


def _write_cases(measure: Measure, month, organisations: dict[Organisation, int]) -> None:
    """Write the month's cases of ``organisations`` (organisation → its result's reserved
    id), each against its organisation's result: one ``INSERT ... SELECT`` for a set-wise
    measure, rows decided in Python written in bulk."""
    if len(organisations) == 1:
        ((organisation, result_id),) = organisations.items()
        rows = measure.cases(month, organisation)  # a narrowing measure reads only its own
        result = Value(result_id, output_field=IntegerField())
    else:
        rows = measure.cases(month)
        if isinstance(rows, QuerySet):
            rows = rows.filter(_of_any(organisations))
        whens = (When(_of(o), then=Value(pk)) for o, pk in organisations.items())
        result = Case(*whens, default=None, output_field=IntegerField())
    if isinstance(rows, QuerySet):
        sql.insert_from(ServiceLevelCase, _CASE_FIELDS, rows.annotate(case_result=result))
        return
    ServiceLevelCase.objects.bulk_create(
        ServiceLevelCase(
            result_id=result_id,
            person_id=row["case_person"],
            reference=row["case_reference"][:60],
            met=row["case_met"],
            detail=row["case_detail"][:300],
        )
        for organisation, result_id in organisations.items()
        for row in rows
        if _row_of(row, organisation)
    )


def _of_any(organisations) -> Q:
    """``_of`` for several organisations, as one condition (the cases of any of them)."""
    kinds: dict[str, list[int]] = {}
    for organisation in organisations:
        kinds.setdefault(organisation.kind, []).append(organisation.pk)
    conditions = []
    for kind, pks in kinds.items():
        if kind == OrganisationKind.NPS_DIVISION:
            conditions.append(Q(for_division__in=pks, for_provider__in=_nps_ids()))
        elif kind == OrganisationKind.NPS:
            conditions.append(Q(for_provider__in=_nps_ids()))
        elif kind == OrganisationKind.LDU:
            conditions.append(Q(for_ldu__in=pks))
        else:
            conditions.append(Q(for_provider__in=pks))
    return functools.reduce(operator.or_, conditions)
