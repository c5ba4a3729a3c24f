"""Allocation: the NPS allocation queue, the allocation rules and the one-business-day deadline
(DOMAIN.md 4).
"""
