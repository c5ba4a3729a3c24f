"""Reads for the contract, ledger and payment-run pages (issue 8 part 8). Every read starts
from ``probation.access``: the contracts a user may see (``contracts_visible_to``), their
ledger lines (``ledger_visible_to``), and for the people behind a line their name only when
``people_visible_to`` includes them – decided in the same query as the rows, so a page costs
the same few queries however many rows it shows.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.http import Http404

from contracts.models import (
    ZERO,
    ChargedOrder,
    CohortMember,
    Contract,
    CountedReoffence,
    EntryKind,
    InvoicedDelivery,
    LedgerEntry,
    PartStatus,
    PaymentRun,
    PaymentRunPart,
    RateCardItem,
    ServiceLevel,
    ServiceLevelCase,
    WavStart,
)
from probation import access

MONEY = Sum("amount")

# The ledger summary's columns: (context name, heading, the kinds it adds up).
SUMMARY_COLUMNS = (
    ("ffs", "Fee for service", (EntryKind.FFS_INSTALMENT,)),
    ("credits", "Service credits", (EntryKind.SERVICE_CREDIT,)),
    ("pbr", "Payment by results", (EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY)),
    ("reconciliation", "Reconciliation", (EntryKind.FFS_RECONCILIATION,)),
    ("fee_for_use", "Fee for use", (EntryKind.FEE_FOR_USE, EntryKind.ATTENDANCE_CENTRE)),
)


# --- Contracts ------------------------------------------------------------------------------


def contract_list(user) -> QuerySet[Contract]:
    """The contracts the user may see, by CPA then year, each with what its standing ledger
    lines pay (``paid``): one query."""
    paid = (
        LedgerEntry.objects.standing()
        .filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(total=MONEY)
        .values("total")
    )
    return (
        access.contracts_visible_to(user)
        .select_related("crc")
        .annotate(paid=Coalesce(Subquery(paid), Value(ZERO)))
        .order_by("crc__cpa_number", "crc__code", "year")
    )


def contract_for_page(user, contract_id: int) -> Contract:
    """The contract with its service levels and rate card (404 outside the user's scope)."""
    return access.contract_for_view(
        user,
        contract_id,
        queryset=Contract.objects.select_related("crc", "updated_by").prefetch_related(
            Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("code")),
            Prefetch("rate_card", queryset=RateCardItem.objects.order_by("service")),
        ),
    )


def ledger_by_month(contract) -> list[dict]:
    """One row per month with lines: the standing lines' totals by kind and in all, and the
    number of lines (reversals included). One query."""
    sums = {
        name: Coalesce(Sum("amount", filter=Q(kind__in=kinds, **_STANDING)), Value(ZERO))
        for name, _, kinds in SUMMARY_COLUMNS
    }
    return list(
        LedgerEntry.objects.filter(contract=contract)
        .order_by()
        .values("month")
        .annotate(
            lines=Count("pk"),
            total=Coalesce(Sum("amount", filter=Q(**_STANDING)), Value(ZERO)),
            **sums,
        )
        .order_by("month")
    )


_STANDING = {"reverses__isnull": True, "reversed_by__isnull": True}


def ledger_totals(months: list[dict]) -> dict:
    names = [name for name, _, _ in SUMMARY_COLUMNS] + ["total", "lines"]
    return {name: sum((row[name] for row in months), ZERO) for name in names}


@dataclass(frozen=True)
class Change:
    at: datetime.datetime
    who: str
    what: str  # "Added", "Changed", "Removed"
    record: str  # "Contract", "Service level FIRST_APPOINTMENT", ...
    fields: list[tuple[str, object, object]]  # (field, before, after)


_NOT_SHOWN = {"id", "updated_at", "updated_by", "contract", "history_id", "history_date"}


def _changes(records, label, fields) -> list[Change]:
    """The changes between consecutive historical records of each object, oldest first."""
    changes, previous = [], {}
    for record in records:
        before = previous.get(record.instance_key)
        after = {f.name: getattr(record, f.attname) for f in fields}
        who = (
            (record.history_user.get_full_name() or record.history_user.username)
            if record.history_user
            else "The system"
        )
        if record.history_type == "+":
            what, diff = "Added", [(n, None, v) for n, v in after.items() if v not in (None, "")]
        elif record.history_type == "-":
            what, diff = "Removed", []
        else:
            what = "Changed"
            diff = [
                (n, (before or {}).get(n), v)
                for n, v in after.items()
                if before and before.get(n) != v
            ]
        changes.append(Change(record.history_date, who, what, label(record), diff))
        previous[record.instance_key] = after
    return changes


