"""Pages of risk escalation, risk reviews, intelligence, serious further offences and
Victim Summary Reports (mounted under /enforcement/)."""

urlpatterns: list = []
