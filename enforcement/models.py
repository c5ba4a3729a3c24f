"""The records of the workflows where a provider hands a decision to the public sector
(DOMAIN.md 5, 6; TOM 1.4 "Risk Management and Risk Escalation", "Enforcement", "Recalled
Offenders"): risk escalation referrals and the risk reviews set at allocation, intelligence
passed from the NPS to a CRC, serious further offences and their Victim Summary Reports,
failures to comply, breach referrals to an NPS enforcement officer, and recall requests to
PPCS.

Each is a ``WorkflowRecord``: its ``state`` is changed only by ``probation.workflow`` from
the one table per workflow in ``enforcement.workflows``, which also sets who must act next
(``waiting_on``) and by when (``due_by``).
"""

from django.db import models
from django.db.models import Q

from enforcement.rules import EnforcedSentence
from probation.models.plans import RiskLevel
from probation.models.workflow import WorkflowRecord

STATE_COMMENT = "Changed only by probation.workflow, from the table in enforcement.workflows"

# --- Risk escalation (DOMAIN.md 5) --------------------------------------------------------


class EscalationState(models.TextChoices):
    AWAITING_NPS = "AWAITING_NPS", "Waiting for the NPS to decide"
    HIGH = "HIGH", "Decided high: transferred to the NPS"
    NOT_HIGH = "NOT_HIGH", "Decided not high: the CRC keeps the case"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"


class RiskEscalation(WorkflowRecord):
    """A CRC's referral to the NPS because a case's risk of serious harm may have risen to
    high. The NPS decides; high moves the case to the NPS for good, keeping its PbR cohort."""

    state = models.CharField(
        max_length=32, choices=EscalationState.choices, db_comment=STATE_COMMENT
    )

    raised_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    raised_by_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The NPS division that decides: the division of the person's LDU",
    )
    new_information = models.TextField(db_comment="What has come to light or changed")
    current_rosh = models.CharField(
        max_length=16, choices=RiskLevel.choices, db_comment="RoSH on the plan when referred"
    )
    crc_view = models.TextField(db_comment="The referring provider's view of the risk now")
    immediate_risk = models.BooleanField(
        default=False, db_comment="Immediate risk: the same-day queue; recall may run in parallel"
    )
    immediate_action = models.TextField(
        blank=True, db_comment="What the provider did at once (police, health services ...)"
    )
    risk_review = models.ForeignKey(
        "enforcement.RiskReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        db_comment="The review set at allocation that this referral answers, if any",
    )
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, db_comment="The NPS's reasons, either way")
    nps_team = models.ForeignKey(
        "probation.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nps_offender_manager = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    continued_interventions = models.TextField(
        blank=True,
        db_comment="Interventions the CRC keeps delivering after a transfer (per-object grant)",
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        db_table_comment = "Risk escalation referrals from a CRC to the NPS"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state="AWAITING_NPS"),
                name="one_open_escalation_per_person",
            ),
            models.CheckConstraint(
                name="escalation_decided_with_reasons",
                condition=~Q(state__in=["HIGH", "NOT_HIGH"])
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
            ),
            models.CheckConstraint(
                name="escalation_high_has_nps_team",
                condition=~Q(state="HIGH") | Q(nps_team__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_by"], name="escalation_queue_idx")]

    def __str__(self):
        return f"Risk escalation of {self.person.crn} ({self.state})"


class ReviewState(models.TextChoices):
    OPEN = "OPEN", "Waiting for the CRC to refer the case back"
    REFERRED = "REFERRED", "Referred back to the NPS: waiting for its decision"
    ANSWERED = "ANSWERED", "Answered: the NPS decided the referral"
    CANCELLED = "CANCELLED", "No longer needed"


class RiskReview(WorkflowRecord):
    """A review the NPS set at allocation (``AllocationDecision.review_by`` and
    ``review_triggers``): the CRC must refer the case back for a review of the risk level by
    that date, or sooner if a trigger happens. Answered by a risk escalation referral."""

    state = models.CharField(max_length=32, choices=ReviewState.choices, db_comment=STATE_COMMENT)

    allocation = models.OneToOneField(
        "allocation.AllocationDecision", on_delete=models.PROTECT, related_name="risk_review"
    )
    provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The CRC that must refer the case back",
    )
    review_by = models.DateField()
    triggers = models.TextField(blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["review_by", "pk"]
        db_table_comment = "Risk reviews set at allocation: tasks for the CRC to refer back"
        indexes = [models.Index(fields=["state", "review_by"], name="risk_review_due_idx")]

    def __str__(self):
        return f"Risk review of {self.person.crn} by {self.review_by}"


class IntelligenceState(models.TextChoices):
    AWAITING_ACKNOWLEDGEMENT = "AWAITING_ACKNOWLEDGEMENT", "Waiting for the CRC to acknowledge"
    ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged"


class IntelligenceSource(models.TextChoices):
    POLICE = "POLICE", "Police"
    MAPPA = "MAPPA", "MAPPA meeting"
    PRISON = "PRISON", "Prison"
    CHILDRENS_SERVICES = "CHILDRENS_SERVICES", "Children's services"
    HEALTH = "HEALTH", "Health services"
    OTHER = "OTHER", "Other"


class Intelligence(WorkflowRecord):
    """Information the NPS received (e.g. from the police) that a CRC case's risk of serious
    harm may have changed, passed to the CRC, who must acknowledge it and say how it
    responds (TOM 1.4)."""

    state = models.CharField(
        max_length=32, choices=IntelligenceState.choices, db_comment=STATE_COMMENT
    )

    source = models.CharField(max_length=32, choices=IntelligenceSource.choices)
    summary = models.TextField()
    shared_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    shared_by_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The CRC responsible when it was shared",
    )
    acknowledged_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, db_comment="How the CRC responds to the information")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name_plural = "intelligence"
        db_table_comment = "Intelligence passed by the NPS to a CRC about a case"

    def __str__(self):
        return f"Intelligence on {self.person.crn} ({self.state})"


