"""The allocation deadline job: which sentences are overdue on a business morning, one breach
per sentence however often the job runs, and one notification a day to each division's
allocation managers (DOMAIN.md 4: "within one business day of sentence")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import example, given
from hypothesis import strategies as st

from allocation import deadlines, services
from allocation.models import AllocationBreach, AllocationReferral
from allocation.rules import due_by
from probation.models import Management, Notification, SentenceStatus
from probation.notifications import notifications_for
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff, team_of

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


# --- The cut-off: pure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        # Thursday 24 December 2026 is due Tuesday 29 December (Christmas on the Friday,
        # Boxing Day's substitute on the Monday): overdue on Wednesday 30, not on Tuesday 29.
        pytest.param(D(2026, 12, 30), D(2026, 12, 28), id="christmas-overdue-wed-30"),
        pytest.param(D(2026, 12, 29), D(2026, 12, 23), id="christmas-due-today-tue-29"),
        # Thursday 2 April 2026 is due Tuesday 7 April (Good Friday, Easter Monday).
        pytest.param(D(2026, 4, 8), D(2026, 4, 6), id="easter-overdue-wed-8"),
        pytest.param(D(2026, 4, 7), D(2026, 4, 1), id="easter-due-today-tue-7"),
        # A Monday: Friday's sentences are due today; Thursday's were due on Friday.
        pytest.param(D(2026, 11, 23), D(2026, 11, 19), id="monday"),
        pytest.param(D(2026, 11, 25), D(2026, 11, 23), id="midweek"),
        # On a Saturday nothing more is overdue than on the Friday evening.
        pytest.param(D(2026, 11, 28), D(2026, 11, 26), id="saturday"),
    ],
)
def test_overdue_cutoff(today, cutoff):
    assert deadlines.overdue_cutoff(today) == cutoff
    assert due_by(cutoff) < today <= due_by(cutoff + ONE_DAY)


@pytest.mark.parametrize(
    ("sentenced", "today", "overdue"),
    [
        pytest.param(D(2026, 12, 24), D(2026, 12, 29), False, id="thu-24-dec-on-tue-29"),
        pytest.param(D(2026, 12, 24), D(2026, 12, 30), True, id="thu-24-dec-on-wed-30"),
        pytest.param(D(2026, 4, 2), D(2026, 4, 7), False, id="thu-2-apr-on-tue-7"),
        pytest.param(D(2026, 4, 2), D(2026, 4, 8), True, id="thu-2-apr-on-wed-8"),
        pytest.param(D(2026, 11, 21), D(2026, 11, 23), False, id="saturday-due-mon"),
        pytest.param(D(2026, 11, 21), D(2026, 11, 24), True, id="saturday-overdue-tue"),
    ],
)
def test_a_sentence_is_overdue_the_day_after_its_due_date(sentenced, today, overdue):
    assert (sentenced <= deadlines.overdue_cutoff(today)) is overdue


DATES = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31))


@given(today=DATES, offset=st.integers(min_value=0, max_value=20))
@example(today=D(2026, 12, 30), offset=6)  # 24 December 2026
@example(today=D(2027, 12, 29), offset=6)  # Christmas 2027: substitute days 27 and 28
@example(today=D(2027, 3, 30), offset=5)  # Easter 2027: Good Friday 26 March
@example(today=D(2028, 4, 18), offset=4)  # Easter 2028: Easter Monday 17 April
def test_overdue_cutoff_matches_its_definition(today, offset):
    """Overdue today exactly when the due date is before today, for any start; and the
    cut-off is the latest such start."""
    cutoff = deadlines.overdue_cutoff(today)
    start = today - datetime.timedelta(days=offset)
    assert (start <= cutoff) == (due_by(start) < today)
    assert due_by(cutoff) < today
    assert due_by(cutoff + ONE_DAY) >= today


# --- Recording breaches ------------------------------------------------------------------

WED_30_DEC = D(2026, 12, 30)
CHRISTMAS_EVE = D(2026, 12, 24)


def pending(crc="CRC11", sentence_date=CHRISTMAS_EVE, **fields):
    person = person_of("NPS", ldu_crc=crc)
    return sentence_of(
        person,
        sentence_date=sentence_date,
        offence_date=sentence_date - datetime.timedelta(days=30),
        **fields,
    )


def breaches():
    return set(AllocationBreach.objects.values_list("sentence_id", flat=True))


@pytest.fixture
def manager():
    return staff("NPS_ALLOCATION_MANAGER", "NPS-WAL")


@pytest.mark.django_db
def test_records_each_overdue_sentence_of_the_cpa_once():
    overdue = pending(sentence_date=D(2026, 12, 24))
    older = pending(sentence_date=D(2026, 11, 2))
    due_today = pending(sentence_date=D(2026, 12, 29))
    other_cpa = pending("CRC20", sentence_date=D(2026, 12, 1))
    pending(sentence_date=D(2026, 12, 1), management=Management.EM_ONLY)
    pending(sentence_date=D(2026, 12, 1), status=SentenceStatus.TERMINATED)

    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 2
    assert breaches() == {overdue.pk, older.pk}
    breach = AllocationBreach.objects.get(sentence=overdue)
    assert (breach.due_by, breach.found_on) == (D(2026, 12, 29), WED_30_DEC)
    assert (breach.division.code, breach.cpa.code) == ("NPS-WAL", "CRC11")
    assert AllocationBreach.objects.get(sentence=older).due_by == D(2026, 11, 3)
    assert due_today.pk not in breaches() and other_cpa.pk not in breaches()

    # The next morning: yesterday's breaches stay as first found; today's new one is added.
    assert deadlines.record_breaches(cpa_code="CRC11", today=D(2026, 12, 31)) == 1
    assert breaches() == {overdue.pk, older.pk, due_today.pk}
    assert AllocationBreach.objects.get(sentence=overdue).found_on == WED_30_DEC


@pytest.mark.django_db
def test_an_allocated_sentence_is_not_overdue():
    officer = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    sentence = pending()
    requirement_of(sentence, "UNPAID_WORK")
    services.allocation_confirm(
        actor=officer,
        crn=sentence.person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 0
    assert not AllocationBreach.objects.exists()
    assert not Notification.objects.filter(kind="ALLOCATION_OVERDUE").exists()


@pytest.mark.django_db
def test_the_clock_starts_from_a_referral():
    """A transfer in received on Tuesday 29 December is due on Wednesday 30 however old
    the sentence; one received on Christmas Eve is overdue."""
    recorder = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    fresh, late = pending(sentence_date=D(2026, 6, 1)), pending(sentence_date=D(2026, 6, 1))
    for sentence, received in ((fresh, D(2026, 12, 29)), (late, D(2026, 12, 24))):
        AllocationReferral.objects.create(
            sentence=sentence,
            point="TRANSFER_IN",
            from_jurisdiction="SCOTLAND",
            received_on=received,
            recorded_at=datetime.datetime(2026, 12, 29, 9, tzinfo=datetime.UTC),
            recorded_by=recorder,
        )
    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 1
    assert breaches() == {late.pk}
    assert AllocationBreach.objects.get().due_by == D(2026, 12, 29)


@pytest.mark.django_db
def test_running_twice_on_one_day_changes_nothing_the_second_time(manager):
    for _ in range(3):
        pending()
    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 3
    first = list(AllocationBreach.objects.values_list("pk", "sentence_id", "found_on"))
    notes = list(Notification.objects.values_list("pk", "key", "title"))
    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 0
    assert list(AllocationBreach.objects.values_list("pk", "sentence_id", "found_on")) == first
    assert list(Notification.objects.values_list("pk", "key", "title")) == notes
    assert len(notes) == 1


@pytest.mark.django_db
def test_the_divisions_allocation_managers_are_told_once_a_day(manager):
    officer = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    london_manager = staff("NPS_ALLOCATION_MANAGER", "NPS-LON")
    pending()
    pending(sentence_date=D(2026, 12, 21))
    deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC)
    note = Notification.objects.get()
    assert note.kind == "ALLOCATION_OVERDUE"
    assert (note.organisation.code, note.role) == ("NPS-WAL", "NPS_ALLOCATION_MANAGER")
    assert note.title == "2 allocations past their deadline in Wales"
    assert note.url == "/allocation/"
    assert note.key == "allocation-overdue:NPS-WAL:CRC11:2026-12-30"
    assert list(notifications_for(manager)) == [note]
    assert not notifications_for(officer).exists()
    assert not notifications_for(london_manager).exists()

    # The next business morning, still overdue plus one more: a new notification.
    pending(sentence_date=D(2026, 12, 29))
    deadlines.record_breaches(cpa_code="CRC11", today=D(2026, 12, 31))
    assert notifications_for(manager).first().title == (
        "3 allocations past their deadline in Wales"
    )
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_one_overdue_allocation_reads_in_the_singular(manager):
    pending()
    deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC)
    assert Notification.objects.get().title == "1 allocation past its deadline in Wales"


@pytest.mark.django_db
def test_a_cpa_with_nothing_overdue_tells_nobody():
    pending(sentence_date=D(2026, 12, 29))
    assert deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC) == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_job_is_audited_once_per_run_that_found_something():
    from probation.models import AuditEvent

    pending()
    pending()
    deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC)
    deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC)
    event = AuditEvent.objects.get(object_repr__startswith="Allocation breaches")
    assert event.changes == {"allocation_breaches": [None, {"found_on": "2026-12-30", "new": 2}]}


@pytest.mark.django_db
def test_set_wise_the_same_queries_for_two_or_twenty_overdue_sentences():
    def run(day, count):
        for _ in range(count):
            pending(sentence_date=day)  # one clock start each run: the same SQL shape
        with CaptureQueriesContext(connection) as queries:
            deadlines.record_breaches(cpa_code="CRC11", today=WED_30_DEC)
        return len(queries)

    few = run(D(2026, 12, 24), 2)
    AllocationBreach.objects.all().delete()
    Notification.objects.all().delete()
    many = run(D(2026, 12, 24), 20)
    assert many == few
    assert AllocationBreach.objects.count() == 22
