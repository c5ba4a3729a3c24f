"""The dashboard measures beyond the contracts' service levels (issue 9 part 1): volumes,
allocation, risk escalation, enforcement, transfers and payment. Each is a ``Measure``
(``performance.base``) whose query returns one month's case rows of everyone, set-wise;
``performance.measures`` explains how a figure is made from them.

The queries live by topic: ``definitions_volumes`` (starts, caseload),
``definitions_referrals`` (allocation, escalation, enforcement, transfers),
``definitions_money`` (the ledger), with the row helpers they share in
``definitions_cases``. Each numerator and denominator text says exactly what is counted.

What the platform does not record, and so no measure here reports: victims' satisfaction,
timely advice to court (pre-sentence reports), and PPCS's own recall decisions as a
provider's performance (PPCS is part of NOMS).
"""

from django.conf import settings

from performance import definitions_money as money
from performance import definitions_referrals as referrals
from performance import definitions_volumes as volumes
from performance.base import (
    ALLOCATION,
    ENFORCEMENT,
    LDU,
    PAYMENT,
    PROVIDER,
    RISK,
    TRANSFERS,
    VOLUMES,
    Kind,
    Measure,
)

SENTENCE_TYPE = "Sentence type"
CASELOAD_TEXT = "Sentences under supervision on the month's last day (CASELOAD)"

