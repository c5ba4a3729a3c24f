"""Termination of a sentence and the partners told (DOMAIN.md 6 "Termination")."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from probation import terminations
from probation.models import AuditEvent, Sentence
from probation.models.sentences import PartnerNotification, Termination
from tests.probation.factories import (
    api_client,
    person_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11")


def _terminate(officer, sentence, **kwargs):
    fields = {"terminated_on": TODAY, "reason": "REVOKED", **kwargs}
    return terminations.sentence_terminate(
        actor=officer, crn=sentence.person.crn, number=sentence.number, **fields
    )


# --- Who is told: the rule table ------------------------------------------------------------

CO = "COMMUNITY_ORDER"
SSO = "SUSPENDED_SENTENCE_ORDER"
CUSTODY = "CUSTODIAL"


@pytest.mark.parametrize(
    ("sentence_type", "fields", "codes", "reason", "foreign", "expected"),
    [
        (CO, {}, [], "COMPLETED", False, ["POLICE"]),
        (CO, {}, [], "EXPIRED", False, ["POLICE"]),
        (CO, {}, [], "REVOKED", False, ["POLICE", "COURT"]),
        (CO, {}, [], "BREACH_RESENTENCED", False, ["POLICE", "COURT"]),
        (SSO, {}, [], "SSO_ACTIVATED", False, ["POLICE", "COURT"]),
        (CO, {}, [], "TRANSFERRED_OUT", False, ["POLICE", "COURT"]),
        (CUSTODY, {"term_months": 6}, [], "RECALL_REVOKED", False, ["POLICE", "PRISON"]),
        (CO, {}, ["CURFEW_EM"], "COMPLETED", False, ["POLICE", "EM_PROVIDER"]),
        (CO, {}, ["CURFEW"], "COMPLETED", False, ["POLICE"]),
        (
            CUSTODY,
            {"term_months": 6, "hdc_release_date": TODAY - 60 * DAY},
            [],
            "EXPIRED",
            False,
            ["POLICE", "EM_PROVIDER"],
        ),
        (CO, {}, ["DRUG_REHABILITATION"], "COMPLETED", False, ["POLICE", "TREATMENT_PROVIDER"]),
        (CUSTODY, {"term_months": 12}, [], "EXPIRED", False, ["POLICE", "VICTIM_LIAISON"]),
        (CUSTODY, {"term_months": 11, "term_days": 29}, [], "EXPIRED", False, ["POLICE"]),
        (
            CUSTODY,
            {"indeterminate": True},
            [],
            "DIED",
            False,
            ["POLICE", "VICTIM_LIAISON"],
        ),
        (CO, {}, [], "COMPLETED", True, ["POLICE", "HOME_OFFICE"]),
        (
            CO,
            {},
            ["LOCATION_EM", "ALCOHOL_TREATMENT"],
            "REVOKED",
            True,
            ["POLICE", "COURT", "EM_PROVIDER", "HOME_OFFICE", "TREATMENT_PROVIDER"],
        ),
    ],
    ids=[
        "completed-police-only",
        "expired-police-only",
        "revoked-court",
        "resentenced-court",
        "sso-activated-court",
        "transferred-out-court",
        "recall-prison",
        "em-curfew-em-provider",
        "plain-curfew-no-em",
        "hdc-release-em-provider",
        "drug-treatment-provider",
        "custody-12-months-victim-liaison",
        "custody-just-under-12-months-no-victim-liaison",
        "indeterminate-victim-liaison",
        "foreign-national-home-office",
        "everything-in-partner-order",
    ],
)
def test_required_notifications(sentence_type, fields, codes, reason, foreign, expected):
    person = person_of("CRC11", foreign_national=foreign)
    sentence = sentence_of(person, sentence_type, **fields)
    for code in codes:
        requirement_of(sentence, code)
    assert terminations.required_notifications(sentence, reason) == expected


# --- Terminating ----------------------------------------------------------------------------


def test_completing_closes_open_requirements_as_completed_and_creates_notifications(
    officer, person
):
    sentence = sentence_of(person, CO, supervision_end_date=TODAY - DAY)
    unpaid = requirement_of(sentence, "UNPAID_WORK")
    curfew = requirement_of(sentence, "CURFEW_EM")
    termination = _terminate(officer, sentence, reason="COMPLETED", notes="  All done ")
    sentence.refresh_from_db()
    unpaid.refresh_from_db()
    curfew.refresh_from_db()
    assert sentence.status == "TERMINATED"
    assert unpaid.status == curfew.status == "COMPLETED"
    assert termination.notes == "All done" and termination.recorded_by == officer
    notifications = PartnerNotification.objects.filter(termination=termination)
    assert sorted(n.partner for n in notifications) == ["EM_PROVIDER", "POLICE"]
    assert all(n.notified_on is None for n in notifications)
    events = AuditEvent.objects.filter(person_crn=person.crn)
    assert {e.object_type for e in events} >= {
        "probation.sentence",
        "probation.requirement",
        "probation.termination",
    }
    created = events.get(object_type="probation.termination")
    assert created.changes["notifications_required"][1] == ["POLICE", "EM_PROVIDER"]


def test_other_reasons_close_open_requirements_as_terminated_early(officer, person):
    sentence = sentence_of(person, CO)
    active = requirement_of(sentence, "UNPAID_WORK")
    done = requirement_of(sentence, "CURFEW", status="COMPLETED")
    _terminate(officer, sentence, reason="BREACH_RESENTENCED")
    active.refresh_from_db()
    done.refresh_from_db()
    assert active.status == "TERMINATED"
    assert done.status == "COMPLETED"


def test_an_already_terminated_sentence_is_refused(officer, person):
    sentence = sentence_of(person, CO)
    _terminate(officer, sentence)
    with pytest.raises(ValidationError, match="already terminated"):
        _terminate(officer, sentence)
    assert Termination.objects.filter(sentence=sentence).count() == 1


@pytest.mark.parametrize(
    ("offset_days", "ok"),
    [(1, False), (0, True), (-30, True), (-31, False)],
    ids=["tomorrow", "today", "on-the-sentence-date", "before-the-sentence-date"],
)
def test_the_date_lies_between_the_sentence_date_and_today(officer, person, offset_days, ok):
    sentence = sentence_of(person, CO, sentence_date=TODAY - 30 * DAY)
    if ok:
        _terminate(officer, sentence, terminated_on=TODAY + offset_days * DAY)
        return
    with pytest.raises(ValidationError) as error:
        _terminate(officer, sentence, terminated_on=TODAY + offset_days * DAY)
    assert "terminated_on" in error.value.message_dict
    assert Sentence.objects.get(pk=sentence.pk).status == "ACTIVE"


@pytest.mark.parametrize(
    ("sentence_type", "ends_in_days", "requirement_status", "reason", "ok"),
    [
        (CO, 30, "ACTIVE", "COMPLETED", False),
        (SSO, 30, "ACTIVE", "COMPLETED", False),
        (CO, 30, "COMPLETED", "COMPLETED", True),
        (CO, 0, "ACTIVE", "COMPLETED", True),
        (CO, -1, "ACTIVE", "COMPLETED", True),
        (CO, 30, "ACTIVE", "REVOKED", True),
        (CUSTODY, 30, None, "COMPLETED", True),
    ],
    ids=[
        "co-running-requirement-open",
        "sso-running-requirement-open",
        "co-running-all-requirements-completed",
        "co-ending-today",
        "co-ended",
        "co-running-revoked",
        "licence-not-an-order",
    ],
)
def test_completed_early_needs_every_requirement_completed(
    officer, person, sentence_type, ends_in_days, requirement_status, reason, ok
):
    sentence = sentence_of(person, sentence_type, supervision_end_date=TODAY + ends_in_days * DAY)
    if requirement_status:
        requirement_of(sentence, "UNPAID_WORK", status=requirement_status)
    if ok:
        _terminate(officer, sentence, reason=reason)
        return
    with pytest.raises(ValidationError) as error:
        _terminate(officer, sentence, reason=reason)
    assert "reason" in error.value.message_dict


def test_scope_another_crc_cannot_and_a_reader_may_not(person):
    sentence = sentence_of(person, CO)
    with pytest.raises(Http404):
        _terminate(staff("CRC_OFFENDER_MANAGER", "CRC20"), sentence)
    with pytest.raises(PermissionDenied):
        _terminate(staff("NOMS_CONTRACT_MANAGER", "NOMS"), sentence)
    with pytest.raises(Http404):
        terminations.sentence_terminate(
            actor=staff("CRC_OFFENDER_MANAGER", "CRC11"),
            crn=person.crn,
            number=99,
            terminated_on=TODAY,
            reason="REVOKED",
        )
    assert Sentence.objects.get(pk=sentence.pk).status == "ACTIVE"


def test_the_last_sentence_ending_changes_nothing_else(officer, person):
    sentence = sentence_of(person, CO)
    _terminate(officer, sentence)
    person.refresh_from_db()
    assert person.responsible_provider.code == "CRC11"


@given(offset=st.integers(min_value=-400, max_value=400))
def test_any_date_from_sentence_to_today_is_accepted_and_no_other(offset):
    """Pure check of the date rule (no database): between the sentence date and today."""
    today = datetime.date(2026, 3, 1)
    sentence = Sentence(
        number=1, sentence_type=CO, sentence_date=datetime.date(2025, 9, 1), status="ACTIVE"
    )
    day = today + offset * DAY
    try:
        terminations._check_termination(sentence, terminated_on=day, reason="EXPIRED", today=today)
    except ValidationError as error:
        assert "terminated_on" in error.message_dict
        assert day > today or day < sentence.sentence_date
    else:
        assert sentence.sentence_date <= day <= today


# --- Notifications sent ---------------------------------------------------------------------


def test_recording_a_notification_sent(officer, person):
    sentence = sentence_of(person, CO)
    _terminate(officer, sentence, terminated_on=TODAY - 2 * DAY)
    notification = terminations.notification_sent(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        partner="COURT",
        notified_on=TODAY - DAY,
        details="Email to the court office",
    )
    assert notification.notified_on == TODAY - DAY
    assert notification.details == "Email to the court office"
    assert AuditEvent.objects.filter(
        object_type="probation.partnernotification", person_crn=person.crn
    ).exists()


@pytest.mark.parametrize(
    ("partner", "notified_days_ago", "field"),
    [
        ("HOME_OFFICE", 0, "partner"),
        ("POLICE", 3, "notified_on"),
        ("POLICE", -1, "notified_on"),
    ],
    ids=["partner-not-required", "before-the-termination", "in-the-future"],
)
def test_notification_refusals(officer, person, partner, notified_days_ago, field):
    sentence = sentence_of(person, CO)
    _terminate(officer, sentence, terminated_on=TODAY - 2 * DAY)
    with pytest.raises(ValidationError) as error:
        terminations.notification_sent(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            partner=partner,
            notified_on=TODAY - notified_days_ago * DAY,
        )
    assert field in error.value.message_dict


# --- Page -----------------------------------------------------------------------------------


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_page_terminates_then_records_notifications(client, officer, person):
    sentence = sentence_of(person, CO)
    client.force_login(officer)
    url = f"/people/{person.crn}/sentences/{sentence.number}/terminate/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="reason"' in page.content and b"Who will be told" in page.content
    assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).exists()

    invalid = client.post(url, {"notes": "x", **_date("terminated_on", TODAY + DAY)})
    body = invalid.content.decode()
    assert invalid.status_code == 200
    assert "govuk-error-summary" in body
    assert "Select why the sentence ended" in body
    assert "must be today or in the past" not in body  # the reason is checked first

    future = client.post(url, {"reason": "REVOKED", **_date("terminated_on", TODAY + DAY)})
    assert "must be today or in the past" in future.content.decode()
    assert 'href="#id_terminated_on-day"' in future.content.decode()

    done = client.post(url, {"reason": "REVOKED", **_date("terminated_on", TODAY)})
    assert done.status_code == 302
    shown = client.get(url).content.decode()
    assert "Partners to tell" in shown and "Court (HMCTS)" in shown and "Not yet" in shown

    sent = client.post(url, {"partner": "COURT", "details": "Email", **_date("notified_on", TODAY)})
    assert sent.status_code == 302
    assert PartnerNotification.objects.get(partner="COURT").notified_on == TODAY
    wrong = client.post(url, {"partner": "HOME_OFFICE", **_date("notified_on", TODAY)})
    assert "govuk-error-summary" in wrong.content.decode()


def test_page_is_read_only_for_a_noms_contract_manager(client, person):
    sentence = sentence_of(person, CO)
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    url = f"/people/{person.crn}/sentences/{sentence.number}/terminate/"
    page = client.get(url)
    assert page.status_code == 200 and b"Terminate sentence</button>" not in page.content
    assert (
        client.post(url, {"reason": "REVOKED", **_date("terminated_on", TODAY)}).status_code == 403
    )


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def api():
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_api_terminates_and_reports_the_notifications(api, person):
    sentence = sentence_of(person, CO)
    url = f"/api/v1/people/{person.crn}/sentences/{sentence.number}/termination"
    before = api.get(url)
    assert before.status_code == 200 and before.json()["termination"] is None
    assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn, via="api").exists()
    created = api.post(
        url, {"terminated_on": TODAY.isoformat(), "reason": "REVOKED"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["sentence_status"] == "TERMINATED"
    assert [n["partner"] for n in body["termination"]["notifications"]] == ["COURT", "POLICE"]
    again = api.post(url, {"terminated_on": TODAY.isoformat(), "reason": "REVOKED"}, format="json")
    assert again.status_code == 400


def test_api_records_that_a_partner_was_told(api, person):
    sentence = sentence_of(person, CO)
    base = f"/api/v1/people/{person.crn}/sentences/{sentence.number}/termination"
    api.post(base, {"terminated_on": TODAY.isoformat(), "reason": "REVOKED"}, format="json")
    told = api.post(
        f"{base}/notifications",
        {"partner": "POLICE", "notified_on": TODAY.isoformat(), "details": "By secure email"},
        format="json",
    )
    assert told.status_code == 200, told.json()
    sent = {n["partner"]: n["notified_on"] for n in told.json()["termination"]["notifications"]}
    assert sent == {"COURT": None, "POLICE": TODAY.isoformat()}
    unknown = api.post(
        f"{base}/notifications",
        {"partner": "PRESS", "notified_on": TODAY.isoformat()},
        format="json",
    )
    assert unknown.status_code == 400
    assert "partner" in {error["attr"] for error in unknown.json()["errors"]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"terminated_on": TODAY.isoformat()}, "reason"),
        ({"terminated_on": TODAY.isoformat(), "reason": "BORED"}, "reason"),
        ({"terminated_on": (TODAY + DAY).isoformat(), "reason": "REVOKED"}, "terminated_on"),
        ({"reason": "REVOKED"}, "terminated_on"),
    ],
    ids=["no-reason", "unknown-reason", "future-date", "no-date"],
)
def test_api_400s_name_the_field(api, person, payload, field):
    sentence = sentence_of(person, CO)
    url = f"/api/v1/people/{person.crn}/sentences/{sentence.number}/termination"
    response = api.post(url, payload, format="json")
    assert response.status_code == 400
    assert field in {error["attr"] for error in response.json()["errors"]}


def test_api_other_crcs_sentence_is_missing(api):
    theirs = sentence_of(person_of("CRC20"), CO)
    url = f"/api/v1/people/{theirs.person.crn}/sentences/{theirs.number}/termination"
    assert api.get(url).status_code == 404
    assert api.post(url, {}, format="json").status_code == 404


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_officers_terminating_at_once_record_one_termination():
    from tests.probation.test_transfers import _at_once

    officers = [staff("CRC_OFFENDER_MANAGER", "CRC11") for _ in range(3)]
    sentence = sentence_of(person_of("CRC11"), CO)
    outcomes = _at_once([lambda o=o: _terminate(o, sentence) for o in officers])
    assert sum(isinstance(o, Termination) for o in outcomes) == 1
    assert all(isinstance(o, Termination | ValidationError) for o in outcomes), outcomes
    assert PartnerNotification.objects.filter(termination__sentence=sentence).count() == 2


def test_overview_lists_partners_still_to_tell_in_constant_queries(
    officer, person, django_assert_max_num_queries
):
    from django.template.loader import render_to_string

    first, second = sentence_of(person, CO), sentence_of(person, CO)
    _terminate(officer, first)
    _terminate(officer, second, reason="EXPIRED")
    terminations.notification_sent(
        actor=officer, crn=person.crn, number=second.number, partner="POLICE", notified_on=TODAY
    )
    with django_assert_max_num_queries(3):  # vetting, roles, the notifications
        context = terminations.overview_context(user=officer, person=person)
    [entry] = context["notifications_to_send"]
    assert entry["sentence"] == first and entry["partners"] == ["Court (HMCTS)", "Police"]
    html = render_to_string("probation/case/_terminations.html", {**context, "person": person})
    assert "Court (HMCTS), Police" in html
    assert f"/sentences/{first.number}/terminate/" in html
