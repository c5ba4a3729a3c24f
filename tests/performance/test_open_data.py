"""Open-data tables from the monthly facts (``performance.open_data``): a quarter's figure
per measure kind, which organisations and measures a table has, publication (versions,
audit, refusals) and immutability – by the models everywhere, by the database trigger on
PostgreSQL."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from performance import measures as registry
from performance import open_data
from performance.base import ALL_LEVELS, DIVISION, PROVIDER, VOLUMES, Kind, Measure
from performance.models import PublishedError, PublishedFigure, PublishedTable
from probation.models import AuditEvent, VettingRecord
from tests.performance.factories import fact_of
from tests.probation.factories import staff

pytestmark = pytest.mark.django_db

Q1 = datetime.date(2016, 1, 1)
C, X = open_data.SUPPRESSED, open_data.NOT_AVAILABLE

# Test-only measures of the kinds the registry may not have yet (issue 9 part 1).
TEST_MEASURES = (
    Measure(
        code="TEST_STARTS",
        name="Test starts",
        topic=VOLUMES,
        kind=Kind.COUNT,
        numerator="sentences started",
        denominator="",
    ),
    Measure(
        code="TEST_CASELOAD",
        name="Test caseload",
        topic=VOLUMES,
        kind=Kind.COUNT,
        numerator="cases held at the month's end",
        denominator="",
        stock=True,
    ),
    Measure(
        code="TEST_ESCALATIONS",
        name="Test escalations per 100 cases",
        topic=VOLUMES,
        kind=Kind.PER_100,
        numerator="risk escalations",
        denominator="cases held at the month's end",
        denominator_from="TEST_CASELOAD",
    ),
    Measure(
        code="TEST_PAID",
        name="Test paid to date",
        topic=VOLUMES,
        kind=Kind.MONEY,
        numerator="paid to date",
        denominator="the MAP",
    ),
    Measure(
        code="TEST_CRC_ONLY",
        name="Test CRC only",
        topic=VOLUMES,
        kind=Kind.COUNT,
        numerator="things only providers do",
        denominator="",
        levels=(PROVIDER,),
    ),
)


def register_test_measures(monkeypatch):
    for measure in TEST_MEASURES:
        assert measure.levels == ALL_LEVELS or measure.levels == (PROVIDER,)
        monkeypatch.setitem(registry.MEASURES, measure.code, measure)


@pytest.fixture
def test_measures(monkeypatch):
    register_test_measures(monkeypatch)


def vetted_staff(role: str, organisation: str):
    """Staff vetted from 2010 to 2099, so their vetting is current whatever date the
    platform's clock is frozen at (``freeze``)."""
    user = staff(role, organisation, vetted=False)
    VettingRecord.objects.create(
        user=user,
        baseline_check_date=datetime.date(2010, 1, 1),
        dbs_check_date=datetime.date(2010, 1, 1),
        dbs_expiry_date=datetime.date(2099, 12, 31),
    )
    return user


def noms():
    return vetted_staff("NOMS_CONTRACT_MANAGER", "NOMS")


def figure(table, org_code, measure):
    return next(
        f for f in table.figures if f.organisation.code == org_code and f.measure.code == measure
    )


# --- A quarter's figures per kind --------------------------------------------------------------


def test_a_share_adds_the_months_numerators_and_denominators():
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-02", 9, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-03", 6, 10)
    # Not the quarter's, or not the whole figure: not counted.
    fact_of("CRC11", "FIRST_APPOINTMENT", "2015-12", 100, 100)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-04", 100, 100)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-02", 5, 5, breakdown="LICENCE")

    found = figure(open_data.preview(Q1), "CRC11", "FIRST_APPOINTMENT")

    assert (found.numerator, found.denominator) == (23, 30)
    assert found.shown == open_data.Shown("23", "30", "76.7")


def test_a_flow_count_adds_the_months(test_measures):
    for month, count in (("2016-01", 3), ("2016-02", 4), ("2016-03", 5)):
        fact_of("CRC11", "TEST_STARTS", month, count)

    found = figure(open_data.preview(Q1), "CRC11", "TEST_STARTS")

    # Each month alone would be suppressed; the quarter's 12 is not.
    assert found.shown == open_data.Shown("12", "", "12")


