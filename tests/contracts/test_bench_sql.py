"""The benchmark's hand-written SQL (bench/bench_contracts.py: ``WAV_SQL``, ``COHORT_SQL``) on a
handful of hand-made facts, figures worked out by hand – and, as an independent cross-check,
``contracts.volumes.counts`` (through ``rules.wav``) and ``contracts.cohorts.figures`` on the
same facts. PostgreSQL only: the SQL is PostgreSQL's."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_contracts import cohort_figures, wav_figures
from contracts import periods, rules
from contracts.models import ProvenReoffence, ReoffendingImport
from probation.rules import pnc_check_letter
from resettlement.models import CustodyEpisode, ResettlementPlan
from tests.contracts.factories import contract_of
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff
from tests.resettlement.factories import prison

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the benchmark's SQL is PostgreSQL's"
    ),
]

D = datetime.date
DAY = datetime.timedelta(days=1)
LONDON = ZoneInfo("Europe/London")
FIRST_YEAR = D(2015, 2, 1)
Q1, _Q2, _Q3, Q4 = periods.quarters(FIRST_YEAR, 1)
YEAR1 = periods.year_period(FIRST_YEAR, D(2016, 1, 31), 1)
WINDOWS = {"follow_up": 12, "proven": 18, "lag": 3}

_serials = iter(range(7_000_001, 7_999_999))


def a_pnc() -> str:
    serial = next(_serials)
    return f"2003/{serial:07d}{pnc_check_letter(2003, serial)}"


def person(provider="CRC11", pnc=True):
    return person_of(provider, pnc_number=a_pnc() if pnc else None)


def order(who, day, kind="COMMUNITY_ORDER", crc="CRC11", upw=None, **fields):
    sentence = sentence_of(
        who,
        kind,
        sentence_date=day,
        offence_date=day - 30 * DAY,
        pbr_provider=org(crc) if crc else None,
        **fields,
    )
    if upw is not None:
        requirement_of(sentence, "UNPAID_WORK", unpaid_work_hours=upw)
    return sentence


def release(who, day, *, crc="CRC11", licence=True, licence_start=None):
    """A custodial sentence of ``crc`` released on ``day`` (None: not yet) onto licence or,
    with ``licence=False``, onto PSS only."""
    expected = licence_start or day or D(2015, 8, 1)
    return sentence_of(
        who,
        "CUSTODIAL",
        sentence_date=expected - 200 * DAY,
        offence_date=expected - 260 * DAY,
        term_months=12,
        actual_release_date=day,
        licence_start_date=expected if licence else None,
        licence_end_date=expected + 180 * DAY if licence else None,
        pss_start_date=None if licence else expected,
        pss_end_date=None if licence else expected + 364 * DAY,
        pbr_provider=org(crc) if crc else None,
    )


def plan(who, writer, completed_at):
    """A custody episode of ``who`` in a bench prison and its plan, written by ``writer``
    (None: not completed) at ``completed_at`` (an aware datetime)."""
    where = prison("QBT")
    sentence_day = D(2014, 12, 1)
    sentence = sentence_of(
        who,
        "CUSTODIAL",
        sentence_date=sentence_day,
        offence_date=sentence_day - 30 * DAY,
        term_months=24,
    )
    episode = CustodyEpisode.objects.create(
        person=who,
        status="SENTENCED",
        sentence=sentence,
        received_on=sentence_day,
        reception_prison=where,
        prison=where,
        recorded_by=staff("PRISON_STAFF", where.organisation.code),
        recorded_at=completed_at,
    )
    opened = datetime.datetime.combine(sentence_day, datetime.time(9), tzinfo=LONDON)
    return ResettlementPlan.objects.create(
        person=who,
        episode=episode,
        state="SHARED" if writer else "CLOSED",
        step_started_at=opened,
        opened_at=opened,
        screening_access_by=sentence_day + DAY,
        plan_due_by=sentence_day + 7 * DAY,
        writer=org(writer) if writer else None,
        completed_at=completed_at if writer else None,
    )


def reoffence(who, committed, proven, code="OC001"):
    source = ReoffendingImport.objects.first() or ReoffendingImport.objects.create(
        filename="bench.csv", sha256="0" * 64, rows=0, added=0, already_held=0
    )
    return ProvenReoffence.objects.create(
        source=source,
        pnc_number=who.pnc_number,
        offence_date=committed,
        disposal_date=proven,
        offence_code=code,
    )


def test_wav_sql_counts_each_start_with_its_weight_and_band():
    contract_11, contract_12 = contract_of("CRC11", 1), contract_of("CRC12", 1)
    contract_of("CRC11", 2)  # another year: not in year 1's figures
    a, b, nps = person(), person(), person("NPS")
    # Orders of CRC11 in year 1 (weights: CO 1.0, SSO 1.2; bands ≤100: 0.4, ≤200: 0.8, open 1.2).
    order(a, D(2015, 2, 1), upw=100)  # first day, band edge: 1.0 + 0.4
    order(a, D(2016, 1, 31), "SUSPENDED_SENTENCE_ORDER", upw=101)  # last day: 1.2 + 0.8
    order(b, D(2015, 6, 1), upw=200)  # 1.0 + 0.8
    order(b, D(2015, 7, 1), upw=201)  # 1.0 + 1.2
    requirement_of(order(b, D(2015, 8, 1)), "REHABILITATION_ACTIVITY")  # no unpaid work: 1.0
    # Not starts of CRC11 in year 1.
    order(a, D(2015, 1, 31), upw=300)  # the day before the year
    order(a, D(2016, 2, 1), upw=300)  # the next year's
    order(b, D(2015, 5, 1), "SENIOR_ATTENDANCE_CENTRE", attendance_centre_hours=24)
    order(b, D(2015, 5, 2), "DEFERRED")
    order(nps, D(2015, 5, 3), crc=None)  # an NPS case
    order(b, D(2015, 9, 1), crc="CRC12", upw=50)  # reallocated: CRC12's, 1.0 + 0.4
    # Releases (licence 1.5, PSS only 0.5), on the actual release date.
    release(a, D(2015, 6, 1))
    release(b, D(2015, 7, 1), licence=False)
    release(a, None, licence_start=D(2015, 8, 1))  # not released yet
    release(b, D(2016, 2, 2), licence_start=D(2016, 1, 30))  # released late: year 2
    release(nps, D(2015, 6, 2), crc="CRC12")  # CRC12's: 1.5
    # Resettlement plans completed by CRC11 (0.3), on the local date.
    plan(a, "CRC11", datetime.datetime(2015, 3, 10, 11, tzinfo=LONDON))
    plan(b, "CRC11", datetime.datetime(2016, 1, 31, 23, 30, tzinfo=LONDON))
    plan(nps, "CRC11", datetime.datetime(2016, 2, 1, 0, 30, tzinfo=LONDON))  # year 2
    plan(person(), None, datetime.datetime(2015, 4, 1, 11, tzinfo=LONDON))  # not completed

    with connection.cursor() as cursor:
        figures = wav_figures(cursor, 1)

    assert set(figures) == {contract_11.pk, contract_12.pk}
    crc11, crc12 = figures[contract_11.pk], figures[contract_12.pk]
    assert crc11["starts"] == 9
    assert crc11["wav"] == Decimal("1.4") + Decimal("2.0") + Decimal("1.8") + Decimal(
        "2.2"
    ) + Decimal("1.0") + Decimal("1.5") + Decimal("0.5") + 2 * Decimal("0.3")
    assert crc11["wav"] == Decimal("11.0")
    assert (crc12["starts"], crc12["wav"]) == (2, Decimal("2.9"))

    # The cross-check: the run's module gives the same figures on the same facts.
    volumes = pytest.importorskip("contracts.volumes")
    if not hasattr(volumes, "counts"):
        pytest.skip("contracts.volumes.counts is not written yet")
    for contract, expected in ((contract_11, crc11), (contract_12, crc12)):
        counts = volumes.counts(contract.crc_id, contract.start_date, contract.end_date)
        wav = rules.wav(contract.wav_weights, contract.upw_bands, counts)
        assert (wav.starts, wav.wav) == (expected["starts"], expected["wav"])


@pytest.fixture
def cohort_facts():
    """CRC11 and CRC12 cohorts of contract year 1 (Q1 = Feb–Apr 2015, Q4 = Nov 2015–Jan
    2016), with reoffences either side of every window edge."""
    contracts = {"CRC11": contract_of("CRC11", 1), "CRC12": contract_of("CRC12", 1)}
    a, b, sac, d, e, g, h, nps = (
        person(),
        person(pnc=False),
        person(),
        person(),
        person(),
        person(),
        person(),
        person("NPS"),
    )
    order(a, D(2015, 2, 1))  # enters Q1 and the year on their first day
    order(a, D(2015, 3, 15))  # again in Q1: once, the earliest entry counts
    order(a, D(2015, 9, 1))  # again in the year
    reoffence(a, D(2015, 2, 1), D(2016, 7, 31))  # on entry, proven the day before 18 months
    reoffence(a, D(2016, 1, 31), D(2016, 3, 1))  # the day before 12 months
    reoffence(a, D(2016, 2, 1), D(2016, 3, 1))  # committed at 12 months: out
    reoffence(a, D(2015, 5, 1), D(2016, 8, 1))  # proven at 18 months: out
    reoffence(a, D(2015, 1, 31), D(2015, 3, 1))  # before entry: out
    release(b, D(2015, 4, 30))  # no PNC: a member who cannot reoffend
    order(sac, D(2015, 3, 1), "SENIOR_ATTENDANCE_CENTRE", attendance_centre_hours=12)
    reoffence(sac, D(2015, 3, 5), D(2015, 4, 1))  # SAC is never a cohort: not counted
    order(d, D(2015, 3, 1), "SUSPENDED_SENTENCE_ORDER", crc="CRC12")
    reoffence(d, D(2015, 3, 10), D(2015, 4, 1))
    order(d, D(2015, 6, 1))  # also CRC11's, later: the reoffence is before this entry
    order(e, D(2015, 5, 1))  # Q2: the year only
    reoffence(e, D(2016, 4, 30), D(2016, 5, 1))
    release(g, D(2015, 8, 31), licence=False)  # PSS only; + 18 months = 28 Feb 2017
    reoffence(g, D(2015, 9, 1), D(2017, 2, 27))
    reoffence(g, D(2015, 9, 2), D(2017, 2, 28))  # proven on the clamped edge: out
    order(h, D(2016, 1, 31))  # the year's last day: Q4 and the year
    order(nps, D(2015, 3, 1), crc=None)
    reoffence(nps, D(2015, 3, 2), D(2015, 4, 1))
    return contracts


def test_cohort_sql_figures_in_the_month_each_cohort_matures(cohort_facts):
    crc11, crc12 = cohort_facts["CRC11"].pk, cohort_facts["CRC12"].pk
    # Q1 ends 30 April 2015: proven window to 31 October 2016, lag 3 → February 2017.
    # Q4 and the year end 31 January 2016 → November 2017.
    assert Q1.matures_in() == D(2017, 2, 1)
    assert Q4.matures_in() == YEAR1.matures_in() == D(2017, 11, 1)
    with connection.cursor() as cursor:
        february = cohort_figures(cursor, D(2017, 2, 1), **WINDOWS)
        november = cohort_figures(cursor, D(2017, 11, 1), **WINDOWS)
        october = cohort_figures(cursor, D(2017, 10, 1), **WINDOWS)

    def figures(rows):
        return {
            key: (row["cohort_size"], row["reoffenders"], row["reoffences"])
            for key, row in rows.items()
        }

    assert figures(february) == {
        (crc11, "PBR_BINARY:Y1-Q1"): (2, 1, 2),  # a (2 reoffences), b
        (crc12, "PBR_BINARY:Y1-Q1"): (1, 1, 1),  # d
    }
    assert figures(november) == {
        (crc11, "PBR_BINARY:Y1-Q4"): (1, 0, 0),  # h
        (crc12, "PBR_BINARY:Y1-Q4"): (0, 0, 0),  # an empty cohort is still due
        (crc11, "PBR_FREQUENCY:Y1"): (6, 3, 4),  # a 2, b, d 0, e 1, g 1, h
        (crc12, "PBR_FREQUENCY:Y1"): (1, 1, 1),
    }
    assert october == {}

    # The cross-check: contracts.cohorts gives the same figures on the same facts.
    cohorts = pytest.importorskip("contracts.cohorts")
    if not hasattr(cohorts, "figures"):
        pytest.skip("contracts.cohorts.figures is not written yet")
    for rows in (february, november):
        for row in rows.values():
            period = next(
                p
                for p in [*periods.quarters(FIRST_YEAR, 1), YEAR1]
                if p.label == row["label"] and p.start == row["period_start"]
            )
            assert tuple(cohorts.figures(row["crc_id"], period)) == (
                row["cohort_size"],
                row["reoffenders"],
                row["reoffences"],
            )


def test_cohort_sql_data_lag_moves_the_month(cohort_facts):
    """With a data lag of 5 months, year 1's last quarter and year mature in January 2018."""
    with connection.cursor() as cursor:
        january = cohort_figures(cursor, D(2018, 1, 1), **{**WINDOWS, "lag": 5})
    assert {key[1] for key in january} == {"PBR_BINARY:Y1-Q4", "PBR_FREQUENCY:Y1"}
    crc11 = cohort_facts["CRC11"].pk
    assert january[(crc11, "PBR_FREQUENCY:Y1")]["cohort_size"] == 6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    day=st.dates(min_value=D(2014, 1, 1), max_value=D(2022, 12, 31)),
    months=st.sampled_from([1, 3, 4, 12, 18, 22, 24]),
)
def test_sql_month_arithmetic_is_add_months(day, months):
    """The windows the SQL uses (``date + make_interval(months => n)``) end on the day
    ``contracts.periods.add_months`` gives, month ends included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (%s::date + make_interval(months => %s))::date", [day, months])
        assert cursor.fetchone()[0] == periods.add_months(day, months)


@pytest.mark.parametrize("variant", ["bare", "indexed", "keyed"])
def test_the_floor_writes_what_it_counts_and_gives_the_same_figures(cohort_facts, variant):
    """The benchmark's floor (the same SQL writing every start and member it counts, then
    computing its figures from those rows) gives the read-only SQL's figures, whatever
    tables it writes into – so the floor measures the writing and nothing else."""
    from bench.bench_contracts import floor_figures

    november = D(2017, 11, 1)
    with connection.cursor() as cursor:
        wav = wav_figures(cursor, 1)
        cohorts = cohort_figures(cursor, november, **WINDOWS)
    floor_wav, floor_cohorts, seconds, written = floor_figures(
        connection, 1, november, variant=variant, **WINDOWS
    )

    assert (floor_wav, floor_cohorts) == (wav, cohorts)
    assert written == {
        "bench_floor_starts": sum(row["starts"] for row in wav.values()),
        "bench_floor_members": sum(row["cohort_size"] for row in cohorts.values()),
    }
    assert written["bench_floor_starts"] > 0 and written["bench_floor_members"] == 8
    assert seconds > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('bench_floor_starts'), to_regclass('bench_floor_members')"
        )
        assert cursor.fetchone() == (None, None)  # dropped afterwards
