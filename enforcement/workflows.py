"""The workflows of risk escalation, serious further offences and enforcement, one table
each: every state, who must act in it and by when, every allowed move and who may make it.
Nothing else changes their ``state`` (``probation.workflow`` runs them).

Deadlines come from ``probation.policy`` (each overridable from the environment) and the
business-day calendar; the README lists them ("Deadlines of the workflows").
"""

from django.conf import settings

from enforcement import selectors
from enforcement.models import (
    BreachReferral,
    BreachState,
    EscalationState,
    Failure,
    FailureState,
    Intelligence,
    IntelligenceState,
    RecallRequest,
    RecallState,
    ReviewState,
    RiskEscalation,
    RiskReview,
    SeriousFurtherOffence,
    SfoState,
    VictimSummaryReport,
    VsrState,
)
from enforcement.rules import ReferralTo
from probation import access
from probation.models import Organisation
from probation.models.organisations import PPCS_CODE
from probation.workflow import Step, Transition, Workflow, register_models

RESPONSIBLE = access.RESPONSIBLE_OFFICER_ROLES
MANAGERS = frozenset({"CRC_MANAGER", "NPS_SENIOR_MANAGER"})


def _days(name: str):
    def days(record) -> int:
        return getattr(settings, name)

    return days


def _responsible_officer(user, record) -> bool:
    return access.is_responsible_officer(user, record.person)


def _of(field: str, roles):
    """Staff of the organisation in ``record.<field>`` holding one of ``roles``."""

    def may(user, record) -> bool:
        return access.acts_for(user, getattr(record, f"{field}_id"), roles)

    return may


def _ppcs_id() -> int:
    return Organisation.objects.only("pk").get(code=PPCS_CODE).pk


def _ppcs(user, record) -> bool:
    return access.acts_for(user, _ppcs_id(), {"PPCS_CASEWORKER"})


def _nobody(user, record) -> bool:
    """Moves only the system makes (``advance(..., system=True)``)."""
    return False


def _waiting_on(field: str):
    def organisation_id(record) -> int:
        return getattr(record, f"{field}_id")

    return organisation_id


_FINAL = Step(final=True)

# --- Risk escalation referral CRC -> NPS (DOMAIN.md 5) ----------------------------------------

RISK_ESCALATION = Workflow(
    name="risk_escalation",
    label="risk escalation referral",
    states=EscalationState,
    initial=(EscalationState.AWAITING_NPS,),
    steps={
        EscalationState.AWAITING_NPS: Step(
            waiting_on=_waiting_on("division"),
            business_days=lambda r: (
                settings.IMMEDIATE_RISK_DECISION_BUSINESS_DAYS
                if r.immediate_risk
                else settings.RISK_ESCALATION_DECISION_BUSINESS_DAYS
            ),
            deadline_source="IMMEDIATE_RISK_DECISION_BUSINESS_DAYS (0: same day) if immediate "
            "risk, else RISK_ESCALATION_DECISION_BUSINESS_DAYS (5)",
        ),
        EscalationState.HIGH: _FINAL,
        EscalationState.NOT_HIGH: _FINAL,
        EscalationState.WITHDRAWN: _FINAL,
    },
    transitions=[
        Transition(
            "decide_high",
            "decide the risk is high and take the case",
            (EscalationState.AWAITING_NPS,),
            EscalationState.HIGH,
            _of("division", {"NPS_SENIOR_MANAGER"}),
            "an NPS senior manager of the person's division",
        ),
        Transition(
            "decide_not_high",
            "decide the risk is not high",
            (EscalationState.AWAITING_NPS,),
            EscalationState.NOT_HIGH,
            _of("division", {"NPS_SENIOR_MANAGER"}),
            "an NPS senior manager of the person's division",
        ),
        Transition(
            "withdraw",
            "withdraw the referral",
            (EscalationState.AWAITING_NPS,),
            EscalationState.WITHDRAWN,
            _of("raised_by_organisation", RESPONSIBLE),
            "the provider that made the referral",
        ),
    ],
)

# --- Risk review set at allocation: the CRC refers the case back by the date ----------------

