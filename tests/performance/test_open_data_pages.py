"""Open-data pages (issue 9 part 5): published tables are read and downloaded without
signing in (the list, a table by topic, its CSV and metadata sheet); only NOMS contract
managers reach the publish page (anybody else 404), choose a quarter that has ended and has
facts, check its table and publish it."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance import measures, open_data, published
from performance.models import PublishedTable
from probation.models import AuditEvent
from tests.performance.factories import fact_of
from tests.performance.test_open_data import noms, register_test_measures, vetted_staff
from tests.probation.factories import org, staff

pytestmark = pytest.mark.django_db

Q1 = datetime.date(2016, 1, 1)
LIST = reverse("performance:open-data")
PUBLISH = reverse("performance:publish")


def _summary(page: str) -> str:
    match = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def _rows(response) -> list[list[str]]:
    body = b"".join(getattr(response, "streaming_content", [response.content]))
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


@pytest.fixture
def table(freeze, monkeypatch):
    """Q1 2016 published: CRC11's first appointments 8 of 10, NPS-WAL's 2 of 3 ([c]),
    CRC11's starts 12 and its escalations 12 per 100 of a mean caseload of 110."""
    register_test_measures(monkeypatch)
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", "2016-02", 2, 3)
    for month, starts, caseload in (("2016-01", 3, 100), ("2016-02", 4, 110), ("2016-03", 5, 120)):
        fact_of("CRC11", "TEST_STARTS", month, starts)
        fact_of("CRC11", "TEST_ESCALATIONS", month, starts, caseload)
    return open_data.publish(Q1, user=noms(), notes="First release")


# --- Reading without signing in --------------------------------------------------------------


def test_the_list_is_public_newest_first(client, table, freeze):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-04", 8, 10)
    freeze(datetime.date(2016, 7, 1))
    q2 = open_data.publish(datetime.date(2016, 4, 1), user=noms())
    again = open_data.publish(Q1, user=noms())

    response = client.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    order = re.findall(r'data-testid="table-row" data-table="(\d+)"', page)
    assert order == [str(q2.pk), str(again.pk), str(table.pk)]
    assert "Superseded" in page
    assert reverse("performance:table-csv", args=[table.pk]) in page
    assert 'data-testid="publish-link"' not in page


def test_noms_see_the_way_to_publish(client, table):
    client.force_login(noms())
    assert 'data-testid="publish-link"' in client.get(LIST).content.decode()


