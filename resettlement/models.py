"""Through the Gate resettlement: prisons and their designation, custody episodes, the basic
custody screening, resettlement plans and the pre-release tasks (DOMAIN.md 7, TOM 2).

Who does what is decided by ``resettlement.rules`` and stored on the custody episode as
facts with history (``simple_history``), so the later contract parts read who was
responsible at each moment. The plan runs on the workflow engine (``probation.workflow``;
its table is ``resettlement.workflows.RESETTLEMENT_PLAN``): its clocks, who it waits on and
every move with whether it was in time.
"""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from probation.models.workflow import WorkflowRecord
from resettlement.rules import CustodyStatus as _Status

# --- Prisons and their designation (reference data NOMS maintains) --------------------------


class PrisonKind(models.TextChoices):
    MALE_LOCAL = "MALE_LOCAL", "Adult male local"
    MALE_OPEN = "MALE_OPEN", "Adult male open"
    MALE_TRAINING = "MALE_TRAINING", "Adult male category C (training)"
    WOMEN = "WOMEN", "Women's"
    YOUNG_ADULT = "YOUNG_ADULT", "Young offender institution (young adult)"
    DUAL = "DUAL", "Dual-designated (adult male and young adult)"


# Kinds whose resettlement prisons may have up to three host CRCs (TOM 2.2 "Women
# Prisoners", "Young Adult Male Prisoners" – dual-designated establishments hold young
# adults); adult male shared prisons have one.
MULTI_HOST_KINDS = (PrisonKind.WOMEN, PrisonKind.YOUNG_ADULT, PrisonKind.DUAL)
# Kinds that hold adult men (the designated-release measure, TOM 2.2 "Adult Male Prisoners").
ADULT_MALE_KINDS = (
    PrisonKind.MALE_LOCAL,
    PrisonKind.MALE_OPEN,
    PrisonKind.MALE_TRAINING,
    PrisonKind.DUAL,
)


class Prison(models.Model):
    """A prison establishment. Its staff belong to ``organisation`` (kind PRISON), through
    which they are scoped and notified; its designation has its own dated history."""

    code = models.CharField(
        max_length=3, unique=True, db_comment="Three-letter establishment code, e.g. CFI"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=PrisonKind.choices)
    contracted = models.BooleanField(
        default=False, db_comment="Run under contract by a private provider (else public)"
    )
    ldu = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "LDU"},
        verbose_name="LDU",
        db_comment="The LDU the prison stands in",
    )
    organisation = models.OneToOneField(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="prison",
        db_comment="The organisation (kind PRISON) its staff belong to",
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        db_table_comment = "Prison establishments (TOM 2.2); designation in prison_designation"
        constraints = [
            models.CheckConstraint(
                name="prison_code_three_letters", condition=Q(code__regex=r"^[A-Z]{3}$")
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def multi_host(self) -> bool:
        return self.kind in MULTI_HOST_KINDS


class Designation(models.Model):
    """What a prison is for resettlement from ``effective_from`` until ``effective_to``
    (exclusive; open-ended when empty): a resettlement prison or not, and its CRCs. A change
    is a new designation; the old one is ended the day before, never edited, so every past
    day's designation can be read back."""

    prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="designations")
    effective_from = models.DateField()
    effective_to = models.DateField(
        null=True, blank=True, db_comment="First day no longer in force; empty while current"
    )
    resettlement = models.BooleanField(db_comment="A designated resettlement prison")
    recorded_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    source = models.CharField(
        max_length=200, blank=True, db_comment="Where it came from: a page, an import file"
    )

    class Meta:
        ordering = ["prison", "-effective_from"]
        db_table_comment = "Resettlement designation of prisons with effective dates (TOM 2.2)"
        constraints = [
            models.UniqueConstraint(
                fields=["prison", "effective_from"], name="one_designation_per_prison_day"
            ),
            models.UniqueConstraint(
                fields=["prison"],
                condition=Q(effective_to__isnull=True),
                name="one_current_designation_per_prison",
            ),
            models.CheckConstraint(
                name="designation_ends_after_it_starts",
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
            ),
        ]
        indexes = [models.Index(fields=["prison", "effective_from"], name="designation_day_idx")]

    def __str__(self):
        return f"{self.prison.code} from {self.effective_from}"


class DesignationRole(models.TextChoices):
    LEAD = "LEAD", "Host: lead provider"
    HOST = "HOST", "Host CRC"
    DESIGNATED = "DESIGNATED", "Designated CPA (no services in the prison)"


class DesignationCrc(models.Model):
    """One CRC (and so its CPA) a designation names: its host: lead provider, a host CRC, or
    a CPA the prison is designated to whose CRC provides no services there. Every row
    means the prison is designated to that CRC's CPA."""

    designation = models.ForeignKey(Designation, on_delete=models.CASCADE, related_name="crcs")
    crc = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "CRC"},
    )
    role = models.CharField(max_length=16, choices=DesignationRole.choices)

    class Meta:
        db_table_comment = "The CRCs of a prison's designation and their role there"
        constraints = [
            # A CRC has one role in a prison: the lead provider is not also a host CRC.
            models.UniqueConstraint(fields=["designation", "crc"], name="one_role_per_crc"),
            models.UniqueConstraint(
                fields=["designation"],
                condition=Q(role="LEAD"),
                name="one_lead_provider_per_designation",
            ),
        ]

    def __str__(self):
        return f"{self.crc_id} {self.role}"


