"""Risk escalation, serious further offences and enforcement: warnings, breach and recall
(DOMAIN.md 5, 6).
"""
