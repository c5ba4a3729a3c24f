"""Import of the national proven reoffending data (issue 8 part 5): a CSV of PNC number,
offence date, disposal date and offence code; validated, all rows or none, idempotent (a
row already held is not added again), with a report of unmatched and rejected rows.

TO BE BUILT (helper B): ``import_reoffences(file, *, filename, user) -> ImportReport``.
"""
