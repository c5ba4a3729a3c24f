"""Every measure the dashboards report (DOMAIN.md 10; issue 9 part 1), one registry.

``MEASURES`` maps a code to a ``Measure``: its name, topic, kind, what its numerator and
denominator count, and a set-wise query of one month's cases. A case row carries the
columns of ``contracts.service_levels.CASE_COLUMNS``:

- ``case_person``, ``case_reference``, ``case_met`` (counted in the numerator of a SHARE
  measure), ``case_detail`` (the dates that decided it);
- ``for_provider`` (the CRC or the NPS whose performance it is), ``for_division`` (the NPS
  division of the person's LDU) and ``for_ldu`` (the person's LDU);
- and, for a measure with ``breakdown``, ``case_breakdown`` (e.g. the sentence type).

How a figure is made from the rows (``performance.facts``), per organisation and month:

- ``SHARE``: numerator = rows with ``case_met``, denominator = rows (shown as a percentage).
- ``COUNT``: numerator = rows, no denominator.
- ``PER_100``: numerator = rows; denominator = the same organisation's and month's figure of
  the COUNT measure ``denominator_from`` (e.g. escalations per 100 cases of the caseload).
- ``MONEY``: pennies, numerator a share of denominator (e.g. paid to date of the MAP);
  computed by ``figures`` (not from case rows) and drilled down to the contract's ledger.

The organisations: a provider-level figure groups the rows by ``for_provider`` (each CRC,
and the NPS as a whole); a division-level figure groups the NPS's rows by ``for_division``;
an LDU-level figure groups every row by ``for_ldu``. ``levels`` says which a measure has.

The contracts' service levels (``contracts.service_levels.MEASURES``) are measures here
under the same codes, so the dashboards and the payment run agree on every figure.
"""

import datetime

from contracts import service_levels
from performance import definitions
from performance.base import (  # noqa: F401 - the registry's vocabulary, imported from here
    ALL_LEVELS,
    DIVISION,
    LDU,
    PROVIDER,
    TOPICS,
    Kind,
    Measure,
    Rows,
)


def _service_level(code: str) -> Measure:
    """A contract service level as a dashboard measure: a SHARE of its cases, met when the
    payment run would count it met."""
    level = service_levels.MEASURES[code]

    def cases(first: datetime.date, after: datetime.date) -> Rows:
        return level.cases(first)

    return Measure(
        code=code,
        name=level.name,
        topic=level.group,
        kind=Kind.SHARE,
        numerator=level.numerator,
        denominator=level.denominator,
        cases=cases,
        higher_is_better=True,
        service_level=True,
        comparable=True,
    )


# The measures of issue 9 part 1 beyond the service levels are defined in
# performance.definitions (volumes, allocation, risk, enforcement, transfers, payment).
MEASURES: dict[str, Measure] = {
    measure.code: measure
    for measure in (
        *definitions.MEASURES,
        *(_service_level(code) for code in service_levels.MEASURES),
    )
}


def ordered() -> list[Measure]:
    """The measures in the dashboards' order: by topic, then as defined."""
    return sorted(MEASURES.values(), key=lambda m: TOPICS.index(m.topic))


def comparable() -> list[Measure]:
    return [m for m in ordered() if m.comparable]