MEASURES: tuple[Measure, ...] = (
    # --- Volumes ---------------------------------------------------------------------------
    Measure(
        code="STARTS",
        name="Starts",
        topic=VOLUMES,
        kind=Kind.COUNT,
        numerator="Community Orders and Suspended Sentence Orders sentenced in the month, "
        "and custodial sentences released in the month onto licence or post-sentence "
        "supervision, that probation manages (the cases of the first appointment service "
        "level), counted for the person's responsible provider",
        denominator="",
        cases=volumes.starts,
        breakdown=SENTENCE_TYPE,
    ),
    Measure(
        code="CASELOAD",
        name="Caseload",
        topic=VOLUMES,
        kind=Kind.COUNT,
        numerator="Sentences probation manages under supervision on the month's last day: "
        "Community Orders and Suspended Sentence Orders begun and not ended, and released "
        "custodial sentences on licence or post-sentence supervision that day, none "
        "terminated before it; counted for the provider whose offender manager held the "
        "case at the end of that day, in the person's LDU then",
        denominator="",
        cases=volumes.caseload,
        breakdown=SENTENCE_TYPE,
        stock=True,
    ),
    # --- Allocation ------------------------------------------------------------------------
    Measure(
        code="ALLOCATED_IN_ONE_DAY",
        name="Allocated within one business day",
        topic=ALLOCATION,
        kind=Kind.SHARE,
        numerator="Allocated by the NPS on or before the due date (one business day after "
        "the sentence, or after the referral for a transfer in, a transfer into custody or "
        "a youth to adult transition)",
        denominator="Sentences whose allocation fell due in the month: those allocated, and "
        "those still unallocated after the due date (counted as missed), for the NPS "
        "division that decided",
        cases=referrals.allocated_in_one_day,
        higher_is_better=True,
        comparable=True,
    ),
    Measure(
        code="ALLOCATED_TO_NPS",
        name="Sentences allocated to the NPS",
        topic=ALLOCATION,
        kind=Kind.SHARE,
        numerator="Allocated to the NPS",
        denominator="First allocation decisions made in the month (not reallocations in "
        "error or moves with a concurrent order), counted for the CRC of the Contract "
        "Package Area of the person's LDU",
        cases=referrals.allocated_to_nps,
        levels=(PROVIDER, LDU),
        comparable=True,
    ),
    # --- Risk escalation -------------------------------------------------------------------
    Measure(
        code="ESCALATIONS",
        name="Risk escalations per 100 cases",
        topic=RISK,
        kind=Kind.PER_100,
        numerator="Risk escalation referrals a CRC made to the NPS in the month, whatever "
        "became of them",
        denominator=CASELOAD_TEXT,
        cases=referrals.escalations,
        denominator_from="CASELOAD",
        levels=(PROVIDER,),
        comparable=True,
    ),
    Measure(
        code="ESCALATION_RESPONSES_ON_TIME",
        name="Risk escalations decided on time",
        topic=RISK,
        kind=Kind.SHARE,
        numerator="Decided within the deadline "
        f"({settings.RISK_ESCALATION_DECISION_BUSINESS_DAYS} business days after the "
        f"referral; {settings.IMMEDIATE_RISK_DECISION_BUSINESS_DAYS}, the same day, for an "
        "immediate risk)",
        denominator="The NPS's decisions in the month on risk escalation referrals (risk "
        "high or not high; withdrawn referrals are not decisions), for the division that "
        "decided",
        cases=referrals.escalation_responses,
        higher_is_better=True,
        comparable=True,
    ),
    # --- Enforcement -----------------------------------------------------------------------
    Measure(
        code="BREACH_REFERRALS",
        name="Breach referrals per 100 cases",
        topic=ENFORCEMENT,
        kind=Kind.PER_100,
        numerator="Responsible officers' decisions in the month to refer a failure to "
        "comply to an NPS enforcement officer, counted for the provider whose decision it "
        "was",
        denominator=CASELOAD_TEXT,
        cases=referrals.breach_referrals,
        denominator_from="CASELOAD",
        comparable=True,
    ),
    Measure(
        code="RECALL_REQUESTS",
        name="Recall requests per 100 cases",
        topic=ENFORCEMENT,
        kind=Kind.PER_100,
        numerator="Recall requests made to PPCS in the month (after a failure to comply or "
        "with a risk escalation), counted for the provider of the officer who requested",
        denominator=CASELOAD_TEXT,
        cases=referrals.recall_requests,
        denominator_from="CASELOAD",
        comparable=True,
    ),
    Measure(
        code="BREACH_RESPONSES_ON_TIME",
        name="Breach referrals decided on time",
        topic=ENFORCEMENT,
        kind=Kind.SHARE,
        numerator=f"Decided within {settings.BREACH_DECISION_BUSINESS_DAYS} business days "
        "of the referral (or of its return to the enforcement officer)",
        denominator="NPS enforcement officers' decisions in the month on breach referrals "
        "(court action, no further action, or returned with advice), for the division that "
        "decided",
        cases=referrals.breach_responses,
        higher_is_better=True,
        comparable=True,
    ),
    Measure(
        code="RECALL_ENDORSEMENTS_ON_TIME",
        name="Recall requests endorsed on time",
        topic=ENFORCEMENT,
        kind=Kind.SHARE,
        numerator=f"Decided within {settings.RECALL_ENDORSEMENT_BUSINESS_DAYS} business "
        "day of the request",
        denominator="NPS senior managers' decisions in the month to endorse, or not, "
        "recall requests that came with a risk escalation, for the division that decided",
        cases=referrals.recall_endorsements,
        higher_is_better=True,
        comparable=True,
    ),
    # --- Transfers -------------------------------------------------------------------------
    Measure(
        code="TRANSFERS_OUT",
        name="Transfers out per 100 cases",
        topic=TRANSFERS,
        kind=Kind.PER_100,
        numerator="Transfers accepted in the month that moved a case to another Contract "
        "Package Area or provider, counted for the provider and LDU the case left",
        denominator=CASELOAD_TEXT,
        cases=referrals.transfers_out,
        denominator_from="CASELOAD",
        comparable=True,
    ),
    # --- Contract and payment --------------------------------------------------------------
    Measure(
        code="PAYMENTS_TO_DATE",
        name="Paid to date of the Maximum Annual Payment",
        topic=PAYMENT,
        kind=Kind.MONEY,
        numerator="Pennies NOMS paid the CRC under its contract from the contract year's "
        "first month up to and including this month: fee for service, its reconciliation "
        "and payment by results, less service credits (ledger lines paid by NOMS, "
        "corrections included; fee for use and attendance centre hours, paid by others, "
        "left out)",
        denominator="The contract year's Maximum Annual Payment, in pennies",
        figures=money.payments_to_date,
        levels=(PROVIDER,),
    ),
    Measure(
        code="SERVICE_CREDITS",
        name="Service credits of the monthly fee",
        topic=PAYMENT,
        kind=Kind.MONEY,
        numerator="Pennies deducted as service credits for the month's missed service "
        "levels (ledger lines of the month, corrections included)",
        denominator="The month's fee-for-service instalment, in pennies (months already paid only)",
        figures=money.service_credits,
        levels=(PROVIDER,),
        higher_is_better=False,
    ),
)
