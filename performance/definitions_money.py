"""Money: what a CRC has been paid under its contract, and its service credits, read from
the ledger (``contracts.models.LedgerEntry``; DOMAIN.md 9). In pennies, per CRC, one query
per measure whatever the number of contracts and lines.

A contract counts in a month when the month lies in its contract year. Every line counts,
reversals included: a reversal cancels the line it reverses and its replacement counts
once, so the sums are what stands paid.
"""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from contracts.models import ZERO, Contract, EntryKind, LedgerEntry, Payer

Figures = list[tuple[int, str, int, int | None]]
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def pennies(amount: Decimal | None) -> int:
    return int((amount or ZERO) * 100)


def _sum(lines) -> Subquery:
    return Coalesce(
        Subquery(
            lines.order_by().values("contract").annotate(total=Sum("amount")).values("total"),
            output_field=_MONEY,
        ),
        Value(ZERO, output_field=_MONEY),
        output_field=_MONEY,
    )


def _in_force(first: datetime.date):
    return Contract.objects.filter(start_date__lte=first, end_date__gte=first)


def payments_to_date(first: datetime.date, after: datetime.date) -> Figures:
    """Per CRC with a contract in force in the month: what NOMS paid under the contract
    from the contract year's first month up to and including this one (fee for service,
    its reconciliation and payment by results, less service credits), of the Maximum
    Annual Payment. Fee-for-use invoices and Senior Attendance Centre hours are paid by
    others (the NPS, CRCs, co-commissioners, the MoJ) outside the MAP and are left out."""
    paid = LedgerEntry.objects.filter(
        contract=OuterRef("pk"),
        payer=Payer.NOMS,
        month__gte=OuterRef("start_date"),
        month__lt=after,
    )
    rows = (
        _in_force(first)
        .annotate(paid=_sum(paid))
        .values_list("crc_id", "paid", "maximum_annual_payment")
    )
    # A figure is a count of pennies (never negative); deductions beyond the payments
    # cannot happen under the credit cap, and would read as nothing paid.
    return [(crc, "", max(pennies(paid), 0), pennies(maximum)) for crc, paid, maximum in rows]


def service_credits(first: datetime.date, after: datetime.date) -> Figures:
    """Per CRC whose fee-for-service instalment for the month is in the ledger (the month
    has been paid): the month's service credits (deducted, shown as a positive amount) of
    the month's instalment."""
    month = LedgerEntry.objects.filter(contract=OuterRef("pk"), month=first)
    rows = (
        _in_force(first)
        .annotate(
            credits=_sum(month.filter(kind=EntryKind.SERVICE_CREDIT)),
            instalment=_sum(month.filter(kind=EntryKind.FFS_INSTALMENT)),
        )
        .filter(instalment__gt=0)
        .values_list("crc_id", "credits", "instalment")
    )
    return [(crc, "", max(-pennies(credits), 0), pennies(paid)) for crc, credits, paid in rows]
