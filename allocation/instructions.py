"""First-appointment reporting instructions (DOMAIN.md 4: "The NPS records the decision,
informs the CRC and gives the offender the CRC's first-appointment reporting instructions").

Each CRC configures its instructions (``ReportingInstruction``, in the Django admin): one
default, and optionally one per LDU. The person reports to the office of the team that now
manages them, so the instructions of the **team's LDU** win; the CRC's default applies
otherwise. A case the NPS keeps gets none (the NPS instructs its own cases), nor does one
whose CRC has configured nothing – the pages and the API say so rather than guess.

The date to report by is the platform's first-appointment standard
(``probation.contacts.first_appointment_due``), not a rule of its own.
"""

from django.db.models import Q

from allocation.models import AllocationDecision, ReportingInstruction
from allocation.rules import Decision
from probation import contacts
from probation.models import Sentence


def _is_crc_decision(decision: AllocationDecision) -> bool:
    return decision.decision == Decision.CRC


def _choose(candidates, ldu_id) -> ReportingInstruction | None:
    """The LDU's own instruction if there is one, else the CRC's default."""
    by_ldu = {candidate.ldu_id: candidate for candidate in candidates}
    return by_ldu.get(ldu_id) or by_ldu.get(None)


def reporting_instructions_for(decision: AllocationDecision) -> ReportingInstruction | None:
    """The instructions the person is given for ``decision``: the CRC's for the LDU of the
    team taking the case, else the CRC's default; None for an NPS decision or when the CRC
    has configured none. One query."""
    return reporting_instructions_for_many([decision])[decision.pk]


def reporting_instructions_for_many(
    decisions: list[AllocationDecision],
) -> dict[int, ReportingInstruction | None]:
    """``reporting_instructions_for`` of each decision (by id), in one query for any
    number of decisions: the lists of the API stay at a constant cost. The decisions' teams
    must be loaded (``select_related("team")``)."""
    wanted = [d for d in decisions if _is_crc_decision(d)]
    result: dict[int, ReportingInstruction | None] = {d.pk: None for d in decisions}
    if not wanted:
        return result
    crcs = {d.organisation_id for d in wanted}
    ldus = {d.team.ldu_id for d in wanted}
    candidates: dict[int, list[ReportingInstruction]] = {}
    for candidate in ReportingInstruction.objects.select_related("ldu").filter(
        Q(ldu_id__in=ldus) | Q(ldu__isnull=True), crc_id__in=crcs
    ):
        candidates.setdefault(candidate.crc_id, []).append(candidate)
    for decision in wanted:
        result[decision.pk] = _choose(
            candidates.get(decision.organisation_id, []), decision.team.ldu_id
        )
    return result


def instructions_context(sentence: Sentence, decision: AllocationDecision | None) -> dict:
    """What the allocation page and the printable page show about reporting: the decision
    in force, the instructions (or None) and the first appointment – when it is due, and
    whether it has been met (``probation.contacts.first_appointment``)."""
    instruction = reporting_instructions_for(decision) if decision is not None else None
    first = None
    if decision is not None and _is_crc_decision(decision):
        first = contacts.first_appointment(sentence.person).get(sentence.number)
    return {
        "reporting_decision": decision,
        "reporting_instruction": instruction,
        "first_appointment": first,
        "to_crc": decision is not None and _is_crc_decision(decision),
    }