def test_a_table_is_public_by_topic_with_its_downloads(client, table):
    response = client.get(reverse("performance:table", args=[table.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "January to March 2016" in page
    assert "First release" in page
    assert reverse("performance:table-csv", args=[table.pk]) in page
    assert reverse("performance:table-metadata", args=[table.pk]) in page
    assert 'data-topic="Public protection"' in page
    topic = page.split('data-topic="Public protection"')[1]
    row = re.search(r'data-organisation="CRC11">(.*?)</tr>', topic, re.S)
    cell = re.search(r'data-measure="FIRST_APPOINTMENT">(.*?)</td>', row.group(1), re.S).group(1)
    assert cell.startswith("80.0") and "8 of 10" in cell
    division = topic.split('data-organisation="NPS-WAL">')[1]
    assert re.search(r'data-measure="FIRST_APPOINTMENT">\[c\]', division)
    assert "Signed in as" not in page


def test_an_unknown_table_is_404(client):
    for name in ("table", "table-csv", "table-metadata"):
        assert client.get(reverse(f"performance:{name}", args=[999999])).status_code == 404


def test_the_csv_has_one_row_per_organisation_and_measure(client, table):
    response = client.get(reverse("performance:table-csv", args=[table.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="probation-performance-2016-Q1-v1-table.csv"'
    )
    rows = _rows(response)
    assert (
        tuple(rows[0])
        == published.COLUMN_NAMES
        == (
            "quarter",
            "quarter_start",
            "quarter_end",
            "version",
            "organisation_code",
            "organisation_name",
            "organisation_type",
            "topic",
            "measure_code",
            "measure_name",
            "unit",
            "numerator",
            "denominator",
            "value",
        )
    )
    assert len(rows) - 1 == table.figures.count()
    found = {(r[4], r[8]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    share = found[("CRC11", "FIRST_APPOINTMENT")]
    assert share == {
        "quarter": "2016-Q1",
        "quarter_start": "2016-01-01",
        "quarter_end": "2016-03-31",
        "version": "1",
        "organisation_code": "CRC11",
        "organisation_name": org("CRC11").name,
        "organisation_type": "CRC",
        "topic": "Public protection",
        "measure_code": "FIRST_APPOINTMENT",
        "measure_name": share["measure_name"],
        "unit": "percentage",
        "numerator": "8",
        "denominator": "10",
        "value": "80.0",
    }
    assert found[("NPS-WAL", "FIRST_APPOINTMENT")]["value"] == "[c]"
    assert found[("NPS-WAL", "FIRST_APPOINTMENT")]["organisation_type"] == "NPS division"
    assert found[("NPS", "FIRST_APPOINTMENT")]["value"] == "[x]"
    assert found[("CRC11", "TEST_STARTS")]["value"] == "12"
    per_100 = found[("CRC11", "TEST_ESCALATIONS")]
    assert (per_100["unit"], per_100["denominator"], per_100["value"]) == ("per 100", "110", "10.9")
    # CRCs first, by CPA number, then the NPS, then its divisions.
    codes = list(dict.fromkeys(r[4] for r in rows[1:]))
    assert codes.index("NPS") > codes.index("CRC11")
    assert codes.index("NPS-WAL") > codes.index("NPS")


def test_the_metadata_sheet_explains_columns_measures_symbols_and_rules(client, table):
    response = client.get(reverse("performance:table-metadata", args=[table.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    rows = _rows(response)
    assert rows[0] == ["section", "item", "description"]
    by = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert {name for section, name in by if section == "column"} == set(published.COLUMN_NAMES)
    assert by[("publication", "version")] == "1"
    assert by[("publication", "published")] == "2016-04-01"
    assert by[("publication", "notes")] == "First release"
    assert "case-management platform" in by[("publication", "source")]
    assert "1 to 4" in by[("symbol", "[c]")]
    assert "Not available" in by[("symbol", "[x]")]
    assert "1 to 4" in by[("rule", "suppression")]
    assert "half-up" in by[("rule", "rounding")]
    first = by[("measure", "FIRST_APPOINTMENT")]
    assert measures.MEASURES["FIRST_APPOINTMENT"].numerator.rstrip(".") in first
    assert measures.MEASURES["FIRST_APPOINTMENT"].denominator.rstrip(".") in first
    assert "mean" in by[("measure", "TEST_ESCALATIONS")]


@pytest.mark.parametrize("figures", [1, 6])
def test_pages_cost_the_same_queries_whatever_the_size(client, freeze, figures, monkeypatch):
    register_test_measures(monkeypatch)
    freeze(datetime.date(2016, 4, 1))
    user = noms()
    for code in ("CRC01", "CRC02", "CRC03", "CRC11", "NPS", "NPS-WAL")[:figures]:
        fact_of(code, "TEST_STARTS", "2016-01", 9)
    tables = [open_data.publish(Q1, user=user) for _ in range(figures)]

    counts = []
    for url in (
        LIST,
        reverse("performance:table", args=[tables[0].pk]),
        reverse("performance:table-csv", args=[tables[0].pk]),
        reverse("performance:table-metadata", args=[tables[0].pk]),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    # the list: the tables with their figure counts; a table: the table, its figures with
    # their organisations (and whether a newer version exists).
    assert counts == [1, 3, 2, 2]


# --- Publishing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: vetted_staff("CRC_MANAGER", "CRC11"), id="crc-manager"),
        pytest.param(lambda: vetted_staff("NPS_SENIOR_MANAGER", "NPS-WAL"), id="nps-head"),
        pytest.param(
            lambda: staff("NOMS_CONTRACT_MANAGER", "NOMS", vetted=False), id="noms-unvetted"
        ),
    ],
)
def test_the_publish_page_is_noms_contract_managers_only(client, freeze, make_user):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    client.force_login(make_user())

    assert client.get(PUBLISH).status_code == 404
    assert client.get(PUBLISH, {"year": "2016", "quarter": "1"}).status_code == 404
    assert client.post(PUBLISH, {"year": "2016", "quarter": "1"}).status_code == 404
    assert not PublishedTable.objects.exists()


def test_signed_out_the_publish_page_asks_to_sign_in(client):
    response = client.get(PUBLISH)
    assert response.status_code == 302
    assert "login" in response["Location"] or "sign" in response["Location"]


def test_choose_a_quarter(client, freeze):
    freeze(datetime.date(2016, 4, 1))
    client.force_login(noms())

    page = client.get(PUBLISH).content.decode()

    assert 'data-testid="choose-quarter"' in page
    assert 'name="year"' in page and 'name="quarter"' in page
    assert 'data-testid="publish-form"' not in page
    assert not _summary(page)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(
            {"year": "2016", "quarter": "2"}, "April to June 2016 has not ended", id="not-ended"
        ),
        pytest.param({"year": "2015", "quarter": "4"}, "no performance facts", id="no-facts"),
        pytest.param({"year": "16", "quarter": "1"}, "Enter the year as 4 digits", id="bad-year"),
        pytest.param({"year": "2016"}, "Select the quarter", id="no-quarter"),
        pytest.param({"year": "2016", "quarter": "5"}, "Select the quarter", id="bad-quarter"),
        pytest.param({"quarter": "1"}, "Enter the year", id="no-year"),
    ],
)
def test_a_quarter_that_cannot_be_published_is_an_error(client, freeze, query, message):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    client.force_login(noms())

    page = client.get(PUBLISH, query).content.decode()

    assert message in _summary(page)
    assert "<title>Error: " in page
    assert 'data-testid="publish-form"' not in page


def test_preview_then_publish(client, freeze):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    user = noms()
    client.force_login(user)

    page = client.get(PUBLISH, {"year": "2016", "quarter": "1"}).content.decode()

    assert "Check the table for January to March 2016" in page
    assert 'data-testid="publish-form"' in page
    assert "csrfmiddlewaretoken" in page
    assert not PublishedTable.objects.exists()
    assert re.search(r'data-measure="FIRST_APPOINTMENT">80\.0', page)

    response = client.post(
        PUBLISH, {"year": "2016", "quarter": "1", "notes": "First release"}, follow=True
    )

    table = PublishedTable.objects.get()
    assert response.redirect_chain == [(reverse("performance:table", args=[table.pk]), 302)]
    assert "govuk-notification-banner--success" in response.content.decode()
    assert "published (version 1)" in response.content.decode()
    assert (table.quarter, table.version, table.notes, table.published_by) == (
        Q1,
        1,
        "First release",
        user,
    )
    assert AuditEvent.objects.filter(
        object_type="performance.publishedtable", actor=user, via="web"
    ).exists()

    again = client.get(PUBLISH, {"year": "2016", "quarter": "1"}).content.decode()
    assert "this will be version 2" in again


def test_publishing_a_quarter_not_ended_is_refused(client, freeze):
    freeze(datetime.date(2016, 3, 31))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    client.force_login(noms())

    response = client.post(PUBLISH, {"year": "2016", "quarter": "1"})

    assert response.status_code == 200
    assert "has not ended" in _summary(response.content.decode())
    assert not PublishedTable.objects.exists()


def test_publishing_needs_the_csrf_token(freeze):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    client = Client(enforce_csrf_checks=True)
    client.force_login(noms())

    assert client.post(PUBLISH, {"year": "2016", "quarter": "1"}).status_code == 403
    assert not PublishedTable.objects.exists()
