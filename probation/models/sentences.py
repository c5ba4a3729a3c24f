"""Sentences ("events") and what hangs off them: requirements of community orders and
suspended sentence orders, licences with their conditions and post-sentence supervision
requirements, and terminations (DOMAIN.md 2, 3 and 6).

A person may have several sentences at once (a concurrent order, a licence while a
community order runs). Each is numbered per person (event 1, 2, ...), as probation staff
know them. The dates every clock starts from and the periods derived by
``probation.supervision`` are stored as facts, so caseloads, allocation and the contract
measures can query them in SQL (ROADMAP "design consequences"); the services recompute
them whenever an input changes.
"""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from probation.orders import RequirementCode


class SentenceType(models.TextChoices):
    COMMUNITY_ORDER = "COMMUNITY_ORDER", "Community Order"
    SUSPENDED_SENTENCE_ORDER = "SUSPENDED_SENTENCE_ORDER", "Suspended Sentence Order"
    CUSTODIAL = "CUSTODIAL", "Custodial sentence"
    SENIOR_ATTENDANCE_CENTRE = "SENIOR_ATTENDANCE_CENTRE", "Senior Attendance Centre order"
    DEFERRED = "DEFERRED", "Deferred sentence"


COMMUNITY_SENTENCE_TYPES = (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER)


class Management(models.TextChoices):
    """Who manages the sentence, decided by the rules when it is recorded (DOMAIN.md 2)."""

    MANAGED = "MANAGED", "Managed by probation"
    EM_ONLY = "EM_ONLY", "Electronic Monitoring provider (EM requirements only)"
    SSO_WITHOUT_REQUIREMENTS = (
        "SSO_WITHOUT_REQUIREMENTS",
        "Not supervised (Suspended Sentence Order without requirements)",
    )
    NOT_MANAGED_CUSTODY = "NOT_MANAGED_CUSTODY", "No supervision after release"
    UNDER_18 = "UNDER_18", "Not managed by adult probation (under 18 on release)"
    ATTENDANCE_ONLY = (
        "ATTENDANCE_ONLY",
        "Attendance order only: no offender management, outside the PbR cohort",
    )


class SentenceStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    TERMINATED = "TERMINATED", "Terminated"


