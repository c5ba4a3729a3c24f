"""The plan of a case (DOMAIN.md 5): versions, never edits; the plan as it stood on a date
(probation.plans)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from probation import clock, plans
from probation.models import AuditEvent
from tests.probation.factories import person_of, plan_of, staff

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def officer():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def person():
    return person_of("CRC11")


def _fields(**changes):
    fields = dict(
        rosh_level="MEDIUM",
        rosh_assessed_on=TODAY - DAY,
        rosh_assessor="OASys, J. Smith",
        needs=["DRUGS", "ACCOMMODATION", "DRUGS"],
        reoffending_likelihood="HIGH",
        objectives="Settled accommodation; drug treatment",
        review_date=TODAY + 90 * DAY,
    )
    return {**fields, **changes}


def test_each_plan_is_a_new_version_audited(officer, person):
    first = plans.plan_create(actor=officer, crn=person.crn, **_fields())
    second = plans.plan_create(actor=officer, crn=person.crn, **_fields(rosh_level="HIGH"))
    assert (first.version, second.version) == (1, 2)
    assert first.needs == ["ACCOMMODATION", "DRUGS"]  # once each, in the list's order
    assert plans.current_plan(person) == second
    assert (
        AuditEvent.objects.filter(action="CREATE", object_type="probation.planversion").count() == 2
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"needs": ["HOUSING"]}, "needs", id="unknown-need"),
        pytest.param({"needs": "DRUGS"}, "needs", id="needs-not-a-list"),
        pytest.param({"rosh_level": "EXTREME"}, "rosh_level", id="unknown-rosh"),
        pytest.param({"reoffending_likelihood": ""}, "reoffending_likelihood", id="no-likelihood"),
        pytest.param({"rosh_assessed_on": TODAY + DAY}, "rosh_assessed_on", id="assessed-tomorrow"),
        pytest.param({"review_date": TODAY - DAY}, "review_date", id="review-yesterday"),
        pytest.param(
            {"rosh_assessed_on": TODAY, "review_date": TODAY}, "review_date", id="review-same-day"
        ),
        pytest.param({"objectives": "  "}, "objectives", id="no-objectives"),
        pytest.param({"rosh_assessor": ""}, "rosh_assessor", id="no-assessor"),
    ],
)
def test_invalid_plans_are_refused(officer, person, changes, field):
    with pytest.raises(ValidationError) as error:
        plans.plan_create(actor=officer, crn=person.crn, **_fields(**changes))
    assert field in error.value.message_dict
    assert plans.current_plan(person) is None


def test_boundaries_today_are_allowed(officer, person):
    plan = plans.plan_create(
        actor=officer,
        crn=person.crn,
        **_fields(rosh_assessed_on=TODAY - DAY, review_date=TODAY, needs=[]),
    )
    assert plan.needs == []


def test_read_only_staff_cannot_write_a_plan(person):
    with pytest.raises(PermissionDenied):
        plans.plan_create(actor=staff("NOMS_CONTRACT_MANAGER", "NOMS"), crn=person.crn, **_fields())


def test_the_plan_as_it_stood_on_a_date(officer, person):
    def when(day, hour):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    d1, d2 = datetime.date(2026, 3, 2), datetime.date(2026, 6, 1)
    v1 = plan_of(person, officer, effective_from=when(d1, 9))
    v2 = plan_of(person, officer, effective_from=when(d2, 15))
    assert plans.plan_as_at(person, d1 - DAY) is None
    assert plans.plan_as_at(person, d1) == v1
    assert plans.plan_as_at(person, d2 - DAY) == v1
    assert plans.plan_as_at(person, d2) == v2  # in force by the end of that day
    assert plans.plan_as_at(person, when(d2, 14)) == v1  # but not yet at 2pm
    assert plans.plan_as_at(person, when(d2, 15)) == v2


def test_versions_take_effect_when_written(officer, person, monkeypatch):
    written = timezone.make_aware(datetime.datetime(2026, 11, 23, 10, 30))
    monkeypatch.setattr(clock, "now", lambda: written)
    monkeypatch.setattr(clock, "today", lambda: written.date())
    plan = plans.plan_create(
        actor=officer,
        crn=person.crn,
        **_fields(rosh_assessed_on=written.date(), review_date=written.date() + DAY),
    )
    assert plan.effective_from == written


def test_overview_in_constant_queries(officer, person, django_assert_max_num_queries):
    plan_of(person, officer)
    current = plan_of(person, officer, review_date=TODAY - DAY, needs=["DRUGS", "FINANCE"])
    # The scope check (vetting) and one query for the plan.
    with django_assert_max_num_queries(3):
        context = plans.overview_context(user=officer, person=person)
    assert context["plan"] == current
    assert context["plan_review_overdue"] is True
    assert context["plan_needs"] == ["Drug misuse", "Finance"]
