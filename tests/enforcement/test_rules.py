"""The enforcement options the law allows (DOMAIN.md 6), at their boundaries, and the same
rule through ``POST /api/v1/calculations/enforcement-options``."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from enforcement.rules import (
    EnforcementFacts,
    enforcement_options,
    warning_window_start,
)
from tests.probation.factories import api_client

D = datetime.date
FAILURE = D(2026, 11, 23)


def options(sentence_type="COMMUNITY_ORDER", failure=FAILURE, warnings=(), **kw):
    return enforcement_options(
        EnforcementFacts(
            sentence_type=sentence_type,
            failure_date=failure,
            previous_warnings=tuple(warnings),
            **kw,
        )
    )


# --- community orders and SSOs: one warning in 12 months ----------------------------------


@pytest.mark.parametrize("sentence_type", ["COMMUNITY_ORDER", "SUSPENDED_SENTENCE_ORDER"])
def test_a_first_failure_may_be_warned(sentence_type):
    result = options(sentence_type)
    assert result.warning_allowed and result.referral_to == "NPS_ENFORCEMENT_OFFICER"
    assert not result.nps_endorsement_required


def test_a_warning_12_months_ago_to_the_day_no_longer_counts():
    assert options(failure=D(2026, 11, 23), warnings=[D(2025, 11, 23)]).warning_allowed


def test_a_warning_a_day_later_bars_another():
    result = options(failure=D(2026, 11, 23), warnings=[D(2025, 11, 24)])
    assert not result.warning_allowed
    assert result.referral_to == "NPS_ENFORCEMENT_OFFICER"
    assert "24 November 2025" in result.reasons[0]


def test_warnings_364_and_366_days_before():
    failure = D(2026, 11, 23)
    assert not options(
        failure=failure, warnings=[failure - datetime.timedelta(364)]
    ).warning_allowed
    assert options(failure=failure, warnings=[failure - datetime.timedelta(366)]).warning_allowed


def test_a_warning_on_the_day_of_the_failure_counts():
    assert not options(failure=D(2026, 11, 23), warnings=[D(2026, 11, 23)]).warning_allowed


@pytest.mark.parametrize(
    ("failure", "oldest_counting"),
    [
        # 12 months before 29 February 2028 is 28 February 2027: 1 March 2027 counts.
        (D(2028, 2, 29), D(2027, 3, 1)),
        # 12 months before 28 February 2029 is 28 February 2028: 29 February 2028 counts.
        (D(2029, 2, 28), D(2028, 2, 29)),
        # 12 months before 1 March 2028 is 1 March 2027.
        (D(2028, 3, 1), D(2027, 3, 2)),
    ],
)
def test_the_12_months_across_a_leap_day(failure, oldest_counting):
    day_before = oldest_counting - datetime.timedelta(days=1)
    assert not options(failure=failure, warnings=[oldest_counting]).warning_allowed
    assert options(failure=failure, warnings=[day_before]).warning_allowed


@given(
    failure=st.dates(min_value=D(2014, 1, 1), max_value=D(2035, 12, 31)),
    days_before=st.integers(min_value=0, max_value=800),
)
def test_a_warning_bars_another_exactly_when_after_the_date_12_months_before(failure, days_before):
    warning = failure - datetime.timedelta(days=days_before)
    window_start = failure - relativedelta(months=12)
    assert warning_window_start(failure) == window_start
    assert options(failure=failure, warnings=[warning]).warning_allowed == (warning <= window_start)


# --- licence, PSS and SAC -------------------------------------------------------------------


def test_licence_recall_with_a_risk_escalation_needs_nps_endorsement():
    result = options("LICENCE", linked_risk_escalation=True)
    assert result.referral_to == "PPCS" and result.nps_endorsement_required
    assert result.warning_allowed


def test_an_emergency_recall_needs_no_endorsement():
    result = options("LICENCE", linked_risk_escalation=True, immediate_risk=True)
    assert result.referral_to == "PPCS" and not result.nps_endorsement_required
    assert "emergency recall" in " ".join(result.reasons)


def test_a_licence_recall_without_escalation_goes_straight_to_ppcs():
    result = options("LICENCE", warnings=[D(2026, 10, 1)])
    assert result.warning_allowed and not result.nps_endorsement_required


def test_pss_allows_a_second_warning_within_12_months():
    result = options("PSS", warnings=[D(2026, 9, 1), D(2026, 10, 1)])
    assert result.warning_allowed and result.referral_to == "NPS_ENFORCEMENT_OFFICER"


def test_a_sac_order_is_notified_to_hmcts():
    result = options("SENIOR_ATTENDANCE_CENTRE")
    assert result.referral_to == "HMCTS" and not result.warning_allowed


# --- impossible facts -----------------------------------------------------------------------


def test_a_warning_after_the_failure_is_refused():
    with pytest.raises(ValidationError) as refused:
        options(failure=D(2026, 11, 23), warnings=[D(2026, 11, 24)])
    assert "previous_warnings" in refused.value.message_dict


def test_an_unknown_sentence_type_is_refused():
    with pytest.raises(ValidationError) as refused:
        options("CAUTION")
    assert "sentence_type" in refused.value.message_dict


# --- the endpoint ---------------------------------------------------------------------------


@pytest.fixture
def api(db):
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


URL = "/api/v1/calculations/enforcement-options"


def test_the_endpoint_gives_the_rule_s_answer(api):
    body = api.post(
        URL,
        {
            "sentence_type": "COMMUNITY_ORDER",
            "failure_date": "2026-11-23",
            "previous_warnings": ["2025-11-24"],
        },
        format="json",
    ).json()
    assert body["warning_allowed"] is False
    assert body["referral_to"] == "NPS_ENFORCEMENT_OFFICER"
    assert body["nps_endorsement_required"] is False
    assert body["reasons"] == options(warnings=[D(2025, 11, 24)]).reasons


@pytest.mark.parametrize(
    ("failure_date", "warnings"),
    [("0001-01-01", []), ("2026-11-23", ["0001-03-01"]), ("9999-12-31", [])],
)
def test_a_date_outside_the_calendar_is_a_400_not_a_500(api, failure_date, warnings):
    """The 12-month look-back from the first year of the calendar has nowhere to go."""
    response = api.post(
        URL,
        {
            "sentence_type": "COMMUNITY_ORDER",
            "failure_date": failure_date,
            "previous_warnings": warnings,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].startswith(
        "failure_date" if not warnings else "previous_warnings"
    )


def test_the_endpoint_says_when_endorsement_is_needed(api):
    body = api.post(
        URL,
        {"sentence_type": "LICENCE", "failure_date": "2026-11-23", "linked_risk_escalation": True},
        format="json",
    ).json()
    assert body["referral_to"] == "PPCS" and body["nps_endorsement_required"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sentence_type": "CAUTION", "failure_date": "2026-11-23"}, "sentence_type"),
        (
            {
                "sentence_type": "COMMUNITY_ORDER",
                "failure_date": "2026-11-23",
                "previous_warnings": ["2026-11-24"],
            },
            "previous_warnings",
        ),
        ({"sentence_type": "PSS", "failure_date": "23/11/2026"}, "failure_date"),
        ({"sentence_type": "PSS"}, "failure_date"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, payload, field):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in {error["attr"] for error in response.json()["errors"]}


def test_the_endpoint_needs_a_signed_in_client(db):
    response = APIClient().post(
        URL, {"sentence_type": "PSS", "failure_date": "2026-11-23"}, format="json"
    )
    assert response.status_code in (401, 403)
