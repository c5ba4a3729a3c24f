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
    ALLOCATION = "ALLOCATION", "Allocation"
    REALLOCATION = "REALLOCATION", "Reallocation of a case allocated in error"
    CONCURRENT = "CONCURRENT", "Moved to the NPS with a concurrent order"


class AllocationPoint(models.TextChoices):
    """When a case is allocated (DOMAIN.md 4 "When")."""

    NEW_SENTENCE = "NEW_SENTENCE", "New sentence"
    TRANSFER_IN = "TRANSFER_IN", "Transfer in from another UK jurisdiction"
    CUSTODY_TRANSFER = "CUSTODY_TRANSFER", "Transfer into custody from elsewhere"
    YOUTH_TRANSITION = "YOUTH_TRANSITION", "Youth to adult transition"


class Jurisdiction(models.TextChoices):
    SCOTLAND = "SCOTLAND", "Scotland"
    NORTHERN_IRELAND = "NORTHERN_IRELAND", "Northern Ireland"
    ISLE_OF_MAN = "ISLE_OF_MAN", "Isle of Man"
    JERSEY = "JERSEY", "Jersey"
    GUERNSEY = "GUERNSEY", "Guernsey"


class AllocationReferral(models.Model):
    """A sentence that needs allocation other than at sentence: a transfer in from another
    UK jurisdiction or into custody from elsewhere, or a young person moving to the adult
    system. The one-business-day clock starts from ``received_on``, not the sentence date.
    A sentence with no referral is a new sentence, its clock started by the sentence date."""

    sentence = models.OneToOneField(
        "probation.Sentence", on_delete=models.CASCADE, related_name="allocation_referral"
    )
    point = models.CharField(max_length=24, choices=AllocationPoint.choices)
    received_on = models.DateField(db_comment="The allocation clock starts from this date")
    from_jurisdiction = models.CharField(
        max_length=24, choices=Jurisdiction.choices, blank=True, db_comment="Transfers in"
    )
    transferred_from = models.CharField(
        max_length=200, blank=True, db_comment="The sending service, court or establishment"
    )
    youth_offending_team = models.CharField(
        max_length=200, blank=True, db_comment="Youth to adult: the YOT that held the case"
    )
    transition_decision = models.TextField(
        blank=True, db_comment="Youth to adult: the decision to transfer, and why"
    )
    transition_decided_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table_comment = "How a sentence came for allocation other than at sentence"
        constraints = [
            models.CheckConstraint(
                name="referral_is_not_a_new_sentence",
                condition=Q(point__in=["TRANSFER_IN", "CUSTODY_TRANSFER", "YOUTH_TRANSITION"]),
            ),
            models.CheckConstraint(
                name="transfer_in_names_its_jurisdiction",
                condition=~Q(point="TRANSFER_IN") | ~Q(from_jurisdiction=""),
            ),
            models.CheckConstraint(
                name="youth_transition_records_yot_and_decision",
                condition=~Q(point="YOUTH_TRANSITION")
                | (
                    ~Q(youth_offending_team="")
                    & ~Q(transition_decision="")
                    & Q(transition_decided_on__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return f"{self.sentence}: {self.get_point_display()} received {self.received_on}"


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
    point = models.CharField(
        max_length=24, choices=AllocationPoint.choices, default=AllocationPoint.NEW_SENTENCE
    )
    division = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_comment="The NPS division that decided (the person's LDU's), for reporting",
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        db_comment="Reallocation or concurrent move: the decision this one supersedes",
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
    due_by = models.DateField(db_comment="Clock start (sentence or referral) + 1 business day")
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
        indexes = [
            models.Index(fields=["organisation", "decided_at"], name="allocation_feed_idx"),
            models.Index(fields=["division", "due_by"], name="allocation_timeliness_idx"),
        ]

    def __str__(self):
        return f"{self.sentence} allocated to {self.organisation.code} ({self.rule_label})"

    @property
    def rule_label(self):
        return Rule(self.recommended_rule).label


class ReallocationStatus(models.TextChoices):
    OPEN = "OPEN", "Awaiting an NPS decision"
    ACCEPTED = "ACCEPTED", "Reallocated"
    REJECTED = "REJECTED", "Allocation stands"


class ReallocationRequest(models.Model):
    """A case flagged as allocated in error (DOMAIN.md 4 "Errors"), by the NPS or a CRC,
    with a reason; an NPS allocation officer decides. An accepted request produces a new
    ``AllocationDecision`` of kind REALLOCATION; the earlier decision stays as history."""

    sentence = models.ForeignKey(
        "probation.Sentence", on_delete=models.PROTECT, related_name="reallocation_requests"
    )
    person = models.ForeignKey(
        "probation.Person", on_delete=models.PROTECT, related_name="reallocation_requests"
    )
    allocation = models.ForeignKey(
        AllocationDecision,
        on_delete=models.PROTECT,
        related_name="reallocation_requests",
        db_comment="The decision said to be in error",
    )
    reason = models.TextField()
    proposed_organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="Where the flagger thinks the case belongs, if they say",
    )
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    raised_by_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ReallocationStatus.choices, default=ReallocationStatus.OPEN
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    result = models.OneToOneField(
        AllocationDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reallocation_request",
        db_comment="The reallocation an accepted request produced",
    )

    class Meta:
        ordering = ["raised_at"]
        db_table_comment = "Cases flagged as allocated in error, and the NPS decision on each"
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(status="OPEN"),
                name="one_open_reallocation_request_per_sentence",
            ),
            models.CheckConstraint(name="reallocation_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(
                name="reallocation_decided_consistently",
                condition=(
                    Q(status="OPEN", decided_at__isnull=True, result__isnull=True)
                    | Q(
                        status="REJECTED",
                        decided_at__isnull=False,
                        result__isnull=True,
                    )
                    & ~Q(decision_reason="")
                    | Q(status="ACCEPTED", decided_at__isnull=False, result__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return f"{self.sentence} flagged as allocated in error ({self.get_status_display()})"


class AllocationBreach(models.Model):
    """A sentence still unallocated after its due date, found by the morning deadline job
    (``allocation.tasks``). One row per sentence, so running the job twice adds nothing;
    kept after the case is allocated, for performance reporting."""

    sentence = models.OneToOneField(
        "probation.Sentence", on_delete=models.CASCADE, related_name="allocation_breach"
    )
    division = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    cpa = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The CRC of the person's LDU (the job fans out per CPA)",
    )
    due_by = models.DateField()
    found_on = models.DateField(db_comment="The business morning the job first found it")

    class Meta:
        ordering = ["due_by"]
        db_table_comment = "Allocations that missed the one-business-day deadline"
        indexes = [models.Index(fields=["division", "due_by"], name="breach_report_idx")]

    def __str__(self):
        return f"{self.sentence} unallocated past {self.due_by}"


class ReportingInstruction(models.Model):
    """A CRC's first-appointment reporting instructions, given to the offender when the NPS
    allocates the case to that CRC (DOMAIN.md 4): per LDU, or the CRC's default when
    ``ldu`` is empty."""

    crc = models.ForeignKey(
        "probation.Organisation", on_delete=models.CASCADE, related_name="reporting_instructions"
    )
    ldu = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The LDU they apply to; empty for the CRC's default",
    )
    office = models.CharField(max_length=200, db_comment="Office name")
    address = models.TextField()
    telephone = models.CharField(max_length=40)
    instructions = models.TextField(db_comment="What to bring, when to report, what happens")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["crc", "ldu"]
        db_table_comment = "CRCs' first-appointment reporting instructions per LDU"
        constraints = [
            models.UniqueConstraint(fields=["crc", "ldu"], name="one_instruction_per_crc_and_ldu"),
            models.UniqueConstraint(
                fields=["crc"], condition=Q(ldu__isnull=True), name="one_default_per_crc"
            ),
        ]

    def __str__(self):
        where = self.ldu.code if self.ldu_id else "default"
        return f"Reporting instructions of {self.crc.code} ({where})"
