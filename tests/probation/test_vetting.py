"""DOMAIN.md 11: only vetted staff open offender records; the unvetted are told why."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from probation.models import VettingRecord
from probation.rules import vetting_status
from tests.probation.factories import person_of, staff

TODAY = datetime.date(2026, 11, 23)
D = datetime.timedelta


@pytest.mark.parametrize(
    ("baseline", "dbs", "expiry", "current", "code"),
    [
        (TODAY - D(400), TODAY - D(10), TODAY + D(1), True, "CURRENT"),
        (TODAY - D(400), TODAY - D(10), TODAY, True, "CURRENT"),
        (TODAY - D(400), TODAY - D(10), TODAY - D(1), False, "DBS_EXPIRED"),
        (None, TODAY - D(10), TODAY + D(100), False, "NO_BASELINE"),
        (TODAY - D(400), None, None, False, "NO_DBS"),
        (TODAY - D(400), TODAY - D(10), None, False, "NO_DBS"),
        (TODAY + D(1), TODAY - D(10), TODAY + D(100), False, "BASELINE_IN_FUTURE"),
        (TODAY - D(400), TODAY + D(1), TODAY + D(100), False, "DBS_IN_FUTURE"),
        (TODAY, TODAY, TODAY + D(1), True, "CURRENT"),
    ],
    ids=[
        "expires-tomorrow",
        "expires-today-still-counts",
        "expired-yesterday",
        "no-baseline-check",
        "no-dbs-check",
        "dbs-without-expiry",
        "baseline-dated-tomorrow",
        "dbs-dated-tomorrow",
        "all-checked-today",
    ],
)
def test_vetting_status_table(baseline, dbs, expiry, current, code):
    status = vetting_status(
        baseline_check_date=baseline, dbs_check_date=dbs, dbs_expiry_date=expiry, today=TODAY
    )
    assert (status.current, status.code) == (current, code)
    assert status.reason


@given(
    expiry_offset=st.integers(min_value=-3650, max_value=3650),
    today=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 1, 1)),
)
def test_current_exactly_until_expiry(expiry_offset, today):
    status = vetting_status(
        baseline_check_date=today - D(1000),
        dbs_check_date=today - D(1),
        dbs_expiry_date=today + D(expiry_offset),
        today=today,
    )
    assert status.current is (expiry_offset >= 0)


@pytest.mark.django_db
@pytest.mark.parametrize("vetting", ["none", "expired"])
def test_unvetted_staff_sign_in_but_cannot_open_a_record(client, vetting):
    user = staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False)
    if vetting == "expired":
        VettingRecord.objects.create(
            user=user,
            baseline_check_date=datetime.date(2020, 1, 1),
            dbs_check_date=datetime.date(2021, 1, 1),
            dbs_expiry_date=datetime.date(2024, 1, 1),
        )
    person = person_of("CRC11")
    client.force_login(user)

    home = client.get("/")
    assert home.status_code == 200
    assert "You cannot open offender records" in home.content.decode()

    for url in (f"/people/{person.crn}/", "/people/", f"/people/{person.crn}/change/"):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert "You cannot open offender records" in body
        assert ("expired on 1 January 2024" if vetting == "expired" else "No ") in body

    api = APIClient()
    api.force_login(user)
    response = api.get(f"/api/v1/people/{person.crn}/")
    assert response.status_code == 403
    assert "vetting" in str(response.json()).lower() or "dbs" in str(response.json()).lower()
