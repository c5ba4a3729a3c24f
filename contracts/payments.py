"""The monthly payment run (issue 8 part 7; DOMAIN.md 9).

A run pays one month, in arrears. It has one part per CPA (and one per NPS division, whose
service levels are measured but who are not paid), each a Celery task. A CRC's part writes,
in one transaction, everything the month owes under its contracts:

1. the month's fee-for-service instalment (``rules.monthly_instalments``);
2. the service levels measured for the month and a service credit for each one missed,
   the month's credits capped at the contract's share of the instalment (the run's first
   part measures every organisation of the run at once, in its transaction, under the
   month's lock: ``measure_run_month``);
3. the fee-for-use invoices of the month's rate-card deliveries, and the Senior Attendance
   Centre hours charged to the MoJ;
4. every PbR cohort of the CRC's contracts that has matured and is not yet paid – binary
   (quarterly) and frequency (annual) – payments capped at the year's pot (MAP − FFS);
5. in the contract year's last month, the year-end reconciliation of FFS to the actual WAV.

Idempotent: ``ledger.post`` writes a key once (and the database refuses a second line), a
service level result is stored once, and a part already done does nothing. A worker killed
mid-part loses the part's transaction whole: the task is delivered again (acks late) or the
run is resumed, and the part starts from the ledger as it was.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction

from contracts import cohorts, ledger, periods, rate_cards, rules, service_levels, volumes
from contracts.models import (
    Contract,
    EntryKind,
    LedgerEntry,
    PartStatus,
    Payer,
    PaymentRun,
    PaymentRunPart,
    RunTrigger,
    ServiceLevel,
    ServiceLevelResult,
)
from probation import clock
from probation.models import Organisation, OrganisationKind

logger = logging.getLogger(__name__)


class MonthNotOver(ValueError):
    """Fee for service is paid in arrears: a month is paid once it has ended."""


def payable(month: datetime.date, today: datetime.date | None = None) -> bool:
    return periods.month_end(month) < (today or clock.today())


def start_run(month: datetime.date, *, trigger: str = RunTrigger.COMMAND, user=None) -> PaymentRun:
    """Record a run of ``month`` with a part per CRC and NPS division and start the parts on
    the workers once committed. Raises ``MonthNotOver`` for a month not yet ended."""
    month = periods.first_of_month(month)
    if not payable(month):
        raise MonthNotOver(f"{month:%B %Y} has not ended: months are paid in arrears.")
    with transaction.atomic():
        run = PaymentRun.objects.create(
            month=month, trigger=trigger, requested_at=clock.now(), requested_by=user
        )
        organisations = Organisation.objects.filter(
            kind__in=(OrganisationKind.CRC, OrganisationKind.NPS_DIVISION), active=True
        )
        PaymentRunPart.objects.bulk_create(
            PaymentRunPart(run=run, organisation=organisation) for organisation in organisations
        )
        transaction.on_commit(lambda: dispatch(run), robust=True)
    return run


def dispatch(run: PaymentRun) -> list[str]:
    """Start a task for every part of the run not yet done (a new run, or resuming one whose
    worker died). Safe to call again: a part done does nothing."""
    from celery import group

    from contracts.tasks import pay_part

    waiting = list(
        run.parts.exclude(status=PartStatus.DONE)
        .order_by("organisation__cpa_number", "organisation__code")
        .values_list("pk", flat=True)
    )
    if not waiting:
        return []
    started = group(pay_part.s(pk) for pk in waiting).apply_async()
    return [result.id for result in started.results]


@dataclass
class Written:
    lines: list = field(default_factory=list)
    already_held: int = 0
    notes: list = field(default_factory=list)

    def add(self, entry):
        if entry is None:
            self.already_held += 1
        else:
            self.lines.append(entry)
        return entry


def pay_part(part_id: int) -> dict:
    """Do one part of a run: everything commits together, or nothing does."""
    with transaction.atomic():
        part = PaymentRunPart.objects.select_for_update(no_key=True).get(pk=part_id)
        if part.status == PartStatus.DONE:
            return part.summary
        part.status, part.started_at = PartStatus.RUNNING, clock.now()
        part.attempts += 1
        part.save(update_fields=["status", "started_at", "attempts"])
    try:
        with transaction.atomic():
            # One part per organisation at a time, whichever run it belongs to. (NO KEY: the
            # rows another part writes for this organisation – its service level results –
            # only take a KEY SHARE lock on it, which must not wait for this part.)
            organisation = Organisation.objects.select_for_update(no_key=True).get(
                pk=part.organisation_id
            )
            part = (
                PaymentRunPart.objects.select_for_update(no_key=True)
                .select_related("run")
                .get(pk=part_id)
            )
            if part.status == PartStatus.DONE:
                return part.summary
            written = Written()
            measure_run_month(part)
            if organisation.kind == OrganisationKind.CRC:
                pay_crc(organisation, part.run.month, part, written)
            else:
                results = service_levels.record_month(organisation, part.run.month, run_part=part)
                written.notes.append(f"{len(results)} service levels measured")
            part.status, part.finished_at = PartStatus.DONE, clock.now()
            part.lines_written = len(written.lines)
            part.error = ""
            part.summary = {
                "lines_written": len(written.lines),
                "already_held": written.already_held,
                "total": str(sum((e.amount for e in written.lines), rules.ZERO)),
                "notes": written.notes,
            }
            part.save()
            return part.summary
    except Exception as error:
        PaymentRunPart.objects.filter(pk=part_id).update(
            status=PartStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


# pg_advisory_xact_lock(MONTH_LOCK, year * 100 + month): measuring a month's service levels.
MONTH_LOCK = 8_2001


def measure_run_month(part) -> None:
    """Measure the service levels of the month for every organisation of the run at once,
    in the first part to run (each measure's cases are read once for everyone, not once per
    organisation): stored against each organisation's own part and contract in force, in
    this part's transaction. A part whose organisation is measured already does nothing;
    the others wait on the month's lock for the part measuring and then find their results
    stored (``service_levels.record_month`` returns stored results as they are)."""
    month = part.run.month
    if _measured(part.organisation_id, month):
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [MONTH_LOCK, month.year * 100 + month.month]
            )
        if _measured(part.organisation_id, month):
            return
    contracts: dict[int, Contract] = {}
    for contract in Contract.objects.filter(start_date__lte=month, end_date__gte=month):
        contracts.setdefault(contract.crc_id, contract)  # as contract_in_force: the first
    measured = []
    for other in PaymentRunPart.objects.filter(run_id=part.run_id).select_related("organisation"):
        organisation = other.organisation
        if organisation.kind == OrganisationKind.CRC:
            contract = contracts.get(organisation.pk)
            if contract is None:  # a CRC without a contract in force is not measured
                continue
            measured.append(service_levels.Measured(organisation, contract, other))
        elif organisation.kind == OrganisationKind.NPS_DIVISION:
            measured.append(service_levels.Measured(organisation, None, other))
    service_levels.record_organisations(month, measured)


def _measured(organisation_id: int, month: datetime.date) -> bool:
    stored = ServiceLevelResult.objects.filter(
        organisation_id=organisation_id, month=month, code__in=service_levels.MEASURES
    )
    return stored.count() == len(service_levels.MEASURES)


def contract_in_force(crc, month: datetime.date) -> Contract | None:
    return Contract.objects.filter(crc=crc, start_date__lte=month, end_date__gte=month).first()


def pay_crc(crc, month: datetime.date, part, written: Written) -> None:
    contract = contract_in_force(crc, month)
    if contract is None:
        written.notes.append("No contract in force this month")
    else:
        instalment = pay_instalment(contract, month, part, written)
        pay_service_credits(contract, month, instalment, part, written)
        pay_fee_for_use(contract, month, part, written)
        pay_attendance_centre(contract, month, part, written)
    pay_matured_cohorts(crc, month, part, written)
    if contract is not None and month == periods.first_of_month(contract.end_date):
        pay_reconciliation(contract, month, part, written)


def _label(month):
    return periods.month_label(month)


def pay_instalment(contract, month, part, written):
    number = periods.instalment_number(contract.start_date, month)
    amount = rules.monthly_instalments(contract.ffs_bid)[number - 1]
    written.add(
        ledger.post(
            contract,
            month,
            EntryKind.FFS_INSTALMENT,
            f"FFS:{_label(month)}",
            amount,
            description=f"Fee for service, instalment {number} of 12 ({month:%B %Y})",
            detail={"annual_ffs": contract.ffs_bid, "instalment": number},
            run_part=part,
        )
    )
    return amount


def pay_service_credits(contract, month, instalment, part, written):
    levels = {level.code: level for level in ServiceLevel.objects.filter(contract=contract)}
    results = service_levels.record_month(contract.crc, month, contract=contract, run_part=part)
    cap = rules.pennies(contract.monthly_credit_cap * instalment)
    taken = -sum(
        (
            e.amount
            for e in LedgerEntry.objects.standing().filter(
                contract=contract, month=month, kind=EntryKind.SERVICE_CREDIT
            )
        ),
        rules.ZERO,
    )
    for result in sorted(results, key=lambda r: r.code):
        level = levels.get(result.code)
        if level is None or result.met is not False:
            continue
        key = f"CREDIT:{result.code}:{_label(month)}"
        if ledger.standing_line(contract, key) is not None:
            written.already_held += 1
            continue
        credit = rules.service_credit(level.credit_share, instalment)
        paid, excess = rules.capped(credit, cap - taken)
        taken += paid
        written.add(
            ledger.post(
                contract,
                month,
                EntryKind.SERVICE_CREDIT,
                key,
                -paid,
                excess=excess,
                description=(
                    f"Service credit: {result.code} {result.numerator}/{result.denominator} "
                    f"below the target of {level.target:%}"
                ),
                detail={
                    "numerator": result.numerator,
                    "denominator": result.denominator,
                    "target": level.target,
                    "credit_share": level.credit_share,
                    "monthly_ffs": instalment,
                    "credit": credit,
                    "cap": cap,
                },
                run_part=part,
                service_level_result=result,
            )
        )


def pay_fee_for_use(contract, month, part, written):
    for invoice in rate_cards.invoices(contract, month):
        entry = written.add(
            ledger.post(
                contract,
                month,
                EntryKind.FEE_FOR_USE,
                f"FFU:{_label(month)}:{invoice.key}",
                invoice.total,
                description=f"Fee for use: {invoice.payer_display}, {month:%B %Y}",
                detail={"deliveries": len(invoice.lines)},
                payer=invoice.payer,
                payer_organisation=invoice.payer_organisation,
                payer_name=invoice.payer_name,
                run_part=part,
            )
        )
        if entry is not None:
            rate_cards.record_invoice(entry, invoice)


def pay_attendance_centre(contract, month, part, written):
    charge = rate_cards.attendance_centre(contract, month)
    if charge is None or not charge.lines:
        return
    entry = written.add(
        ledger.post(
            contract,
            month,
            EntryKind.ATTENDANCE_CENTRE,
            f"SAC:{_label(month)}",
            charge.total,
            description=f"Senior Attendance Centre hours, {month:%B %Y}",
            detail={"orders": len(charge.lines), "hours": charge.hours, "price": charge.price},
            payer=Payer.MOJ,
            run_part=part,
        )
    )
    if entry is not None:
        rate_cards.record_charge(entry, charge)


def _cohort_periods(contract):
    yield from (
        (EntryKind.PBR_BINARY, period)
        for period in periods.quarters(contract.start_date, contract.year)
    )
    yield (
        EntryKind.PBR_FREQUENCY,
        periods.year_period(contract.start_date, contract.end_date, contract.year),
    )


def pay_matured_cohorts(crc, month, part, written):
    contracts = list(Contract.objects.filter(crc=crc, start_date__lte=month).order_by("year"))
    # The cohort lines standing already, read once (``ledger.post`` checks again, under the
    # unique constraint, before it writes).
    held = set(
        LedgerEntry.objects.standing()
        .filter(contract__in=contracts, kind__in=(EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY))
        .values_list("contract_id", "key")
    )
    for contract in contracts:
        for kind, period in _cohort_periods(contract):
            if period.matures_in() > month:
                continue
            key = f"{kind}:{period.label}"
            if (contract.pk, key) in held:
                written.already_held += 1
                continue
            pay_cohort(contract, kind, period, key, month, part, written)


def pay_cohort(contract, kind, period, key, month, part, written):
    """Record the cohort's members against a reserved line id, price the cohort from what
    was recorded, then write the line: the members are found once, and the figure and its
    evidence are the same rows."""
    line_id = ledger.reserve_id()
    cohorts.record(_Reserved(line_id), contract.crc_id, period)
    n, reoffenders, reoffences = cohorts.recorded_figures(line_id)
    detail = {
        "period": [period.start, period.end],
        "cohort_size": n,
        "reoffenders": reoffenders,
        "reoffences": reoffences,
    }
    if n == 0:
        outcome, amount = "EMPTY", rules.ZERO
    elif kind == EntryKind.PBR_BINARY:
        result = rules.pbr_binary(
            n,
            reoffenders,
            contract.binary_baseline(period.quarter),
            contract.price_per_reoffender,
            contract.significance_level,
        )
        outcome, amount = result.outcome, result.amount
        detail |= {
            "baseline_rate": contract.binary_baseline(period.quarter),
            "price_per_reoffender": contract.price_per_reoffender,
            "significance_level": contract.significance_level,
            "rate": result.rate,
            "p_value_reduction": repr(result.p_value_reduction),
            "p_value_increase": repr(result.p_value_increase),
        }
    else:
        result = rules.pbr_frequency(
            n,
            reoffenders,
            reoffences,
            contract.annual_binary_baseline,
            contract.frequency_baseline,
            contract.price_per_reoffence,
        )
        outcome, amount = result.outcome, result.amount
        detail |= {
            "baseline_rate": contract.annual_binary_baseline,
            "baseline_frequency": contract.frequency_baseline,
            "price_per_reoffence": contract.price_per_reoffence,
            "rate": result.rate,
            "frequency": result.frequency,
            "hurdle_met": result.hurdle_met,
        }
    paid, excess = rules.capped(amount, contract.pbr_pot - ledger.pbr_paid(contract))
    detail |= {"outcome": outcome, "formula_amount": amount, "pot": contract.pbr_pot}
    metric = "binary" if kind == EntryKind.PBR_BINARY else "frequency"
    written.add(
        ledger.post(
            contract,
            month,
            kind,
            key,
            paid,
            excess=excess,
            description=f"Payment by results, {metric} metric, cohort {period.label}: {outcome}",
            detail=detail,
            run_part=part,
            reserved_id=line_id,
        )
    )


def pay_reconciliation(contract, month, part, written):
    """Record the year's starts against a reserved line id, price the actual WAV from what
    was recorded, then write the reconciliation line."""
    key = f"RECONCILIATION:Y{contract.year}"
    if ledger.standing_line(contract, key) is not None:
        written.already_held += 1
        return
    line_id = ledger.reserve_id()
    volumes.record(_Reserved(line_id), contract.crc_id, contract.start_date, contract.end_date)
    counts = volumes.recorded_counts(line_id)
    wav = rules.wav(contract.wav_weights, contract.upw_bands, counts)
    result = rules.reconcile(contract.ffs_bid, contract.predicted_wav, wav.wav, contract.tolerance)
    written.add(
        ledger.post(
            contract,
            month,
            EntryKind.FFS_RECONCILIATION,
            key,
            result.adjustment,
            description=(
                f"Year-end reconciliation of fee for service, contract year {contract.year}: "
                f"actual WAV {wav.wav} against {result.lower_bound}–{result.upper_bound}"
            ),
            detail={
                "annual_ffs": contract.ffs_bid,
                "predicted_wav": contract.predicted_wav,
                "actual_wav": wav.wav,
                "starts": wav.starts,
                "by_type": wav.by_type,
                "tolerance": contract.tolerance,
                "unit_price": result.unit_price,
                "lower_bound": result.lower_bound,
                "upper_bound": result.upper_bound,
                "weights": contract.wav_weights,
                "upw_bands": contract.upw_bands,
            },
            run_part=part,
            reserved_id=line_id,
        )
    )


@dataclass(frozen=True)
class _Reserved:
    """The id of a ledger line about to be written, for the rows it counted."""

    pk: int
