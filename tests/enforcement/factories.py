"""Enforcement records for the tests of what reads them (service levels, dashboards)."""

import datetime

from enforcement.models import Failure
from probation.models import WorkflowEvent
from tests.probation.factories import person_of, sentence_of


def decided_failure(
    when: datetime.datetime,
    action: str = "refer",
    *,
    within: bool = True,
    provider: str = "CRC11",
    recorded_by,
    **person_fields,
):
    """A failure of a new person of ``provider`` on which its officer decided ``action``
    ("refer" or "request_recall") at ``when``, as the enforcement workflow records it: the
    Failure, referred, and the decision's WorkflowEvent, due that day (``within``) or the day
    before. Returns (person, sentence, failure)."""
    person = person_of(provider, **person_fields)
    sentence = sentence_of(person)
    failure = Failure.objects.create(
        person=person,
        state="REFERRED",
        step_started_at=when,
        opened_at=when,
        sentence=sentence,
        enforced_as="COMMUNITY_ORDER",
        failure_date=when.date(),
        description="Missed an appointment",
        provider=person.responsible_provider,
        recorded_by=recorded_by,
    )
    WorkflowEvent.objects.create(
        workflow="failure",
        record_id=failure.pk,
        person=person,
        action=action,
        from_state="AWAITING_DECISION",
        to_state="REFERRED",
        at=when,
        step_organisation=person.responsible_provider,
        due_by=when.date() if within else when.date() - datetime.timedelta(days=1),
        within_deadline=within,
    )
    return person, sentence, failure