# --- Serious further offences (DOMAIN.md 5) -------------------------------------------------


class SfoState(models.TextChoices):
    REVIEW_DUE = "REVIEW_DUE", "NOMS notified; management review due"
    REVIEWED = "REVIEWED", "Management review completed"


class SfoOutcome(models.TextChoices):
    AWAITING_TRIAL = "AWAITING_TRIAL", "Awaiting the outcome of the charge"
    CONVICTED = "CONVICTED", "Convicted"
    NOT_CONVICTED = "NOT_CONVICTED", "Not convicted"


class SeriousFurtherOffence(WorkflowRecord):
    """A supervised person charged with a qualifying serious further offence: NOMS is
    notified when it is recorded; the provider managing the case reviews its management of
    the case to the timescale in settings. The review is the workflow (``state``); the
    charge's outcome is a fact recorded once, whenever the court decides, independently of
    the review (``outcome``)."""

    state = models.CharField(max_length=32, choices=SfoState.choices, db_comment=STATE_COMMENT)

    provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The provider managing the case when charged: it reviews",
    )
    charged_on = models.DateField()
    offence = models.CharField(max_length=300)
    reported_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    noms_notified_at = models.DateTimeField()
    review_findings = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        max_length=16, choices=SfoOutcome.choices, default=SfoOutcome.AWAITING_TRIAL
    )
    outcome_on = models.DateField(null=True, blank=True)
    victims_opted_in = models.BooleanField(
        null=True,
        blank=True,
        db_comment="On conviction: the victims opted into the Victim Contact Scheme",
    )

    class Meta:
        ordering = ["-charged_on", "-pk"]
        db_table_comment = "Serious further offences: NOMS notification and management review"
        constraints = [
            models.CheckConstraint(
                name="sfo_reviewed_with_findings",
                condition=~Q(state="REVIEWED") | ~Q(review_findings=""),
            ),
            models.CheckConstraint(
                name="sfo_outcome_dated",
                condition=Q(outcome="AWAITING_TRIAL") | Q(outcome_on__isnull=False),
            ),
        ]

    def __str__(self):
        return f"SFO {self.offence} by {self.person.crn}"


class VsrState(models.TextChoices):
    DUE = "DUE", "Victim Summary Report due"
    WRITTEN = "WRITTEN", "Written; meeting with the victims to arrange"
    SHARED = "SHARED", "Shared with the victims at a meeting"


