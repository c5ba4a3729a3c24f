"""Reads of the monthly facts for the dashboard pages (issue 9 part 2), each starting from
``probation.access`` (``facts_visible_to``: a user reads only the facts of organisations in
their scope) and each a constant number of queries whatever the months and measures.

- ``level_of`` / ``measures_at``: which measures an organisation has figures of (its level:
  a CRC or the NPS is a provider, an NPS division a division, an LDU an LDU).
- ``latest_month``, ``months_to``: the months a page shows.
- ``series``: an organisation's figures by measure, breakdown and month, for its trends.
- ``facts_for_month``: many organisations' figures of one month (the national overview).
- ``figure``: one figure, for the cases behind it.
- ``targets`` / ``targets_for_month``: the contract service levels' targets of the CRC
  contract covering each month (the NPS and its divisions have none).
- ``contracts_by_month``: the contract covering each month, for links to its ledger.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from contracts import periods
from contracts.models import Contract, ServiceLevel
from performance import measures as registry
from performance.base import DIVISION, LDU, PROVIDER, Measure
from probation import access
from probation.models import Organisation, OrganisationKind


@dataclass(frozen=True)
class Figure:
    """A fact's counts: ``denominator`` is None for a COUNT."""

    numerator: int
    denominator: int | None
    computed_at: datetime.datetime | None = None


def level_of(organisation: Organisation) -> str:
    """The level of an organisation's figures (``performance.base``): a CRC or the NPS is a
    provider, an NPS division a division, an LDU an LDU."""
    if organisation.kind == OrganisationKind.LDU:
        return LDU
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return DIVISION
    return PROVIDER


def measures_at(organisation: Organisation) -> list[Measure]:
    """The measures figured at the organisation's level, in the dashboards' order."""
    level = level_of(organisation)
    return [measure for measure in registry.ordered() if level in measure.levels]


def latest_month(user, organisation: Organisation | None = None) -> datetime.date | None:
    """The latest month with facts the user may see (of one organisation when given)."""
    facts = access.facts_visible_to(user)
    if organisation is not None:
        facts = facts.filter(organisation=organisation)
    return facts.aggregate(latest=Max("month"))["latest"]


def months_to(to: datetime.date, count: int) -> list[datetime.date]:
    """The ``count`` months ending with ``to``'s month, oldest first."""
    last = periods.first_of_month(to)
    return [periods.add_months(last, n - count + 1) for n in range(count)]


def series(
    user,
    organisation: Organisation,
    months: Sequence[datetime.date],
    codes: Iterable[str] | None = None,
) -> dict[str, dict[str, dict[datetime.date, Figure]]]:
    """The organisation's figures in the months: measure code → breakdown ("" for the whole
    figure) → month → ``Figure``. One query."""
    facts = access.facts_visible_to(user).filter(
        organisation=organisation, month__gte=months[0], month__lte=months[-1]
    )
    if codes is not None:
        facts = facts.filter(measure__in=list(codes))
    found: dict[str, dict[str, dict[datetime.date, Figure]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for code, breakdown, month, numerator, denominator, computed_at in facts.order_by().values_list(
        "measure", "breakdown", "month", "numerator", "denominator", "computed_at"
    ):
        found[code][breakdown][month] = Figure(numerator, denominator, computed_at)
    return found


def facts_for_month(
    user,
    month: datetime.date,
    organisations: Iterable[Organisation] | None = None,
    codes: Iterable[str] | None = None,
    *,
    breakdowns: bool = False,
) -> dict[tuple[int, str, str], Figure]:
    """Figures of one month, for many organisations at once (the national overview):
    (organisation id, measure code, breakdown) → ``Figure``. Whole figures only unless
    ``breakdowns``. One query."""
    facts = access.facts_visible_to(user).filter(month=periods.first_of_month(month))
    if organisations is not None:
        facts = facts.filter(organisation__in=list(organisations))
    if codes is not None:
        facts = facts.filter(measure__in=list(codes))
    if not breakdowns:
        facts = facts.filter(breakdown="")
    return {
        (organisation_id, code, breakdown): Figure(numerator, denominator, computed_at)
        for organisation_id, code, breakdown, numerator, denominator, computed_at in (
            facts.order_by().values_list(
                "organisation_id", "measure", "breakdown", "numerator", "denominator", "computed_at"
            )
        )
    }


def figure(
    user, organisation: Organisation, measure: Measure, month: datetime.date, breakdown: str = ""
) -> Figure | None:
    """One stored figure, or None when the facts have none."""
    found = (
        access.facts_visible_to(user)
        .filter(
            organisation=organisation,
            measure=measure.code,
            month=periods.first_of_month(month),
            breakdown=breakdown,
        )
        .values_list("numerator", "denominator", "computed_at")
        .first()
    )
    return Figure(*found) if found else None


def targets(
    organisation: Organisation, months: Sequence[datetime.date]
) -> dict[tuple[str, datetime.date], Decimal]:
    """(service level code, month) → the target of the CRC's contract covering the month;
    empty for anything but a CRC (the NPS and its divisions have no contract targets). One
    query."""
    if organisation.kind != OrganisationKind.CRC or not months:
        return {}
    levels = ServiceLevel.objects.filter(
        contract__crc=organisation,
        contract__start_date__lte=periods.month_end(months[-1]),
        contract__end_date__gte=months[0],
    ).values_list("code", "target", "contract__start_date", "contract__end_date")
    found = {}
    for code, target, start, end in levels:
        for month in months:
            if start <= month <= end:
                found[(code, month)] = target
    return found


def targets_for_month(
    month: datetime.date, crcs: Iterable[Organisation] | None = None
) -> dict[tuple[int, str], Decimal]:
    """(CRC id, service level code) → the target of the CRC's contract covering the month,
    for every CRC (or those given). One query."""
    month = periods.first_of_month(month)
    levels = ServiceLevel.objects.filter(
        contract__start_date__lte=month, contract__end_date__gte=month
    )
    if crcs is not None:
        levels = levels.filter(contract__crc__in=list(crcs))
    return {
        (crc_id, code): target
        for crc_id, code, target in levels.values_list("contract__crc_id", "code", "target")
    }


def contracts_by_month(
    user, organisation: Organisation, months: Sequence[datetime.date]
) -> dict[datetime.date, Contract]:
    """month → the CRC's contract covering it, among the contracts the user may see (their
    ledgers are where MONEY figures lead). One query."""
    if organisation.kind != OrganisationKind.CRC or not months:
        return {}
    contracts = list(
        access.contracts_visible_to(user).filter(
            crc=organisation,
            start_date__lte=periods.month_end(months[-1]),
            end_date__gte=months[0],
        )
    )
    return {
        month: contract
        for month in months
        for contract in contracts
        if contract.start_date <= month <= contract.end_date
    }
