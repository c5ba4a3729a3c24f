"""People on probation (the "offender" record every part of the platform reads).

Issue "Probation core" extends this with aliases, addresses, sentences and the rest; this
part holds what scoping and audit need: who the person is, which LDU the case belongs to
and which provider is responsible for them now (with history, ROADMAP "design
consequences").
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from probation.models.organisations import Organisation, OrganisationKind


class Gender(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    OTHER = "X", "Other or not stated"


class Person(models.Model):
    crn = models.CharField(
        "CRN",
        max_length=7,
        unique=True,
        db_comment="Case Reference Number issued by the platform, e.g. X123456",
    )
    pnc_number = models.CharField(
        "PNC number",
        max_length=13,
        null=True,
        blank=True,
        db_comment="Police National Computer reference YYYY/NNNNNNNA; reoffending is matched on it",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    nationality = models.CharField(max_length=100, blank=True)
    foreign_national = models.BooleanField(default=False)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    no_fixed_abode = models.BooleanField(
        default=False, db_comment="No fixed abode: the case belongs to the court's LDU"
    )
    # DOMAIN.md 3: a woman must be offered, where practicable, a female offender manager,
    # a female-only interview environment, and no all-male unpaid work or attendance
    # centre placement. These record her choices.
    prefers_female_offender_manager = models.BooleanField(default=False)
    prefers_female_only_interviews = models.BooleanField(default=False)
    no_all_male_placements = models.BooleanField(
        default=False,
        db_comment="Not to be placed in an all-male unpaid work or attendance centre setting",
    )
    ldu = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.LDU},
        verbose_name="LDU",
        db_comment="The LDU the case belongs to: the home address's, or for no fixed abode "
        "the sentencing court's; it fixes the home CPA and CRC",
    )
    responsible_provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The provider responsible now: the NPS, or the CRC it allocated the case to",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "person on probation"
        verbose_name_plural = "people on probation"
        ordering = ["last_name", "first_name", "crn"]
        db_table_comment = "People on probation: one row per person, identified by CRN"
        constraints = [
            models.CheckConstraint(
                name="person_female_preferences_only_for_women",
                condition=models.Q(gender="F")
                | models.Q(
                    prefers_female_offender_manager=False,
                    prefers_female_only_interviews=False,
                    no_all_male_placements=False,
                ),
            ),
            models.UniqueConstraint(
                fields=["pnc_number"],
                condition=models.Q(pnc_number__isnull=False),
                name="person_unique_pnc",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="person_name_idx"),
            models.Index(fields=["date_of_birth"], name="person_dob_idx"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.crn})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class PersonAlias(models.Model):
    """Another name (and date of birth) a person is known by; searched like their own."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["last_name", "first_name"]
        db_table_comment = "Aliases of people on probation"
        indexes = [models.Index(fields=["last_name", "first_name"], name="alias_name_idx")]

    def __str__(self):
        return f"{self.first_name} {self.last_name} (alias of {self.person.crn})"


class CrnSequence(models.Model):
    """One-row counter from which CRNs are issued under a row lock."""

    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table_comment = "Counter for Case Reference Numbers"

    def __str__(self):
        return f"CRN counter at {self.last_value}"


class PersonUserObjectPermission(UserObjectPermissionBase):
    """Per-object grant of a permission on one person to one user (django-guardian).

    Used beyond provider scope, e.g. a CRC still delivering an intervention after the case
    moved to the NPS (STACK.md).
    """

    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class OffenderManagerAssignment(models.Model):
    """Who manages a person: one open assignment per person at any moment, with history
    (DOMAIN.md 11: the identity of the offender manager is unambiguous at all times).

    Before allocation a case may sit with a team (the NPS court team) without a named
    officer; ``offender_manager`` is then empty.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="manager_assignments")
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The provider responsible during the assignment: the NPS or a CRC",
    )
    team = models.ForeignKey("probation.Team", on_delete=models.PROTECT, related_name="+")
    offender_manager = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["person", "-started_at"]
        db_table_comment = "Offender manager assignments with history; one open per person"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_offender_manager",
            ),
            models.CheckConstraint(
                name="assignment_ends_after_it_starts",
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["offender_manager"],
                condition=models.Q(ended_at__isnull=True),
                name="current_caseload_idx",
            ),
            models.Index(
                fields=["team"],
                condition=models.Q(ended_at__isnull=True),
                name="current_team_caseload_idx",
            ),
        ]

    def __str__(self):
        who = self.offender_manager or self.team
        return f"{who} manages {self.person.crn} from {self.started_at:%Y-%m-%d}"
