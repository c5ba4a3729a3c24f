"""The measures of performance.definitions as the registry reads them: each has what its kind
needs, and each month's cases are counted and listed in a constant number of queries
whatever the number of cases (the facts job groups them in one query per measure; the
drill-down lists them in one)."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from contracts.service_levels import CASE_COLUMNS
from enforcement import workflows as wf
from performance import definitions, drilldown
from performance.base import Kind
from performance.measures import MEASURES
from tests.enforcement import open_records as records
from tests.performance import test_definitions_referrals as referrals
from tests.performance import test_definitions_volumes as volumes
from tests.probation.factories import org, person_of

D = datetime.date
MARCH, APRIL = D(2016, 3, 1), D(2016, 4, 1)
at = referrals.at


def test_every_measure_has_what_its_kind_needs():
    codes = [m.code for m in definitions.MEASURES]
    assert len(codes) == len(set(codes))
    for measure in definitions.MEASURES:
        assert MEASURES[measure.code] is measure
        assert measure.numerator
        if measure.kind == Kind.MONEY:
            assert measure.figures and not measure.cases and measure.denominator
        else:
            assert measure.cases and not measure.figures
        if measure.kind == Kind.PER_100:
            base = MEASURES[measure.denominator_from]
            assert base.kind == Kind.COUNT and base.stock
        if measure.kind == Kind.COUNT:
            assert measure.denominator == ""
        if measure.comparable:
            assert measure.is_rate


def one_of_each():
    """One case of every measure in March 2016 (most CRC11's, the NPS's answers Wales')."""
    volumes.started(D(2016, 3, 10))
    referrals.decision(D(2016, 3, 10), to="NPS")
    referrals.breach(D(2016, 3, 11))
    records.escalation(person_of("CRC11"), at(D(2016, 3, 10)))
    referrals.decided(records.escalation(person_of("CRC11"), at(D(2016, 3, 2))), at(D(2016, 3, 9)))
    referrals.referred(person_of("CRC11"), at(D(2016, 3, 10)))
    records.recall(person_of("CRC11"), at(D(2016, 3, 10)))
    breach = records.breach_referral(person_of("CRC11"), at(D(2016, 3, 2)))
    wf.BREACH_REFERRAL.advance(
        breach, "decide_court_action", actor=None, at=at(D(2016, 3, 4)), system=True
    )
    recall = records.recall(person_of("CRC11"), at(D(2016, 3, 2)), endorsement=True)
    wf.RECALL_REQUEST.advance(recall, "endorse", actor=None, at=at(D(2016, 3, 3)), system=True)
    referrals.transfer(at(D(2016, 3, 10)))


def _counted(measure) -> list:
    """The month's rows counted as the facts job groups them."""
    columns = ["for_provider", "for_division", "for_ldu"]
    if measure.breakdown:
        columns.append("case_breakdown")
    rows = measure.cases(MARCH, APRIL)
    return list(
        rows.order_by()
        .values(*columns)
        .annotate(rows=Count("pk"), met=Count("pk", filter=Q(case_met=True)))
    )


def _queries(measure, organisation) -> tuple[int, int, int]:
    with CaptureQueriesContext(connection) as grouped:
        counted = _counted(measure)
    with CaptureQueriesContext(connection) as listed:
        cases = list(drilldown.rows(measure, organisation, MARCH).values(*CASE_COLUMNS))
    assert counted and cases, measure.code
    return len(grouped), len(listed), sum(row["rows"] for row in counted)


CASE_MEASURES = [m for m in definitions.MEASURES if m.cases]
OWNER = {"ALLOCATED_IN_ONE_DAY": "NPS-WAL", "ESCALATION_RESPONSES_ON_TIME": "NPS-WAL"}
OWNER |= {"BREACH_RESPONSES_ON_TIME": "NPS-WAL", "RECALL_ENDORSEMENTS_ON_TIME": "NPS-WAL"}


@pytest.mark.django_db
def test_the_cases_are_counted_and_listed_in_one_query_each_whatever_their_number():
    one_of_each()
    few = {m.code: _queries(m, org(OWNER.get(m.code, "CRC11"))) for m in CASE_MEASURES}
    one_of_each()
    one_of_each()
    more = {m.code: _queries(m, org(OWNER.get(m.code, "CRC11"))) for m in CASE_MEASURES}
    for code, (grouped, listed, rows) in more.items():
        assert (grouped, listed) == few[code][:2] == (1, 1), code
        assert rows == 3 * few[code][2], code