def test_a_stock_is_the_quarters_last_month(test_measures):
    fact_of("CRC11", "TEST_CASELOAD", "2016-01", 100)
    fact_of("CRC11", "TEST_CASELOAD", "2016-02", 110)
    fact_of("CRC11", "TEST_CASELOAD", "2016-03", 120)
    # Without a figure for March, a caseload is not available.
    fact_of("CRC01", "TEST_CASELOAD", "2016-01", 100)

    table = open_data.preview(Q1)

    assert figure(table, "CRC11", "TEST_CASELOAD").shown.value == "120"
    assert figure(table, "CRC01", "TEST_CASELOAD").shown.value == X


def test_per_100_divides_by_the_mean_of_the_monthly_denominators(test_measures):
    fact_of("CRC11", "TEST_ESCALATIONS", "2016-01", 3, 100)
    fact_of("CRC11", "TEST_ESCALATIONS", "2016-02", 4, 110)
    fact_of("CRC11", "TEST_ESCALATIONS", "2016-03", 5, 120)

    found = figure(open_data.preview(Q1), "CRC11", "TEST_ESCALATIONS")

    # 12 escalations per 100 of the mean caseload 110: 10.909... -> 10.9 (the sum, 330,
    # would give 3.6).
    assert found.shown == open_data.Shown("12", "110", "10.9")


def test_money_measures_are_not_published(test_measures):
    fact_of("CRC11", "TEST_PAID", "2016-01", 100_000, 1_000_000)

    table = open_data.preview(Q1)

    assert "TEST_PAID" not in {m.code for m in table.measures}
    assert {"TEST_STARTS", "TEST_CASELOAD", "TEST_ESCALATIONS", "FIRST_APPOINTMENT"} <= {
        m.code for m in table.measures
    }


def test_organisations_are_crcs_the_nps_and_its_divisions_not_ldus():
    fact_of("LDU1103", "FIRST_APPOINTMENT", "2016-01", 50, 60)

    table = open_data.preview(Q1)

    kinds = [o.kind for o in table.organisations]
    assert set(kinds) == {"CRC", "NPS", "NPS_DIVISION"}
    assert kinds.index("NPS") > max(i for i, k in enumerate(kinds) if k == "CRC")
    assert [o.cpa_number for o in table.organisations if o.kind == "CRC"] == sorted(
        o.cpa_number for o in table.organisations if o.kind == "CRC"
    )
    assert table.facts == 0


def test_not_available_without_a_fact_or_outside_the_measures_levels(test_measures):
    fact_of("NPS-WAL", "TEST_CRC_ONLY", "2016-01", 50)
    fact_of("NPS", "TEST_CRC_ONLY", "2016-01", 50)
    fact_of("NPS", "FIRST_APPOINTMENT", "2016-01", 0, 0)
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", "2016-02", 2, 3)

    table = open_data.preview(Q1)

    assert figure(table, "NPS-WAL", "TEST_CRC_ONLY").shown.value == X
    assert DIVISION not in registry.MEASURES["TEST_CRC_ONLY"].levels
    assert figure(table, "NPS", "TEST_CRC_ONLY").shown.value == "50"
    assert figure(table, "CRC11", "FIRST_APPOINTMENT").shown == open_data.Shown(X, X, X)
    assert figure(table, "NPS", "FIRST_APPOINTMENT").shown == open_data.Shown("0", "0", X)
    assert figure(table, "NPS-WAL", "FIRST_APPOINTMENT").shown == open_data.Shown(C, C, C)


def test_the_preview_costs_the_same_queries_however_many_facts(test_measures):
    fact_of("CRC11", "TEST_STARTS", "2016-01", 7)
    with CaptureQueriesContext(connection) as few:
        open_data.preview(Q1)
    for code in ("CRC01", "CRC02", "CRC03", "NPS", "NPS-WAL"):
        for month in ("2016-01", "2016-02", "2016-03"):
            fact_of(code, "TEST_STARTS", month, 7)
            fact_of(code, "FIRST_APPOINTMENT", month, 7, 9)
    with CaptureQueriesContext(connection) as many:
        open_data.preview(Q1)
    assert len(many) == len(few) == 2


# --- Publishing ----------------------------------------------------------------------------


def test_publish_stores_every_figure_audited(freeze, test_measures):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    fact_of("CRC11", "TEST_STARTS", "2016-03", 3)
    user = noms()

    table = open_data.publish(Q1, user=user, notes="  First release  ")

    assert (table.quarter, table.version, table.notes) == (Q1, 1, "First release")
    assert table.published_by == user
    preview = open_data.preview(Q1)
    assert table.figures.count() == len(preview.figures)
    stored = PublishedFigure.objects.get(
        table=table, organisation__code="CRC11", measure="FIRST_APPOINTMENT"
    )
    assert (stored.numerator, stored.denominator, stored.value) == ("8", "10", "80.0")
    stored = PublishedFigure.objects.get(
        table=table, organisation__code="CRC11", measure="TEST_STARTS"
    )
    assert (stored.numerator, stored.denominator, stored.value) == (C, "", C)
    assert not PublishedFigure.objects.filter(table=table, measure="TEST_PAID").exists()
    event = AuditEvent.objects.get(object_type="performance.publishedtable")
    assert (event.action, event.actor, event.object_id) == ("CREATE", user, str(table.pk))
    assert event.changes["version"] == [None, 1]
    assert event.changes["figures"] == [None, len(preview.figures)]


