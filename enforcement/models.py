"""Risk escalation, serious further offences and enforcement: warnings, breach and recall
(DOMAIN.md 5, 6).

Data and database constraints only; the part of the roadmap that builds this app adds them.
"""
