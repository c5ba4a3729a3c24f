"""Community Orders and Suspended Sentence Orders: their requirements, the rules a court's
order must satisfy, and whether probation manages it at all (DOMAIN.md 2 and 3).

Pure: facts in, errors or a decision out. The records that use it (sentences and their
requirements) come with the rest of the core records.
"""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from probation.supervision import age_on


class OrderType(models.TextChoices):
    COMMUNITY_ORDER = "COMMUNITY_ORDER", "Community Order"
    SUSPENDED_SENTENCE_ORDER = "SUSPENDED_SENTENCE_ORDER", "Suspended Sentence Order"


class RequirementCode(models.TextChoices):
    """Requirement codes used in the API and exports (the ``_EM`` forms are electronically
    monitored)."""

    UNPAID_WORK = "UNPAID_WORK", "Unpaid work (Community Payback)"
    CURFEW = "CURFEW", "Curfew"
    CURFEW_EM = "CURFEW_EM", "Curfew (electronically monitored)"
    REHABILITATION_ACTIVITY = "REHABILITATION_ACTIVITY", "Rehabilitation activity requirement"
    PROGRAMME = "PROGRAMME", "Programme"
    MENTAL_HEALTH_TREATMENT = "MENTAL_HEALTH_TREATMENT", "Mental health treatment"
    DRUG_REHABILITATION = "DRUG_REHABILITATION", "Drug rehabilitation"
    ALCOHOL_TREATMENT = "ALCOHOL_TREATMENT", "Alcohol treatment"
    PROHIBITED_ACTIVITY = "PROHIBITED_ACTIVITY", "Prohibited activity"
    EXCLUSION = "EXCLUSION", "Exclusion"
    EXCLUSION_EM = "EXCLUSION_EM", "Exclusion (electronically monitored)"
    LOCATION_EM = "LOCATION_EM", "Electronic location monitoring"
    RESIDENCE = "RESIDENCE", "Residence"
    ATTENDANCE_CENTRE = "ATTENDANCE_CENTRE", "Attendance centre"
    FOREIGN_TRAVEL_PROHIBITION = "FOREIGN_TRAVEL_PROHIBITION", "Foreign travel prohibition"


# Orders made only of these go to the Electronic Monitoring provider (DOMAIN.md 2).
EM_ONLY_CODES = frozenset(
    {RequirementCode.CURFEW_EM, RequirementCode.EXCLUSION_EM, RequirementCode.LOCATION_EM}
)


@dataclass(frozen=True)
class Requirement:
    code: str
    unpaid_work_hours: int | None = None
    curfew_hours_per_day: int | None = None
    rar_max_days: int | None = None


@dataclass(frozen=True)
class OrderFacts:
    order_type: str
    sentence_date: datetime.date
    offence_date: datetime.date
    date_of_birth: datetime.date
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)
    fine_imposed: bool = False
    # A Suspended Sentence Order's supervision (operational) period, from the sentence date.
    supervision_months: int = 0
    supervision_days: int = 0


@dataclass(frozen=True)
class Management:
    managed: bool
    code: str
    reason: str


def validate_order(facts: OrderFacts) -> None:
    """Raise ``ValidationError`` with field names if the court's order cannot stand."""
    errors: dict[str, list[str]] = {}

    def error(name, message):
        errors.setdefault(name, []).append(message)

    codes = [r.code for r in facts.requirements]
    unknown = sorted(set(codes) - set(RequirementCode.values))
    if unknown:
        error("requirements", f"Unknown requirement codes: {', '.join(unknown)}")
    if len(codes) != len(set(codes)):
        error("requirements", "Each requirement can be recorded once on an order")
    if facts.order_type == OrderType.COMMUNITY_ORDER and not codes:
        error("requirements", "A Community Order must have at least one requirement")
    if facts.offence_date > facts.sentence_date:
        error("offence_date", "The offence date must be on or before the sentence date")

    if facts.order_type == OrderType.SUSPENDED_SENTENCE_ORDER:
        start = facts.sentence_date
        end = start + relativedelta(months=facts.supervision_months, days=facts.supervision_days)
        shortest = start + relativedelta(months=settings.SSO_SUPERVISION_MIN_MONTHS)
        longest = start + relativedelta(months=settings.SSO_SUPERVISION_MAX_MONTHS)
        if (
            facts.supervision_months < 0
            or facts.supervision_days < 0
            or not (shortest <= end <= longest)
        ):
            error(
                "supervision_months",
                "A Suspended Sentence Order's supervision period must be between 6 months "
                "and 2 years",
            )

    # Crime and Courts Act 2013: from commencement at least one requirement imposed for
    # punishment, or a fine, on every community order.
    if (
        codes
        and facts.offence_date >= settings.PUNITIVE_ELEMENT_COMMENCEMENT_DATE
        and not facts.fine_imposed
        and not set(codes) & set(settings.PUNITIVE_REQUIREMENTS)
    ):
        error(
            "requirements",
            "The order needs at least one punitive requirement (such as unpaid work or a "
            "curfew) or a fine, for offences on or after "
            f"{settings.PUNITIVE_ELEMENT_COMMENCEMENT_DATE:%-d %B %Y}",
        )

    for requirement in facts.requirements:
        _validate_requirement(requirement, facts, error)
    if errors:
        raise ValidationError(errors)


def _validate_requirement(requirement: Requirement, facts: OrderFacts, error) -> None:
    code = requirement.code
    if code == RequirementCode.ATTENDANCE_CENTRE:
        age = age_on(facts.date_of_birth, facts.sentence_date)
        if age >= settings.ATTENDANCE_CENTRE_MAX_AGE_EXCLUSIVE:
            error(
                "requirements",
                f"An attendance centre requirement is only for people under 25 (aged {age})",
            )
    if code == RequirementCode.UNPAID_WORK:
        hours = requirement.unpaid_work_hours
        low, high = settings.UNPAID_WORK_HOURS_MIN, settings.UNPAID_WORK_HOURS_MAX
        if hours is None or not low <= hours <= high:
            error("unpaid_work_hours", f"Unpaid work must be between {low} and {high} hours")
    if code in (RequirementCode.CURFEW, RequirementCode.CURFEW_EM):
        hours = requirement.curfew_hours_per_day
        low, high = settings.CURFEW_HOURS_PER_DAY_MIN, settings.CURFEW_HOURS_PER_DAY_MAX
        if hours is None or not low <= hours <= high:
            error(
                "curfew_hours_per_day",
                f"A curfew must be between {low} and {high} hours a day",
            )
    if code == RequirementCode.REHABILITATION_ACTIVITY and not (requirement.rar_max_days or 0) > 0:
        error(
            "rar_max_days",
            "Enter the maximum number of rehabilitation activity days the court set",
        )


def order_management(facts: OrderFacts) -> Management:
    """Whether probation manages the order at all (DOMAIN.md 2)."""
    codes = {r.code for r in facts.requirements}
    if facts.order_type == OrderType.SUSPENDED_SENTENCE_ORDER and not codes:
        return Management(
            False,
            "SSO_WITHOUT_REQUIREMENTS",
            "A Suspended Sentence Order without requirements is not supervised by probation.",
        )
    if codes and codes <= EM_ONLY_CODES:
        return Management(
            False,
            "EM_ONLY",
            "An order made only of electronically monitored curfew, exclusion or location "
            "requirements is managed by the Electronic Monitoring provider.",
        )
    return Management(True, "MANAGED", "Probation manages this order.")