def test_each_publication_of_a_quarter_is_a_new_version(freeze):
    freeze(datetime.date(2016, 6, 30))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    first = open_data.publish(Q1, user=noms())
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-02", 9, 10)
    second = open_data.publish(Q1, user=noms(), notes="February added")

    assert (first.version, second.version) == (1, 2)
    value = PublishedFigure.objects.filter(organisation__code="CRC11", measure="FIRST_APPOINTMENT")
    assert list(value.order_by("table__version").values_list("value", flat=True)) == [
        "80.0",
        "85.0",
    ]


@pytest.mark.parametrize(
    "today",
    [
        pytest.param(datetime.date(2016, 3, 31), id="last-day-of-the-quarter"),
        pytest.param(datetime.date(2015, 12, 1), id="before-the-quarter"),
    ],
)
def test_a_quarter_not_ended_is_refused(freeze, today):
    freeze(today)
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)

    with pytest.raises(ValidationError) as refused:
        open_data.publish(Q1, user=noms())

    assert "has not ended" in refused.value.message_dict["quarter"][0]
    assert not PublishedTable.objects.exists()


def test_a_quarter_without_facts_is_refused(freeze):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-04", 8, 10)

    with pytest.raises(ValidationError) as refused:
        open_data.publish(Q1, user=noms())

    assert "no performance facts" in refused.value.message_dict["quarter"][0]
    assert not PublishedTable.objects.exists()
    assert not AuditEvent.objects.filter(object_type="performance.publishedtable").exists()


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        pytest.param("CRC_MANAGER", "CRC11", id="crc-manager"),
        pytest.param("NPS_SENIOR_MANAGER", "NPS-WAL", id="nps-division-head"),
    ],
)
def test_only_noms_contract_managers_publish(freeze, role, organisation):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)

    with pytest.raises(PermissionDenied):
        open_data.publish(Q1, user=vetted_staff(role, organisation))

    assert not PublishedTable.objects.exists()


# --- Immutability ----------------------------------------------------------------------------


@pytest.fixture
def published(freeze):
    freeze(datetime.date(2016, 4, 1))
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-01", 8, 10)
    return open_data.publish(Q1, user=noms())


def test_the_models_refuse_changes(published):
    stored = published.figures.first()
    published.notes = "changed"
    with pytest.raises(PublishedError):
        published.save()
    with pytest.raises(PublishedError):
        published.delete()
    stored.value = "99.9"
    with pytest.raises(PublishedError):
        stored.save()
    with pytest.raises(PublishedError):
        stored.delete()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's (migration 0002)"
)


@postgres_only
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda t: PublishedTable.objects.filter(pk=t.pk).update(notes="changed"),
            id="table-queryset-update",
        ),
        pytest.param(
            lambda t: PublishedFigure.objects.filter(table=t).update(value="99.9"),
            id="figure-queryset-update",
        ),
        pytest.param(
            lambda t: PublishedFigure.objects.filter(table=t)._raw_delete("default"),
            id="figure-raw-delete",
        ),
        pytest.param(
            lambda t: connection.cursor().execute(
                "UPDATE performance_publishedfigure SET value = '99.9' WHERE table_id = %s",
                [t.pk],
            ),
            id="figure-sql-update",
        ),
        pytest.param(
            lambda t: connection.cursor().execute(
                "UPDATE performance_publishedtable SET version = 7 WHERE id = %s", [t.pk]
            ),
            id="table-sql-update",
        ),
        pytest.param(
            lambda t: connection.cursor().execute(
                "DELETE FROM performance_publishedtable WHERE id = %s", [t.pk]
            ),
            id="table-sql-delete",
        ),
    ],
)
def test_the_database_refuses_changes(published, change):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        change(published)

    assert (
        PublishedFigure.objects.get(
            table=published, organisation__code="CRC11", measure="FIRST_APPOINTMENT"
        ).value
        == "80.0"
    )
    assert PublishedTable.objects.get(pk=published.pk).version == 1