def contract_history(contract) -> list[Change]:
    """Who changed what when: the contract's versions and its service levels' and rate
    card's (django-simple-history), newest first. Three queries."""

    def fields_of(model):
        return [f for f in model._meta.concrete_fields if f.name not in _NOT_SHOWN]

    def history(model, **filters):
        rows = list(
            model.history.filter(**filters)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        for row in rows:
            row.instance_key = row.id
        return rows

    changes = _changes(history(Contract, id=contract.pk), lambda r: "Contract", fields_of(Contract))
    changes += _changes(
        history(ServiceLevel, contract_id=contract.pk),
        lambda r: f"Service level {r.code}",
        fields_of(ServiceLevel),
    )
    changes += _changes(
        history(RateCardItem, contract_id=contract.pk),
        lambda r: f"Rate card: {r.service}",
        fields_of(RateCardItem),
    )
    return sorted(changes, key=lambda c: c.at, reverse=True)


# --- The ledger -----------------------------------------------------------------------------


def month_lines(contract, month: datetime.date) -> QuerySet[LedgerEntry]:
    """Every line of a contract's month (originals, reversals, corrections), with what a
    line reverses and what reversed it: one query."""
    return (
        LedgerEntry.objects.filter(contract=contract, month=month)
        .select_related("payer_organisation", "reverses", "reversed_by", "created_by")
        .order_by("kind", "key", "correction", "pk")
    )


def totals_by_payer(lines) -> list[dict]:
    """The month's net amount per payer (reversals cancel what they reverse)."""
    totals: dict[str, Decimal] = {}
    labels = {}
    for line in lines:
        totals[line.payer] = totals.get(line.payer, ZERO) + line.amount
        labels[line.payer] = line.get_payer_display()
    return [{"payer": labels[p], "code": p, "total": t} for p, t in sorted(totals.items())]


def entry_for_view(user, contract, entry_id: int) -> LedgerEntry:
    """A line of the contract the user may see; 404 for any other id."""
    entry = (
        access.ledger_visible_to(user)
        .filter(contract=contract, pk=entry_id)
        .select_related(
            "payer_organisation",
            "reverses",
            "reversed_by",
            "created_by",
            "run_part__run",
            "service_level_result",
        )
        .first()
    )
    if entry is None:
        raise Http404("No ledger line found.")
    return entry


def _named(user, queryset: QuerySet, person: str = "person") -> QuerySet:
    """Annotate ``name``: the person's name when the user may see them, else empty –
    decided in the same query (``probation.access.people_visible_to``)."""
    visible = access.people_visible_to(user).filter(pk=OuterRef(f"{person}_id"))
    return queryset.annotate(
        person_visible=Exists(visible),
        name=Case(
            When(
                person_visible=True,
                then=Concat(f"{person}__first_name", Value(" "), f"{person}__last_name"),
            ),
            default=Value(""),
            output_field=CharField(),
        ),
    )


@dataclass(frozen=True)
class Evidence:
    """What a kind of line counted, for the drill-down page and its CSV."""

    key: str
    heading: str
    rows: QuerySet


def evidence(user, entry: LedgerEntry) -> Evidence | None:
    """What the line counted (the original's, for a reversal): the WAV starts of a
    reconciliation, a cohort's members, a missed service level's cases, the deliveries
    invoiced or the Senior Attendance Centre orders charged. Each row has ``crn``,
    ``sentence_number`` where there is a sentence, and ``name`` only for people the user may
    see. ``None`` for a line that counted nobody (an instalment)."""
    source = entry.reverses or entry
    kind = source.kind
    if kind == EntryKind.FFS_RECONCILIATION:
        rows = WavStart.objects.filter(entry=source).select_related("person", "sentence")
        return Evidence("starts", "Starts counted in the actual WAV", _named(user, rows))
    if kind in (EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY):
        rows = (
            CohortMember.objects.filter(entry=source)
            .select_related("person", "sentence")
            .prefetch_related(
                Prefetch(
                    "counted_reoffences",
                    queryset=CountedReoffence.objects.select_related("reoffence").order_by(
                        "reoffence__offence_date", "pk"
                    ),
                )
            )
        )
        return Evidence("members", "Cohort members", _named(user, rows))
    if kind == EntryKind.SERVICE_CREDIT:
        result_id = source.service_level_result_id
        rows = ServiceLevelCase.objects.filter(result_id=result_id).select_related("person")
        return Evidence(
            "cases", "Cases behind the service level", _named(user, rows.order_by("met", "pk"))
        )
    if kind == EntryKind.FEE_FOR_USE:
        rows = (
            InvoicedDelivery.objects.filter(entry=source)
            .select_related("delivery__order__item", "delivery__order__person")
            .order_by("delivery__delivered_on", "pk")
        )
        return Evidence("deliveries", "Deliveries invoiced", _named_order_person(user, rows))
    if kind == EntryKind.ATTENDANCE_CENTRE:
        rows = (
            ChargedOrder.objects.filter(entry=source)
            .select_related("person", "sentence")
            .order_by("sentence__sentence_date", "pk")
        )
        return Evidence("orders", "Senior Attendance Centre orders charged", _named(user, rows))
    return None


def _named_order_person(user, rows: QuerySet) -> QuerySet:
    """Deliveries: the order's person (if any) named only when visible."""
    visible = access.people_visible_to(user).filter(pk=OuterRef("delivery__order__person_id"))
    return rows.annotate(
        person_visible=Exists(visible),
        name=Case(
            When(
                person_visible=True,
                then=Concat(
                    "delivery__order__person__first_name",
                    Value(" "),
                    "delivery__order__person__last_name",
                ),
            ),
            default=Value(""),
            output_field=CharField(),
        ),
    )


# --- Payment runs ---------------------------------------------------------------------------


def run_list() -> QuerySet[PaymentRun]:
    """Every run, newest first, with its parts done, total and lines written: one query."""
    return (
        PaymentRun.objects.select_related("requested_by")
        .annotate(
            parts_total=Count("parts"),
            parts_done=Count("parts", filter=Q(parts__status=PartStatus.DONE)),
            parts_failed=Count("parts", filter=Q(parts__status=PartStatus.FAILED)),
            lines=Coalesce(Sum("parts__lines_written"), Value(0)),
        )
        .order_by("-requested_at", "-pk")
    )


def run_parts(run) -> list[PaymentRunPart]:
    return list(
        run.parts.select_related("organisation").order_by(
            "organisation__kind", "organisation__cpa_number", "organisation__code"
        )
    )


UNFINISHED = (PartStatus.PENDING, PartStatus.RUNNING)
