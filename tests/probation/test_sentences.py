"""Recording sentences through probation.sentences: every rule of DOMAIN.md 2 and 3 as the
service stores it, with its boundaries, and the scoping and audit of every action."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from probation import sentences
from probation.models import (
    AuditEvent,
    Licence,
    Management,
    Requirement,
    Sentence,
)
from tests.probation.factories import (
    contact_of,
    person_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db

D = datetime.date
UPW = {"code": "UNPAID_WORK", "unpaid_work_hours": 100}
RAR = {"code": "REHABILITATION_ACTIVITY", "rar_max_days": 20}


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    # 24 on 1 June 2016, the eve of their 25th birthday.
    return person_of("CRC11", date_of_birth=D(1991, 6, 2))


def record(officer, person, **changes):
    fields = dict(
        sentence_type="COMMUNITY_ORDER",
        sentence_date=D(2016, 6, 1),
        offence_date=D(2016, 5, 1),
        offence_description="Theft from a shop",
        court="Cardiff Magistrates' Court",
        requirements=[UPW],
        length_months=12,
    )
    fields.update(changes)
    return sentences.sentence_create(actor=officer, crn=person.crn, **fields)


def errors_of(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ValidationError as error:
        return error.message_dict
    return {}


def sso(**changes):
    return {
        "sentence_type": "SUSPENDED_SENTENCE_ORDER",
        "term_months": 6,
        **changes,
    }


# --- Community Orders and Suspended Sentence Orders -------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(sso(length_months=5, length_days=29), "length_months", id="sso-6m-less-1d"),
        pytest.param(sso(length_months=6), None, id="sso-exactly-6m"),
        pytest.param(sso(length_months=24), None, id="sso-2y"),
        pytest.param(sso(length_months=24, length_days=1), "length_months", id="sso-2y-plus-1d"),
        pytest.param(sso(length_months=12, term_months=None), "term_months", id="sso-no-term"),
        pytest.param({"length_months": None}, "length_months", id="co-no-length"),
        pytest.param({"requirements": []}, "requirements", id="co-without-requirements"),
        pytest.param(
            {
                "requirements": [RAR],
                "offence_date": D(2013, 12, 10),
                "sentence_date": D(2014, 1, 6),
            },
            None,
            id="no-punitive-offence-day-before-commencement",
        ),
        pytest.param(
            {
                "requirements": [RAR],
                "offence_date": D(2013, 12, 11),
                "sentence_date": D(2014, 1, 6),
            },
            "requirements",
            id="no-punitive-offence-on-commencement",
        ),
        pytest.param(
            {"requirements": [RAR], "fine_imposed": True}, None, id="fine-is-the-punitive-element"
        ),
        pytest.param(
            {"requirements": [{"code": "UNPAID_WORK", "unpaid_work_hours": 39}]},
            "unpaid_work_hours",
            id="upw-39",
        ),
        pytest.param(
            {"requirements": [{"code": "UNPAID_WORK", "unpaid_work_hours": 40}]}, None, id="upw-40"
        ),
        pytest.param(
            {"requirements": [{"code": "UNPAID_WORK", "unpaid_work_hours": 300}]},
            None,
            id="upw-300",
        ),
        pytest.param(
            {"requirements": [{"code": "UNPAID_WORK", "unpaid_work_hours": 301}]},
            "unpaid_work_hours",
            id="upw-301",
        ),
        pytest.param(
            {"requirements": [{"code": "CURFEW", "curfew_hours_per_day": 1}]},
            "curfew_hours_per_day",
            id="curfew-1",
        ),
        pytest.param(
            {"requirements": [{"code": "CURFEW", "curfew_hours_per_day": 2}]}, None, id="curfew-2"
        ),
        pytest.param(
            {"requirements": [{"code": "CURFEW", "curfew_hours_per_day": 16}]}, None, id="curfew-16"
        ),
        pytest.param(
            {"requirements": [{"code": "CURFEW", "curfew_hours_per_day": 17}]},
            "curfew_hours_per_day",
            id="curfew-17",
        ),
        pytest.param(
            {"requirements": [UPW, {"code": "REHABILITATION_ACTIVITY", "rar_max_days": 0}]},
            "rar_max_days",
            id="rar-0",
        ),
        pytest.param(
            {"requirements": [UPW, {"code": "REHABILITATION_ACTIVITY", "rar_max_days": 1}]},
            None,
            id="rar-1",
        ),
        pytest.param({"requirements": [{"code": "NOT_A_CODE"}]}, "requirements", id="unknown-code"),
        pytest.param({"requirements": [UPW, UPW]}, "requirements", id="requirement-twice"),
        pytest.param(
            {"attendance_centre_hours": 12}, "attendance_centre_hours", id="field-of-another-type"
        ),
        pytest.param({"offence_date": D(2016, 6, 2)}, "offence_date", id="offence-after-sentence"),
        pytest.param({"court": " "}, "court", id="no-court"),
    ],
)
def test_community_order_rules_as_stored(officer, person, changes, field):
    errors = errors_of(record, officer, person, **changes)
    if field is None:
        assert errors == {}
        assert Sentence.objects.filter(person=person).count() == 1
    else:
        assert field in errors, errors
        assert not Sentence.objects.filter(person=person).exists()
        assert not AuditEvent.objects.filter(person_crn=person.crn).exists()


@pytest.mark.parametrize(
    ("date_of_birth", "ok"),
    [
        pytest.param(D(1991, 6, 2), True, id="aged-24-on-sentence-date"),
        pytest.param(D(1991, 6, 1), False, id="aged-25-on-sentence-date"),
    ],
)
def test_attendance_centre_requirement_is_for_under_25s(officer, date_of_birth, ok):
    person = person_of("CRC11", date_of_birth=date_of_birth)
    errors = errors_of(record, officer, person, requirements=[UPW, {"code": "ATTENDANCE_CENTRE"}])
    assert (errors == {}) is ok
    if not ok:
        assert "under 25" in " ".join(errors["requirements"])


def test_community_order_is_stored_with_its_requirements_and_end(officer, person):
    sentence = record(
        officer,
        person,
        requirements=[UPW, {**RAR, "details": "Thinking skills"}],
        length_months=12,
    )
    assert sentence.number == 1
    assert sentence.management == Management.MANAGED
    assert sentence.supervision_end_date == D(2017, 5, 31)
    stored = {r.code: r for r in sentence.requirements.all()}
    assert stored["UNPAID_WORK"].unpaid_work_hours == 100
    assert stored["REHABILITATION_ACTIVITY"].rar_max_days == 20
    assert stored["REHABILITATION_ACTIVITY"].details == "Thinking skills"
    assert record(officer, person).number == 2


def test_em_only_order_goes_to_the_em_provider(officer, person):
    sentence = record(
        officer, person, requirements=[{"code": "CURFEW_EM", "curfew_hours_per_day": 8}]
    )
    assert sentence.management == Management.EM_ONLY
    assert not sentence.is_managed


def test_sso_without_requirements_is_not_managed(officer, person):
    sentence = record(officer, person, **sso(length_months=12, requirements=[]))
    assert sentence.management == Management.SSO_WITHOUT_REQUIREMENTS
    assert sentence.supervision_end_date == D(2017, 5, 31)
    assert sentence.term_months == 6


@settings(max_examples=25, deadline=None)
@given(
    months=st.integers(min_value=6, max_value=23),
    day=st.dates(min_value=D(2015, 1, 1), max_value=D(2025, 12, 31)),
)
def test_sso_supervision_ends_the_day_before_the_anniversary(months, day):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", date_of_birth=D(1980, 1, 1))
    sentence = record(
        officer,
        person,
        **sso(length_months=months, sentence_date=day, offence_date=day - relativedelta(days=3)),
    )
    assert sentence.supervision_end_date + datetime.timedelta(days=1) == day + relativedelta(
        months=months
    )


# --- Custodial sentences --------------------------------------------------------------------


def custodial(**changes):
    return {
        "sentence_type": "CUSTODIAL",
        "requirements": None,
        "length_months": None,
        "term_months": 12,
        **changes,
    }


def test_custodial_sentence_stores_its_periods_and_licence_with_pss_defaults(officer, person):
    sentence = record(officer, person, **custodial())
    assert sentence.sentence_expiry_date == D(2017, 5, 31)
    assert sentence.conditional_release_date == D(2016, 12, 1)
    assert sentence.crd_estimated is True
    assert (sentence.licence_start_date, sentence.licence_end_date) == (
        D(2016, 12, 1),
        D(2017, 5, 31),
    )
    assert (sentence.pss_start_date, sentence.pss_end_date) == (D(2017, 6, 1), D(2017, 11, 30))
    assert sentence.supervision_end_date == D(2017, 11, 30)
    assert sentence.supervision_rule == "ORA_UNDER_TWO_YEARS"
    assert sentence.management == Management.MANAGED
    licence = Licence.objects.get(sentence=sentence)
    assert licence.conditions.filter(kind="STANDARD").count() == 6
    applied = dict(licence.pss_requirements.values_list("code", "applied"))
    assert len(applied) == 10
    assert [code for code, on in applied.items() if on] == [
        "GOOD_BEHAVIOUR",
        "NO_OFFENCE",
        "KEEP_IN_TOUCH",
        "RECEIVE_VISITS",
        "RESIDE",
        "APPROVED_WORK",
        "NO_TRAVEL",
        "PARTICIPATE",
    ]


def test_two_year_term_gets_a_licence_without_pss(officer, person):
    sentence = record(officer, person, **custodial(term_months=24))
    assert sentence.supervision_rule == "ORA_TWO_YEARS_OR_MORE"
    assert sentence.pss_start_date is None
    licence = Licence.objects.get(sentence=sentence)
    assert licence.conditions.count() == 6
    assert not licence.pss_requirements.exists()


@pytest.mark.parametrize(
    ("changes", "date_of_birth", "management"),
    [
        pytest.param(
            {"term_months": None, "term_days": 1},
            D(1980, 1, 1),
            Management.NOT_MANAGED_CUSTODY,
            id="one-day",
        ),
        pytest.param({}, D(1999, 1, 1), Management.UNDER_18, id="under-18-on-release"),
        pytest.param(
            {"offence_date": D(2015, 1, 31), "sentence_date": D(2016, 6, 1), "term_months": 6},
            D(1980, 1, 1),
            Management.NOT_MANAGED_CUSTODY,
            id="pre-ora-under-12-months",
        ),
    ],
)
def test_custodial_sentences_probation_does_not_manage(officer, changes, date_of_birth, management):
    person = person_of("CRC11", date_of_birth=date_of_birth)
    sentence = record(officer, person, **custodial(**changes))
    assert sentence.management == management
    assert sentence.management_reason
    assert not Licence.objects.filter(sentence=sentence).exists()


def test_indeterminate_sentence_is_licensed_from_release_without_end(officer, person):
    sentence = record(officer, person, **custodial(term_months=None, indeterminate=True))
    assert sentence.management == Management.MANAGED
    assert sentence.supervision_end_date is None
    assert sentence.sentence_expiry_date is None
    assert sentence.supervision_rule == "INDETERMINATE"
    assert Licence.objects.get(sentence=sentence).issued_by == "PAROLE_BOARD"
    assert "term_months" in errors_of(
        record, officer, person, **custodial(term_months=12, indeterminate=True)
    )


def test_custodial_sentence_needs_a_term(officer, person):
    assert "term_days" in errors_of(record, officer, person, **custodial(term_months=None))


def test_release_facts_recompute_the_periods(officer, person):
    sentence = record(officer, person, **custodial())
    updated = sentences.sentence_update(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        conditional_release_date=D(2016, 11, 20),
        release_prison="HMP Cardiff",
    )
    assert updated.crd_estimated is False
    assert updated.conditional_release_date == D(2016, 11, 20)
    assert updated.pss_end_date == D(2017, 11, 19)
    assert updated.release_prison == "HMP Cardiff"
    # The CRD stays the prison's when later facts arrive.
    updated = sentences.sentence_update(
        actor=officer, crn=person.crn, number=sentence.number, actual_release_date=D(2016, 11, 20)
    )
    assert updated.conditional_release_date == D(2016, 11, 20)
    assert updated.licence_start_date == D(2016, 11, 20)
    assert (
        AuditEvent.objects.filter(
            object_type="probation.sentence", action="UPDATE", person_crn=person.crn
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(
            {"actual_release_date": D(2017, 6, 1)}, "actual_release_date", id="release-after-expiry"
        ),
        pytest.param(
            {"conditional_release_date": D(2017, 6, 1)},
            "conditional_release_date",
            id="crd-after-expiry",
        ),
        pytest.param({"hdc_release_date": D(2016, 12, 1)}, "hdc_release_date", id="hdc-on-crd"),
        pytest.param({"term_months": 3}, "term_months", id="not-a-release-fact"),
        pytest.param({"court": ""}, "court", id="empty-court"),
    ],
)
def test_impossible_release_facts_are_refused(officer, person, changes, field):
    sentence = record(officer, person, **custodial())
    errors = errors_of(
        sentences.sentence_update, actor=officer, crn=person.crn, number=sentence.number, **changes
    )
    assert field in errors
    sentence.refresh_from_db()
    assert sentence.crd_estimated is True


def test_release_dates_do_not_apply_to_community_orders(officer, person):
    sentence = record(officer, person)
    errors = errors_of(
        sentences.sentence_update,
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        hdc_release_date=D(2016, 7, 1),
    )
    assert "hdc_release_date" in errors


# --- Licence conditions and PSS -------------------------------------------------------------


def test_licence_update_replaces_conditions_and_sets_pss(officer, person):
    sentence = record(officer, person, **custodial())
    update = dict(actor=officer, crn=person.crn, number=sentence.number, issued_on=D(2016, 11, 30))
    sentences.licence_update(
        **update,
        discretionary=[{"category": "NO_CONTACT", "details": "No contact with J. Smith"}],
        bespoke=["Not to enter Splott Park"],
        pss={
            "RESIDE": {"applied": False, "reason_not_applied": "Approved premises arranged"},
            "DRUG_TESTING": {"applied": True, "details": "Class A"},
        },
    )
    licence = Licence.objects.get(sentence=sentence)
    assert licence.conditions.filter(kind="DISCRETIONARY", code="NO_CONTACT").exists()
    assert licence.conditions.filter(kind="BESPOKE").count() == 1
    rows = {r.code: r for r in licence.pss_requirements.all()}
    assert not rows["RESIDE"].applied and rows["RESIDE"].reason_not_applied
    assert rows["DRUG_TESTING"].applied and rows["DRUG_TESTING"].details == "Class A"
    assert not rows["DRUG_APPOINTMENT"].applied

    sentences.licence_update(**update, discretionary=[{"category": "CURFEW", "details": "7pm"}])
    assert list(licence.conditions.exclude(kind="STANDARD").values_list("code", flat=True)) == [
        "CURFEW"
    ]
    assert licence.conditions.filter(kind="STANDARD").count() == 6
    assert AuditEvent.objects.filter(object_type="probation.licence", action="UPDATE").count() >= 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"pss": {"RESIDE": {"applied": False}}}, "pss_RESIDE", id="pss-5-no-reason"),
        pytest.param(
            {"pss": {"GOOD_BEHAVIOUR": {"applied": False, "reason_not_applied": " "}}},
            "pss_GOOD_BEHAVIOUR",
            id="pss-1-blank-reason",
        ),
        pytest.param({"pss": {"NOT_A_CODE": {"applied": True}}}, "pss", id="unknown-pss"),
        pytest.param(
            {"discretionary": [{"category": "NOPE"}]}, "discretionary", id="unknown-category"
        ),
        pytest.param({"bespoke": [""]}, "bespoke", id="empty-bespoke"),
        pytest.param({"issued_on": D(2016, 5, 31)}, "issued_on", id="issued-before-sentence"),
    ],
)
def test_licence_update_errors(officer, person, changes, field):
    sentence = record(officer, person, **custodial())
    errors = errors_of(
        sentences.licence_update, actor=officer, crn=person.crn, number=sentence.number, **changes
    )
    assert field in errors
    assert (
        Licence.objects.get(sentence=sentence).pss_requirements.filter(applied=False).count() == 2
    )


def test_pss_drug_requirements_may_be_left_out_without_reason(officer, person):
    sentence = record(officer, person, **custodial())
    sentences.licence_update(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        pss={"DRUG_APPOINTMENT": {"applied": False}},
    )


def test_community_order_has_no_licence_to_change(officer, person):
    sentence = record(officer, person)
    with pytest.raises(ValidationError):
        sentences.licence_update(actor=officer, crn=person.crn, number=sentence.number)


# --- Senior Attendance Centre orders and deferred sentences ---------------------------------


def test_senior_attendance_centre_order_is_attendance_only(officer, person):
    base = {
        "sentence_type": "SENIOR_ATTENDANCE_CENTRE",
        "requirements": None,
        "length_months": None,
    }
    assert "attendance_centre_hours" in errors_of(record, officer, person, **base)
    assert "attendance_centre_hours" in errors_of(
        record, officer, person, **base, attendance_centre_hours=0
    )
    sentence = record(officer, person, **base, attendance_centre_hours=24)
    assert sentence.management == Management.ATTENDANCE_ONLY


@pytest.mark.parametrize(
    ("deferred_until", "ok"),
    [
        pytest.param(D(2016, 6, 1), False, id="same-day"),
        pytest.param(D(2016, 6, 2), True, id="next-day"),
        pytest.param(D(2016, 12, 1), True, id="exactly-6-months"),
        pytest.param(D(2016, 12, 2), False, id="6-months-plus-1-day"),
    ],
)
def test_deferment_is_at_most_six_months(officer, person, deferred_until, ok):
    fields = {
        "sentence_type": "DEFERRED",
        "requirements": None,
        "length_months": None,
        "deferred_until": deferred_until,
        "deferment_requirements": "Keep in work",
    }
    errors = errors_of(record, officer, person, **fields)
    assert (errors == {}) is ok, errors
    if ok:
        sentence = Sentence.objects.get(person=person)
        assert sentence.management == Management.MANAGED
        assert sentence.supervision_end_date == deferred_until
    else:
        assert "deferred_until" in errors


# --- Requirements -------------------------------------------------------------------------


def test_adding_a_requirement_revalidates_and_recomputes_management(officer, person):
    sentence = record(officer, person, **sso(length_months=12, requirements=[]))
    with pytest.raises(ValidationError) as error:
        sentences.requirement_add(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            code="UNPAID_WORK",
            unpaid_work_hours=301,
        )
    assert "unpaid_work_hours" in error.value.message_dict
    assert not sentence.requirements.exists()
    sentences.requirement_add(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        code="UNPAID_WORK",
        unpaid_work_hours=60,
    )
    sentence.refresh_from_db()
    assert sentence.management == Management.MANAGED
    with pytest.raises(ValidationError) as error:
        sentences.requirement_add(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            code="UNPAID_WORK",
            unpaid_work_hours=60,
        )
    assert "code" in error.value.message_dict
    assert (
        AuditEvent.objects.filter(object_type="probation.requirement", action="CREATE").count() == 1
    )


def test_em_only_order_becomes_managed_when_a_rar_is_added(officer, person):
    sentence = record(
        officer, person, requirements=[{"code": "CURFEW_EM", "curfew_hours_per_day": 8}]
    )
    sentences.requirement_add(
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        code="REHABILITATION_ACTIVITY",
        rar_max_days=10,
    )
    sentence.refresh_from_db()
    assert sentence.management == Management.MANAGED


def test_requirements_only_on_community_sentences(officer, person):
    sentence = record(officer, person, **custodial())
    errors = errors_of(
        sentences.requirement_add,
        actor=officer,
        crn=person.crn,
        number=sentence.number,
        code="UNPAID_WORK",
        unpaid_work_hours=60,
    )
    assert "code" in errors


def test_requirement_update_changes_parameters_and_status(officer, person):
    sentence = record(officer, person)
    requirement = sentence.requirements.get()
    call = dict(
        actor=officer, crn=person.crn, number=sentence.number, requirement_id=requirement.pk
    )
    assert "unpaid_work_hours" in errors_of(
        sentences.requirement_update, **call, unpaid_work_hours=301
    )
    sentences.requirement_update(**call, unpaid_work_hours=150, status="COMPLETED")
    requirement.refresh_from_db()
    assert (requirement.unpaid_work_hours, requirement.status) == (150, "COMPLETED")
    assert "status" in errors_of(sentences.requirement_update, **call, status="NOPE")
    other = record(officer, person)
    with pytest.raises(Http404):
        sentences.requirement_update(**{**call, "number": other.number})


# --- Progress, selectors ------------------------------------------------------------------------


def test_requirement_progress_counts_attended_contacts_only(officer, person):
    sentence = sentence_of(person)
    upw = requirement_of(sentence, "UNPAID_WORK", unpaid_work_hours=100)
    rar = requirement_of(sentence, "REHABILITATION_ACTIVITY")
    contact_of(person, officer, requirement=upw, outcome="ATTENDED_COMPLIED", unpaid_work_hours=6)
    contact_of(
        person,
        officer,
        requirement=upw,
        outcome="ATTENDED_FAILED_TO_COMPLY",
        unpaid_work_hours=Decimal("2.5"),
    )
    contact_of(
        person, officer, requirement=upw, outcome="UNACCEPTABLE_ABSENCE", unpaid_work_hours=7
    )
    contact_of(
        person, officer, requirement=rar, outcome="ATTENDED_COMPLIED", counts_as_rar_day=True
    )
    contact_of(person, officer, requirement=rar, outcome="", counts_as_rar_day=True)
    with CaptureQueriesContext(connection) as queries:
        progress = {r.code: r for r in sentences.requirement_progress(Requirement.objects.all())}
    assert len(queries) == 1
    assert progress["UNPAID_WORK"].hours_worked == Decimal("8.5")
    assert progress["UNPAID_WORK"].rar_days_used == 0
    assert progress["REHABILITATION_ACTIVITY"].rar_days_used == 1
    assert progress["REHABILITATION_ACTIVITY"].hours_worked == 0


def _sentences_with_licences(officer, person, count):
    for _ in range(count):
        record(officer, person, **custodial())
        record(officer, person, requirements=[UPW, RAR])


@pytest.mark.parametrize("count", [1, 5])
def test_sentences_of_reads_in_constant_queries(officer, person, count):
    _sentences_with_licences(officer, person, count)
    with CaptureQueriesContext(connection) as queries:
        found = sentences.sentences_of(person)
        for sentence in found:
            list(sentence.requirements.all())
            if sentence.licence_record:
                list(sentence.licence_record.conditions.all())
                list(sentence.licence_record.pss_requirements.all())
    assert len(found) == 2 * count
    assert len(queries) == 4


def test_overview_context(officer, person):
    record(officer, person)
    context = sentences.overview_context(user=officer, person=person)
    assert len(context["sentences"]) == 1
    assert context["sentences_can_change"] is True


# --- Scoping and audit --------------------------------------------------------------------------


def test_sentence_create_is_audited(officer, person):
    sentence = record(officer, person, **custodial())
    events = AuditEvent.objects.filter(person_crn=person.crn, action="CREATE")
    assert events.filter(object_type="probation.sentence", object_id=str(sentence.pk)).exists()
    assert events.filter(object_type="probation.licence").exists()
    requirement = record(officer, person).requirements.first()
    assert events.filter(
        object_type="probation.requirement", object_id=str(requirement.pk)
    ).exists()
    assert sentence.history.first().history_user == officer


def test_noms_contract_manager_cannot_record_sentences(person):
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    with pytest.raises(PermissionDenied):
        record(noms, person)
    assert not Sentence.objects.exists()


def test_other_crc_cannot_reach_the_person(person):
    other = staff("CRC_OFFENDER_MANAGER", "CRC20")
    with pytest.raises(Http404):
        record(other, person)
    sentence = sentence_of(person)
    with pytest.raises(Http404):
        sentences.sentence_update(
            actor=other, crn=person.crn, number=sentence.number, court="Elsewhere"
        )
    with pytest.raises(Http404):
        sentences.sentence_detail(user=other, crn=person.crn, number=sentence.number)


def test_terminated_sentence_cannot_be_changed(officer, person):
    sentence = sentence_of(person, status="TERMINATED")
    with pytest.raises(ValidationError):
        sentences.sentence_update(
            actor=officer, crn=person.crn, number=sentence.number, court="Elsewhere"
        )
