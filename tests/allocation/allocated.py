"""Cases allocated through the real service, for the tests of what follows an allocation:
the notification of the provider, the allocations feed and the reporting instructions."""

import datetime

from allocation import services
from allocation.models import AllocationDecision
from probation import clock
from probation.models import OffenderManagerAssignment
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff, team_of

# The NPS division of each CPA used in these tests.
DIVISION_OF = {"CRC11": "NPS-WAL", "CRC20": "NPS-LON"}


def new_case_in(crc: str, *, requirement: str | None = "UNPAID_WORK", **sentence_fields):
    """A person living in ``crc``'s area, sentenced today (by default to a community order
    with unpaid work); the NPS court team holds them until allocation."""
    person = person_of("NPS", ldu_crc=crc)
    OffenderManagerAssignment.objects.create(
        person=person,
        provider=org("NPS"),
        team=team_of(org(DIVISION_OF[crc])),
        started_at=datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC),
    )
    fields = {"sentence_date": clock.today(), **sentence_fields}
    sentence = sentence_of(person, **fields)
    if requirement:
        requirement_of(sentence, requirement)
    return person, sentence


def allocate(person, sentence, *, to: str = "CRC", team=None) -> AllocationDecision:
    """Allocate by an allocation officer of the person's division: to the home CRC's team
    (RoSH low), or with ``to="NPS"`` to the division's team (RoSH high)."""
    crc = person.ldu.crc.code
    division = DIVISION_OF[crc]
    if team is None:
        team = team_of(org(crc if to == "CRC" else division))
    return services.allocation_confirm(
        actor=staff("NPS_ALLOCATION_OFFICER", division),
        crn=person.crn,
        number=sentence.number,
        decision=to,
        team=team,
        inputs={"rosh": "LOW" if to == "CRC" else "HIGH"},
    )


def allocated(crc: str = "CRC11", *, to: str = "CRC", team=None) -> AllocationDecision:
    person, sentence = new_case_in(crc)
    return allocate(person, sentence, to=to, team=team)
