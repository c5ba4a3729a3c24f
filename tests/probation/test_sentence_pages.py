"""Sentence pages: recording a sentence, the sentence page with its requirements and
progress, changing release facts, requirements and the licence (GOV.UK forms)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probation import sentences
from probation.models import AuditEvent, Licence, Sentence
from tests.probation.factories import contact_of, person_of, requirement_of, sentence_of, staff

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11", date_of_birth=D(1985, 3, 1))


@pytest.fixture
def browser(client, officer):
    client.force_login(officer)
    return client


def date_parts(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def community_order_post(**changes):
    data = {
        "sentence_type": "COMMUNITY_ORDER",
        **date_parts("sentence_date", D(2016, 6, 1)),
        **date_parts("offence_date", D(2016, 5, 1)),
        "offence_description": "Theft from a shop",
        "court": "Cardiff Magistrates' Court",
        "length_months": "12",
        "requirements": ["UNPAID_WORK", "REHABILITATION_ACTIVITY"],
        "unpaid_work_hours": "100",
        "rar_max_days": "15",
        # A field of another type's section is ignored.
        "attendance_centre_hours": "12",
    }
    data.update(changes)
    return data


def test_record_a_community_order(browser, person):
    url = reverse("sentence-create", args=[person.crn])
    page = browser.get(url)
    assert page.status_code == 200
    assert 'name="sentence_type"' in page.content.decode()
    response = browser.post(url, community_order_post())
    sentence = Sentence.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("sentence-detail", args=[person.crn, sentence.number])
    assert sentence.attendance_centre_hours is None
    assert set(sentence.requirements.values_list("code", flat=True)) == {
        "UNPAID_WORK",
        "REHABILITATION_ACTIVITY",
    }


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        pytest.param(
            {"unpaid_work_hours": "301"},
            "Unpaid work must be between 40 and 300 hours",
            "#id_unpaid_work_hours",
            id="upw-301",
        ),
        pytest.param(
            {"requirements": []},
            "A Community Order must have at least one requirement",
            "#id_requirements",
            id="no-requirements",
        ),
        pytest.param(
            {"sentence_type": ""}, "Select the type of sentence", "#id_sentence_type", id="no-type"
        ),
        pytest.param(
            {"sentence_date_day": "31", "sentence_date_month": "2"},
            "Sentence date must be a real date",
            "#id_sentence_date-day",
            id="not-a-date",
        ),
        pytest.param(
            {"sentence_type": "DEFERRED", **date_parts("deferred_until", D(2016, 12, 2))},
            "Sentence can be deferred for at most 6 months",
            "#id_deferred_until-day",
            id="deferment-too-long",
        ),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    browser, person, changes, message, anchor
):
    response = browser.post(
        reverse("sentence-create", args=[person.crn]), community_order_post(**changes)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert message in body
    assert f'href="{anchor}"' in body
    assert "govuk-form-group--error" in body
    assert not Sentence.objects.filter(person=person).exists()


def test_record_a_custodial_sentence_and_its_release(browser, person):
    response = browser.post(
        reverse("sentence-create", args=[person.crn]),
        {
            "sentence_type": "CUSTODIAL",
            **date_parts("sentence_date", D(2016, 6, 1)),
            **date_parts("offence_date", D(2016, 5, 1)),
            "offence_description": "Burglary",
            "court": "Cardiff Crown Court",
            "term_months": "12",
        },
    )
    assert response.status_code == 302
    sentence = Sentence.objects.get(person=person)
    assert sentence.pss_end_date == D(2017, 11, 30)
    detail = browser.get(reverse("sentence-detail", args=[person.crn, sentence.number]))
    body = detail.content.decode()
    assert "30 November 2017" in body and "Estimated" in body
    assert "Keep in touch with the supervising officer" in body
    assert "8. Participate in activities" in body

    url = reverse("sentence-update", args=[person.crn, sentence.number])
    assert browser.get(url).status_code == 200
    response = browser.post(
        url,
        {
            "offence_description": "Burglary",
            "court": "Cardiff Crown Court",
            **date_parts("conditional_release_date", D(2016, 11, 20)),
            **date_parts("hdc_release_date", D(2016, 12, 1)),
        },
    )
    assert response.status_code == 200
    assert "The HDC release date must be before the conditional release date" in (
        response.content.decode()
    )
    response = browser.post(
        url,
        {
            "offence_description": "Burglary",
            "court": "Cardiff Crown Court",
            **date_parts("conditional_release_date", D(2016, 11, 20)),
        },
    )
    assert response.status_code == 302
    sentence.refresh_from_db()
    assert sentence.conditional_release_date == D(2016, 11, 20) and not sentence.crd_estimated


def test_change_the_licence(browser, person, officer):
    sentence = sentences.sentence_create(
        actor=officer,
        crn=person.crn,
        sentence_type="CUSTODIAL",
        sentence_date=D(2016, 6, 1),
        offence_date=D(2016, 5, 1),
        offence_description="Burglary",
        court="Cardiff Crown Court",
        term_months=12,
    )
    url = reverse("licence-update", args=[person.crn, sentence.number])
    page = browser.get(url)
    assert page.status_code == 200
    applied = {
        f"pss_{code}_applied": "on"
        for code in ("GOOD_BEHAVIOUR", "NO_OFFENCE", "KEEP_IN_TOUCH", "RECEIVE_VISITS")
        + ("APPROVED_WORK", "NO_TRAVEL", "PARTICIPATE")
    }
    data = {
        "issued_by": "GOVERNOR",
        **date_parts("issued_on", D(2016, 11, 30)),
        "discretionary_NO_CONTACT": "No contact with J. Smith\nNo contact with K. Jones",
        "bespoke": "Not to enter Splott Park",
        **applied,
    }
    response = browser.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_pss_RESIDE_reason"' in body
    response = browser.post(url, {**data, "pss_RESIDE_reason": "Approved premises"})
    assert response.status_code == 302
    licence = Licence.objects.get(sentence=sentence)
    assert licence.conditions.filter(kind="DISCRETIONARY").count() == 2
    assert licence.pss_requirements.get(code="RESIDE").reason_not_applied == "Approved premises"
    # The form shows what was recorded.
    page = browser.get(url).content.decode()
    assert "No contact with K. Jones" in page and "Approved premises" in page


def test_licence_page_of_a_sentence_without_licence(browser, person):
    sentence = sentence_of(person)
    response = browser.get(reverse("licence-update", args=[person.crn, sentence.number]))
    assert response.status_code == 200
    assert "This sentence has no licence" in response.content.decode()


def test_add_and_change_a_requirement(browser, person, officer):
    sentence = sentence_of(person)
    requirement_of(sentence, "UNPAID_WORK")
    url = reverse("requirement-create", args=[person.crn, sentence.number])
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"code": "CURFEW", "curfew_hours_per_day": "17"})
    assert "A curfew must be between 2 and 16 hours a day" in response.content.decode()
    response = browser.post(url, {"code": "CURFEW", "curfew_hours_per_day": "8"})
    assert response.status_code == 302
    curfew = sentence.requirements.get(code="CURFEW")
    url = reverse("requirement-update", args=[person.crn, sentence.number, curfew.pk])
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"curfew_hours_per_day": "10", "status": "COMPLETED"})
    assert response.status_code == 302
    curfew.refresh_from_db()
    assert (curfew.curfew_hours_per_day, curfew.status) == (10, "COMPLETED")


def test_detail_page_shows_requirements_and_progress(browser, person, officer):
    sentence = sentence_of(person)
    upw = requirement_of(sentence, "UNPAID_WORK", unpaid_work_hours=100)
    rar = requirement_of(sentence, "REHABILITATION_ACTIVITY", rar_max_days=20)
    contact_of(person, officer, requirement=upw, outcome="ATTENDED_COMPLIED", unpaid_work_hours=6)
    contact_of(
        person, officer, requirement=rar, outcome="ATTENDED_COMPLIED", counts_as_rar_day=True
    )
    response = browser.get(reverse("sentence-detail", args=[person.crn, sentence.number]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unpaid work (Community Payback)" in body
    assert "6 of 100 hours worked" in body
    assert "1 of 20 RAR days used" in body
    assert AuditEvent.objects.filter(
        action="VIEW", object_type="probation.sentence", object_id=str(sentence.pk)
    ).exists()


def _detail_queries(browser, person, officer, count):
    sentence = sentence_of(person)
    codes = [
        "UNPAID_WORK",
        "CURFEW",
        "REHABILITATION_ACTIVITY",
        "PROGRAMME",
        "MENTAL_HEALTH_TREATMENT",
        "DRUG_REHABILITATION",
        "ALCOHOL_TREATMENT",
        "PROHIBITED_ACTIVITY",
        "EXCLUSION",
        "RESIDENCE",
    ]
    for code in codes[:count]:
        requirement = requirement_of(sentence, code)
        contact_of(person, officer, requirement=requirement, outcome="ATTENDED_COMPLIED")
    url = reverse("sentence-detail", args=[person.crn, sentence.number])
    browser.get(url)  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url).status_code == 200
    return len(queries)


def test_detail_page_queries_do_not_grow_with_requirements(browser, officer):
    one = _detail_queries(browser, person_of("CRC11"), officer, 1)
    ten = _detail_queries(browser, person_of("CRC11"), officer, 10)
    assert one == ten


def test_case_overview_partial_renders(person, officer):
    from django.template.loader import render_to_string

    sentence = sentence_of(person)
    requirement_of(sentence, "UNPAID_WORK")
    context = sentences.overview_context(user=officer, person=person)
    html = render_to_string("probation/case/_sentences.html", {"person": person, **context})
    assert reverse("sentence-detail", args=[person.crn, sentence.number]) in html
    assert "0/100 hours" in html


def test_read_only_user_cannot_open_the_forms(client, person):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    sentence = sentence_of(person)
    assert (
        client.get(reverse("sentence-detail", args=[person.crn, sentence.number])).status_code
        == 200
    )
    assert client.get(reverse("sentence-create", args=[person.crn])).status_code == 403
    assert (
        client.post(
            reverse("sentence-create", args=[person.crn]), community_order_post()
        ).status_code
        == 403
    )
    assert Sentence.objects.filter(person=person).count() == 1
