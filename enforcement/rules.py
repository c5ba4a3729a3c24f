"""What the law lets a responsible officer do about a failure to comply (DOMAIN.md 6; TOM
1.4 "Enforcement", "Recalled Offenders"). Pure: facts in, the options out with reasons a
person can read. The enforcement decision page and ``POST
/api/v1/calculations/enforcement-options`` both call ``enforcement_options``.

- Community Order / SSO: a **warning only if no warning was given on that order in the
  previous 12 months** – a warning counts if it was given after the date 12 months before
  the failure (calendar months: a failure on 29 February 2028 looks back to 28 February
  2027) – otherwise a referral to an NPS enforcement officer, with the CRC's pre-breach
  pack. A referral is always open to the officer, warning or not.
- Licence: a warning, or a recall request to PPCS. When the recall comes with a risk
  escalation, an NPS senior manager must endorse it first, unless the officer records that
  the risk is too immediate for that (emergency recall).
- Post-sentence supervision: warnings as many times as needed, or a referral to the NPS,
  who may take it to the magistrates' court.
- Senior Attendance Centre order (fine defaulters): the CRC notifies HMCTS of intended
  enforcement; there is no warning stage.
"""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models

# The law's look-back for a warning on a community order or SSO (DOMAIN.md 6): fixed by
# the operating model, so a constant, not a setting.
WARNING_LOOKBACK_MONTHS = 12


class EnforcedSentence(models.TextChoices):
    COMMUNITY_ORDER = "COMMUNITY_ORDER", "Community Order"
    SUSPENDED_SENTENCE_ORDER = "SUSPENDED_SENTENCE_ORDER", "Suspended Sentence Order"
    LICENCE = "LICENCE", "Licence"
    PSS = "PSS", "Post-sentence supervision"
    SENIOR_ATTENDANCE_CENTRE = "SENIOR_ATTENDANCE_CENTRE", "Senior Attendance Centre order"


class ReferralTo(models.TextChoices):
    NPS_ENFORCEMENT_OFFICER = "NPS_ENFORCEMENT_OFFICER", "NPS enforcement officer"
    PPCS = "PPCS", "Public Protection Casework Section (recall)"
    HMCTS = "HMCTS", "HM Courts & Tribunals Service"


@dataclass(frozen=True)
class EnforcementFacts:
    sentence_type: str
    failure_date: datetime.date
    previous_warnings: tuple[datetime.date, ...] = ()
    linked_risk_escalation: bool = False
    immediate_risk: bool = False


@dataclass(frozen=True)
class EnforcementOptions:
    warning_allowed: bool
    referral_to: str
    nps_endorsement_required: bool
    reasons: list[str] = field(default_factory=list)


def warning_window_start(failure_date: datetime.date) -> datetime.date:
    """The date 12 months before the failure: warnings given after it count."""
    return failure_date - relativedelta(months=WARNING_LOOKBACK_MONTHS)


def warnings_in_window(
    failure_date: datetime.date, warnings: tuple[datetime.date, ...]
) -> list[datetime.date]:
    """The warnings that bar another warning on a CO/SSO for this failure."""
    start = warning_window_start(failure_date)
    return sorted(w for w in warnings if start < w <= failure_date)


def validate(facts: EnforcementFacts) -> None:
    errors = {}
    if facts.sentence_type not in EnforcedSentence.values:
        errors["sentence_type"] = f"Unknown sentence type {facts.sentence_type!r}"
    later = [w for w in facts.previous_warnings if w > facts.failure_date]
    if later:
        errors["previous_warnings"] = (
            f"A warning cannot be dated after the failure ({later[0]:%-d %B %Y} is after "
            f"{facts.failure_date:%-d %B %Y})"
        )
    if errors:
        raise ValidationError(errors)


def enforcement_options(facts: EnforcementFacts) -> EnforcementOptions:
    """The options the law allows for this failure (see the module docstring). Raises
    ``ValidationError`` for facts that cannot be true."""
    validate(facts)
    kind = facts.sentence_type
    if kind in (EnforcedSentence.COMMUNITY_ORDER, EnforcedSentence.SUSPENDED_SENTENCE_ORDER):
        barring = warnings_in_window(facts.failure_date, facts.previous_warnings)
        start = warning_window_start(facts.failure_date)
        if barring:
            reasons = [
                f"A warning was given on this order on {barring[-1]:%-d %B %Y}, within the 12 "
                f"months before the failure (after {start:%-d %B %Y}): no further warning is "
                "allowed.",
                "Refer the breach to an NPS enforcement officer with the pre-breach pack.",
            ]
        else:
            reasons = [
                f"No warning on this order after {start:%-d %B %Y} (12 months before the "
                "failure): a warning is allowed.",
                "Or refer the breach to an NPS enforcement officer with the pre-breach pack.",
            ]
        return EnforcementOptions(
            warning_allowed=not barring,
            referral_to=ReferralTo.NPS_ENFORCEMENT_OFFICER,
            nps_endorsement_required=False,
            reasons=reasons,
        )
    if kind == EnforcedSentence.LICENCE:
        endorse = facts.linked_risk_escalation and not facts.immediate_risk
        reasons = ["On licence: give a warning, or request recall from PPCS."]
        if endorse:
            reasons.append(
                "The recall comes with a risk escalation: an NPS senior manager must endorse "
                "it before it goes to PPCS."
            )
        elif facts.linked_risk_escalation:
            reasons.append(
                "The risk is too immediate to wait for endorsement: an emergency recall goes "
                "straight to PPCS, with the risk escalation in parallel."
            )
        return EnforcementOptions(
            warning_allowed=True,
            referral_to=ReferralTo.PPCS,
            nps_endorsement_required=endorse,
            reasons=reasons,
        )
    if kind == EnforcedSentence.PSS:
        return EnforcementOptions(
            warning_allowed=True,
            referral_to=ReferralTo.NPS_ENFORCEMENT_OFFICER,
            nps_endorsement_required=False,
            reasons=[
                "Post-sentence supervision: a warning may be given as many times as needed.",
                "Or refer to the NPS, who may take it to the magistrates' court.",
            ],
        )
    return EnforcementOptions(
        warning_allowed=False,
        referral_to=ReferralTo.HMCTS,
        nps_endorsement_required=False,
        reasons=[
            "Senior Attendance Centre order for a fine defaulter: notify HMCTS of the intended "
            "enforcement."
        ],
    )
