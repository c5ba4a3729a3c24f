"""Payment-by-results cohorts and their reoffending (DOMAIN.md 9; issue 8 part 5).

Membership: a person enters a CRC's cohort on the start of a Community Order or SSO
(sentence date) or on release onto licence or PSS (actual release date) of a sentence whose
``pbr_provider`` is the CRC; quarterly cohorts (binary) by the contract quarter of entry,
annual cohorts (frequency) by contract year; once per cohort (the earliest entry in the
period); Senior Attendance Centre orders never. Escalated and transferred cases keep their
``pbr_provider``; a reallocation in error moves it (so the case follows the new CRC).

Reoffending: a member reoffends if a proven reoffence matched on their PNC number was
committed on or after entry and before entry + PBR_REOFFENDING_FOLLOW_UP_MONTHS, and proven
(disposal date) before entry + PBR_PROVEN_WITHIN_MONTHS (contracts.periods.AddMonths).
"""

# TO BE BUILT (helper B):
#
# def members(crc_id: int, period: contracts.periods.Period) -> QuerySet
#     One row per member: person_id, sentence_id, entry_type, entered_on, pnc_number,
#     offences_before, proven_before, reoffences (count of matched proven reoffences).
#
# def figures(crc_id: int, period) -> tuple[int, int, int]
#     (members n, reoffenders, reoffences) – aggregated in SQL over ``members``.
#
# def record(entry: LedgerEntry, crc_id: int, period) -> int
#     INSERT the CohortMember rows (reoffences filled in the INSERT: the tables are
#     append-only, no UPDATE) and then the CountedReoffence rows, set-wise.
