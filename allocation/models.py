"""Allocation: the NPS allocation queue, the allocation rules and the one-business-day deadline
(DOMAIN.md 4).

Data and database constraints only; the part of the roadmap that builds this app adds them.
"""
