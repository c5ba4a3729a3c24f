"""The allocation rules (DOMAIN.md 4): every rule at its boundaries, the traps the issue
names, the one-business-day deadline across bank holidays, and the calculation endpoint
giving the same decision as the rules module for the same facts."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from allocation.rules import AllocationFacts, Area, allocate, due_by
from probation.calendar import is_business_day
from tests.probation.factories import api_client

D = datetime.date
WALES = Area(ldu="LDU1101", crc="CRC11", division="NPS-WAL")


def facts(**changes) -> AllocationFacts:
    base = dict(
        sentence_type="COMMUNITY_ORDER",
        sentence_date=D(2026, 11, 23),
        area=WALES,
        requirements=("UNPAID_WORK",),
        rosh="MEDIUM",
    )
    return AllocationFacts(**{**base, **changes})


def outcome(**changes):
    decision = allocate(facts(**changes))
    return decision.decision, decision.rule, decision.organisation


# --- The deadline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentenced", "due"),
    [
        (D(2026, 12, 24), D(2026, 12, 29)),  # Christmas, Boxing Day substitute Monday 28th
        (D(2026, 4, 2), D(2026, 4, 7)),  # Good Friday 3rd, Easter Monday 6th
        (D(2026, 11, 23), D(2026, 11, 24)),  # an ordinary Monday
        (D(2026, 11, 27), D(2026, 11, 30)),  # Friday -> Monday
        (D(2026, 11, 28), D(2026, 11, 30)),  # sentenced on a Saturday -> Monday
    ],
)
def test_due_one_business_day_after_sentence(sentenced, due):
    assert due_by(sentenced) == due
    assert allocate(facts(sentence_date=sentenced)).due_by == due


@given(st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31)))
def test_due_date_is_the_next_business_day(sentenced):
    due = due_by(sentenced)
    assert due > sentenced and is_business_day(due)
    gap = (due - sentenced).days
    assert not any(is_business_day(sentenced + datetime.timedelta(days=n)) for n in range(1, gap))


# --- Orders probation does not manage ----------------------------------------------------


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (("CURFEW_EM",), ("EM_PROVIDER", "EM_ONLY", None)),
        (("CURFEW_EM", "EXCLUSION_EM", "LOCATION_EM"), ("EM_PROVIDER", "EM_ONLY", None)),
        (("CURFEW_EM", "UNPAID_WORK"), ("CRC", "HOME_CPA_CRC", "CRC11")),
        (("CURFEW",), ("CRC", "HOME_CPA_CRC", "CRC11")),  # not monitored: probation manages
    ],
)
def test_em_only_orders_go_to_the_em_provider(requirements, expected):
    assert outcome(requirements=requirements) == expected
    assert outcome(sentence_type="SUSPENDED_SENTENCE_ORDER", requirements=requirements) == (
        expected
    )


def test_sso_without_requirements_is_not_managed():
    assert outcome(sentence_type="SUSPENDED_SENTENCE_ORDER", requirements=()) == (
        "NOT_MANAGED",
        "SSO_WITHOUT_REQUIREMENTS",
        None,
    )
    decision = allocate(facts(sentence_type="SUSPENDED_SENTENCE_ORDER", requirements=()))
    assert not decision.pbr_cohort


# --- NPS retention ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"current_manager": "NPS"}, "EXISTING_NPS_CASE"),
        ({"mappa": True}, "MAPPA"),
        ({"rosh": "HIGH"}, "HIGH_ROSH"),
        ({"rosh": "VERY_HIGH"}, "HIGH_ROSH"),
        ({"public_interest": "Prominent local councillor"}, "PUBLIC_INTEREST"),
        ({"previously_escalated_to_nps": True, "rosh": "LOW"}, "PREVIOUSLY_ESCALATED"),
        (
            {"sentence_type": "CUSTODY", "indeterminate": True, "requirements": ()},
            "INDETERMINATE",
        ),
        (
            {
                "sentence_type": "CUSTODY",
                "custodial_term_months": 12,
                "foreign_national": True,
                "requirements": (),
            },
            "FOREIGN_NATIONAL",
        ),
        ({"sentence_type": "DEFERRED", "requirements": ()}, "DEFERRED_SENTENCE"),
    ],
)
def test_the_nps_keeps(changes, rule):
    decision = allocate(facts(**changes))
    assert (decision.decision, decision.rule, decision.organisation) == ("NPS", rule, "NPS-WAL")
    assert not decision.pbr_cohort and not decision.moves_existing_sentences
    assert decision.reasons


@pytest.mark.parametrize(
    "changes",
    [
        {"rosh": "MEDIUM"},
        {"rosh": "LOW"},
        {"rosh": None},
        {"public_interest": "   "},  # a blank reason is no reason
        {"sentence_type": "CUSTODY", "custodial_term_months": 24, "requirements": ()},
        {"sentence_type": "CUSTODY", "custodial_term_months": 11, "foreign_national": True},
        {"foreign_national": True},  # a community order: no deportation criteria
    ],
)
def test_everything_else_goes_to_the_home_cpa_crc(changes):
    decision = allocate(facts(**changes))
    assert (decision.decision, decision.rule, decision.organisation) == (
        "CRC",
        "HOME_CPA_CRC",
        "CRC11",
    )
    assert decision.pbr_cohort


def test_foreign_national_under_12_months_goes_to_a_crc_despite_five_year_aggregate():
    decision = allocate(
        facts(
            sentence_type="CUSTODY",
            custodial_term_months=11,
            foreign_national=True,
            aggregate_custody_last_5_years_months=30,
            requirements=(),
        )
    )
    assert (decision.decision, decision.organisation) == ("CRC", "CRC11")
    assert any("five years" in reason for reason in decision.reasons)


def test_rule_order_mappa_before_high_rosh():
    assert outcome(mappa=True, rosh="VERY_HIGH")[1] == "MAPPA"


def test_concurrent_order_on_a_crc_case_moves_both_sentences_to_the_nps():
    decision = allocate(facts(current_manager="CRC11", rosh="HIGH"))
    assert (decision.decision, decision.rule) == ("NPS", "CONCURRENT_ORDER")
    assert decision.moves_existing_sentences
    assert any("High" in r or "high" in r for r in decision.reasons)


def test_concurrent_order_without_an_nps_rule_stays_with_the_crc():
    decision = allocate(facts(current_manager="CRC20"))
    assert (decision.decision, decision.rule, decision.organisation) == (
        "CRC",
        "EXISTING_CRC_CASE",
        "CRC20",
    )
    assert not decision.moves_existing_sentences


def test_sac_fine_defaulter_goes_to_the_crc_outside_pbr():
    decision = allocate(facts(sentence_type="SENIOR_ATTENDANCE_CENTRE", requirements=()))
    assert (decision.decision, decision.rule, decision.organisation) == (
        "CRC",
        "SAC_FINE_DEFAULTER",
        "CRC11",
    )
    assert not decision.pbr_cohort


# --- RSR and clinical judgement -----------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "rosh", "required"),
    [
        (6.9, "MEDIUM", True),
        (6.89, "MEDIUM", False),
        (25.0, "LOW", True),
        (3.0, "MEDIUM", False),
        (None, "MEDIUM", False),
    ],
)
def test_high_rsr_below_high_rosh_needs_a_recorded_judgement(score, rosh, required):
    decision = allocate(facts(rsr_score=score, rosh=rosh))
    assert decision.decision == "CRC"
    assert decision.judgement_required is required


def test_high_rsr_with_high_rosh_is_simply_nps():
    decision = allocate(facts(rsr_score=9.0, rosh="HIGH"))
    assert (decision.decision, decision.judgement_required) == ("NPS", False)


def test_rsr_thresholds_are_settings(settings):
    settings.RSR_HIGH_THRESHOLD = 8.0
    assert not allocate(facts(rsr_score=7.0)).judgement_required
    assert allocate(facts(rsr_score=8.0)).judgement_required


# --- The endpoint -------------------------------------------------------------------------


@pytest.fixture
def api(db):
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


URL = "/api/v1/calculations/allocation"
BODY = {
    "sentence_type": "COMMUNITY_ORDER",
    "sentence_date": "2026-12-24",
    "requirements": ["UNPAID_WORK", "REHABILITATION_ACTIVITY"],
    "home_ldu": "LDU1101",
    "rosh": "MEDIUM",
    "rsr_score": 7.1,
}


def test_endpoint_gives_the_rules_decision(api):
    response = api.post(URL, BODY, format="json")
    assert response.status_code == 200, response.json()
    expected = allocate(
        facts(
            sentence_date=D(2026, 12, 24),
            requirements=("UNPAID_WORK", "REHABILITATION_ACTIVITY"),
            rsr_score=7.1,
        )
    )
    body = response.json()
    assert body["decision"] == expected.decision == "CRC"
    assert body["rule"] == expected.rule
    assert body["organisation"] == "CRC11"
    assert body["judgement_required"] is True
    assert body["due_by"] == "2026-12-29"
    assert body["reasons"] == expected.reasons


def test_endpoint_no_fixed_abode_uses_the_court_ldu(api):
    from probation.models import Organisation

    london = Organisation.objects.filter(kind="LDU", crc__code="CRC20").order_by("code").first()
    body = {**BODY, "home_ldu": None, "court_ldu": london.code, "rsr_score": None}
    response = api.post(URL, body, format="json")
    assert response.json()["organisation"] == "CRC20"
    nps = api.post(URL, {**body, "mappa": True}, format="json").json()
    assert (nps["decision"], nps["organisation"]) == ("NPS", "NPS-LON")


@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"home_ldu": None}, "home_ldu"),
        ({"home_ldu": "LDU9999"}, "home_ldu"),
        ({"requirements": ["FLYING"]}, "requirements.0"),
        ({"sentence_type": "PROBATION"}, "sentence_type"),
        ({"rsr_score": 101}, "rsr_score"),
        ({"rosh": "EXTREME"}, "rosh"),
        ({"current_manager": "CRC99"}, "current_manager"),
        ({"sentence_type": "CUSTODY", "requirements": []}, "custodial_term_months"),
        ({"custodial_term_months": -1}, "custodial_term_months"),
        ({"sentence_date": "24/12/2026"}, "sentence_date"),
    ],
)
def test_endpoint_bad_input_is_a_400_naming_the_field(api, changes, attr):
    response = api.post(URL, {**BODY, **changes}, format="json")
    assert response.status_code == 400, response.json()
    assert attr in {error["attr"] for error in response.json()["errors"]}