RISK_REVIEW = Workflow(
    name="risk_review",
    label="risk review",
    states=ReviewState,
    initial=(ReviewState.OPEN,),
    steps={
        ReviewState.OPEN: Step(
            waiting_on=_waiting_on("provider"),
            due_on=lambda r: r.review_by,
            deadline_source="the review-by date set at allocation",
        ),
        # The referral answering it waits on the NPS (its own clock); if it is withdrawn,
        # the review is open again, due on the same date.
        ReviewState.REFERRED: Step(),
        ReviewState.ANSWERED: _FINAL,
        ReviewState.CANCELLED: _FINAL,
    },
    transitions=[
        Transition(
            "refer",
            "refer the case back for the review",
            (ReviewState.OPEN,),
            ReviewState.REFERRED,
            _responsible_officer,
            "the provider managing the case",
        ),
        Transition(
            "answer",
            "mark the review answered",
            (ReviewState.REFERRED,),
            ReviewState.ANSWERED,
            _nobody,
            "the system, when the NPS decides the referral",
        ),
        Transition(
            "reopen",
            "open the review again",
            (ReviewState.REFERRED,),
            ReviewState.OPEN,
            _nobody,
            "the system, when the referral answering it is withdrawn",
        ),
        Transition(
            "cancel",
            "cancel the review",
            (ReviewState.OPEN, ReviewState.REFERRED),
            ReviewState.CANCELLED,
            _nobody,
            "the system, when the case leaves the CRC",
        ),
    ],
)

# --- Intelligence from the NPS to the CRC -----------------------------------------------------

INTELLIGENCE = Workflow(
    name="intelligence",
    label="piece of intelligence",
    states=IntelligenceState,
    initial=(IntelligenceState.AWAITING_ACKNOWLEDGEMENT,),
    steps={
        IntelligenceState.AWAITING_ACKNOWLEDGEMENT: Step(
            waiting_on=_waiting_on("provider"),
            business_days=_days("INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS"),
            deadline_source="INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS (1)",
        ),
        IntelligenceState.ACKNOWLEDGED: _FINAL,
    },
    transitions=[
        Transition(
            "acknowledge",
            "acknowledge the intelligence",
            (IntelligenceState.AWAITING_ACKNOWLEDGEMENT,),
            IntelligenceState.ACKNOWLEDGED,
            _of("provider", RESPONSIBLE),
            "the CRC it was passed to",
        ),
    ],
)

# --- Serious further offence: management review; Victim Summary Report ----------------------

SFO_REVIEW = Workflow(
    name="sfo_review",
    label="serious further offence review",
    states=SfoState,
    initial=(SfoState.REVIEW_DUE,),
    steps={
        SfoState.REVIEW_DUE: Step(
            waiting_on=_waiting_on("provider"),
            business_days=_days("SFO_REVIEW_BUSINESS_DAYS"),
            deadline_source="SFO_REVIEW_BUSINESS_DAYS (60)",
        ),
        SfoState.REVIEWED: _FINAL,
    },
    transitions=[
        Transition(
            "complete_review",
            "record the management review",
            (SfoState.REVIEW_DUE,),
            SfoState.REVIEWED,
            _of("provider", MANAGERS),
            "a manager of the provider that managed the case",
        ),
    ],
)

VICTIM_SUMMARY_REPORT = Workflow(
    name="victim_summary_report",
    label="Victim Summary Report",
    states=VsrState,
    initial=(VsrState.DUE,),
    steps={
        VsrState.DUE: Step(
            waiting_on=_waiting_on("provider"),
            business_days=_days("VSR_BUSINESS_DAYS"),
            deadline_source="VSR_BUSINESS_DAYS (20)",
        ),
        VsrState.WRITTEN: Step(
            waiting_on=_waiting_on("provider"),
            business_days=_days("VSR_MEETING_BUSINESS_DAYS"),
            deadline_source="VSR_MEETING_BUSINESS_DAYS (20)",
        ),
        VsrState.SHARED: _FINAL,
    },
    transitions=[
        Transition(
            "write",
            "write the Victim Summary Report",
            (VsrState.DUE,),
            VsrState.WRITTEN,
            _of("provider", RESPONSIBLE | MANAGERS),
            "the provider that managed the case",
        ),
        Transition(
            "record_meeting",
            "record the meeting with the victims",
            (VsrState.WRITTEN,),
            VsrState.SHARED,
            _of("provider", MANAGERS),
            "a senior representative of the provider",
        ),
    ],
)

# --- Failure to comply: the responsible officer's decision ----------------------------------


