"""Core records everyone reads: organisations, staff, people on probation, their
sentences, contacts, plans and transfers, the audit trail, and what every workflow between
organisations records (events, deadline alerts, documents)."""

from probation.models.audit import AuditEvent
from probation.models.contacts import APPOINTMENT_TYPES, Contact, ContactType, Outcome
from probation.models.notifications import Notification, NotificationKind
from probation.models.organisations import Organisation, OrganisationKind, Team
from probation.models.people import (
    CrnSequence,
    Gender,
    OffenderManagerAssignment,
    Person,
    PersonAlias,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
)
from probation.models.plans import (
    Need,
    PlanVersion,
    ReoffendingLikelihood,
    RiskLevel,
    RsrScore,
    RsrSource,
)
from probation.models.sentences import (
    ConditionKind,
    DiscretionaryCategory,
    Licence,
    LicenceCondition,
    Management,
    Partner,
    PartnerNotification,
    PssRequirement,
    PssRequirementCode,
    Requirement,
    RequirementStatus,
    Sentence,
    SentenceStatus,
    SentenceType,
    StandardCondition,
    Termination,
    TerminationReason,
)
from probation.models.staff import ApiToken, User, UserKind, VettingRecord
from probation.models.transfers import CaseTransfer, TransferStatus
from probation.models.workflow import (
    AlertKind,
    CaseDocument,
    DeadlineAlert,
    DocumentKind,
    WorkflowEvent,
)

__all__ = [
    "APPOINTMENT_TYPES",
    "AlertKind",
    "ApiToken",
    "AuditEvent",
    "CaseDocument",
    "CaseTransfer",
    "ConditionKind",
    "Contact",
    "ContactType",
    "CrnSequence",
    "DeadlineAlert",
    "DiscretionaryCategory",
    "DocumentKind",
    "Gender",
    "Licence",
    "LicenceCondition",
    "Management",
    "Need",
    "Notification",
    "NotificationKind",
    "OffenderManagerAssignment",
    "Organisation",
    "OrganisationKind",
    "Outcome",
    "Partner",
    "PartnerNotification",
    "Person",
    "PersonAlias",
    "PersonGroupObjectPermission",
    "PersonUserObjectPermission",
    "PlanVersion",
    "PssRequirement",
    "PssRequirementCode",
    "ReoffendingLikelihood",
    "Requirement",
    "RequirementStatus",
    "RiskLevel",
    "RsrScore",
    "RsrSource",
    "Sentence",
    "SentenceStatus",
    "SentenceType",
    "StandardCondition",
    "Team",
    "Termination",
    "TerminationReason",
    "TransferStatus",
    "User",
    "UserKind",
    "VettingRecord",
    "WorkflowEvent",
]
