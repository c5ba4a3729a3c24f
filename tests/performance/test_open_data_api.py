"""The published tables in the API (issue 9 part 6): open to anybody, newest quarter first,
paginated; one table with its figures exactly as published ([c] and [x] kept as strings);
404 for an unknown id; documented in the schema."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from performance import open_data
from tests.performance.factories import fact_of
from tests.performance.test_open_data import noms, register_test_measures
from tests.probation.factories import api_client

pytestmark = pytest.mark.django_db

Q1 = datetime.date(2016, 1, 1)
TABLES = reverse("v1:published-tables")


def _table(table_id) -> str:
    return reverse("v1:published-table", args=[table_id])


@pytest.fixture
def published(freeze, monkeypatch):
    register_test_measures(monkeypatch)
    freeze(datetime.date(2016, 7, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", "2016-02", 2, 3)
    fact_of("CRC11", "TEST_STARTS", "2016-03", 30)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-04", 9, 10)
    user = noms()
    return [
        open_data.publish(Q1, user=user),
        open_data.publish(datetime.date(2016, 4, 1), user=user),
        open_data.publish(Q1, user=user, notes="Corrected"),
    ]


def test_anybody_lists_the_tables_newest_quarter_first(published):
    first, q2, corrected = published

    response = APIClient().get(TABLES)

    assert response.status_code == 200
    body = response.json()
    assert [t["id"] for t in body["results"]] == [q2.pk, corrected.pk, first.pk]
    shown = body["results"][1]
    assert shown["quarter"] == "2016-Q1"
    assert (shown["quarter_start"], shown["quarter_end"]) == ("2016-01-01", "2016-03-31")
    assert (shown["version"], shown["notes"]) == (2, "Corrected")
    assert shown["figure_count"] == corrected.figures.count()
    assert shown["csv"].endswith(reverse("performance:table-csv", args=[corrected.pk]))
    assert shown["metadata"].endswith(reverse("performance:table-metadata", args=[corrected.pk]))
    assert "figures" not in shown
    assert [t["superseded"] for t in body["results"]] == [False, False, True]


def test_the_list_is_paginated(published):
    body = APIClient().get(TABLES, {"page_size": 2}).json()

    assert len(body["results"]) == 2
    rest = APIClient().get(body["next"]).json()
    assert [t["id"] for t in rest["results"]] == [published[0].pk]


def test_a_table_has_its_figures_as_published(published):
    table = published[0]

    response = APIClient().get(_table(table.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["quarter"], body["version"]) == (table.pk, "2016-Q1", 1)
    figures = {(f["organisation_code"], f["measure_code"]): f for f in body["figures"]}
    assert len(figures) == len(body["figures"]) == table.figures.count() == body["figure_count"]
    share = figures[("CRC11", "FIRST_APPOINTMENT")]
    assert {k: share[k] for k in ("numerator", "denominator", "value", "unit")} == {
        "numerator": "8",
        "denominator": "10",
        "value": "80.0",
        "unit": "percentage",
    }
    assert share["organisation_type"] == "CRC" and share["topic"] == "Public protection"
    suppressed = figures[("NPS-WAL", "FIRST_APPOINTMENT")]
    assert (suppressed["numerator"], suppressed["denominator"], suppressed["value"]) == (
        "[c]",
        "[c]",
        "[c]",
    )
    assert suppressed["organisation_type"] == "NPS division"
    assert figures[("NPS", "FIRST_APPOINTMENT")]["value"] == "[x]"
    count = figures[("CRC11", "TEST_STARTS")]
    assert (count["value"], count["denominator"], count["unit"]) == ("30", "", "count")


def test_a_partner_system_with_a_token_reads_them_too(published):
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get(TABLES).status_code == 200
    assert client.get(_table(published[0].pk)).status_code == 200


def test_an_unknown_table_is_404():
    assert APIClient().get(_table(999999)).status_code == 404


def test_the_api_costs_the_same_queries_whatever_the_size(published, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        APIClient().get(TABLES)
    with django_assert_max_num_queries(2):
        APIClient().get(_table(published[0].pk))


def test_the_schema_documents_both_endpoints():
    schema = APIClient().get(reverse("schema"), {"format": "json"}).json()

    listed = schema["paths"]["/api/v1/performance/tables/"]["get"]
    one = schema["paths"]["/api/v1/performance/tables/{table_id}/"]["get"]
    assert listed["operationId"] == "list_published_tables"
    assert one["operationId"] == "retrieve_published_table"
    assert "404" in one["responses"]
