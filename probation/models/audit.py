"""The audit trail: every view and change of case data, append-only.

Rows are written only by ``probation.audit``. The application cannot change them: the
model and its queryset refuse updates and deletes, and on PostgreSQL a trigger refuses
them for any client (migration 0002).
"""

from django.db import models


class AuditAction(models.TextChoices):
    VIEW = "VIEW", "Viewed"
    CREATE = "CREATE", "Created"
    UPDATE = "UPDATE", "Changed"
    DELETE = "DELETE", "Deleted"
    IMPORT = "IMPORT", "Imported"


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    _raw_delete = delete


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "probation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="Who acted; empty for the system itself (tasks, migrations)",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, db_comment="app_label.model of the object")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    person_crn = models.CharField(
        max_length=7, blank=True, db_index=True, db_comment="CRN of the person the object concerns"
    )
    changes = models.JSONField(
        default=dict, blank=True, db_comment='{"field": [old, new]} for changes'
    )
    via = models.CharField(max_length=16, blank=True, db_comment="web, api, command or task")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        db_table_comment = "Append-only audit trail of views and changes of case data"
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at_idx")]
        permissions = [("search_audit", "Can search the audit trail")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
