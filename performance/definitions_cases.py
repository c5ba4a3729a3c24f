"""What the case rows of ``performance.definitions`` share: the row columns of
``contracts.service_levels`` (reused, so a dashboard row reads like a service level's) and
who a case counts for at a moment.

Where a case lies: the person's LDU when it happened, read from the person's history
(``Person.history``, written by every change made through the platform), and the LDU's NPS
division. A transfer between CPAs changes the person's LDU; the history keeps the LDU a
case had on the day it is counted, so a later transfer does not move last month's figures.
A person with no history row before that moment (loaded in bulk, or recorded after it)
counts in their LDU now.
"""

from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from contracts import service_levels
from contracts.models import StartType
from probation.models import Organisation, Person
from probation.models.sentences import SentenceType

# The service levels' row helpers, so a dashboard row reads like a service level's.
text = service_levels._text  # a value as text
day_of = service_levels._day  # the local date of a timestamp, as text
instant = service_levels._instant  # local midnight starting a day
met = service_levels._met  # a condition as case_met
sentence_reference = service_levels._sentence_reference  # CRN/event number

# Sentence types as the volumes break them down (the contracts' start types: a custodial
# sentence counts as a licence or as post-sentence supervision only).
COMMUNITY_ORDER = StartType.COMMUNITY_ORDER.value
SUSPENDED_SENTENCE_ORDER = StartType.SUSPENDED_SENTENCE_ORDER.value
LICENCE = StartType.LICENCE.value
PSS = StartType.PSS.value
SENTENCE_TYPE_LABELS = {
    COMMUNITY_ORDER: "Community Order",
    SUSPENDED_SENTENCE_ORDER: "Suspended Sentence Order",
    LICENCE: "Licence",
    PSS: "Post-sentence supervision",
}


def community_breakdown() -> list[When]:
    """The ``When``s naming a Community Order's and an SSO's breakdown."""
    return [
        When(sentence_type=SentenceType.COMMUNITY_ORDER, then=Value(COMMUNITY_ORDER)),
        When(
            sentence_type=SentenceType.SUSPENDED_SENTENCE_ORDER,
            then=Value(SUSPENDED_SENTENCE_ORDER),
        ),
    ]


def breakdown_label(expression) -> Case:
    """The label of a breakdown code, for a case's detail."""
    return Case(
        *(
            When(**{expression: code}, then=Value(label))
            for code, label in SENTENCE_TYPE_LABELS.items()
        ),
        default=Value(""),
        output_field=CharField(),
    )


def ldu_at(person: str, moment) -> Coalesce:
    """The LDU of ``person`` (a path to the person, e.g. "person" or "sentence__person") at
    ``moment`` (an instant, or an ``OuterRef`` to one): the latest history row before it,
    else the LDU now."""
    historical = (
        Person.history.model.objects.filter(id=OuterRef(f"{person}_id"), history_date__lt=moment)
        .order_by("-history_date", "-history_id")
        .values("ldu_id")[:1]
    )
    return Coalesce(
        Subquery(historical, output_field=IntegerField()),
        F(f"{person}__ldu_id"),
        output_field=IntegerField(),
    )


def division_of(ldu: str = "for_ldu") -> Subquery:
    """The NPS division of the LDU annotated as ``ldu``."""
    return Subquery(
        Organisation.objects.filter(pk=OuterRef(ldu)).values("division_id")[:1],
        output_field=IntegerField(),
    )


def crc_of(ldu: str = "for_ldu") -> Subquery:
    """The CRC of the Contract Package Area of the LDU annotated as ``ldu``."""
    return Subquery(
        Organisation.objects.filter(pk=OuterRef(ldu)).values("crc_id")[:1],
        output_field=IntegerField(),
    )


def deadline(field: str = "due_by") -> Coalesce:
    """A step's deadline as text for a case's detail."""
    return Coalesce(text(field), Value("no deadline"))