def _options_refusal(referral_to: str | None):
    """The guard of a decision: refused unless the rules offer it for this failure."""

    def refusal(failure) -> str | None:
        options = selectors.options_for(failure)
        if referral_to is None:
            return None if options.warning_allowed else " ".join(options.reasons)
        if options.referral_to != referral_to:
            return (
                f"A failure on a {failure.get_enforced_as_display().lower()} is not referred "
                f"that way: {' '.join(options.reasons)}"
            )
        return None

    return refusal


def _decision(action, label, target, guard=None) -> Transition:
    return Transition(
        action,
        label,
        (FailureState.AWAITING_DECISION,),
        target,
        _responsible_officer,
        "the responsible officer of the provider managing the case",
        guard,
    )


FAILURE = Workflow(
    name="failure",
    label="failure to comply",
    states=FailureState,
    initial=(FailureState.AWAITING_DECISION,),
    steps={
        FailureState.AWAITING_DECISION: Step(
            waiting_on=_waiting_on("provider"),
            business_days=_days("FAILURE_DECISION_BUSINESS_DAYS"),
            deadline_source="FAILURE_DECISION_BUSINESS_DAYS (2)",
        ),
        FailureState.WARNED: _FINAL,
        FailureState.REFERRED: _FINAL,
        FailureState.RECALL_REQUESTED: _FINAL,
        FailureState.HMCTS_NOTIFIED: _FINAL,
        FailureState.EXCUSE_ACCEPTED: _FINAL,
    },
    transitions=[
        _decision("warn", "give a warning", FailureState.WARNED, _options_refusal(None)),
        _decision(
            "refer",
            "refer the breach to an NPS enforcement officer",
            FailureState.REFERRED,
            _options_refusal(ReferralTo.NPS_ENFORCEMENT_OFFICER),
        ),
        _decision(
            "request_recall",
            "request recall",
            FailureState.RECALL_REQUESTED,
            _options_refusal(ReferralTo.PPCS),
        ),
        _decision(
            "notify_hmcts",
            "notify HMCTS of intended enforcement",
            FailureState.HMCTS_NOTIFIED,
            _options_refusal(ReferralTo.HMCTS),
        ),
        _decision("accept_excuse", "accept a reasonable excuse", FailureState.EXCUSE_ACCEPTED),
    ],
)

# --- Breach referral to an NPS enforcement officer --------------------------------------------

_EO = _of("division", {"NPS_ENFORCEMENT_OFFICER"})
_EO_WHO = "an NPS enforcement officer of the person's division"

BREACH_REFERRAL = Workflow(
    name="breach_referral",
    label="breach referral",
    states=BreachState,
    initial=(BreachState.AWAITING_EO,),
    steps={
        BreachState.AWAITING_EO: Step(
            waiting_on=_waiting_on("division"),
            business_days=_days("BREACH_DECISION_BUSINESS_DAYS"),
            deadline_source="BREACH_DECISION_BUSINESS_DAYS (5)",
        ),
        BreachState.RETURNED: Step(
            waiting_on=_waiting_on("referred_by_organisation"),
            business_days=_days("BREACH_ADVICE_BUSINESS_DAYS"),
            deadline_source="BREACH_ADVICE_BUSINESS_DAYS (5)",
        ),
        # The court sets the hearing: the enforcement officer records the outcome, no clock.
        BreachState.COURT_ACTION: Step(waiting_on=_waiting_on("division")),
        BreachState.NO_FURTHER_ACTION: _FINAL,
        BreachState.CLOSED_AFTER_ADVICE: _FINAL,
        BreachState.COURT_OUTCOME: _FINAL,
        BreachState.WITHDRAWN: _FINAL,
    },
    transitions=[
        Transition(
            "decide_court_action",
            "decide on court action",
            (BreachState.AWAITING_EO,),
            BreachState.COURT_ACTION,
            _EO,
            _EO_WHO,
        ),
        Transition(
            "decide_no_further_action",
            "decide on no further action",
            (BreachState.AWAITING_EO,),
            BreachState.NO_FURTHER_ACTION,
            _EO,
            _EO_WHO,
        ),
        Transition(
            "return_with_advice",
            "return the referral with advice",
            (BreachState.AWAITING_EO,),
            BreachState.RETURNED,
            _EO,
            _EO_WHO,
        ),
        Transition(
            "record_court_outcome",
            "record the court's outcome",
            (BreachState.COURT_ACTION,),
            BreachState.COURT_OUTCOME,
            _EO,
            _EO_WHO,
        ),
        Transition(
            "resubmit",
            "send the referral back to the enforcement officer",
            (BreachState.RETURNED,),
            BreachState.AWAITING_EO,
            _responsible_officer,
            "the responsible officer of the provider managing the case",
        ),
        Transition(
            "close_after_advice",
            "close the referral on the enforcement officer's advice",
            (BreachState.RETURNED,),
            BreachState.CLOSED_AFTER_ADVICE,
            _responsible_officer,
            "the responsible officer of the provider managing the case",
        ),
        Transition(
            "withdraw",
            "withdraw the referral",
            (BreachState.AWAITING_EO,),
            BreachState.WITHDRAWN,
            _responsible_officer,
            "the responsible officer of the provider managing the case",
        ),
    ],
)

