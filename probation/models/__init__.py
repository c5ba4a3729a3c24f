"""Core records everyone reads: organisations, staff, people on probation, audit."""

from probation.models.audit import AuditEvent
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
from probation.models.staff import ApiToken, User, UserKind, VettingRecord

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CrnSequence",
    "Gender",
    "OffenderManagerAssignment",
    "Organisation",
    "OrganisationKind",
    "Person",
    "PersonAlias",
    "PersonGroupObjectPermission",
    "PersonUserObjectPermission",
    "Team",
    "User",
    "UserKind",
    "VettingRecord",
]
