"""Pages of the enforcement app, mounted at /enforcement/: risk escalation, serious further
offences and enforcement (DOMAIN.md 5, 6). Each workflow record's page is named after its
workflow (``enforcement:failure``, ``enforcement:breach_referral`` ...) and takes the
person's CRN and the record's id, so lists can link any record the same way."""

from enforcement import urls_failures, urls_queues, urls_recalls, urls_risk

app_name = "enforcement"
urlpatterns: list = [
    *urls_queues.urlpatterns,
    *urls_failures.urlpatterns,
    *urls_recalls.urlpatterns,
    *urls_risk.urlpatterns,
]
