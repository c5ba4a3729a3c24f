"""Release, licence and post-sentence supervision periods (DOMAIN.md 3; ORA 2014)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from probation.supervision import CustodialFacts, age_on, supervision_periods
from tests.probation.factories import api_client

D = datetime.date
ADULT = D(1980, 1, 1)
COMMENCEMENT = D(2015, 2, 1)
BEFORE = D(2015, 1, 31)  # the day before the Offender Rehabilitation Act's commencement
ONE_DAY = datetime.timedelta(days=1)

# (id, facts, rule, SED, CRD, release, licence start, licence end, PSS start, PSS end, end)
CASES = [
    (
        "term-1-day-nothing",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 2, 1), term_days=1),
        "ONE_DAY_TERM",
        (D(2016, 3, 1), D(2016, 3, 2), D(2016, 3, 2), None, None, None, None, None),
    ),
    (
        "term-2-days-licence-then-pss",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 2, 1), term_days=2),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2016, 3, 2),
            D(2016, 3, 2),
            D(2016, 3, 2),
            D(2016, 3, 2),
            D(2016, 3, 2),
            D(2016, 3, 3),
            D(2017, 3, 1),
            D(2017, 3, 1),
        ),
    ),
    (
        "term-8-months-crd-estimated-at-half",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 10), term_months=8),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2016, 10, 31),
            D(2016, 7, 2),
            D(2016, 7, 2),
            D(2016, 7, 2),
            D(2016, 10, 31),
            D(2016, 11, 1),
            D(2017, 7, 1),
            D(2017, 7, 1),
        ),
    ),
    (
        "term-8-months-hdc-moves-licence-start-not-pss-end",
        dict(
            sentence_date=D(2016, 3, 1),
            offence_date=D(2016, 1, 10),
            term_months=8,
            hdc_release_date=D(2016, 5, 20),
        ),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2016, 10, 31),
            D(2016, 7, 2),
            D(2016, 5, 20),
            D(2016, 5, 20),
            D(2016, 10, 31),
            D(2016, 11, 1),
            D(2017, 7, 1),
            D(2017, 7, 1),
        ),
    ),
    (
        "term-23-months-pss",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 1), term_months=23),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2018, 1, 31),
            D(2017, 2, 15),
            D(2017, 2, 15),
            D(2017, 2, 15),
            D(2018, 1, 31),
            D(2018, 2, 1),
            D(2018, 2, 14),
            D(2018, 2, 14),
        ),
    ),
    (
        "term-23-months-27-days-a-day-short-of-2-years",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 1), term_months=23, term_days=27),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2018, 2, 27),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2018, 2, 27),
            D(2018, 2, 28),
            D(2018, 2, 28),
            D(2018, 2, 28),
        ),
    ),
    (
        "term-23-months-28-days-is-2-years-licence-only",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 1), term_months=23, term_days=28),
        "ORA_TWO_YEARS_OR_MORE",
        (
            D(2018, 2, 28),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2018, 2, 28),
            None,
            None,
            D(2018, 2, 28),
        ),
    ),
    (
        "term-24-months-licence-only",
        dict(sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 1), term_months=24),
        "ORA_TWO_YEARS_OR_MORE",
        (
            D(2018, 2, 28),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2017, 3, 1),
            D(2018, 2, 28),
            None,
            None,
            D(2018, 2, 28),
        ),
    ),
    (
        "early-crd-from-prison-licence-covers-12-months-no-pss",
        dict(
            sentence_date=D(2016, 3, 1),
            offence_date=D(2016, 1, 1),
            term_months=23,
            conditional_release_date=D(2016, 3, 1),
        ),
        "ORA_UNDER_TWO_YEARS_NO_PSS",
        (
            D(2018, 1, 31),
            D(2016, 3, 1),
            D(2016, 3, 1),
            D(2016, 3, 1),
            D(2018, 1, 31),
            None,
            None,
            D(2018, 1, 31),
        ),
    ),
    (
        "leap-day-sentence-12-months",
        dict(sentence_date=D(2016, 2, 29), offence_date=D(2016, 1, 1), term_months=12),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2017, 2, 27),
            D(2016, 8, 30),
            D(2016, 8, 30),
            D(2016, 8, 30),
            D(2017, 2, 27),
            D(2017, 2, 28),
            D(2017, 8, 29),
            D(2017, 8, 29),
        ),
    ),
    (
        "offence-on-commencement-day-11-months-30-days-pss",
        dict(sentence_date=D(2015, 6, 1), offence_date=COMMENCEMENT, term_months=11, term_days=30),
        "ORA_UNDER_TWO_YEARS",
        (
            D(2016, 5, 30),
            D(2015, 12, 1),
            D(2015, 12, 1),
            D(2015, 12, 1),
            D(2016, 5, 30),
            D(2016, 5, 31),
            D(2016, 11, 30),
            D(2016, 11, 30),
        ),
    ),
    (
        "offence-day-before-commencement-11-months-30-days-adult-nothing",
        dict(sentence_date=D(2015, 6, 1), offence_date=BEFORE, term_months=11, term_days=30),
        "PRE_ORA_UNDER_TWELVE_MONTHS",
        (D(2016, 5, 30), D(2015, 12, 1), D(2015, 12, 1), None, None, None, None, None),
    ),
    (
        "offence-day-before-commencement-12-months-licence-to-sed",
        dict(sentence_date=D(2015, 6, 1), offence_date=BEFORE, term_months=12),
        "PRE_ORA_TWELVE_MONTHS_OR_MORE",
        (
            D(2016, 5, 31),
            D(2015, 12, 1),
            D(2015, 12, 1),
            D(2015, 12, 1),
            D(2016, 5, 31),
            None,
            None,
            D(2016, 5, 31),
        ),
    ),
    (
        "pre-commencement-under-12-months-aged-20-three-months-into-leap-february",
        dict(
            sentence_date=D(2015, 6, 1),
            offence_date=BEFORE,
            term_months=11,
            term_days=30,
            date_of_birth=D(1995, 6, 1),
        ),
        "PRE_ORA_YOUNG_ADULT",
        (D(2016, 5, 30), D(2015, 12, 1), D(2015, 12, 1), None, None, None, None, D(2016, 2, 29)),
    ),
    (
        "pre-commencement-under-12-months-aged-18-three-months",
        dict(
            sentence_date=D(2015, 6, 1),
            offence_date=BEFORE,
            term_months=11,
            term_days=30,
            date_of_birth=D(1997, 12, 1),
        ),
        "PRE_ORA_YOUNG_ADULT",
        (D(2016, 5, 30), D(2015, 12, 1), D(2015, 12, 1), None, None, None, None, D(2016, 2, 29)),
    ),
    (
        "pre-commencement-under-12-months-21st-birthday-on-release-nothing",
        dict(
            sentence_date=D(2015, 6, 1),
            offence_date=BEFORE,
            term_months=11,
            term_days=30,
            date_of_birth=D(1994, 12, 1),
        ),
        "PRE_ORA_UNDER_TWELVE_MONTHS",
        (D(2016, 5, 30), D(2015, 12, 1), D(2015, 12, 1), None, None, None, None, None),
    ),
    (
        "aged-17-on-release-not-adult-probation",
        dict(
            sentence_date=D(2015, 6, 1),
            offence_date=D(2015, 5, 1),
            term_months=11,
            term_days=30,
            date_of_birth=D(1997, 12, 2),
        ),
        "UNDER_18_ON_RELEASE",
        (D(2016, 5, 30), D(2015, 12, 1), D(2015, 12, 1), None, None, None, None, None),
    ),
]

FIELDS = (
    "sentence_expiry_date",
    "conditional_release_date",
    "release_date",
    "licence_start_date",
    "licence_end_date",
    "pss_start_date",
    "pss_end_date",
    "supervision_end_date",
)


@pytest.mark.parametrize(
    ("facts", "rule", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_supervision_period_rules(facts, rule, expected):
    facts = {"date_of_birth": ADULT, **facts}
    periods = supervision_periods(CustodialFacts(**facts), commencement=COMMENCEMENT)
    assert periods.rule == rule
    assert tuple(getattr(periods, name) for name in FIELDS) == expected
    assert periods.managed is (periods.supervision_end_date is not None)
    assert periods.reason


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        (D(2000, 2, 29), D(2018, 2, 28), 17),
        (D(2000, 2, 29), D(2018, 3, 1), 18),
        (D(2000, 2, 29), D(2020, 2, 29), 20),
        (D(1997, 12, 1), D(2015, 12, 1), 18),
        (D(1997, 12, 2), D(2015, 12, 1), 17),
    ],
    ids=["leapling-day-before", "leapling-1-march", "leapling-leap-year", "birthday", "eve"],
)
def test_age_on(dob, day, age):
    assert age_on(dob, day) == age


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (dict(term_months=-1), "term_months"),
        (dict(term_days=-3), "term_days"),
        (dict(term_months=0, term_days=0), "term_days"),
        (dict(offence_date=D(2016, 3, 2)), "offence_date"),
        (dict(date_of_birth=D(2016, 3, 1)), "date_of_birth"),
        (dict(conditional_release_date=D(2016, 11, 1)), "conditional_release_date"),
        (dict(conditional_release_date=D(2016, 2, 29)), "conditional_release_date"),
        (dict(hdc_release_date=D(2016, 7, 2)), "hdc_release_date"),
        (dict(hdc_release_date=D(2016, 11, 1)), "hdc_release_date"),
    ],
    ids=[
        "negative-months",
        "negative-days",
        "no-term",
        "offence-after-sentence",
        "born-after-offence",
        "release-after-expiry",
        "release-before-sentence",
        "hdc-on-crd",
        "hdc-after-expiry",
    ],
)
def test_impossible_input_is_a_validation_error_on_the_field(facts, field):
    base = dict(
        sentence_date=D(2016, 3, 1), offence_date=D(2016, 1, 10), date_of_birth=ADULT, term_months=8
    )
    with pytest.raises(ValidationError) as error:
        supervision_periods(CustodialFacts(**{**base, **facts}), commencement=COMMENCEMENT)
    assert field in error.value.message_dict


dates = st.dates(min_value=D(2015, 2, 1), max_value=D(2030, 12, 31))


@given(
    sentence=dates,
    months=st.integers(min_value=0, max_value=23),
    days=st.integers(min_value=0, max_value=40),
    hdc_days_early=st.integers(min_value=0, max_value=135),
)
def test_post_commencement_short_terms_supervise_twelve_months_from_crd(
    sentence, months, days, hdc_days_early
):
    facts = CustodialFacts(
        sentence_date=sentence,
        offence_date=sentence,
        date_of_birth=ADULT,
        term_months=months,
        term_days=days,
    )
    assume(months or days > 1)
    assume(sentence + relativedelta(months=months, days=days) < sentence + relativedelta(years=2))
    periods = supervision_periods(facts, commencement=COMMENCEMENT)
    assert periods.rule == "ORA_UNDER_TWO_YEARS"
    # PSS never ends before the licence, and follows it without a gap.
    assert periods.licence_start_date <= periods.licence_end_date < periods.pss_start_date
    assert periods.pss_start_date == periods.licence_end_date + ONE_DAY
    assert periods.pss_end_date >= periods.licence_end_date
    # Licence + PSS = 12 months from release.
    crd = periods.conditional_release_date
    assert periods.supervision_end_date == crd + relativedelta(months=12) - ONE_DAY
    assert sentence <= crd <= periods.sentence_expiry_date

    # HDC: released earlier, supervised for longer in all, PSS end unchanged.
    hdc = crd - datetime.timedelta(days=hdc_days_early)
    assume(hdc_days_early > 0 and hdc >= sentence)
    with_hdc = supervision_periods(
        CustodialFacts(**{**facts.__dict__, "hdc_release_date": hdc}), commencement=COMMENCEMENT
    )
    assert with_hdc.licence_start_date == hdc < periods.licence_start_date
    assert with_hdc.pss_end_date == periods.pss_end_date
    assert (with_hdc.supervision_end_date - hdc) > (periods.supervision_end_date - crd)


@given(
    sentence=dates,
    months=st.integers(min_value=24, max_value=600),
    days=st.integers(min_value=0, max_value=400),
)
def test_two_years_or_more_is_licence_only_to_expiry(sentence, months, days):
    periods = supervision_periods(
        CustodialFacts(
            sentence_date=sentence,
            offence_date=sentence,
            date_of_birth=ADULT,
            term_months=months,
            term_days=days,
        ),
        commencement=COMMENCEMENT,
    )
    assert periods.rule == "ORA_TWO_YEARS_OR_MORE"
    assert periods.pss_start_date is None and periods.pss_end_date is None
    assert periods.licence_end_date == periods.sentence_expiry_date
    assert periods.licence_end_date - periods.licence_start_date >= datetime.timedelta(days=364)


@pytest.mark.django_db
def test_calculation_endpoint():
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        "/api/v1/calculations/supervision-periods",
        {
            "sentence_date": "2016-03-01",
            "offence_date": "2016-01-10",
            "date_of_birth": "1980-01-01",
            "term_months": 8,
            "hdc_release_date": "2016-05-20",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "sentence_expiry_date": "2016-10-31",
        "conditional_release_date": "2016-07-02",
        "release_date": "2016-05-20",
        "licence_start_date": "2016-05-20",
        "licence_end_date": "2016-10-31",
        "pss_start_date": "2016-11-01",
        "pss_end_date": "2017-07-01",
        "supervision_end_date": "2017-07-01",
        "managed": True,
        "rule": "ORA_UNDER_TWO_YEARS",
        "reason": response.json()["reason"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"offence_date": "2016-04-01"}, "offence_date"),
        ({"term_months": -2}, "term_months"),
        ({"conditional_release_date": "2017-01-01"}, "conditional_release_date"),
        ({"sentence_date": "not a date"}, "sentence_date"),
    ],
    ids=["offence-after-sentence", "negative-term", "release-after-expiry", "bad-date"],
)
def test_calculation_endpoint_answers_400_with_the_field(payload, field):
    _, key = api_client("NPS-WAL")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    base = {
        "sentence_date": "2016-03-01",
        "offence_date": "2016-01-10",
        "date_of_birth": "1980-01-01",
        "term_months": 8,
    }
    response = client.post(
        "/api/v1/calculations/supervision-periods", {**base, **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in {error["attr"] for error in response.json()["errors"]}
