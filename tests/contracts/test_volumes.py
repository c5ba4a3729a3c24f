"""Starts of the Weighted Annual Volume (DOMAIN.md 9; issue 8 part 2; contracts.volumes):
what counts as a start of a CRC, on which day, with how many unpaid work hours – and the
evidence rows a reconciliation writes. The weights are ``contracts.rules``' job; the
counts only carry the hours."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts import rules, volumes
from contracts.models import EntryKind, LedgerEntry, WavStart
from probation import clock
from resettlement import plans
from resettlement.models import ResettlementPlan
from tests.contracts.factories import BANDS, WEIGHTS, contract_of
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff
from tests.resettlement.days import clear_monday
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db

D = datetime.date
# Contract year 1's second quarter: the period the tests count over.
START, END = D(2015, 5, 1), D(2015, 7, 31)
JUNE_1 = D(2015, 6, 1)


def order(crc="CRC11", kind="COMMUNITY_ORDER", day=JUNE_1, upw=None, **fields):
    person = person_of(crc)
    sentence = sentence_of(
        person,
        kind,
        sentence_date=day,
        offence_date=day - datetime.timedelta(days=30),
        pbr_provider=org(crc) if crc else None,
        **fields,
    )
    if upw is not None:
        requirement_of(sentence, "UNPAID_WORK", unpaid_work_hours=upw)
    return sentence


def release(crc="CRC11", day=JUNE_1, *, licence=True, pss=False, **fields):
    """A custodial sentence released on ``day`` onto licence and/or PSS."""
    person = person_of(crc)
    return sentence_of(
        person,
        "CUSTODIAL",
        sentence_date=D(2014, 6, 1),
        offence_date=D(2014, 3, 1),
        term_months=24,
        actual_release_date=day,
        licence_start_date=day if licence else None,
        licence_end_date=day + datetime.timedelta(days=365) if licence else None,
        pss_start_date=(day + datetime.timedelta(days=366 if licence else 0)) if pss else None,
        pbr_provider=org(crc),
        **fields,
    )


def completed_plan(writer="CRC11", at=None):
    """A resettlement plan received in Cardiff and completed by ``writer`` at ``at`` (the
    facts ``resettlement.plans.plan_complete`` records: writer and completed_at)."""
    cardiff = prison("CFI", lead="CRC11")
    person = person_of(writer or "CRC11")
    episode = reception(person, cardiff, received_on=D(2015, 3, 2))
    ResettlementPlan.objects.filter(episode=episode).update(
        writer=org(writer) if writer else None, completed_at=at
    )
    return ResettlementPlan.objects.get(episode=episode)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def counted(crc="CRC11", start=START, end=END):
    return volumes.counts(org(crc).pk, start, end)


def rows(crc="CRC11", start=START, end=END):
    return sorted(
        volumes.starts(org(crc).pk, start, end), key=lambda r: (r["start_date"], r["start_type"])
    )


# --- Orders ------------------------------------------------------------------------------


def test_orders_carry_their_unpaid_work_hours_and_rules_weigh_them_at_the_band_edge():
    order(upw=100)
    order(upw=101)
    order()  # no unpaid work
    order(kind="SUSPENDED_SENTENCE_ORDER", upw=40)
    assert counted() == [
        ("COMMUNITY_ORDER", None, 1),
        ("COMMUNITY_ORDER", 100, 1),
        ("COMMUNITY_ORDER", 101, 1),
        ("SUSPENDED_SENTENCE_ORDER", 40, 1),
    ]
    wav = rules.wav(WEIGHTS, BANDS, counted())
    # CO 1.0 + band 100h 0.4; CO 1.0 + band 200h 0.8; CO 1.0; SSO 1.2 + band 100h 0.4.
    assert wav.by_type == {
        "COMMUNITY_ORDER": Decimal("1.4") + Decimal("1.8") + Decimal("1.0"),
        "SUSPENDED_SENTENCE_ORDER": Decimal("1.6"),
    }
    assert (wav.wav, wav.starts) == (Decimal("5.8"), 4)


def test_the_same_hours_are_grouped_into_one_count():
    order(upw=120)
    order(upw=120, day=START)
    assert counted() == [("COMMUNITY_ORDER", 120, 2)]


def test_an_order_counts_on_its_sentence_date_with_its_sentence():
    sentence = order(upw=60, day=D(2015, 6, 15))
    assert rows() == [
        {
            "person_id": sentence.person_id,
            "sentence_id": sentence.pk,
            "start_type": "COMMUNITY_ORDER",
            "start_date": D(2015, 6, 15),
            "upw_hours": 60,
        }
    ]


def test_other_requirements_do_not_give_hours():
    sentence = order()
    requirement_of(sentence, "REHABILITATION_ACTIVITY")
    assert counted() == [("COMMUNITY_ORDER", None, 1)]


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("SENIOR_ATTENDANCE_CENTRE", {"attendance_centre_hours": 24}),
        ("DEFERRED", {"deferred_until": D(2015, 12, 1)}),
    ],
    ids=["senior-attendance-centre-never", "deferred-never"],
)
def test_senior_attendance_centre_and_deferred_sentences_are_never_starts(kind, fields):
    order(kind=kind, **fields)
    assert counted() == []


def test_an_order_without_a_pbr_provider_or_of_another_crc_is_not_a_start():
    order(crc="CRC20")
    sentence = order()
    sentence.pbr_provider = None
    sentence.save()
    assert counted() == []
    assert counted("CRC20") == [("COMMUNITY_ORDER", None, 1)]


# --- Releases ----------------------------------------------------------------------------


def test_release_onto_licence_and_onto_pss_only():
    on_licence = release(day=D(2015, 6, 1))
    with_pss_after = release(day=D(2015, 6, 2), pss=True)  # licence then PSS: a licence start
    pss_only = release(day=D(2015, 6, 3), licence=False, pss=True)
    release(day=D(2015, 6, 4), licence=False)  # no supervision after release
    assert counted() == [("LICENCE", None, 2), ("PSS", None, 1)]
    assert [(r["sentence_id"], r["start_type"], r["start_date"]) for r in rows()] == [
        (on_licence.pk, "LICENCE", D(2015, 6, 1)),
        (with_pss_after.pk, "LICENCE", D(2015, 6, 2)),
        (pss_only.pk, "PSS", D(2015, 6, 3)),
    ]


def test_a_release_counts_on_the_release_date_not_the_sentence_date():
    release(day=D(2015, 8, 1))  # sentenced 2014, released after the period
    assert counted() == []
    assert counted(start=D(2015, 8, 1), end=D(2015, 8, 31)) == [("LICENCE", None, 1)]


def test_a_custodial_sentence_not_yet_released_is_no_start():
    sentence = release()
    sentence.actual_release_date = None
    sentence.save()
    assert counted() == []


# --- Resettlement plans ------------------------------------------------------------------


def test_a_plan_counts_for_the_crc_that_completed_it():
    plan = completed_plan("CRC11", local(D(2015, 6, 10), 15))
    completed_plan("CRC20", local(D(2015, 6, 10), 15))
    completed_plan("CRC11", None)  # not completed
    assert counted() == [("RESETTLEMENT_PLAN", None, 1)]
    assert rows()[0] == {
        "person_id": plan.person_id,
        "sentence_id": plan.episode.sentence_id,
        "start_type": "RESETTLEMENT_PLAN",
        "start_date": D(2015, 6, 10),
        "upw_hours": None,
    }
    assert counted("CRC20") == [("RESETTLEMENT_PLAN", None, 1)]


@pytest.mark.parametrize(
    ("completed", "counts_on"),
    [
        (local(D(2015, 4, 30), 23, 59), None),
        (local(D(2015, 5, 1), 0, 0), D(2015, 5, 1)),
        (local(D(2015, 7, 31), 23, 59), D(2015, 7, 31)),
        (local(D(2015, 8, 1), 0, 0), None),
    ],
    ids=["last-minute-before", "local-midnight-first-day", "last-minute-last-day", "day-after"],
)
def test_a_plan_counts_on_its_local_completion_day(completed, counts_on):
    completed_plan("CRC11", completed)
    found = [r["start_date"] for r in rows()]
    assert found == ([counts_on] if counts_on else [])


def test_a_plan_completed_just_after_midnight_in_summer_counts_on_the_local_day():
    # 23:30 UTC on 31 July is 00:30 on 1 August in London (BST): the next period's start.
    utc = datetime.datetime(2015, 7, 31, 23, 30, tzinfo=datetime.UTC)
    completed_plan("CRC11", utc)
    assert counted() == []
    assert [r["start_date"] for r in rows(start=D(2015, 8, 1), end=D(2015, 8, 31))] == [
        D(2015, 8, 1)
    ]


def test_a_plan_completed_through_the_service_counts_for_its_writer(freeze):
    # A recent Monday: the service checks its staff's vetting against the clock.
    day = clear_monday()
    freeze(day)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC11")
    episode = reception(person, cardiff, received_on=day)
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    plans.part1_record(
        prison_officer(cardiff),
        person.crn,
        episode.pk,
        immediate_needs="",
        accommodation_need=False,
        employment_need=False,
        finance_debt_need=False,
        abuse_victim_need=False,
        sex_work_need=False,
        other_needs="",
        complete=True,
    )
    plans.part2_record(writer, person.crn, episode.pk, assessment="Fine", complete=True)
    plans.plan_complete(writer, person.crn, episode.pk, summary="Plan")
    assert counted(start=day, end=day) == [("RESETTLEMENT_PLAN", None, 1)]
    assert counted("CRC20", start=day, end=day) == []
    assert (
        counted(start=day + datetime.timedelta(days=1), end=day + datetime.timedelta(days=9)) == []
    )


# --- The period's edges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "counts"),
    [
        (START - datetime.timedelta(days=1), False),
        (START, True),
        (END, True),
        (END + datetime.timedelta(days=1), False),
    ],
    ids=["day-before-first", "first-day", "last-day", "day-after-last"],
)
def test_every_kind_of_start_counts_inside_the_period_only(day, counts):
    order(day=day, upw=10)
    order(kind="SUSPENDED_SENTENCE_ORDER", day=day)
    release(day=day)
    release(day=day, licence=False, pss=True)
    completed_plan("CRC11", local(day, 12))
    expected = [
        ("COMMUNITY_ORDER", 10, 1),
        ("LICENCE", None, 1),
        ("PSS", None, 1),
        ("RESETTLEMENT_PLAN", None, 1),
        ("SUSPENDED_SENTENCE_ORDER", None, 1),
    ]
    assert counted() == (expected if counts else [])


# --- Evidence ------------------------------------------------------------------------------


def test_record_writes_one_wav_start_per_start_against_the_line():
    contract = contract_of("CRC11", year=1)
    order(upw=100)
    order(kind="SUSPENDED_SENTENCE_ORDER", upw=250)
    release()
    release(licence=False, pss=True)
    completed_plan("CRC11", local(D(2015, 6, 10), 10))
    order(crc="CRC20", upw=100)
    entry = LedgerEntry.objects.create(
        contract=contract,
        month=D(2016, 1, 1),
        kind=EntryKind.FFS_RECONCILIATION,
        key="RECONCILIATION:Y1",
        amount=Decimal("0.00"),
        description="Reconciliation",
        created_at=clock.now(),
    )
    crc = org("CRC11").pk
    written = volumes.record(entry, crc, contract.start_date, contract.end_date)
    assert written == 5
    stored = sorted(
        WavStart.objects.filter(entry=entry).values_list(
            "person_id", "sentence_id", "start_type", "start_date", "upw_hours"
        ),
        key=str,
    )
    expected = sorted(
        (
            tuple(r[c] for c in volumes.COLUMNS)
            for r in volumes.starts(crc, contract.start_date, contract.end_date)
        ),
        key=str,
    )
    assert stored == expected and len(stored) == 5
    # What the evidence rows weigh is what the counts weigh.
    from_rows = rules.wav(WEIGHTS, BANDS, [(s[2], s[4], 1) for s in stored])
    assert from_rows == rules.wav(
        WEIGHTS, BANDS, volumes.counts(crc, contract.start_date, contract.end_date)
    )


def test_counts_is_one_query_whatever_the_number_of_starts():
    for hours in (10, 100, 101, 300):
        order(upw=hours)
        release()
        completed_plan("CRC11", local(D(2015, 6, 10), 10))
    crc = org("CRC11").pk
    with CaptureQueriesContext(connection) as queries:
        found = volumes.counts(crc, START, END)
    assert len(queries) == 1
    assert sum(n for _, _, n in found) == 12
