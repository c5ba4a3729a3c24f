"""Allocation: the NPS allocation queue, the allocation rules and the one-business-day deadline
(DOMAIN.md 4).

An allocation decision is a fact, never edited: who decided, when, on which facts, what the
rules recommended and why, what the officer chose (with a clinical judgement where the
rules ask for one or the officer departs from them), which provider and team took the case,
and which CRC's payment-by-results cohort the sentence joined. Later parts (payments,
dashboards, risk escalation) read it.
"""

from django.db import models
from django.db.models import Q

from allocation.rules import Decision, Rule


class AllocationKind(models.TextChoices):
    ALLOCATION = "ALLOCATION", "Allocation at sentence"
    REALLOCATION = "REALLOCATION", "Reallocation of a case allocated in error"


class AllocationDecision(models.Model):
    sentence = models.ForeignKey(
        "probation.Sentence", on_delete=models.PROTECT, related_name="allocation_decisions"
    )
    person = models.ForeignKey(
        "probation.Person", on_delete=models.PROTECT, related_name="allocation_decisions"
    )
    kind = models.CharField(
        max_length=16, choices=AllocationKind.choices, default=AllocationKind.ALLOCATION
    )
    recommended_decision = models.CharField(max_length=16, choices=Decision.choices)
    recommended_rule = models.CharField(max_length=32, choices=Rule.choices)
    reasons = models.JSONField(default=list, db_comment="The rules' reasons, as shown")
    inputs = models.JSONField(default=dict, db_comment="Snapshot of the facts the rules were given")
    decision = models.CharField(
        max_length=16, choices=Decision.choices, db_comment="What the officer decided"
    )
    judgement = models.TextField(
        blank=True,
        db_comment="Clinical judgement: required when the rules ask or the officer departs",
    )
    organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The provider now responsible: the NPS or a CRC",
    )
    team = models.ForeignKey("probation.Team", on_delete=models.PROTECT, related_name="+")
    offender_manager = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pbr_provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The CRC whose PbR cohort the sentence joined; empty for none",
    )
    moves_existing_sentences = models.BooleanField(default=False)
    review_by = models.DateField(
        null=True, blank=True, db_comment="Date by which the CRC must refer back for review"
    )
    review_triggers = models.TextField(blank=True)
    due_by = models.DateField(db_comment="Sentence date + 1 business day")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    within_deadline = models.BooleanField(db_comment="Decided on or before the due date")

    class Meta:
        ordering = ["-decided_at"]
        db_table_comment = "Allocation decisions (immutable)"
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(kind="ALLOCATION"),
                name="one_allocation_per_sentence",
            ),
            models.CheckConstraint(
                name="allocation_decides_nps_or_crc",
                condition=Q(decision__in=["NPS", "CRC"]),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "decided_at"], name="allocation_feed_idx")]

    def __str__(self):
        return f"{self.sentence} allocated to {self.organisation.code} ({self.rule_label})"

    @property
    def rule_label(self):
        return Rule(self.recommended_rule).label