# --- Custody episodes ------------------------------------------------------------------------


class CustodyStatus(models.TextChoices):
    REMAND = _Status.REMAND, "Remand"
    SENTENCED = _Status.SENTENCED, "Sentenced"
    RECALLED = _Status.RECALLED, "Recalled"


class ReleaseType(models.TextChoices):
    CONDITIONAL_RELEASE = "CONDITIONAL_RELEASE", "Conditional release"
    HDC = "HDC", "Home detention curfew"
    ROTL = "ROTL", "Release on temporary licence"
    END_OF_REMAND = "END_OF_REMAND", "End of remand"
    OTHER = "OTHER", "Other"


class CustodyEpisode(models.Model):
    """One period in custody, from reception to release, across moves between prisons.

    The organisations responsible (``plan_writer`` … ``accommodation_employment_by``) are
    the rules' answer for the current prison, status and allocation, refreshed on every
    reception, move, status change and allocation change; their history is kept."""

    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="custody_episodes"
    )
    status = models.CharField(max_length=16, choices=CustodyStatus.choices)
    sentence = models.ForeignKey(
        "probation.Sentence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custody_episodes",
        db_comment="The custodial sentence (sentenced and recalled prisoners); empty on remand",
    )
    received_on = models.DateField(
        db_comment="Reception into custody: the plan's clocks start here"
    )
    reception_prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="+")
    prison = models.ForeignKey(
        Prison,
        on_delete=models.PROTECT,
        related_name="episodes",
        db_comment="Where the person is now (or was released from)",
    )
    home_crc = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="CRC of the home CPA; empty when unknown (no fixed abode)",
    )
    expected_release_on = models.DateField(
        null=True, blank=True, db_comment="From the sentence's release dates; empty on remand"
    )
    # Who does what now (resettlement.rules), and the allocation it was worked out from.
    allocated_to = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_writer = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    share_with = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pre_release_lead = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accommodation_employment_by = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.JSONField(default=list, db_comment="The rules' reasons, as shown to staff")
    released_on = models.DateField(null=True, blank=True)
    release_prison = models.ForeignKey(
        Prison, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_type = models.CharField(max_length=24, choices=ReleaseType.choices, blank=True)
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        db_table_comment = "Custody episodes: reception to release (TOM 2.1)"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(released_on__isnull=True),
                name="one_open_custody_episode_per_person",
            ),
            models.CheckConstraint(
                name="custody_sentence_unless_remand",
                condition=(Q(status="REMAND") & Q(sentence__isnull=True))
                | (~Q(status="REMAND") & Q(sentence__isnull=False)),
            ),
            models.CheckConstraint(
                name="custody_release_after_reception",
                condition=Q(released_on__isnull=True) | Q(released_on__gte=F("received_on")),
            ),
            models.CheckConstraint(
                name="custody_release_complete",
                condition=Q(released_on__isnull=True, release_prison__isnull=True, release_type="")
                | Q(released_on__isnull=False, release_prison__isnull=False) & ~Q(release_type=""),
            ),
        ]
        indexes = [
            models.Index(
                fields=["prison"], condition=Q(released_on__isnull=True), name="custody_open_idx"
            ),
            models.Index(fields=["released_on"], name="custody_released_idx"),
            models.Index(
                fields=["expected_release_on"],
                condition=Q(released_on__isnull=True),
                name="custody_expected_release_idx",
            ),
        ]

    def __str__(self):
        return f"Custody of {self.person_id} from {self.received_on}"

    @property
    def open(self) -> bool:
        return self.released_on is None


