"""What every page of a case shares."""

from probation import access, audit
from probation.models import Person


def person_for_change_page(request, crn: str) -> Person:
    """The person a form page changes (404 outside scope, 403 if read-only, as
    ``probation.access`` decides). The form shows their record, so opening it is audited
    as a view, like the case overview."""
    person = access.person_for_change(request.user, crn)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    return person
