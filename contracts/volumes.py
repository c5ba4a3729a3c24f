"""Starts: what the Weighted Annual Volume counts (DOMAIN.md 9; issue 8 part 2).

A start of a CRC, dated:
- a new Community Order or SSO whose PbR provider (``Sentence.pbr_provider``) is the CRC –
  on its sentence date; its unpaid-work hours (the UNPAID_WORK requirement's) choose the band;
- a release onto licence (a custodial sentence with a licence start) or onto PSS only (no
  licence period, a PSS start) of a sentence whose PbR provider is the CRC – on the actual
  release date;
- a resettlement plan the CRC completed (``ResettlementPlan.writer``, completed_at's local
  date).
Senior Attendance Centre orders are never starts. ``pbr_provider`` already answers who a
start counts for: a reallocation in error moves it to the CRC the case ends with; transfers
between CPAs and risk escalation never touch it (the original CRC keeps it).

Everything is set-wise: one query for the grouped counts, one INSERT ... SELECT for the
evidence rows (``probation.sql.insert_from``), whatever the number of starts.
"""

# TO BE BUILT (helper B):
#
# def starts(crc_id: int, start: date, end: date) -> QuerySet
#     One row per start in [start, end] (inclusive): values person_id, sentence_id (None for
#     a plan without a sentence), start_type (contracts.models.StartType), start_date,
#     upw_hours (None when not an order or no unpaid work). A union of three querysets.
#
# def counts(crc_id: int, start: date, end: date) -> list[tuple[str, int | None, int]]
#     (start_type, upw_hours, number of starts) grouped – the input of contracts.rules.wav.
#
# def record(entry: LedgerEntry, crc_id: int, start: date, end: date) -> int
#     INSERT the WavStart rows of those starts against ``entry``; returns rows written.
