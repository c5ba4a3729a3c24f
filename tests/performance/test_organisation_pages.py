"""One organisation's performance page and the cases behind its figures (issue 9 part 2):
who sees which organisation (NOMS all, a CRC manager their CRC, a division head their
division; 404 otherwise) and where ``mine`` leads; the months shown (the 12 to the latest
month with facts by default, a bad choice in the error summary); each measure's chart with
a table holding every charted figure, its text alternative, the contract's target of each
month (exactly at the target is met; none for the NPS) and breakdowns; the drill-down listing
exactly the cases behind a figure, named only where the reader may see the person,
paginated and as CSV; money figures leading to the contract's ledger; 404 for a bad measure,
month or organisation; constant numbers of queries."""

import csv
import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contracts import periods
from performance import charts, selectors, views_organisation
from performance import measures as registry
from performance.base import PROVIDER, Kind, Measure
from probation.models import Person
from tests.contracts.factories import contract_of, service_level_of
from tests.enforcement.factories import decided_failure
from tests.performance.factories import fact_of
from tests.probation.factories import contact_of, org, person_of, sentence_of, staff

D = datetime.date
MARCH = "2016-03"

pytestmark = pytest.mark.django_db


def page(code: str) -> str:
    return reverse("performance:organisation", args=[code])


def cases_url(code: str, measure: str, month: str = MARCH) -> str:
    return reverse("performance:cases", args=[code, measure, month])


def login(client, role: str, organisation: str):
    client.force_login(staff(role, organisation))
    return client


@pytest.fixture
def noms(client):
    return login(client, "NOMS_CONTRACT_MANAGER", "NOMS")


def section(response, code: str) -> dict:
    return next(
        s
        for topic in response.context["topics"]
        for s in topic["sections"]
        if s["measure"].code == code
    )


def table_texts(one: dict) -> list[list[str]]:
    return [[cell["text"] or cell["tag"] for cell in row] for row in one["table"]["rows"]]


# --- Who sees which organisation ---------------------------------------------------------------


def test_noms_sees_any_organisation(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 8, 10)
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", MARCH, 3, 4)
    for code in ("CRC11", "CRC20", "NPS", "NPS-WAL", "LDU1101"):
        assert noms.get(page(code)).status_code == 200
    response = noms.get(page("CRC11"))
    assert response.context["organisation"].code == "CRC11"
    assert "80%" in response.content.decode()


@pytest.mark.parametrize(
    "code, status",
    [
        ("CRC11", 200),
        ("CRC20", 404),
        ("NPS", 404),
        ("NPS-WAL", 404),
        ("LDU1101", 404),
        ("NOPE", 404),
    ],
    ids=["own-crc", "another-crc", "nps", "a-division", "an-ldu-of-its-own", "no-such"],
)
def test_a_crc_manager_sees_their_own_crc_only(client, code, status):
    fact_of("CRC20", "FIRST_APPOINTMENT", MARCH, 8, 10)
    login(client, "CRC_MANAGER", "CRC11")
    assert client.get(page(code)).status_code == status
    assert client.get(cases_url(code, "FIRST_APPOINTMENT")).status_code == status


@pytest.mark.parametrize(
    "code, status",
    [("NPS-WAL", 200), ("NPS-NE", 404), ("NPS", 404), ("CRC11", 404)],
    ids=["own-division", "another-division", "the-nps", "a-crc"],
)
def test_an_nps_division_head_sees_their_own_division_only(client, code, status):
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", MARCH, 3, 4)
    login(client, "NPS_SENIOR_MANAGER", "NPS-WAL")
    assert client.get(page(code)).status_code == status


def test_staff_without_performance_see_no_organisation(client):
    login(client, "CRC_OFFENDER_MANAGER", "CRC11")
    assert client.get(page("CRC11")).status_code == 404
    assert client.get(reverse("performance:mine")).status_code == 404


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(page("CRC11"))
    assert response.status_code == 302 and response.url.startswith("/sign-in/")


@pytest.mark.parametrize(
    "role, organisation, target",
    [
        ("CRC_MANAGER", "CRC11", "/performance/organisations/CRC11/"),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", "/performance/organisations/NPS-WAL/"),
        ("NOMS_CONTRACT_MANAGER", "NOMS", "/performance/"),
    ],
    ids=["crc-manager", "division-head", "noms"],
)
def test_mine_leads_to_your_own_page(client, role, organisation, target):
    login(client, role, organisation)
    response = client.get(reverse("performance:mine"))
    assert response.status_code == 302 and response.url == target


