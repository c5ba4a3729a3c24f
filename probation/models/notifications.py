"""In-app notifications: what a team, an organisation or the holders of one role there
must act on (a case allocated to them, an allocation past its deadline, a request to
reallocate ...). Later parts (risk escalation, enforcement, resettlement) add kinds.

A notification is addressed, never broadcast: to an organisation, optionally narrowed to
one of its teams and/or to the holders of one role. ``key`` makes creating one idempotent –
a job that runs twice finds the key taken and adds nothing.
"""

from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    ALLOCATION_RECEIVED = "ALLOCATION_RECEIVED", "Case allocated to you"
    ALLOCATION_OVERDUE = "ALLOCATION_OVERDUE", "Allocations past their deadline"
    REALLOCATION_REQUESTED = "REALLOCATION_REQUESTED", "Case flagged as allocated in error"
    REALLOCATION_DECIDED = "REALLOCATION_DECIDED", "Decision on a case flagged in error"
    RISK_ESCALATION = "RISK_ESCALATION", "Risk escalation referral"
    INTELLIGENCE = "INTELLIGENCE", "Intelligence to acknowledge"
    SERIOUS_FURTHER_OFFENCE = "SERIOUS_FURTHER_OFFENCE", "Serious further offence"
    ENFORCEMENT = "ENFORCEMENT", "Failure to comply and breach"
    RECALL = "RECALL", "Recall request"
    WORKFLOW_DEADLINE = "WORKFLOW_DEADLINE", "Referrals due and overdue"
    RESETTLEMENT = "RESETTLEMENT", "Resettlement plans and pre-release work"


class Notification(models.Model):
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    organisation = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_comment="The organisation it is addressed to",
    )
    team = models.ForeignKey(
        "probation.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_comment="Narrowed to this team's members (and the organisation's managers)",
    )
    role = models.CharField(
        max_length=64,
        blank=True,
        db_comment="Narrowed to holders of this role code in the organisation; empty for all",
    )
    person = models.ForeignKey(
        "probation.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_comment="The case it is about, if one; shown only to those who may see the case",
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, db_comment="Where to act on it")
    key = models.CharField(
        max_length=200, unique=True, db_comment="Idempotency key: one notification per key"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        "probation.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        db_table_comment = "In-app notifications addressed to organisations, teams and roles"
        constraints = [
            models.CheckConstraint(
                name="notification_read_by_whom",
                condition=Q(read_at__isnull=True) | Q(read_by__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.title
