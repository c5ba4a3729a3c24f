"""Community Order and SSO validation, and which orders probation manages (DOMAIN.md 2, 3)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from probation.orders import (
    OrderFacts,
    OrderType,
    Requirement,
    order_management,
    validate_order,
)

D = datetime.date
CO, SSO = OrderType.COMMUNITY_ORDER, OrderType.SUSPENDED_SENTENCE_ORDER
UPW = Requirement("UNPAID_WORK", unpaid_work_hours=100)
RAR = Requirement("REHABILITATION_ACTIVITY", rar_max_days=20)
CURFEW_EM = Requirement("CURFEW_EM", curfew_hours_per_day=8)


def facts(**changes):
    base = dict(
        order_type=CO,
        sentence_date=D(2016, 6, 1),
        offence_date=D(2016, 5, 1),
        date_of_birth=D(1991, 6, 2),  # 24, the eve of their 25th birthday
        requirements=(UPW,),
        supervision_months=0,
    )
    return OrderFacts(**{**base, **changes})


def errors_of(order):
    try:
        validate_order(order)
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (facts(order_type=SSO, requirements=(UPW,), supervision_months=6), None),
        (facts(order_type=SSO, supervision_months=5, supervision_days=29), "supervision_months"),
        (facts(order_type=SSO, supervision_months=24), None),
        (facts(order_type=SSO, supervision_months=24, supervision_days=1), "supervision_months"),
        (facts(order_type=SSO, supervision_months=0), "supervision_months"),
        (facts(requirements=()), "requirements"),
        (facts(requirements=(RAR,)), "requirements"),
        (facts(requirements=(RAR,), fine_imposed=True), None),
        (facts(requirements=(RAR,), offence_date=D(2013, 12, 10)), None),
        (facts(requirements=(RAR,), offence_date=D(2013, 12, 11)), "requirements"),
        (facts(requirements=(RAR, CURFEW_EM)), None),
        (facts(requirements=(UPW, Requirement("ATTENDANCE_CENTRE"))), None),
        (
            facts(
                requirements=(UPW, Requirement("ATTENDANCE_CENTRE")), date_of_birth=D(1991, 6, 1)
            ),
            "requirements",
        ),
        (
            facts(requirements=(Requirement("UNPAID_WORK", unpaid_work_hours=39),)),
            "unpaid_work_hours",
        ),
        (facts(requirements=(Requirement("UNPAID_WORK", unpaid_work_hours=40),)), None),
        (facts(requirements=(Requirement("UNPAID_WORK", unpaid_work_hours=300),)), None),
        (
            facts(requirements=(Requirement("UNPAID_WORK", unpaid_work_hours=301),)),
            "unpaid_work_hours",
        ),
        (
            facts(requirements=(Requirement("CURFEW", curfew_hours_per_day=1),)),
            "curfew_hours_per_day",
        ),
        (facts(requirements=(Requirement("CURFEW", curfew_hours_per_day=16),)), None),
        (
            facts(requirements=(Requirement("CURFEW_EM", curfew_hours_per_day=17),)),
            "curfew_hours_per_day",
        ),
        (facts(requirements=(UPW, Requirement("REHABILITATION_ACTIVITY"))), "rar_max_days"),
        (facts(requirements=(UPW, UPW)), "requirements"),
        (facts(requirements=(Requirement("TELEPATHY"),)), "requirements"),
        (facts(offence_date=D(2016, 6, 2)), "offence_date"),
    ],
    ids=[
        "sso-6-months",
        "sso-a-day-short-of-6-months",
        "sso-2-years",
        "sso-2-years-and-a-day",
        "sso-no-supervision-period",
        "co-without-requirements",
        "no-punitive-element",
        "fine-is-the-punitive-element",
        "offence-day-before-punitive-rule",
        "offence-on-punitive-rule-commencement",
        "em-curfew-is-punitive",
        "attendance-centre-aged-24",
        "attendance-centre-25th-birthday-on-sentence",
        "unpaid-work-39-hours",
        "unpaid-work-40-hours",
        "unpaid-work-300-hours",
        "unpaid-work-301-hours",
        "curfew-1-hour",
        "curfew-16-hours",
        "em-curfew-17-hours",
        "rar-without-maximum-days",
        "same-requirement-twice",
        "unknown-code",
        "offence-after-sentence",
    ],
)
def test_order_validation(order, field):
    errors = errors_of(order)
    if field is None:
        assert errors == {}
    else:
        assert field in errors, errors


@pytest.mark.parametrize(
    ("order", "code", "managed"),
    [
        (
            facts(order_type=SSO, requirements=(), supervision_months=12),
            "SSO_WITHOUT_REQUIREMENTS",
            False,
        ),
        (facts(requirements=(CURFEW_EM,)), "EM_ONLY", False),
        (
            facts(
                requirements=(CURFEW_EM, Requirement("EXCLUSION_EM"), Requirement("LOCATION_EM"))
            ),
            "EM_ONLY",
            False,
        ),
        (facts(requirements=(CURFEW_EM, RAR)), "MANAGED", True),
        (facts(requirements=(Requirement("CURFEW", curfew_hours_per_day=8),)), "MANAGED", True),
        (facts(order_type=SSO, requirements=(UPW,), supervision_months=12), "MANAGED", True),
    ],
    ids=[
        "sso-no-requirements",
        "em-curfew-only",
        "all-em-forms",
        "em-plus-rar",
        "unmonitored-curfew",
        "sso-with-unpaid-work",
    ],
)
def test_which_orders_probation_manages(order, code, managed):
    decision = order_management(order)
    assert (decision.code, decision.managed) == (code, managed)
    assert decision.reason
