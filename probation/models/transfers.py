"""Transfers of a case between Contract Package Areas (DOMAIN.md 6): the receiving provider
assesses whether the new location suits the case, then accepts or rejects. On acceptance
the person leaves one provider's caseload and joins the other's; the case counts in the
receiving CPA's volumes from the transfer date but stays in its original PbR cohort."""

from django.db import models
from django.db.models import Q


class TransferStatus(models.TextChoices):
    REQUESTED = "REQUESTED", "Awaiting the receiving provider"
    ACCEPTED = "ACCEPTED", "Accepted"
    REJECTED = "REJECTED", "Rejected"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"


class CaseTransfer(models.Model):
    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="transfers"
    )
    from_provider = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    to_provider = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    from_ldu = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    to_ldu = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The LDU of the person's new home address",
    )
    reason = models.TextField()
    requested_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    location_suitability = models.TextField(
        blank=True, db_comment="The receiving provider's assessment of the new location"
    )
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    pbr_providers = models.JSONField(
        default=dict,
        blank=True,
        db_comment="PbR cohort of each sentence when requested, {sentence number: CRC code}; "
        "transfers never change it",
    )

    class Meta:
        ordering = ["person", "-requested_at"]
        db_table_comment = "Transfers of cases between Contract Package Areas"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="REQUESTED"),
                name="one_open_transfer_per_person",
            ),
            models.CheckConstraint(
                name="transfer_between_different_providers_or_ldus",
                condition=~Q(from_ldu=models.F("to_ldu")),
            ),
            models.CheckConstraint(
                name="transfer_decided_when_closed",
                condition=Q(status="REQUESTED") | Q(decided_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Transfer of {self.person.crn} to {self.to_provider.code} ({self.status})"