class PrisonStay(models.Model):
    """A stretch of an episode in one prison: reception or a move starts one, the next move
    or the release ends it. The designated-release measure reads them."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.CASCADE, related_name="stays")
    prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="stays")
    arrived_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["episode", "arrived_on", "pk"]
        db_table_comment = "Prisons an episode passed through, with dates"
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(left_on__isnull=True),
                name="one_current_stay_per_episode",
            ),
            models.CheckConstraint(
                name="stay_leaves_after_arriving",
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("arrived_on")),
            ),
        ]

    def __str__(self):
        return f"{self.prison_id} from {self.arrived_on}"


# --- Basic custody screening ------------------------------------------------------------------


class Screening(models.Model):
    """The basic custody screening of one episode: part 1 by prison staff at induction
    (immediate needs and the resettlement needs by pathway), part 2 by the plan writer.
    Every save is a version (``history``) and audited."""

    episode = models.OneToOneField(
        CustodyEpisode, on_delete=models.CASCADE, related_name="screening"
    )
    person = models.ForeignKey("probation.Person", on_delete=models.CASCADE, related_name="+")
    # Part 1: prison staff at induction.
    immediate_needs = models.TextField(blank=True)
    accommodation_need = models.BooleanField(default=False)
    employment_need = models.BooleanField(default=False)
    finance_debt_need = models.BooleanField(default=False)
    abuse_victim_need = models.BooleanField(
        default=False, db_comment="Has been a victim of domestic abuse or sexual violence"
    )
    sex_work_need = models.BooleanField(default=False, db_comment="Has been a sex worker")
    other_needs = models.TextField(blank=True)
    part1_completed_at = models.DateTimeField(null=True, blank=True)
    part1_completed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Part 2: the plan writer.
    assessment = models.TextField(blank=True)
    part2_completed_at = models.DateTimeField(null=True, blank=True)
    part2_completed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    part2_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        db_table_comment = "Basic custody screening, parts 1 and 2 (TOM 2.1 Needs Screening)"
        constraints = [
            models.CheckConstraint(
                name="screening_part2_after_part1",
                condition=Q(part2_completed_at__isnull=True) | Q(part1_completed_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"Screening of episode {self.episode_id}"


# --- Resettlement plan ------------------------------------------------------------------------


class PlanState(models.TextChoices):
    SCREENING = "SCREENING", "Waiting for part 1 of the screening"
    PLANNING = "PLANNING", "Part 2 and the plan being written"
    TO_SHARE = "TO_SHARE", "Complete, to be shared"
    SHARED = "SHARED", "Shared"
    COMPLETE = "COMPLETE", "Complete (nobody to share with)"
    EXCEPTION = "EXCEPTION", "No plan writer: with NOMS"
    CLOSED = "CLOSED", "Released before the plan was complete"


class ResettlementPlan(WorkflowRecord):
    """The resettlement plan of one custody episode, from reception to sharing. The writer
    and the organisation it is shared with are copied from the episode when the plan is
    completed, so a later move does not rewrite who wrote it."""

    episode = models.OneToOneField(CustodyEpisode, on_delete=models.CASCADE, related_name="plan")
    screening_access_by = models.DateField(db_comment="Part 1 available to the CRC by this day")
    plan_due_by = models.DateField(db_comment="Part 2 and the plan due (5 business days)")
    writer = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The CRC that wrote it (set on completion)",
    )
    summary = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_late = models.BooleanField(
        null=True, blank=True, db_comment="Completed after plan_due_by; empty until completed"
    )
    shared_with = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    share_due_by = models.DateField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_late = models.BooleanField(
        null=True, blank=True, db_comment="Shared after share_due_by; empty until shared"
    )

    history = HistoricalRecords()

    class Meta:
        db_table_comment = "Resettlement plans (TOM 2.1), run by probation.workflow"
        constraints = [
            models.CheckConstraint(
                name="plan_shared_after_completion",
                condition=Q(shared_at__isnull=True) | Q(completed_at__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["state", "due_by"], name="plan_state_due_idx"),
            models.Index(fields=["shared_with", "shared_at"], name="plan_received_idx"),
        ]

    def __str__(self):
        return f"Resettlement plan of episode {self.episode_id}"


class NeedKind(models.TextChoices):
    ACCOMMODATION = "ACCOMMODATION", "Accommodation"
    EMPLOYMENT_RETENTION = "EMPLOYMENT_RETENTION", "Employment: keeping a job held before custody"
    EMPLOYMENT_BROKERAGE = "EMPLOYMENT_BROKERAGE", "Employment: into work or training after release"
    FINANCE_DEBT = "FINANCE_DEBT", "Finance and debt"
    ABUSE_VICTIM = "ABUSE_VICTIM", "Support after domestic abuse or sexual violence"
    SEX_WORK = "SEX_WORK", "Support for sex workers"
    SIGNPOSTING = "SIGNPOSTING", "Signposting to other services"


# The mandatory services every plan addresses (TOM 2.1 "Delivery of Resettlement Services").
MANDATORY_NEEDS = (
    NeedKind.ACCOMMODATION,
    NeedKind.EMPLOYMENT_RETENTION,
    NeedKind.EMPLOYMENT_BROKERAGE,
    NeedKind.FINANCE_DEBT,
)


class NeedStatus(models.TextChoices):
    NOT_NEEDED = "NOT_NEEDED", "Not needed"
    TO_DO = "TO_DO", "To do"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    DONE = "DONE", "Done"


class PlanNeed(models.Model):
    """One need of a plan: whether it applies, the actions, who owns them, and progress."""

    plan = models.ForeignKey(ResettlementPlan, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(max_length=24, choices=NeedKind.choices)
    status = models.CharField(max_length=16, choices=NeedStatus.choices, default=NeedStatus.TO_DO)
    actions = models.TextField(blank=True)
    owner = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The organisation that owns the actions",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "pk"]
        db_table_comment = "Needs of a resettlement plan, with actions, owner and status"
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="one_need_per_kind")]

    def __str__(self):
        return f"{self.kind} ({self.status})"


# --- Pre-release tasks, HDC and ROTL ----------------------------------------------------------


class TaskKind(models.TextChoices):
    RELEASE_PREPARATION = "RELEASE_PREPARATION", "Release preparation"
    ACCOMMODATION = "ACCOMMODATION", "Accommodation on release"
    EMPLOYMENT = "EMPLOYMENT", "Employment on release"
    HDC_HOME_CIRCUMSTANCES = "HDC_HOME_CIRCUMSTANCES", "Home circumstances report for HDC"
    ROTL = "ROTL", "Input to a ROTL request"


# The tasks the pre-release window opens, once per episode (the clock job makes them).
WINDOW_TASKS = (TaskKind.RELEASE_PREPARATION, TaskKind.ACCOMMODATION, TaskKind.EMPLOYMENT)


class TaskStatus(models.TextChoices):
    OPEN = "OPEN", "To do"
    DONE = "DONE", "Done"
    CANCELLED = "CANCELLED", "Cancelled"


class PreReleaseTask(models.Model):
    """Work before release owed by one organisation, with its deadline: the window's tasks
    (release preparation, and accommodation and employment for the organisation that owns
    them) and the prison's requests for a home circumstances report (HDC) or ROTL input."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.CASCADE, related_name="tasks")
    person = models.ForeignKey("probation.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=TaskKind.choices)
    owner = models.ForeignKey("probation.Organisation", on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    due_by = models.DateField()
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    details = models.TextField(blank=True, db_comment="The request, or what was done")
    requested_by = models.ForeignKey(
        "probation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="Prison staff asking (HDC, ROTL); empty for the window's tasks",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_late = models.BooleanField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_by", "pk"]
        db_table_comment = "Pre-release tasks, HDC home circumstances reports and ROTL input"
        constraints = [
            # The clock job may run twice: one window task of each kind per episode.
            models.UniqueConstraint(
                fields=["episode", "kind"],
                condition=Q(kind__in=["RELEASE_PREPARATION", "ACCOMMODATION", "EMPLOYMENT"]),
                name="one_window_task_per_kind",
            ),
            models.CheckConstraint(
                name="task_due_after_opening", condition=Q(due_by__gte=F("opened_on"))
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_by"], condition=Q(status="OPEN"), name="task_open_idx"
            )
        ]

    def __str__(self):
        return f"{self.kind} for episode {self.episode_id}"