# --- The months shown --------------------------------------------------------------------------


def test_the_twelve_months_to_the_latest_month_with_facts_by_default(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-09", 8, 10)
    fact_of("CRC20", "FIRST_APPOINTMENT", "2017-03", 8, 10)  # another organisation's month
    response = noms.get(page("CRC11"))
    months = response.context["months"]
    assert (months[0], months[-1], len(months)) == (D(2015, 10, 1), D(2016, 9, 1), 12)


def test_the_months_chosen(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-09", 8, 10)
    response = noms.get(page("CRC11"), {"to": "2016-06", "months": "3"})
    assert response.context["months"] == [D(2016, 4, 1), D(2016, 5, 1), D(2016, 6, 1)]
    assert response.context["errors"] == []


@pytest.mark.parametrize(
    "query, messages",
    [
        ({"to": "2016-13"}, ["Enter the last month as a year and month, like 2016-12"]),
        ({"to": "March"}, ["Enter the last month as a year and month, like 2016-12"]),
        ({"months": "0"}, ["Enter a number of months from 1 to 36"]),
        ({"months": "37"}, ["Enter a number of months from 1 to 36"]),
        ({"months": "twelve"}, ["Enter the number of months as a whole number, like 12"]),
    ],
    ids=["month-13", "not-a-month", "no-months", "too-many-months", "not-a-number"],
)
def test_a_bad_choice_of_months_is_in_the_error_summary(noms, query, messages):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-09", 8, 10)
    response = noms.get(page("CRC11"), query)
    assert response.status_code == 200
    assert [message for _, message in response.context["errors"]] == messages
    body = response.content.decode()
    assert "govuk-error-summary" in body and messages[0] in body
    assert response.context["months"][-1] == D(2016, 9, 1)  # the default months shown


@given(
    to=st.dates(D(2015, 1, 1), D(2040, 12, 31)),
    count=st.integers(1, views_organisation.MAX_MONTHS),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_months_to_are_consecutive_months_ending_with_the_one_chosen(to, count):
    months = selectors.months_to(to, count)
    assert len(months) == count
    assert months[-1] == to.replace(day=1)
    assert all(m.day == 1 for m in months)
    assert all(periods.add_months(a, 1) == b for a, b in zip(months, months[1:], strict=False))


# --- Charts and tables -------------------------------------------------------------------------


@pytest.fixture
def wales_2016():
    """CRC11's first appointments in 2016: 8/10 in January (contract year 1, target 85%),
    9/10 in June (year 2, target 90%: exactly met), 91/100 in December; no figure in the
    other months."""
    year_1 = contract_of("CRC11", year=1)
    year_2 = contract_of("CRC11", year=2)
    service_level_of(year_1, "FIRST_APPOINTMENT", target="0.85")
    service_level_of(year_2, "FIRST_APPOINTMENT", target="0.90")
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-06", 9, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-12", 91, 100)
    return year_1, year_2


def test_a_service_level_against_the_target_of_the_contract_covering_each_month(noms, wales_2016):
    response = noms.get(page("CRC11"))
    one = section(response, "FIRST_APPOINTMENT")
    rows = {row[0]: row[1:] for row in table_texts(one)}
    assert [h["text"] for h in one["table"]["head"]] == [
        "Month",
        "Met",
        "Cases",
        "Percentage",
        "Target",
        "Target met",
    ]
    assert rows["Jan 2016"] == ["8", "10", "80%", "85%", "Not met"]
    assert rows["Jun 2016"] == ["9", "10", "90%", "90%", "Met"]  # exactly at the target
    assert rows["Dec 2016"] == ["91", "100", "91%", "90%", "Met"]
    assert rows["Feb 2016"] == ["–", "–", "–", "90%", "–"]


def test_the_text_alternative_says_what_the_chart_shows(noms, wales_2016):
    response = noms.get(page("CRC11"))
    name = org("CRC11").name
    one = section(response, "FIRST_APPOINTMENT")
    assert one["text"] == (
        f"First appointment on time for {name}, Jan 2016 to Dec 2016: from 80% to 91% "
        "(3 of 12 months with a figure); target 90%"
    )
    body = response.content.decode()
    assert f'aria-label="{one["text"]}"' in body


def test_the_chart_data_is_on_the_page_as_json(noms, wales_2016):
    response = noms.get(page("CRC11"))
    body = response.content.decode()
    found = re.search(
        r'<script id="chart-first-appointment-data" type="application/json">(.*?)</script>',
        body,
        re.S,
    )
    data = json.loads(found.group(1))
    assert data["type"] == "trend" and data["percent"] is True and data["target"] == 90.0
    assert data["labels"][0] == "2016-01" and data["labels"][-1] == "2016-12"
    values = data["series"][0]["values"]
    assert values[0] == 80.0 and values[5] == 90.0 and values[11] == 91.0
    assert values[1] is None
    assert 'data-chart-data="chart-first-appointment-data"' in body
    assert "js/charts.mjs" in body
    assert "<script>" not in body  # no inline script (Content Security Policy)


def test_every_charted_figure_is_in_its_table(noms, wales_2016):
    fact_of("CRC11", "ORDERS_COMPLETED", "2016-12", 7, 9)
    response = noms.get(page("CRC11"))
    sections = [s for topic in response.context["topics"] for s in topic["sections"]]
    assert {s["measure"].code for s in sections} == {"FIRST_APPOINTMENT", "ORDERS_COMPLETED"}
    for one in sections:
        texts = table_texts(one)
        for series in one["chart"]["series"]:
            for month, value in zip(one["chart"]["labels"], series["values"], strict=True):
                row = next(
                    r for r in texts if r[0] == charts.month_name(periods.parse_month(month))
                )
                shown = charts.format_value(value, percent=one["chart"]["percent"])
                if value is not None:
                    assert shown in row, (one["measure"].code, month)


def test_every_figure_links_to_its_cases(noms, wales_2016):
    response = noms.get(page("CRC11"))
    one = section(response, "FIRST_APPOINTMENT")
    links = [cell["href"] for row in one["table"]["rows"] for cell in row if cell["href"]]
    assert links == [
        cases_url("CRC11", "FIRST_APPOINTMENT", "2016-01"),
        cases_url("CRC11", "FIRST_APPOINTMENT", "2016-06"),
        cases_url("CRC11", "FIRST_APPOINTMENT", "2016-12"),
    ]
    assert all(link in response.content.decode() for link in links)


def test_the_nps_has_no_contract_targets(noms, wales_2016):
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", "2016-12", 3, 4)
    one = section(noms.get(page("NPS-WAL")), "FIRST_APPOINTMENT")
    assert [h["text"] for h in one["table"]["head"]] == ["Month", "Met", "Cases", "Percentage"]
    assert one["chart"]["target"] is None
    assert "target" not in one["text"]


def test_only_measures_with_facts_are_charted_and_the_others_named(noms):
    fact_of("CRC11", "ORDERS_COMPLETED", MARCH, 7, 9)
    response = noms.get(page("CRC11"))
    assert [t["name"] for t in response.context["topics"]] == ["Sentence delivery"]
    assert "FIRST_APPOINTMENT" in {m.code for m in response.context["unmeasured"]}


@pytest.fixture
def starts(monkeypatch):
    """A breakdown COUNT measure of sentences started, by sentence type."""

    def cases(first, after):
        from probation.models import Sentence

        return Sentence.objects.filter(sentence_date__gte=first, sentence_date__lt=after).annotate(
            **_sentence_columns()
        )

    measure = Measure(
        code="TEST_STARTS",
        name="Sentences started",
        topic=registry.TOPICS[0],
        kind=Kind.COUNT,
        numerator="Sentences started in the month",
        denominator="",
        cases=cases,
        breakdown="Sentence type",
    )
    monkeypatch.setitem(registry.MEASURES, measure.code, measure)
    return measure


def _sentence_columns():
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Concat

    return {
        "case_person": F("person_id"),
        "case_reference": Concat(
            F("person__crn"), Value("/"), F("number"), output_field=CharField()
        ),
        "case_met": Value(True),
        "case_detail": Concat(Value("Sentenced "), F("sentence_date"), output_field=CharField()),
        "case_breakdown": F("sentence_type"),
        "for_provider": F("person__responsible_provider_id"),
        "for_division": F("person__ldu__division_id"),
        "for_ldu": F("person__ldu_id"),
    }


def test_a_breakdown_measure_shows_its_parts_in_the_table(noms, starts):
    fact_of("CRC11", "TEST_STARTS", MARCH, 5)
    fact_of("CRC11", "TEST_STARTS", MARCH, 3, breakdown="COMMUNITY_ORDER")
    fact_of("CRC11", "TEST_STARTS", MARCH, 2, breakdown="SUSPENDED_SENTENCE_ORDER")
    response = noms.get(page("CRC11"), {"to": MARCH, "months": "2"})
    one = section(response, "TEST_STARTS")
    assert [h["text"] for h in one["table"]["head"]] == [
        "Month",
        "COMMUNITY_ORDER",
        "SUSPENDED_SENTENCE_ORDER",
        "Total",
    ]
    assert table_texts(one) == [["Feb 2016", "–", "–", "–"], ["Mar 2016", "3", "2", "5"]]
    assert [s["label"] for s in one["chart"]["series"]] == [
        "Total",
        "COMMUNITY_ORDER",
        "SUSPENDED_SENTENCE_ORDER",
    ]
    links = [cell["href"] for cell in one["table"]["rows"][1] if cell["href"]]
    assert links == [
        cases_url("CRC11", "TEST_STARTS") + "?breakdown=COMMUNITY_ORDER",
        cases_url("CRC11", "TEST_STARTS") + "?breakdown=SUSPENDED_SENTENCE_ORDER",
        cases_url("CRC11", "TEST_STARTS"),
    ]


def test_the_page_costs_the_same_queries_whatever_the_months_and_measures(client, monkeypatch):
    year_1 = contract_of("CRC11", year=1)
    service_level_of(year_1, "FIRST_APPOINTMENT")
    login(client, "CRC_MANAGER", "CRC11")
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 8, 10)
    client.get(page("CRC11"))  # sessions and caches warmed
    with CaptureQueriesContext(connection) as few:
        assert client.get(page("CRC11"), {"months": "1"}).status_code == 200
    contract_of("CRC11", year=2)
    for month in range(1, 13):
        for code in ("FIRST_APPOINTMENT", "ORDERS_COMPLETED", "SCREENING", "PLAN_WITHIN_5_DAYS"):
            if (code, month) != ("FIRST_APPOINTMENT", 3):
                fact_of("CRC11", code, D(2016, month, 1), month, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page("CRC11"), {"to": "2016-12", "months": "36"})
    assert response.status_code == 200
    assert len(section(response, "SCREENING")["table"]["rows"]) == 36
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- The cases behind a figure -----------------------------------------------------------------


def officer():
    from probation.models import User

    return User.objects.filter(username="orgpage-officer").first() or staff(
        "CRC_OFFENDER_MANAGER", "CRC11", username="orgpage-officer"
    )


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def order(provider="CRC11", *, on, seen=None, **person):
    """A Community Order starting ``on``, seen at a first appointment on ``seen``."""
    person = person_of(provider, **person)
    sentence = sentence_of(person, sentence_date=on, offence_date=on - datetime.timedelta(days=30))
    if seen is not None:
        contact_of(person, officer(), starts_at=at(seen), outcome="ATTENDED_COMPLIED")
    return sentence


@pytest.fixture
def first_appointments():
    """CRC11's first appointments in March 2016: seen on time (1 March, due 8 March), seen
    late and never seen; CRC20's and February's are not CRC11's March cases."""
    on_time = order(on=D(2016, 3, 1), seen=D(2016, 3, 8))
    late = order(on=D(2016, 3, 21), seen=D(2016, 3, 31))
    never = order(on=D(2016, 3, 10))
    order("CRC20", on=D(2016, 3, 2), seen=D(2016, 3, 2), ldu_crc="CRC20")
    order(on=D(2016, 2, 29), seen=D(2016, 3, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 1, 3)
    return on_time, late, never


def listed(response) -> dict[str, bool]:
    return {
        row["case_reference"]: row["case_met"] for row in response.context["page_obj"].object_list
    }


def test_the_drill_down_lists_exactly_the_cases_behind_the_figure(noms, first_appointments):
    on_time, late, never = first_appointments
    response = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    assert response.status_code == 200
    assert listed(response) == {
        on_time.reference: True,
        late.reference: False,
        never.reference: False,
    }
    assert (response.context["total"], response.context["met"]) == (3, 1)
    assert not response.context["differs"]
    body = response.content.decode()
    assert response.context["shown"] == "33.3%" and "33.3%" in body
    assert "Started 2016-03-21, due by 2016-03-30, first seen 2016-03-31" in body
    # NOMS may read every case: each person named and linked.
    person = on_time.person
    assert person.first_name in body
    assert reverse("person-detail", args=[person.crn]) in body


def test_the_drill_down_says_when_the_records_moved_on_since_the_figure(noms, first_appointments):
    order(on=D(2016, 3, 3))  # recorded after the facts were computed
    response = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    assert response.context["total"] == 4 and response.context["differs"]


def test_the_drill_down_of_a_division_lists_its_nps_cases(client):
    in_wales = order("NPS", on=D(2016, 3, 1), seen=D(2016, 3, 2))
    order("CRC11", on=D(2016, 3, 1), seen=D(2016, 3, 2))  # a CRC's case in Wales
    order("NPS", on=D(2016, 3, 1), seen=D(2016, 3, 2), ldu_crc="CRC01")  # NPS, another division
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", MARCH, 1, 1)
    login(client, "NPS_SENIOR_MANAGER", "NPS-WAL")
    response = client.get(cases_url("NPS-WAL", "FIRST_APPOINTMENT"))
    assert listed(response) == {in_wales.reference: True}


def referral(when, provider="CRC11"):
    """A breach referral decided by ``provider``'s officer on time, as the enforcement
    workflow records it."""
    person, _, _ = decided_failure(when, provider=provider, recorded_by=officer())
    return person


def test_names_are_shown_only_for_people_the_reader_may_see(client):
    """A case CRC11 referred in March and then transferred to CRC20 stays in CRC11's figure,
    but CRC11's manager may no longer read the person: CRN only, no name, no link."""
    kept = referral(at(D(2016, 3, 4)))
    moved = referral(at(D(2016, 3, 7)))
    Person.objects.filter(pk=moved.pk).update(responsible_provider=org("CRC20"))
    fact_of("CRC11", "ENFORCEMENT_REFERRALS_ON_TIME", MARCH, 2, 2)
    login(client, "CRC_MANAGER", "CRC11")
    response = client.get(cases_url("CRC11", "ENFORCEMENT_REFERRALS_ON_TIME"))
    rows = {row["crn"]: row["name"] for row in response.context["page_obj"].object_list}
    assert rows == {kept.crn: f"{kept.first_name} {kept.last_name}", moved.crn: ""}
    body = response.content.decode()
    assert reverse("person-detail", args=[kept.crn]) in body
    assert reverse("person-detail", args=[moved.crn]) not in body
    assert moved.crn in body and moved.last_name not in body


def test_the_cases_are_paginated(noms, first_appointments, monkeypatch):
    monkeypatch.setattr(views_organisation, "CASES_PAGE_SIZE", 2)
    on_time, late, never = first_appointments
    first = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    second = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"), {"page": "2"})
    references = sorted([on_time.reference, late.reference, never.reference])
    assert list(listed(first)) == references[:2] and first.context["page_obj"].has_next
    assert list(listed(second)) == references[2:] and not second.context["page_obj"].has_next
    assert 'rel="next"' in first.content.decode()
    assert (first.context["total"], second.context["total"]) == (3, 3)


def test_the_cases_as_csv_without_names(noms, first_appointments):
    on_time, late, never = first_appointments
    response = noms.get(
        reverse("performance:cases-csv", args=["CRC11", "FIRST_APPOINTMENT", MARCH])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="cases-CRC11-FIRST_APPOINTMENT-2016-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["crn", "reference", "met", "detail"]
    assert {(r[0], r[1], r[2]) for r in rows[1:]} == {
        (on_time.person.crn, on_time.reference, "yes"),
        (late.person.crn, late.reference, "no"),
        (never.person.crn, never.reference, "no"),
    }
    assert (
        on_time.person.last_name
        not in b"".join(
            noms.get(
                reverse("performance:cases-csv", args=["CRC11", "FIRST_APPOINTMENT", MARCH])
            ).streaming_content
        ).decode()
    )


def test_a_breakdown_drill_down_lists_that_part_only(noms, starts):
    order_ = order(on=D(2016, 3, 1))
    suspended = sentence_of(
        person_of("CRC11"),
        "SUSPENDED_SENTENCE_ORDER",
        sentence_date=D(2016, 3, 2),
        offence_date=D(2016, 1, 2),
    )
    fact_of("CRC11", "TEST_STARTS", MARCH, 1, breakdown="SUSPENDED_SENTENCE_ORDER")
    response = noms.get(
        cases_url("CRC11", "TEST_STARTS"), {"breakdown": "SUSPENDED_SENTENCE_ORDER"}
    )
    assert list(listed(response)) == [suspended.reference]
    assert response.context["figure"].numerator == 1
    whole = noms.get(cases_url("CRC11", "TEST_STARTS"))
    assert set(listed(whole)) == {order_.reference, suspended.reference}
    csv_link = reverse("performance:cases-csv", args=["CRC11", "TEST_STARTS", MARCH])
    assert f"{csv_link}?breakdown=SUSPENDED_SENTENCE_ORDER" in response.content.decode()


def test_the_drill_down_costs_the_same_queries_whatever_the_cases(noms):
    order(on=D(2016, 3, 1), seen=D(2016, 3, 2))
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 1, 1)
    noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    with CaptureQueriesContext(connection) as one:
        noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    for day in range(2, 14):
        order(on=D(2016, 3, day), seen=D(2016, 3, day))
    with CaptureQueriesContext(connection) as many:
        response = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"))
    assert response.context["total"] == 13
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


@pytest.mark.parametrize(
    "measure, month",
    [
        ("NOPE", MARCH),
        ("FIRST_APPOINTMENT", "2016-13"),
        ("FIRST_APPOINTMENT", "March"),
        ("FIRST_APPOINTMENT", "2016-3"),
        ("FIRST_APPOINTMENT", "16-03"),
    ],
    ids=["no-such-measure", "month-13", "a-word", "one-digit-month", "two-digit-year"],
)
def test_a_bad_measure_or_month_is_404(noms, measure, month):
    assert noms.get(cases_url("CRC11", measure, month)).status_code == 404
    csv_url = reverse("performance:cases-csv", args=["CRC11", measure, month])
    assert noms.get(csv_url).status_code == 404


def test_a_breakdown_of_a_measure_without_one_is_404(noms):
    response = noms.get(cases_url("CRC11", "FIRST_APPOINTMENT"), {"breakdown": "X"})
    assert response.status_code == 404


@pytest.fixture
def payments(monkeypatch):
    measure = Measure(
        code="TEST_PAID",
        name="Paid to date",
        topic=registry.TOPICS[-1],
        kind=Kind.MONEY,
        numerator="Paid to the CRC in the contract year to date",
        denominator="The maximum annual payment",
        figures=lambda first, after: [],
        levels=(PROVIDER,),
    )
    monkeypatch.setitem(registry.MEASURES, measure.code, measure)
    return measure


def test_money_figures_lead_to_the_contracts_ledger(noms, payments):
    year_2 = contract_of("CRC11", year=2)  # February 2016 to January 2017
    fact_of("CRC11", "TEST_PAID", MARCH, 250_000_00, 12_000_000_00)
    response = noms.get(cases_url("CRC11", "TEST_PAID"))
    assert response.status_code == 200
    assert response.context["contract"] == year_2
    body = response.content.decode()
    assert reverse("contracts:ledger", args=[year_2.pk]) in body
    assert "£250,000.00" in body and "£12,000,000.00" in body
    one = section(noms.get(page("CRC11"), {"to": MARCH, "months": "1"}), "TEST_PAID")
    assert table_texts(one) == [["Mar 2016", "£250,000.00", "£12,000,000.00", "2.1%"]]
    assert one["table"]["rows"][0][1]["href"] == reverse("contracts:ledger", args=[year_2.pk])
    csv_url = reverse("performance:cases-csv", args=["CRC11", "TEST_PAID", MARCH])
    assert noms.get(csv_url).status_code == 404


def test_a_money_measure_has_no_figures_below_the_provider(noms, payments):
    assert noms.get(cases_url("LDU1101", "TEST_PAID")).status_code == 404
