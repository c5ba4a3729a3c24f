"""Intelligence passed by the NPS to a CRC (DOMAIN.md 5: "NPS passes on intelligence (e.g.
police) to the CRC"; TOM 1.4): staff of the person's NPS division share what they learned
about a CRC case; the CRC is told (the team managing the case) and must acknowledge it,
saying how it responds, within ``INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS`` (the table
``enforcement.workflows.INTELLIGENCE``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from enforcement.models import Intelligence, IntelligenceSource, IntelligenceState
from enforcement.workflows import INTELLIGENCE
from probation import access, audit, clock
from probation.models import NotificationKind, OffenderManagerAssignment, Person, User
from probation.notifications import notify

# NPS staff of the person's division who may pass intelligence on. (An NPS offender manager
# sees only the NPS's own cases, so in practice the division-wide roles find CRC cases.)
SHARING_ROLES = frozenset(
    {
        "NPS_SENIOR_MANAGER",
        "NPS_ENFORCEMENT_OFFICER",
        "NPS_ALLOCATION_MANAGER",
        "NPS_OFFENDER_MANAGER",
    }
)


def may_share(user: User, person: Person) -> bool:
    """NPS staff of the person's division in a sharing role, about a CRC case."""
    return person.responsible_provider.is_crc and access.acts_for(
        user, person.ldu.division_id, SHARING_ROLES
    )


def intelligence_of(user: User, crn: str, intelligence_id: int) -> Intelligence:
    """A piece of intelligence about a person the user may see; 404 otherwise."""
    record = access.record_of(
        user,
        crn,
        Intelligence.objects.select_related(
            "shared_by", "shared_by_organisation", "provider", "acknowledged_by"
        ),
        intelligence_id,
        missing="No intelligence found for this person.",
    )
    return record


@transaction.atomic
def intelligence_share(*, actor: User, crn: str, source: str, summary: str) -> Intelligence:
    """Pass intelligence about a CRC case to that CRC, which is told at once."""
    person = access.person_for_view(actor, crn)
    if not person.responsible_provider.is_crc:
        raise ValidationError(
            "The NPS manages this case: intelligence is passed on to the CRC managing a case"
        )
    if not may_share(actor, person):
        raise PermissionDenied(
            "Only NPS staff of the person's division can pass intelligence to the CRC."
        )
    errors = {}
    summary = (summary or "").strip()
    if source not in IntelligenceSource.values:
        errors["source"] = "Select where the intelligence came from"
    if not summary:
        errors["summary"] = "Enter the intelligence"
    if errors:
        raise ValidationError(errors)
    record = Intelligence(
        person=person,
        source=source,
        summary=summary,
        shared_by=actor,
        shared_by_organisation_id=actor.organisation_id,
        provider_id=person.responsible_provider_id,
    )
    INTELLIGENCE.open(record, state=IntelligenceState.AWAITING_ACKNOWLEDGEMENT, actor=actor)
    assignment = (
        OffenderManagerAssignment.objects.select_related("team")
        .filter(person=person, ended_at__isnull=True, provider_id=record.provider_id)
        .first()
    )
    notify(
        kind=NotificationKind.INTELLIGENCE,
        organisation=person.responsible_provider,
        team=assignment.team if assignment else None,
        person=person,
        title=f"Intelligence to acknowledge: {person.full_name} ({person.crn}), from "
        f"{record.get_source_display().lower()} via {actor.organisation.name}",
        body=summary,
        url=reverse("enforcement:intelligence", args=[person.crn, record.pk]),
        key=f"intelligence:{record.pk}:shared",
    )
    return record


@transaction.atomic
def intelligence_acknowledge(
    *, actor: User, crn: str, intelligence_id: int, response: str
) -> Intelligence:
    """The CRC acknowledges the intelligence and records how it responds. Once only."""
    person = access.person_for_view(actor, crn)
    Person.objects.select_for_update().get(pk=person.pk)
    record = (
        Intelligence.objects.select_for_update(of=("self",))
        .filter(person=person, pk=intelligence_id)
        .first()
    )
    if record is None:
        raise Http404("No intelligence found for this person.")
    record.person = person
    INTELLIGENCE.check(record, "acknowledge", actor=actor)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Enter how you respond to the intelligence"})
    before = audit.snapshot(record)
    now = clock.now()
    record.acknowledged_by, record.acknowledged_at, record.response = actor, now, response
    return INTELLIGENCE.advance(record, "acknowledge", actor=actor, at=now, before=before)
