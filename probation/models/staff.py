"""Staff members, partner-system API clients, vetting records and API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords

from probation.models.organisations import Organisation


class UserKind(models.TextChoices):
    STAFF = "STAFF", "Staff member"
    API_CLIENT = "API_CLIENT", "Partner system (API client)"


class User(AbstractUser):
    """A staff member, or a partner system acting for one organisation.

    Staff belong to exactly one organisation (an NPS division, a CRC, NOMS or one of its
    units) and, for probation staff, a team in an LDU. Roles are Django groups
    (``probation.roles``). An API client is scoped exactly like staff of its organisation.
    """

    kind = models.CharField(max_length=16, choices=UserKind.choices, default=UserKind.STAFF)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        db_comment="The one organisation the user works for; required except for superusers",
    )
    team = models.ForeignKey(
        "probation.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )

    class Meta:
        db_table_comment = "Staff members and partner-system API clients"
        constraints = [
            models.CheckConstraint(
                name="user_has_organisation",
                condition=models.Q(organisation__isnull=False) | models.Q(is_superuser=True),
            )
        ]

    @property
    def is_api_client(self):
        return self.kind == UserKind.API_CLIENT

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class VettingRecord(models.Model):
    """Security vetting of one staff member (DOMAIN.md 11: access only for vetted staff)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="vetting")
    baseline_check_date = models.DateField(
        null=True, blank=True, db_comment="Baseline Personnel Security Standard check completed"
    )
    dbs_check_date = models.DateField(
        null=True, blank=True, db_comment="Disclosure and Barring Service check completed"
    )
    dbs_expiry_date = models.DateField(
        null=True, blank=True, db_comment="Date after which the DBS check no longer counts"
    )

    history = HistoricalRecords()

    class Meta:
        db_table_comment = "Vetting of staff: without current vetting no offender record opens"
        constraints = [
            models.CheckConstraint(
                name="vetting_expiry_after_check",
                condition=models.Q(dbs_expiry_date__isnull=True)
                | models.Q(dbs_check_date__isnull=True)
                | models.Q(dbs_expiry_date__gt=models.F("dbs_check_date")),
            )
        ]

    def __str__(self):
        return f"Vetting of {self.user}"


class ApiToken(models.Model):
    """A partner system's API token. Only a SHA-256 digest of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=8, db_comment="First characters, to recognise a key")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table_comment = "API tokens of partner systems (digests only)"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User) -> tuple["ApiToken", str]:
        """Create a token for ``user``; return it with the plain key, shown only once."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, prefix=key[:8], digest=cls.digest_of(key))
        return token, key
