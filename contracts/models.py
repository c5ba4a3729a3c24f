"""Contracts and payment: fee for service, payment by results, rate cards and the ledger
(DOMAIN.md 9).

Data and database constraints only; the part of the roadmap that builds this app adds them.
"""
