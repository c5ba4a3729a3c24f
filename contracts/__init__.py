"""Contracts and payment: fee for service, payment by results, rate cards and the ledger
(DOMAIN.md 9).
"""