class VictimSummaryReport(WorkflowRecord):
    """On conviction for an SFO whose victims opted into the Victim Contact Scheme: the
    provider writes a Victim Summary Report and a senior representative meets the victims,
    with their Victim Liaison Service officer, to share it (TOM 1.4)."""

    state = models.CharField(max_length=32, choices=VsrState.choices, db_comment=STATE_COMMENT)

    sfo = models.OneToOneField(
        SeriousFurtherOffence, on_delete=models.PROTECT, related_name="victim_summary_report"
    )
    provider = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(blank=True)
    document = models.ForeignKey(
        "probation.CaseDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    meeting_on = models.DateField(null=True, blank=True)
    senior_representative = models.CharField(max_length=200, blank=True)
    victim_liaison_officer = models.CharField(max_length=200, blank=True)
    meeting_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        db_table_comment = "Victim Summary Reports after SFO convictions, and the meetings"
        constraints = [
            models.CheckConstraint(
                name="vsr_shared_at_a_meeting",
                condition=~Q(state="SHARED")
                | (Q(meeting_on__isnull=False) & ~Q(senior_representative="")),
            ),
        ]

    def __str__(self):
        return f"VSR for {self.sfo}"


# --- Enforcement (DOMAIN.md 6) ---------------------------------------------------------------


class FailureState(models.TextChoices):
    AWAITING_DECISION = "AWAITING_DECISION", "Waiting for the responsible officer's decision"
    WARNED = "WARNED", "Warning given"
    REFERRED = "REFERRED", "Referred to an NPS enforcement officer"
    RECALL_REQUESTED = "RECALL_REQUESTED", "Recall requested"
    HMCTS_NOTIFIED = "HMCTS_NOTIFIED", "HMCTS notified of intended enforcement"
    EXCUSE_ACCEPTED = "EXCUSE_ACCEPTED", "Reasonable excuse accepted"


class Failure(WorkflowRecord):
    """A failure to comply with an order, licence or post-sentence supervision: from a
    contact outcome of unacceptable absence or failed to comply, or recorded directly. It
    waits for the responsible officer's enforcement decision, offering only the options
    ``enforcement.rules`` allows."""

    state = models.CharField(max_length=32, choices=FailureState.choices, db_comment=STATE_COMMENT)

    sentence = models.ForeignKey("probation.Sentence", on_delete=models.PROTECT, related_name="+")
    enforced_as = models.CharField(
        max_length=32,
        choices=EnforcedSentence.choices,
        db_comment="What is enforced: the order, the licence or the PSS period on that date",
    )
    failure_date = models.DateField()
    contact = models.OneToOneField(
        "probation.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="failure",
        db_comment="The contact whose outcome was the failure, if it came from one",
    )
    description = models.TextField()
    provider = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The provider responsible when the failure happened",
    )
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_notes = models.TextField(blank=True)
    options = models.JSONField(
        default=dict, blank=True, db_comment="The options the rules offered when decided"
    )
    warned_on = models.DateField(
        null=True, blank=True, db_comment="Date of the warning; counts for the 12-month rule"
    )
    warning_letter = models.ForeignKey(
        "probation.CaseDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hmcts_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-failure_date", "-pk"]
        db_table_comment = "Failures to comply and the responsible officer's decisions"
        constraints = [
            models.CheckConstraint(
                name="failure_warning_dated",
                condition=~Q(state="WARNED") | Q(warned_on__isnull=False),
            ),
            models.CheckConstraint(
                name="failure_warning_not_before_failure",
                condition=Q(warned_on__isnull=True) | Q(warned_on__gte=models.F("failure_date")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["sentence", "enforced_as", "warned_on"],
                condition=Q(warned_on__isnull=False),
                name="failure_warnings_idx",
            ),
            models.Index(fields=["state", "due_by"], name="failure_undecided_idx"),
        ]

    def __str__(self):
        return f"Failure to comply by {self.person.crn} on {self.failure_date}"


class BreachState(models.TextChoices):
    AWAITING_EO = "AWAITING_EO", "Waiting for the NPS enforcement officer"
    RETURNED = "RETURNED", "Returned to the responsible officer with advice"
    COURT_ACTION = "COURT_ACTION", "Court action: waiting for the court's outcome"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION", "No further action"
    CLOSED_AFTER_ADVICE = "CLOSED_AFTER_ADVICE", "Closed after the enforcement officer's advice"
    COURT_OUTCOME = "COURT_OUTCOME", "Court outcome recorded"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"


class CourtOutcome(models.TextChoices):
    NOT_PROVEN = "NOT_PROVEN", "Breach not proven"
    AMENDED = "AMENDED", "Breach proven: requirements amended"
    FINE = "FINE", "Breach proven: fine"
    REVOKED_RESENTENCED = "REVOKED_RESENTENCED", "Breach proven: revoked and resentenced"
    SSO_ACTIVATED = "SSO_ACTIVATED", "Breach proven: suspended sentence activated"
    SUPERVISION_DEFAULT_ORDER = (
        "SUPERVISION_DEFAULT_ORDER",
        "Breach proven: supervision default order (PSS)",
    )


class BreachReferral(WorkflowRecord):
    """A failure on a Community Order, SSO or post-sentence supervision referred to an NPS
    enforcement officer with the pre-breach pack. The enforcement officer decides: court
    action, no further action, or back to the responsible officer with advice; then the
    court's outcome is recorded."""

    state = models.CharField(max_length=32, choices=BreachState.choices, db_comment=STATE_COMMENT)

    failure = models.ForeignKey(Failure, on_delete=models.PROTECT, related_name="breach_referrals")
    sentence = models.ForeignKey("probation.Sentence", on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    referred_by_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The NPS division whose enforcement officers decide",
    )
    pre_breach_pack = models.ForeignKey(
        "probation.CaseDocument", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    eo_reasons = models.TextField(
        blank=True, db_comment="The enforcement officer's reasons or advice"
    )
    court = models.CharField(max_length=200, blank=True)
    hearing_on = models.DateField(null=True, blank=True)
    court_outcome = models.CharField(max_length=32, choices=CourtOutcome.choices, blank=True)
    court_outcome_on = models.DateField(null=True, blank=True)
    court_outcome_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        db_table_comment = "Breach referrals to NPS enforcement officers"
        constraints = [
            models.UniqueConstraint(
                fields=["failure"],
                condition=Q(state__in=["AWAITING_EO", "RETURNED", "COURT_ACTION"]),
                name="one_open_breach_referral_per_failure",
            ),
            models.CheckConstraint(
                name="breach_outcome_recorded",
                condition=~Q(state="COURT_OUTCOME")
                | (~Q(court_outcome="") & Q(court_outcome_on__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_by"], name="breach_queue_idx")]

    def __str__(self):
        return f"Breach referral of {self.person.crn} ({self.state})"


class RecallState(models.TextChoices):
    AWAITING_ENDORSEMENT = "AWAITING_ENDORSEMENT", "Waiting for an NPS senior manager to endorse"
    AWAITING_PPCS = "AWAITING_PPCS", "Waiting for PPCS to decide"
    NOT_ENDORSED = "NOT_ENDORSED", "Not endorsed by the NPS"
    REVOKED = "REVOKED", "Licence revoked: recalled"
    NOT_REVOKED = "NOT_REVOKED", "Not recalled"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"


class RecallType(models.TextChoices):
    STANDARD = "STANDARD", "Standard recall"
    FIXED_TERM = "FIXED_TERM", "Fixed-term recall"


class RecallRequest(WorkflowRecord):
    """A request to PPCS to revoke a licence and recall the person to custody. With a risk
    escalation an NPS senior manager endorses it first, unless the officer recorded that the
    risk is too immediate (emergency recall)."""

    state = models.CharField(max_length=32, choices=RecallState.choices, db_comment=STATE_COMMENT)

    sentence = models.ForeignKey("probation.Sentence", on_delete=models.PROTECT, related_name="+")
    failure = models.ForeignKey(
        Failure, on_delete=models.PROTECT, null=True, blank=True, related_name="recall_requests"
    )
    risk_escalation = models.ForeignKey(
        RiskEscalation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recall_requests",
        db_comment="The risk escalation the recall comes with, if any",
    )
    emergency = models.BooleanField(
        default=False,
        db_comment="The officer recorded the risk is too immediate to wait for endorsement",
    )
    reasons = models.TextField()
    recommended_type = models.CharField(max_length=16, choices=RecallType.choices)
    requested_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    requested_by_organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "probation.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="The NPS division whose senior managers endorse",
    )
    document = models.ForeignKey(
        "probation.CaseDocument", on_delete=models.PROTECT, related_name="+"
    )
    endorsed_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorsement_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        "probation.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    recall_type = models.CharField(max_length=16, choices=RecallType.choices, blank=True)
    decision_reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        db_table_comment = "Licence recall requests to PPCS"
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(state__in=["AWAITING_ENDORSEMENT", "AWAITING_PPCS"]),
                name="one_open_recall_per_sentence",
            ),
            models.CheckConstraint(
                name="recall_with_escalation_endorsed_unless_emergency",
                condition=~Q(state="REVOKED")
                | Q(risk_escalation__isnull=True)
                | Q(emergency=True)
                | Q(endorsed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="recall_revoked_with_type",
                condition=~Q(state="REVOKED") | ~Q(recall_type=""),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_by"], name="recall_queue_idx")]

    def __str__(self):
        return f"Recall request for {self.person.crn} ({self.state})"
