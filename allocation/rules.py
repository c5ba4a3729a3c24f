"""Who manages a newly sentenced person: the allocation rules (DOMAIN.md 2 and 4; TOM 1.4
"Case Allocation"). Pure: facts in, a decision out with the rule that fired and reasons a
person can read. The calculation endpoint and the allocation page both call ``allocate``,
so the same facts always give the same recommendation.

Order of the rules (issue "Allocation", 2), first match wins:

1. orders probation does not manage are not allocated at all: a CO/SSO made only of
   electronically monitored requirements goes to the EM provider, an SSO without
   requirements is not supervised (DOMAIN.md 2). These come first because no allocation –
   to the NPS or a CRC – can make probation manage them; the rules below are about who
   manages an order probation does manage;
2. a person the NPS already manages stays with the NPS;
3. the NPS retains: MAPPA cases; RoSH high or very high; exceptional public interest (a
   reason is required); cases escalated to the NPS before; indeterminate sentences;
   foreign nationals given immediate custody of 12 months or more (under 12 months goes to
   a CRC even when the last five years' custody adds up to 12 months or more); deferred
   sentences (the NPS supervises until sentence);
4. when one of those fires for a person a CRC manages now, the new order is a concurrent
   order and **both** sentences go to the NPS;
5. a Senior Attendance Centre order for a fine defaulter goes to the CRC of the home CPA,
   outside the PbR cohort;
6. a person a CRC manages now keeps that CRC for a concurrent order (one person, one
   provider; a change of home goes through a transfer between CPAs);
7. everything else goes to the CRC of the home CPA: the LDU of the home address, or of the
   sentencing court for no fixed abode.

RSR: a score at or above ``RSR_HIGH_THRESHOLD`` while RoSH is below high means the case
may go to a CRC only with a recorded clinical judgement (``judgement_required``).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from probation.calendar import add_business_days


class Decision(models.TextChoices):
    NPS = "NPS", "National Probation Service"
    CRC = "CRC", "Community Rehabilitation Company of the home CPA"
    EM_PROVIDER = "EM_PROVIDER", "Electronic Monitoring provider (not allocated)"
    NOT_MANAGED = "NOT_MANAGED", "Not managed by probation"


class Rule(models.TextChoices):
    """The rule that decided an allocation; stored with every decision."""

    EM_ONLY = "EM_ONLY", "Order made only of electronically monitored requirements"
    SSO_WITHOUT_REQUIREMENTS = "SSO_WITHOUT_REQUIREMENTS", "SSO without requirements"
    EXISTING_NPS_CASE = "EXISTING_NPS_CASE", "The NPS already manages the person"
    MAPPA = "MAPPA", "MAPPA case"
    HIGH_ROSH = "HIGH_ROSH", "High or very high risk of serious harm"
    PUBLIC_INTEREST = "PUBLIC_INTEREST", "Exceptional public interest"
    PREVIOUSLY_ESCALATED = "PREVIOUSLY_ESCALATED", "Escalated to the NPS before"
    INDETERMINATE = "INDETERMINATE", "Indeterminate sentence"
    FOREIGN_NATIONAL = (
        "FOREIGN_NATIONAL",
        "Foreign national with immediate custody of 12 months or more",
    )
    DEFERRED_SENTENCE = "DEFERRED_SENTENCE", "Deferred sentence: the NPS supervises"
    CONCURRENT_ORDER = (
        "CONCURRENT_ORDER",
        "Concurrent order on a CRC case that now meets an NPS rule: both sentences to the NPS",
    )
    SAC_FINE_DEFAULTER = (
        "SAC_FINE_DEFAULTER",
        "Senior Attendance Centre order for a fine defaulter: the CRC, outside PbR",
    )
    EXISTING_CRC_CASE = "EXISTING_CRC_CASE", "A CRC already manages the person"
    HOME_CPA_CRC = "HOME_CPA_CRC", "The CRC of the home Contract Package Area"


class SentenceKind(models.TextChoices):
    COMMUNITY_ORDER = "COMMUNITY_ORDER", "Community Order"
    SUSPENDED_SENTENCE_ORDER = "SUSPENDED_SENTENCE_ORDER", "Suspended Sentence Order"
    CUSTODY = "CUSTODY", "Custodial sentence"
    SENIOR_ATTENDANCE_CENTRE = "SENIOR_ATTENDANCE_CENTRE", "Senior Attendance Centre order"
    DEFERRED = "DEFERRED", "Deferred sentence"


HIGH_ROSH_LEVELS = frozenset({"HIGH", "VERY_HIGH"})
EM_ONLY_CODES = frozenset({"CURFEW_EM", "EXCLUSION_EM", "LOCATION_EM"})
NPS = "NPS"


@dataclass(frozen=True)
class Area:
    """Where the case belongs: the LDU of the home address (or, for no fixed abode, of the
    sentencing court), with its CRC and NPS division codes."""

    ldu: str
    crc: str
    division: str


@dataclass(frozen=True)
class AllocationFacts:
    sentence_type: str
    sentence_date: datetime.date
    area: Area
    requirements: tuple[str, ...] = ()
    custodial_term_months: int = 0
    indeterminate: bool = False
    mappa: bool = False
    rosh: str | None = None
    rsr_score: float | None = None
    public_interest: str = ""
    previously_escalated_to_nps: bool = False
    foreign_national: bool = False
    aggregate_custody_last_5_years_months: int = 0
    # None (not managed now), "NPS", or the code of the CRC that manages the person now.
    current_manager: str | None = None


@dataclass(frozen=True)
class AllocationDecision:
    decision: str
    rule: str
    organisation: str | None
    judgement_required: bool
    pbr_cohort: bool
    moves_existing_sentences: bool
    due_by: datetime.date
    reasons: list[str] = field(default_factory=list)


def due_by(sentence_date: datetime.date) -> datetime.date:
    """Allocation is due within one business day of sentence (DOMAIN.md 4)."""
    return add_business_days(sentence_date, 1)


def rsr_band(score: float | None) -> str | None:
    if score is None:
        return None
    if score >= settings.RSR_HIGH_THRESHOLD:
        return "HIGH"
    if score >= settings.RSR_MEDIUM_THRESHOLD:
        return "MEDIUM"
    return "LOW"


def validate(facts: AllocationFacts) -> None:
    errors = {}
    if facts.sentence_type not in SentenceKind.values:
        errors["sentence_type"] = "Select the type of sentence"
    unknown = sorted(set(facts.requirements) - _requirement_codes())
    if unknown:
        errors["requirements"] = f"Unknown requirement codes: {', '.join(unknown)}"
    if facts.custodial_term_months < 0:
        errors["custodial_term_months"] = "The custodial term cannot be negative"
    if facts.sentence_type == SentenceKind.CUSTODY and not (
        facts.indeterminate or facts.custodial_term_months > 0
    ):
        errors["custodial_term_months"] = (
            "Enter the custodial term in months, or say the sentence is indeterminate"
        )
    if facts.rsr_score is not None and not 0 <= facts.rsr_score <= 100:
        errors["rsr_score"] = "An RSR score is a percentage between 0 and 100"
    if facts.rosh is not None and facts.rosh not in ("LOW", "MEDIUM", "HIGH", "VERY_HIGH"):
        errors["rosh"] = "Select the risk of serious harm: low, medium, high or very high"
    if facts.aggregate_custody_last_5_years_months < 0:
        errors["aggregate_custody_last_5_years_months"] = "This cannot be negative"
    if errors:
        raise ValidationError(errors)


def _requirement_codes() -> set[str]:
    from probation.orders import RequirementCode

    return set(RequirementCode.values)


def _nps_rule(facts: AllocationFacts) -> tuple[str, str] | None:
    """The first NPS retention rule that fires (DOMAIN.md 4, rules 1-5 and deferred), with
    its reason, or None."""
    if facts.mappa:
        return Rule.MAPPA, "MAPPA cases are managed by the NPS."
    if facts.rosh in HIGH_ROSH_LEVELS:
        level = "very high" if facts.rosh == "VERY_HIGH" else "high"
        return Rule.HIGH_ROSH, f"Risk of serious harm is {level}: the NPS manages the case."
    if facts.public_interest.strip():
        return (
            Rule.PUBLIC_INTEREST,
            f"Exceptional public interest: {facts.public_interest.strip()}",
        )
    if facts.previously_escalated_to_nps:
        return (
            Rule.PREVIOUSLY_ESCALATED,
            "The case was escalated to the NPS before and stays there even if risk fell.",
        )
    if facts.indeterminate:
        return Rule.INDETERMINATE, "Indeterminate sentences are managed by the NPS."
    if (
        facts.foreign_national
        and facts.sentence_type == SentenceKind.CUSTODY
        and facts.custodial_term_months >= settings.FOREIGN_NATIONAL_CUSTODY_MONTHS
    ):
        return (
            Rule.FOREIGN_NATIONAL,
            f"Foreign national given immediate custody of {facts.custodial_term_months} "
            "months (12 or more): meets the deportation criteria, so the NPS manages it.",
        )
    if facts.sentence_type == SentenceKind.DEFERRED:
        return Rule.DEFERRED_SENTENCE, "Sentence is deferred: the NPS supervises until sentence."
    return None


def allocate(facts: AllocationFacts) -> AllocationDecision:
    """The recommended allocation for these facts. Raises ``ValidationError`` for facts
    that cannot be true."""
    validate(facts)
    due = due_by(facts.sentence_date)
    reasons: list[str] = []

    def decided(decision, rule, organisation, *, pbr=False, moves=False, judgement=False):
        return AllocationDecision(
            decision=decision,
            rule=rule,
            organisation=organisation,
            judgement_required=judgement,
            pbr_cohort=pbr,
            moves_existing_sentences=moves,
            due_by=due,
            reasons=reasons,
        )

    community = facts.sentence_type in (
        SentenceKind.COMMUNITY_ORDER,
        SentenceKind.SUSPENDED_SENTENCE_ORDER,
    )
    codes = set(facts.requirements)
    if community and codes and codes <= EM_ONLY_CODES:
        reasons.append(
            "The order is made only of electronically monitored curfew, exclusion or location "
            "requirements: the Electronic Monitoring provider manages it, not probation."
        )
        return decided(Decision.EM_PROVIDER, Rule.EM_ONLY, None)
    if facts.sentence_type == SentenceKind.SUSPENDED_SENTENCE_ORDER and not codes:
        reasons.append("A Suspended Sentence Order without requirements is not supervised.")
        return decided(Decision.NOT_MANAGED, Rule.SSO_WITHOUT_REQUIREMENTS, None)

    if facts.current_manager == NPS:
        reasons.append("The NPS already manages this person, so the new sentence stays there.")
        return decided(Decision.NPS, Rule.EXISTING_NPS_CASE, facts.area.division)

    nps_rule = _nps_rule(facts)
    if nps_rule is not None:
        rule, reason = nps_rule
        reasons.append(reason)
        if facts.current_manager:
            reasons.append(
                f"{facts.current_manager} manages the person now: this is a concurrent order "
                "that meets an NPS rule, so both sentences go to the NPS."
            )
            return decided(Decision.NPS, Rule.CONCURRENT_ORDER, facts.area.division, moves=True)
        return decided(Decision.NPS, rule, facts.area.division)

    if (
        facts.foreign_national
        and facts.sentence_type == SentenceKind.CUSTODY
        and facts.aggregate_custody_last_5_years_months >= settings.FOREIGN_NATIONAL_CUSTODY_MONTHS
    ):
        reasons.append(
            "Foreign national with custody under 12 months: a CRC manages the case even though "
            "custody in the last five years adds up to "
            f"{facts.aggregate_custody_last_5_years_months} months (DOMAIN.md 4)."
        )

    band = rsr_band(facts.rsr_score)
    judgement = band == "HIGH"
    if judgement:
        reasons.append(
            f"RSR {facts.rsr_score}% is at or above {settings.RSR_HIGH_THRESHOLD}% while RoSH is "
            "below high: record a clinical judgement before the case can go to a CRC."
        )
    elif band == "MEDIUM":
        reasons.append(f"RSR {facts.rsr_score}% is in the medium band.")

    if facts.sentence_type == SentenceKind.SENIOR_ATTENDANCE_CENTRE:
        reasons.append(
            "Senior Attendance Centre order for a fine defaulter: the CRC of the home CPA "
            "delivers the attendance order only, outside the payment-by-results cohort."
        )
        return decided(Decision.CRC, Rule.SAC_FINE_DEFAULTER, facts.area.crc, judgement=judgement)
    if facts.current_manager:
        reasons.append(
            f"{facts.current_manager} manages the person now and keeps the concurrent order."
        )
        return decided(
            Decision.CRC,
            Rule.EXISTING_CRC_CASE,
            facts.current_manager,
            pbr=True,
            judgement=judgement,
        )
    reasons.append(
        f"No NPS rule applies: the CRC of the home CPA ({facts.area.crc}, LDU {facts.area.ldu}) "
        "manages the case."
    )
    return decided(Decision.CRC, Rule.HOME_CPA_CRC, facts.area.crc, pbr=True, judgement=judgement)
