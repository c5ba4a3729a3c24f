"""Documents generated for a case (warning letters, pre-breach packs, recall requests,
Victim Summary Reports): rendered once from a template with the case's facts as they stood,
and stored with the case as the HTML that was issued (``CaseDocument``). A document is never
re-rendered, so what was sent is what is shown; the page prints with the print stylesheet.
"""

from django.template.loader import render_to_string

from probation import access, audit, clock
from probation.models import CaseDocument, Person, User


def document_create(
    *,
    actor: User,
    person: Person,
    kind: str,
    title: str,
    template: str,
    context: dict,
    workflow: str = "",
    record_id: int | None = None,
    replaces: CaseDocument | None = None,
) -> CaseDocument:
    """Render ``template`` (an HTML fragment: the document's body, no page furniture) and
    store it. Call inside the service's transaction, after its own checks."""
    issued_at = clock.now()
    body = render_to_string(
        template, {**context, "person": person, "issued_at": issued_at, "issued_by": actor}
    )
    document = CaseDocument.objects.create(
        person=person,
        kind=kind,
        title=title[:200],
        body_html=body,
        workflow=workflow,
        record_id=record_id,
        created_by=actor,
        created_at=issued_at,
        replaces=replaces,
    )
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.CREATE,
        instance=document,
        changes={"kind": [None, kind], "title": [None, document.title]},
    )
    return document


def document_of(user: User, crn: str, document_id: int) -> CaseDocument:
    """A document of a person the user may see; 404 otherwise (a document of another person
    under a visible CRN is missing too)."""
    document = access.record_of(
        user,
        crn,
        CaseDocument.objects.select_related("created_by"),
        document_id,
        missing="No document found for this person.",
    )
    return document


def documents_of(person: Person):
    """The person's documents, newest first, without their bodies (for lists)."""
    return (
        CaseDocument.objects.filter(person=person)
        .defer("body_html")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
