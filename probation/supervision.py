"""Release and supervision periods of a custodial sentence (DOMAIN.md 3, TOM 1.3; the
Offender Rehabilitation Act 2014). Pure: facts in, periods and the rule that fired out.

Conventions (issue "Probation core", 3):

- the term runs from the sentence date; the sentence expiry date (SED) is the sentence
  date + the term − 1 day (months are calendar months; a month from 31 January ends with
  February);
- without a conditional release date (CRD) from the prison, the CRD is estimated as the
  day after half the term has been served: sentence date + ceil(term days ÷ 2);
- home detention curfew (HDC) moves the licence start earlier but not the PSS end;
- post-sentence supervision (PSS) ends 12 months after the CRD, less one day;
- a person attains an age on their birthday; someone born on 29 February attains it on
  1 March in a common year.
"""

import datetime
import math
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class CustodialFacts:
    sentence_date: datetime.date
    offence_date: datetime.date
    date_of_birth: datetime.date
    term_months: int = 0
    term_days: int = 0
    conditional_release_date: datetime.date | None = None
    hdc_release_date: datetime.date | None = None


@dataclass(frozen=True)
class SupervisionPeriods:
    rule: str
    reason: str
    managed: bool
    sentence_expiry_date: datetime.date
    conditional_release_date: datetime.date
    release_date: datetime.date
    licence_start_date: datetime.date | None = None
    licence_end_date: datetime.date | None = None
    pss_start_date: datetime.date | None = None
    pss_end_date: datetime.date | None = None
    supervision_end_date: datetime.date | None = None


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Completed years on ``day`` (born 29 February: a year older on 1 March in common
    years)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def sentence_expiry_date(facts: CustodialFacts) -> datetime.date:
    return (
        facts.sentence_date
        + relativedelta(months=facts.term_months)
        + datetime.timedelta(days=facts.term_days)
        - ONE_DAY
    )


def _term_at_least(facts: CustodialFacts, months: int) -> bool:
    """Whether the term is at least ``months`` calendar months long."""
    term_end = sentence_expiry_date(facts) + ONE_DAY
    return term_end >= facts.sentence_date + relativedelta(months=months)


def _validate(facts: CustodialFacts) -> None:
    errors = {}
    if facts.term_months < 0:
        errors["term_months"] = "The term cannot be negative"
    if facts.term_days < 0:
        errors["term_days"] = "The term cannot be negative"
    if not errors and facts.term_months == 0 and facts.term_days == 0:
        errors["term_days"] = "Enter the term in months, days or both"
    if facts.offence_date > facts.sentence_date:
        errors["offence_date"] = "The offence date must be on or before the sentence date"
    if facts.date_of_birth >= facts.offence_date:
        errors["date_of_birth"] = "The date of birth must be before the offence date"
    if errors:
        raise ValidationError(errors)
    expiry = sentence_expiry_date(facts)
    crd = facts.conditional_release_date
    if crd is not None and not (facts.sentence_date <= crd <= expiry):
        errors["conditional_release_date"] = (
            "The conditional release date must fall between the sentence date and the "
            "sentence expiry date"
        )
    hdc = facts.hdc_release_date
    if hdc is not None:
        if hdc < facts.sentence_date or hdc > expiry:
            errors["hdc_release_date"] = (
                "The HDC release date must fall between the sentence date and the sentence "
                "expiry date"
            )
        elif hdc >= (crd or _estimated_crd(facts)):
            errors["hdc_release_date"] = (
                "The HDC release date must be before the conditional release date"
            )
    if errors:
        raise ValidationError(errors)


def _estimated_crd(facts: CustodialFacts) -> datetime.date:
    term_days = (sentence_expiry_date(facts) - facts.sentence_date).days + 1
    return facts.sentence_date + datetime.timedelta(days=math.ceil(term_days / 2))


def supervision_periods(
    facts: CustodialFacts, *, commencement: datetime.date | None = None
) -> SupervisionPeriods:
    """The licence and PSS periods of a determinate custodial sentence.

    Raises ``ValidationError`` (with field names) for impossible input.
    """
    _validate(facts)
    commencement = commencement or settings.ORA_COMMENCEMENT_DATE
    expiry = sentence_expiry_date(facts)
    crd = facts.conditional_release_date or _estimated_crd(facts)
    release = facts.hdc_release_date or crd
    base = {
        "sentence_expiry_date": expiry,
        "conditional_release_date": crd,
        "release_date": release,
    }
    term_days = (expiry - facts.sentence_date).days + 1
    if term_days <= 1:
        return SupervisionPeriods(
            "ONE_DAY_TERM",
            "A custodial term of one day carries no licence or supervision.",
            False,
            **base,
        )
    age = age_on(facts.date_of_birth, release)
    if age < 18:
        return SupervisionPeriods(
            "UNDER_18_ON_RELEASE",
            f"Aged {age} on release: supervised by the youth justice system, not adult probation.",
            False,
            **base,
        )
    licence = {"licence_start_date": release, "licence_end_date": expiry}
    if facts.offence_date >= commencement:
        if _term_at_least(facts, settings.ORA_LICENCE_ONLY_TERM_MONTHS):
            return SupervisionPeriods(
                "ORA_TWO_YEARS_OR_MORE",
                "Term of two years or more: licence from release to the sentence expiry date.",
                True,
                **base,
                **licence,
                supervision_end_date=expiry,
            )
        pss_end = crd + relativedelta(months=settings.PSS_TOTAL_MONTHS) - ONE_DAY
        if pss_end > expiry:
            return SupervisionPeriods(
                "ORA_UNDER_TWO_YEARS",
                "Offence on or after the Offender Rehabilitation Act's commencement and term "
                "under two years: licence to the sentence expiry date, then post-sentence "
                "supervision to 12 months after the conditional release date.",
                True,
                **base,
                **licence,
                pss_start_date=expiry + ONE_DAY,
                pss_end_date=pss_end,
                supervision_end_date=pss_end,
            )
        return SupervisionPeriods(
            "ORA_UNDER_TWO_YEARS_NO_PSS",
            "Term under two years whose licence already reaches 12 months after the "
            "conditional release date: no post-sentence supervision.",
            True,
            **base,
            **licence,
            supervision_end_date=expiry,
        )
    if _term_at_least(facts, settings.PRE_ORA_LICENCE_TERM_MONTHS):
        return SupervisionPeriods(
            "PRE_ORA_TWELVE_MONTHS_OR_MORE",
            "Offence before the Offender Rehabilitation Act's commencement, term of 12 "
            "months or more: licence from release to the sentence expiry date, no "
            "post-sentence supervision.",
            True,
            **base,
            **licence,
            supervision_end_date=expiry,
        )
    if age <= 20:
        end = release + relativedelta(months=settings.PRE_ORA_YOUNG_ADULT_SUPERVISION_MONTHS)
        end -= ONE_DAY
        return SupervisionPeriods(
            "PRE_ORA_YOUNG_ADULT",
            f"Offence before the Offender Rehabilitation Act's commencement, term under 12 "
            f"months, aged {age} on release: three months' supervision from release.",
            True,
            **base,
            supervision_end_date=end,
        )
    return SupervisionPeriods(
        "PRE_ORA_UNDER_TWELVE_MONTHS",
        "Offence before the Offender Rehabilitation Act's commencement and term under 12 "
        "months: no licence or supervision.",
        False,
        **base,
    )
