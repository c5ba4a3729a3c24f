"""What every workflow between organisations records (issue "Risk escalation, serious
further offences and enforcement"; later resettlement): its state and the deadline of the
step it waits on, each transition with who made it and whether it was in time, the
reminders and alerts the deadline jobs raised, and the documents it generated.

The workflows themselves – their states, allowed moves, who may make them and each step's
deadline – are declared in one table per workflow (``enforcement.workflows``) and run by
``probation.workflow``, the only code that changes ``state``.
"""

from django.db import models
from django.db.models import Q


class WorkflowRecord(models.Model):
    """The part of a workflow record the engine owns. Concrete models add their facts."""

    person = models.ForeignKey("probation.Person", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=32, db_comment="Changed only by probation.workflow")
    waiting_on = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The organisation that must act next; empty once nothing is waiting",
    )
    step_started_at = models.DateTimeField(db_comment="When the current state was entered")
    due_by = models.DateField(
        null=True,
        blank=True,
        db_comment="Business-day deadline of the current step; empty when it has none",
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When it reached a final state"
    )

    class Meta:
        abstract = True


class WorkflowEvent(models.Model):
    """One transition of one workflow record: who, when, from and to which state, and – for
    a step that had a deadline – whether it was made in time. Append-only. The timeliness of
    referrals and responses by organisation and month is read from here."""

    workflow = models.CharField(
        max_length=40, db_comment="The workflow's name, e.g. breach_referral"
    )
    record_id = models.PositiveBigIntegerField(db_comment="Primary key of the workflow record")
    person = models.ForeignKey("probation.Person", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=32, blank=True, db_comment="Empty when opened")
    to_state = models.CharField(max_length=32)
    actor = models.ForeignKey(
        "probation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="Empty for the system (deadline jobs)",
    )
    actor_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    step_organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The organisation the completed step waited on (whose timeliness it counts for)",
    )
    step_started_at = models.DateTimeField(null=True, blank=True)
    due_by = models.DateField(null=True, blank=True, db_comment="The completed step's deadline")
    within_deadline = models.BooleanField(
        null=True, blank=True, db_comment="Made by the deadline; empty for a step without one"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["workflow", "record_id", "at", "pk"]
        db_table_comment = "Transitions of the workflows between organisations (append-only)"
        indexes = [
            models.Index(fields=["workflow", "record_id"], name="workflow_event_record_idx"),
            models.Index(fields=["step_organisation", "at"], name="workflow_event_timely_idx"),
        ]

    def __str__(self):
        return f"{self.workflow} {self.record_id}: {self.from_state or '–'} → {self.to_state}"


class AlertKind(models.TextChoices):
    REMINDER = "REMINDER", "Reminder before the deadline"
    OVERDUE = "OVERDUE", "Alert after the deadline"


class DeadlineAlert(models.Model):
    """A reminder before, or an alert after, the deadline of one step of one workflow
    record, raised once (the unique constraint makes the deadline jobs idempotent) and kept
    for the performance dashboards."""

    workflow = models.CharField(max_length=40)
    record_id = models.PositiveBigIntegerField()
    person = models.ForeignKey("probation.Person", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=32, db_comment="The step the deadline belongs to")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    due_by = models.DateField()
    organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The organisation that had to act",
    )
    raised_on = models.DateField()

    class Meta:
        ordering = ["-raised_on", "workflow", "record_id"]
        db_table_comment = "Reminders and overdue alerts raised by the workflow deadline jobs"
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "record_id", "state", "due_by", "kind"],
                name="one_alert_per_step_deadline",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "raised_on"], name="deadline_alert_org_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.workflow} {self.record_id} due {self.due_by}"


class DocumentKind(models.TextChoices):
    WARNING_LETTER = "WARNING_LETTER", "Warning letter"
    PRE_BREACH_PACK = "PRE_BREACH_PACK", "Pre-breach pack"
    RECALL_REQUEST = "RECALL_REQUEST", "Recall request"
    VICTIM_SUMMARY_REPORT = "VICTIM_SUMMARY_REPORT", "Victim Summary Report"


class CaseDocument(models.Model):
    """A document generated from a template with the case's facts as they stood, stored
    with the case as the HTML that was issued (printable with the print stylesheet).
    Never edited: a corrected document is a new one that ``replaces`` the old."""

    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    body_html = models.TextField(db_comment="The rendered document as issued")
    workflow = models.CharField(max_length=40, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["person", "-created_at", "-pk"]
        db_table_comment = "Documents generated for a case (letters, packs, requests, reports)"
        indexes = [models.Index(fields=["workflow", "record_id"], name="document_record_idx")]
        constraints = [
            models.CheckConstraint(
                name="document_record_with_workflow",
                condition=Q(workflow="", record_id__isnull=True)
                | (~Q(workflow="") & Q(record_id__isnull=False)),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.person.crn}"
