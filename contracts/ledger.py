"""Writing the append-only ledger: post a line once per key, reverse a line.

``post`` is what makes a run idempotent: a key with a standing line (posted and not
reversed) is never posted again; the unique constraint on (contract, key, correction)
refuses a second line even if two workers race. ``reverse`` is the only correction: it
appends the negative of a line with the reason, and the key may then be posted again
(correction + 1) by the next run of that month.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Sum

from contracts.models import ZERO, EntryKind, LedgerEntry, Payer
from probation import audit, clock


def reserve_id() -> int:
    """An id for a line not yet written, so the rows it counted can be written first and the
    line priced from them (foreign keys are checked at commit: DEFERRABLE INITIALLY
    DEFERRED on PostgreSQL and SQLite)."""
    return reserve_ids(LedgerEntry, 1)[0]


def reserve_ids(model, number: int) -> list[int]:
    """``number`` ids of ``model`` rows not yet written (``reserve_id``), in one query. On
    SQLite, which has one writer at a time, the next ids after the highest; the caller
    writes the rows in the same transaction."""
    if number <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, number],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - model's table
        highest = cursor.fetchone()[0]
        return list(range(highest + 1, highest + 1 + number))


def standing_line(contract, key: str) -> LedgerEntry | None:
    return LedgerEntry.objects.standing().filter(contract=contract, key=key).first()


def post(
    contract,
    month,
    kind: str,
    key: str,
    amount: Decimal,
    *,
    description: str,
    detail: dict | None = None,
    excess: Decimal = ZERO,
    payer: str = Payer.NOMS,
    payer_organisation=None,
    payer_name: str = "",
    run_part=None,
    service_level_result=None,
    created_by=None,
    reserved_id: int | None = None,
) -> LedgerEntry | None:
    """Append the line for ``key`` unless a standing one exists (then ``None``), with the
    ``reserve_id`` its evidence was written against if any. The caller holds the
    transaction (and the CRC's run lock)."""
    if standing_line(contract, key) is not None:
        return None
    last = (
        LedgerEntry.objects.originals()
        .filter(contract=contract, key=key)
        .aggregate(last=Max("correction"))["last"]
    )
    return LedgerEntry.objects.create(
        id=reserved_id,
        contract=contract,
        month=month,
        kind=kind,
        key=key,
        correction=0 if last is None else last + 1,
        amount=amount,
        excess=excess,
        payer=payer,
        payer_organisation=payer_organisation,
        payer_name=payer_name,
        description=description[:300],
        detail=_strings(detail or {}),
        run_part=run_part,
        service_level_result=service_level_result,
        created_at=clock.now(),
        created_by=created_by,
    )


def _strings(detail: dict) -> dict:
    """Figures as strings (Decimals keep their places; JSON has no decimal type)."""

    def convert(value):
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, bool | int | str) or value is None:
            return value
        return str(value)

    return convert(detail)


class AlreadyReversed(Exception):
    pass


@transaction.atomic
def reverse(entry: LedgerEntry, *, reason: str, user) -> LedgerEntry:
    """Append the reversal of a standing original line (its negative), audited. The key is
    then free for the month's next run to post a corrected line."""
    if not reason.strip():
        raise ValueError("Give the reason for reversing the line.")
    locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.reverses_id is not None:
        raise AlreadyReversed("A reversal cannot itself be reversed.")
    if LedgerEntry.objects.filter(reverses=locked).exists():
        raise AlreadyReversed("This line has already been reversed.")
    reversal = LedgerEntry.objects.create(
        contract=locked.contract,
        month=locked.month,
        kind=locked.kind,
        key=locked.key,
        correction=locked.correction,
        amount=-locked.amount,
        excess=ZERO,
        payer=locked.payer,
        payer_organisation=locked.payer_organisation,
        payer_name=locked.payer_name,
        description=f"Reversal: {locked.description}"[:300],
        detail={"reverses": locked.pk},
        reverses=locked,
        reason=reason.strip(),
        created_at=clock.now(),
        created_by=user,
    )
    audit.record_create(actor=user, instance=reversal)
    return reversal


def pbr_paid(contract) -> Decimal:
    """PbR payments standing for a contract year's cohorts (deductions not counted): what
    the pot has paid so far."""
    total = (
        LedgerEntry.objects.standing()
        .filter(
            contract=contract,
            kind__in=(EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY),
            amount__gt=0,
        )
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or ZERO