class Sentence(models.Model):
    """One sentence of a court (an "event" in probation systems)."""

    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="sentences"
    )
    number = models.PositiveIntegerField(
        db_comment="Event number, counting from 1 for each person; with the CRN it names "
        "the sentence (X123456/2)"
    )
    sentence_type = models.CharField(max_length=32, choices=SentenceType.choices)
    sentence_date = models.DateField()
    offence_date = models.DateField()
    offence_description = models.CharField(max_length=300)
    court = models.CharField(max_length=200, db_comment="The sentencing court's name")
    court_ldu = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="court's LDU",
        db_comment="The LDU the sentencing court sits in (allocates people of no fixed abode)",
    )
    fine_imposed = models.BooleanField(
        default=False, db_comment="A fine was imposed with the order (its punitive element)"
    )
    # Custodial term, and for an SSO the suspended custodial term.
    indeterminate = models.BooleanField(
        default=False, db_comment="Indeterminate custodial sentence (life, IPP)"
    )
    term_months = models.PositiveIntegerField(null=True, blank=True)
    term_days = models.PositiveIntegerField(null=True, blank=True)
    # CO length; SSO supervision (operational) period.
    length_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        db_comment="Length of a Community Order, or an SSO's supervision period, in months",
    )
    length_days = models.PositiveIntegerField(null=True, blank=True)
    # Custodial dates: from the court and the prison.
    sentence_expiry_date = models.DateField(null=True, blank=True)
    conditional_release_date = models.DateField(
        null=True, blank=True, db_comment="From the prison, or estimated at the midpoint"
    )
    crd_estimated = models.BooleanField(
        default=False, db_comment="The CRD was estimated, not given by the prison"
    )
    hdc_release_date = models.DateField(
        null=True, blank=True, db_comment="Release on home detention curfew, if granted"
    )
    actual_release_date = models.DateField(null=True, blank=True)
    release_prison = models.CharField(max_length=200, blank=True)
    # Derived by probation.supervision (custodial) or from the order's length (CO/SSO).
    licence_start_date = models.DateField(null=True, blank=True)
    licence_end_date = models.DateField(null=True, blank=True)
    pss_start_date = models.DateField(null=True, blank=True)
    pss_end_date = models.DateField(null=True, blank=True)
    supervision_end_date = models.DateField(
        null=True, blank=True, db_comment="When probation's supervision of this sentence ends"
    )
    supervision_rule = models.CharField(
        max_length=64, blank=True, db_comment="The supervision-period rule that fired"
    )
    # Senior Attendance Centre order (fine defaulters).
    attendance_centre_hours = models.PositiveIntegerField(null=True, blank=True)
    # Deferred sentence.
    deferred_until = models.DateField(
        null=True, blank=True, db_comment="End of the deferment period: the date of sentence"
    )
    deferment_requirements = models.TextField(blank=True)
    management = models.CharField(
        max_length=32,
        choices=Management.choices,
        db_comment="Whether probation manages the sentence at all (DOMAIN.md 2)",
    )
    management_reason = models.CharField(max_length=300)
    pbr_provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="PbR cohort",
        db_comment="The CRC in whose payment-by-results cohort the sentence counts; set at "
        "allocation and kept through transfers between CPAs and risk escalation",
    )
    status = models.CharField(
        max_length=16, choices=SentenceStatus.choices, default=SentenceStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "number"]
        db_table_comment = "Sentences (events) of people on probation"
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="sentence_number_per_person"),
            models.CheckConstraint(
                name="sentence_offence_not_after_sentence",
                condition=Q(offence_date__lte=models.F("sentence_date")),
            ),
            models.CheckConstraint(
                name="sentence_licence_ends_after_start",
                condition=Q(licence_start_date__isnull=True)
                | Q(licence_end_date__isnull=True)
                | Q(licence_end_date__gte=models.F("licence_start_date")),
            ),
            models.CheckConstraint(
                name="sentence_pss_follows_licence",
                condition=Q(pss_start_date__isnull=True)
                | Q(licence_end_date__isnull=True)
                | Q(pss_start_date__gt=models.F("licence_end_date")),
            ),
        ]
        indexes = [
            models.Index(fields=["sentence_type", "status"], name="sentence_type_status_idx"),
            models.Index(fields=["supervision_end_date"], name="sentence_supervision_end_idx"),
            # Caseloads: who has an active sentence that probation manages.
            models.Index(
                fields=["person"],
                condition=Q(status="ACTIVE", management="MANAGED"),
                name="sentence_active_managed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.person.crn}/{self.number} {self.get_sentence_type_display()}"

    @property
    def reference(self):
        return f"{self.person.crn}/{self.number}"

    @property
    def is_managed(self):
        return self.management == Management.MANAGED


class RequirementStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    TERMINATED = "TERMINATED", "Terminated early"


class Requirement(models.Model):
    """One requirement of a Community Order or Suspended Sentence Order, with the
    parameters the court set. Progress (hours worked, RAR days used) is counted from the
    contacts credited to it."""

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(max_length=32, choices=RequirementCode.choices)
    unpaid_work_hours = models.PositiveIntegerField(
        null=True, blank=True, db_comment="Hours of unpaid work ordered"
    )
    curfew_hours_per_day = models.PositiveIntegerField(null=True, blank=True)
    curfew_days = models.PositiveIntegerField(
        null=True, blank=True, db_comment="Number of days the curfew lasts"
    )
    rar_max_days = models.PositiveIntegerField(
        "RAR maximum days",
        null=True,
        blank=True,
        db_comment="Maximum rehabilitation activity days set by the court",
    )
    length_months = models.PositiveIntegerField(
        null=True, blank=True, db_comment="How long the requirement lasts, where the court set it"
    )
    details = models.TextField(
        blank=True,
        db_comment="What the court specified: programme, treatment provider, exclusion zone, "
        "residence address, prohibited activity ...",
    )
    status = models.CharField(
        max_length=16, choices=RequirementStatus.choices, default=RequirementStatus.ACTIVE
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["sentence", "code"]
        db_table_comment = "Requirements of community orders and suspended sentence orders"
        constraints = [
            models.UniqueConstraint(fields=["sentence", "code"], name="requirement_once_per_order"),
        ]

    def __str__(self):
        return f"{self.get_code_display()} on {self.sentence}"

    @property
    def electronically_monitored(self):
        return self.code.endswith("_EM")


class Licence(models.Model):
    """The licence (and post-sentence supervision notice) of a custodial sentence: usually
    one document (DOMAIN.md 3)."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="licence")
    issued_on = models.DateField(null=True, blank=True)
    issued_by = models.CharField(
        max_length=32,
        choices=[("GOVERNOR", "Prison governor"), ("PAROLE_BOARD", "Parole Board")],
        default="GOVERNOR",
    )
    history = HistoricalRecords()

    class Meta:
        db_table_comment = "Licences of custodial sentences"

    def __str__(self):
        return f"Licence of {self.sentence}"


class StandardCondition(models.TextChoices):
    KEEP_IN_TOUCH = "KEEP_IN_TOUCH", "Keep in touch with the supervising officer"
    RECEIVE_VISITS = "RECEIVE_VISITS", "Receive visits from the supervising officer"
    RESIDE = "RESIDE", "Reside permanently at an approved address"
    APPROVED_WORK = "APPROVED_WORK", "Undertake only approved work"
    NO_TRAVEL = "NO_TRAVEL", "Not travel outside the United Kingdom"
    GOOD_BEHAVIOUR = "GOOD_BEHAVIOUR", "Be well behaved and commit no offence"


class DiscretionaryCategory(models.TextChoices):
    RESIDENCE = "RESIDENCE", "Residence at a specific place"
    MAKE_CONTACT = "MAKE_CONTACT", "Make or maintain contact with a person"
    NO_CONTACT = "NO_CONTACT", "No contact with a person"
    RESTRICTION_OF_ACTIVITY = "RESTRICTION_OF_ACTIVITY", "Restriction of activity"
    PROGRAMME = "PROGRAMME", "Participate in a programme"
    CURFEW = "CURFEW", "Curfew"
    FREEDOM_OF_MOVEMENT = "FREEDOM_OF_MOVEMENT", "Freedom of movement"
    SUPERVISION = "SUPERVISION", "Supervision"
    DRUG_TESTING = "DRUG_TESTING", "Drug testing"
    DRUG_APPOINTMENT = "DRUG_APPOINTMENT", "Drug appointment"
    POLYGRAPH = "POLYGRAPH", "Polygraph (certain sexual offenders)"


class ConditionKind(models.TextChoices):
    STANDARD = "STANDARD", "Standard"
    DISCRETIONARY = "DISCRETIONARY", "Discretionary"
    BESPOKE = "BESPOKE", "Bespoke"


class LicenceCondition(models.Model):
    """A condition of a licence: one of the six standard conditions, a discretionary
    condition in one of the eleven categories, or a bespoke condition."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="conditions")
    kind = models.CharField(max_length=16, choices=ConditionKind.choices)
    code = models.CharField(
        max_length=32,
        blank=True,
        db_comment="StandardCondition for standard, DiscretionaryCategory for discretionary, "
        "empty for bespoke",
    )
    details = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["licence", "kind", "code", "pk"]
        db_table_comment = "Conditions of licences"
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "code"],
                condition=Q(kind="STANDARD"),
                name="standard_condition_once_per_licence",
            ),
            models.CheckConstraint(
                name="bespoke_condition_has_details",
                condition=~Q(kind="BESPOKE") | ~Q(details=""),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} condition {self.code} on {self.licence.sentence}"


class PssRequirementCode(models.TextChoices):
    """The ten post-sentence supervision requirements, in statutory order: 1-8 apply by
    default (DOMAIN.md 3)."""

    GOOD_BEHAVIOUR = "GOOD_BEHAVIOUR", "1. Be of good behaviour"
    NO_OFFENCE = "NO_OFFENCE", "2. Not commit any offence"
    KEEP_IN_TOUCH = "KEEP_IN_TOUCH", "3. Keep in touch with the supervisor"
    RECEIVE_VISITS = "RECEIVE_VISITS", "4. Receive visits from the supervisor"
    RESIDE = "RESIDE", "5. Reside permanently at an approved address"
    APPROVED_WORK = "APPROVED_WORK", "6. Undertake only approved work"
    NO_TRAVEL = "NO_TRAVEL", "7. Not travel outside the British Islands"
    PARTICIPATE = "PARTICIPATE", "8. Participate in activities"
    DRUG_TESTING = "DRUG_TESTING", "9. Drug testing"
    DRUG_APPOINTMENT = "DRUG_APPOINTMENT", "10. Drug appointment"


PSS_DEFAULT_CODES = tuple(PssRequirementCode.values[:8])


class PssRequirement(models.Model):
    """One of the ten PSS requirements on a licence: applied, or left out with a reason
    (allowed only for 1-8, which apply by default)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="pss_requirements")
    code = models.CharField(max_length=32, choices=PssRequirementCode.choices)
    applied = models.BooleanField(default=True)
    reason_not_applied = models.TextField(blank=True)
    details = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["licence", "pk"]
        db_table_comment = "Post-sentence supervision requirements of licences"
        constraints = [
            models.UniqueConstraint(fields=["licence", "code"], name="pss_requirement_once"),
            models.CheckConstraint(
                name="pss_requirement_left_out_with_reason",
                condition=Q(applied=True) | ~Q(reason_not_applied=""),
            ),
        ]

    def __str__(self):
        return f"PSS {self.code} on {self.licence.sentence}"


class TerminationReason(models.TextChoices):
    COMPLETED = "COMPLETED", "Completed: all requirements met"
    EXPIRED = "EXPIRED", "Supervision period ended"
    REVOKED = "REVOKED", "Revoked by the court"
    BREACH_RESENTENCED = "BREACH_RESENTENCED", "Revoked and resentenced after breach"
    SSO_ACTIVATED = "SSO_ACTIVATED", "Suspended sentence activated"
    RECALL_REVOKED = "RECALL_REVOKED", "Licence revoked on recall"
    DIED = "DIED", "Died"
    TRANSFERRED_OUT = "TRANSFERRED_OUT", "Transferred out of England and Wales"
    OTHER = "OTHER", "Other"


class Termination(models.Model):
    """How and when a sentence's supervision ended (DOMAIN.md 6, National Standards:
    managed termination), and the partners told."""

    sentence = models.OneToOneField(Sentence, on_delete=models.PROTECT, related_name="termination")
    terminated_on = models.DateField()
    reason = models.CharField(max_length=32, choices=TerminationReason.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table_comment = "Terminations of sentences"

    def __str__(self):
        return f"{self.sentence} terminated {self.terminated_on}: {self.reason}"


class Partner(models.TextChoices):
    POLICE = "POLICE", "Police"
    COURT = "COURT", "Court (HMCTS)"
    EM_PROVIDER = "EM_PROVIDER", "Electronic Monitoring provider"
    VICTIM_LIAISON = "VICTIM_LIAISON", "Victim liaison unit"
    PRISON = "PRISON", "Prison"
    HOME_OFFICE = "HOME_OFFICE", "Home Office"
    TREATMENT_PROVIDER = "TREATMENT_PROVIDER", "Treatment provider"
    OTHER = "OTHER", "Other partner"


class PartnerNotification(models.Model):
    """A partner told of a termination, and when."""

    termination = models.ForeignKey(
        Termination, on_delete=models.CASCADE, related_name="notifications"
    )
    partner = models.CharField(max_length=32, choices=Partner.choices)
    notified_on = models.DateField(null=True, blank=True, db_comment="Empty until sent")
    details = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["termination", "partner"]
        db_table_comment = "Partner notifications required by terminations"
        constraints = [
            models.UniqueConstraint(
                fields=["termination", "partner"], name="one_notification_per_partner"
            )
        ]

    def __str__(self):
        return f"{self.get_partner_display()} about {self.termination.sentence}"