# --- Recall request to PPCS ----------------------------------------------------------------------


def _revocation_refusal(recall) -> str | None:
    if recall.risk_escalation_id and not recall.emergency and recall.endorsed_at is None:
        return (
            "This recall comes with a risk escalation and was not an emergency: PPCS can "
            "revoke the licence only after an NPS senior manager has endorsed it."
        )
    return None


_SM = _of("division", {"NPS_SENIOR_MANAGER"})
_SM_WHO = "an NPS senior manager of the person's division"
_PPCS_WHO = "a PPCS caseworker"

RECALL_REQUEST = Workflow(
    name="recall_request",
    label="recall request",
    states=RecallState,
    initial=(RecallState.AWAITING_ENDORSEMENT, RecallState.AWAITING_PPCS),
    steps={
        RecallState.AWAITING_ENDORSEMENT: Step(
            waiting_on=_waiting_on("division"),
            business_days=_days("RECALL_ENDORSEMENT_BUSINESS_DAYS"),
            deadline_source="RECALL_ENDORSEMENT_BUSINESS_DAYS (1)",
        ),
        RecallState.AWAITING_PPCS: Step(
            waiting_on=lambda r: _ppcs_id(),
            business_days=lambda r: (
                settings.EMERGENCY_RECALL_DECISION_BUSINESS_DAYS
                if r.emergency
                else settings.RECALL_DECISION_BUSINESS_DAYS
            ),
            deadline_source="EMERGENCY_RECALL_DECISION_BUSINESS_DAYS (0: same day) for an "
            "emergency recall, else RECALL_DECISION_BUSINESS_DAYS (1)",
        ),
        RecallState.NOT_ENDORSED: _FINAL,
        RecallState.REVOKED: _FINAL,
        RecallState.NOT_REVOKED: _FINAL,
        RecallState.WITHDRAWN: _FINAL,
    },
    transitions=[
        Transition(
            "endorse",
            "endorse the recall",
            (RecallState.AWAITING_ENDORSEMENT,),
            RecallState.AWAITING_PPCS,
            _SM,
            _SM_WHO,
        ),
        Transition(
            "decline_endorsement",
            "decline to endorse the recall",
            (RecallState.AWAITING_ENDORSEMENT,),
            RecallState.NOT_ENDORSED,
            _SM,
            _SM_WHO,
        ),
        Transition(
            "revoke",
            "revoke the licence",
            (RecallState.AWAITING_PPCS,),
            RecallState.REVOKED,
            _ppcs,
            _PPCS_WHO,
            _revocation_refusal,
        ),
        Transition(
            "not_revoke",
            "decide not to recall",
            (RecallState.AWAITING_PPCS,),
            RecallState.NOT_REVOKED,
            _ppcs,
            _PPCS_WHO,
        ),
        Transition(
            "withdraw",
            "withdraw the recall request",
            (RecallState.AWAITING_ENDORSEMENT, RecallState.AWAITING_PPCS),
            RecallState.WITHDRAWN,
            _of("requested_by_organisation", RESPONSIBLE),
            "the provider that requested the recall",
        ),
    ],
)

# Every workflow of this app with its model, for the deadline jobs, the pages and the API.
WORKFLOWS = (
    (RISK_ESCALATION, RiskEscalation),
    (RISK_REVIEW, RiskReview),
    (INTELLIGENCE, Intelligence),
    (SFO_REVIEW, SeriousFurtherOffence),
    (VICTIM_SUMMARY_REPORT, VictimSummaryReport),
    (FAILURE, Failure),
    (BREACH_REFERRAL, BreachReferral),
    (RECALL_REQUEST, RecallRequest),
)
register_models(WORKFLOWS)
