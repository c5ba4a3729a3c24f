"""Pre-release work (TOM 2.1 "HDC and ROTL", TOM 2.2 "Pre-release resettlement services"):
the 12-week window opens the release-preparation task for the pre-release lead and the
accommodation and employment tasks for their owner, once, due five business days before
release; prison staff ask the allocated organisation for a home circumstances report or
ROTL input; the owner's staff complete them, late after the deadline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.calendar import business_days_between, is_business_day
from probation.models import AuditEvent, Notification
from resettlement import custody, prerelease
from resettlement.models import PreReleaseTask, TaskKind, TaskStatus
from tests.probation.factories import org, person_of, staff
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db

D = datetime.date
RECEIVED = D(2027, 3, 1)  # a Monday
RELEASE = D(2027, 9, 30)  # a Thursday; the window opens 84 days before, 8 July
WINDOW_OPENS = RELEASE - datetime.timedelta(days=84)


def in_custody(freeze, provider="CRC20", *, release=RELEASE, status="SENTENCED", **kwargs):
    """A person managed by ``provider`` (living in its CPA) received into Cardiff, a
    resettlement prison whose host: lead provider is CRC11."""
    freeze(RECEIVED)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of(provider, **kwargs)
    extra = {"expected_release_on": release} if status != "REMAND" else {}
    episode = reception(person, cardiff, status=status, received_on=RECEIVED, **extra)
    return person, episode


def window_tasks(episode) -> dict[str, tuple[str, D, D]]:
    return {
        t.kind: (t.owner.code, t.opened_on, t.due_by)
        for t in PreReleaseTask.objects.filter(episode=episode).select_related("owner")
    }


# --- When the window's tasks are due -------------------------------------------------------------


@given(
    release=st.dates(D(2026, 1, 1), D(2028, 12, 31)),
    before=st.integers(min_value=-30, max_value=120),
)
@settings(max_examples=300, deadline=None)
def test_window_tasks_are_due_five_business_days_before_release_never_before_today(release, before):
    today = release - datetime.timedelta(days=before)
    due = prerelease.window_due_by(release, today)
    assert due >= today
    if due > today:
        assert is_business_day(due)
        # The fifth business day back: five business days follow it up to a business-day
        # release; four up to a weekend or holiday release (its day itself is not one).
        assert business_days_between(due, release) == (5 if is_business_day(release) else 4)
    else:  # the fifth business day before release has passed: due at once
        assert business_days_between(today, release) <= 5 or today > release


@pytest.mark.parametrize(
    "release, due",
    [
        (D(2026, 9, 30), D(2026, 9, 23)),  # Wednesday -> the Wednesday before
        (D(2026, 12, 29), D(2026, 12, 18)),  # across Christmas and Boxing Day (Mon 28 Dec)
        (D(2027, 1, 4), D(2026, 12, 23)),  # a Monday after the holidays (1 January too)
        (D(2026, 9, 26), D(2026, 9, 21)),  # a Saturday release: Friday is the first before
    ],
    ids=["midweek", "christmas", "new-year-monday", "saturday-release"],
)
def test_window_due_dates_across_weekends_and_bank_holidays(release, due):
    assert prerelease.business_days_before(release, 5) == due
    assert prerelease.window_due_by(release, D(2026, 1, 5)) == due


# --- Opening the window --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, opened",
    [
        (WINDOW_OPENS - datetime.timedelta(days=1), 0),
        (WINDOW_OPENS, 3),
        (RELEASE, 3),
    ],
    ids=["85-days-before-nothing", "84-days-before-opens", "release-day-late-catch-up"],
)
def test_the_window_opens_84_days_before_release(freeze, today, opened):
    _, episode = in_custody(freeze)
    freeze(today)
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=today) == opened
    assert len(window_tasks(episode)) == opened


def test_window_tasks_go_to_the_lead_and_the_accommodation_and_employment_owner(freeze):
    _, episode = in_custody(freeze)
    assert episode.pre_release_lead.code == "CRC11"
    assert episode.accommodation_employment_by.code == "CRC20"
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    due = D(2027, 9, 23)
    assert window_tasks(episode) == {
        TaskKind.RELEASE_PREPARATION: ("CRC11", WINDOW_OPENS, due),
        TaskKind.ACCOMMODATION: ("CRC20", WINDOW_OPENS, due),
        TaskKind.EMPLOYMENT: ("CRC20", WINDOW_OPENS, due),
    }
    assert AuditEvent.objects.filter(object_repr__startswith="Pre-release tasks opened").exists()


def test_a_late_reception_close_to_release_is_due_at_once(freeze):
    release = D(2027, 3, 4)  # three days after reception
    _, episode = in_custody(freeze, release=release)
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=RECEIVED) == 3
    assert {due for _, _, due in window_tasks(episode).values()} == {RECEIVED}


def test_running_twice_opens_nothing_more_and_a_missing_task_is_filled(freeze):
    _, episode = in_custody(freeze)
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS) == 3
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS) == 0
    next_day = WINDOW_OPENS + datetime.timedelta(days=1)
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=next_day) == 0
    PreReleaseTask.objects.filter(episode=episode, kind=TaskKind.EMPLOYMENT).delete()
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=next_day) == 1
    assert PreReleaseTask.objects.filter(episode=episode).count() == 3


def test_remand_released_and_other_cpas_get_no_window_tasks(freeze):
    in_custody(freeze, "CRC20", status="REMAND")
    _, elsewhere = in_custody(freeze, "CRC12")
    assert prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS) == 0
    officer = prison_officer(prison("CFI"))
    freeze(D(2027, 6, 1))
    custody.release_record(
        actor=officer,
        crn=elsewhere.person.crn,
        episode_id=elsewhere.pk,
        released_on=D(2027, 6, 1),
        release_type="OTHER",
    )
    assert prerelease.open_window_tasks(cpa_code="CRC12", today=WINDOW_OPENS) == 0


def test_an_nps_case_gets_its_accommodation_and_employment_tasks_owned_by_the_nps(freeze):
    _, episode = in_custody(freeze, "NPS", ldu_crc="CRC20")
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    owners = {kind: owner for kind, (owner, _, _) in window_tasks(episode).items()}
    assert owners == {
        TaskKind.RELEASE_PREPARATION: "CRC11",
        TaskKind.ACCOMMODATION: "NPS",
        TaskKind.EMPLOYMENT: "NPS",
    }


def test_opening_windows_costs_the_same_queries_for_one_episode_or_many(freeze):
    in_custody(freeze, "CRC20")
    with CaptureQueriesContext(connection) as one:
        prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    for _ in range(4):
        in_custody(freeze, "CRC12")
    with CaptureQueriesContext(connection) as many:
        assert prerelease.open_window_tasks(cpa_code="CRC12", today=WINDOW_OPENS) == 12
    assert len(many) == len(one) <= 4


def test_release_cancels_the_open_tasks(freeze):
    person, episode = in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    freeze(RELEASE)
    custody.release_record(
        actor=prison_officer(episode.prison),
        crn=person.crn,
        episode_id=episode.pk,
        released_on=RELEASE,
        release_type="CONDITIONAL_RELEASE",
    )
    assert set(episode.tasks.values_list("status", flat=True)) == {TaskStatus.CANCELLED}


# --- HDC home circumstances reports and ROTL input -----------------------------------------------


def _ask(actor, episode, kind=TaskKind.HDC_HOME_CIRCUMSTANCES, details="HDC eligibility 1 June"):
    return prerelease.task_request(
        actor, episode.person.crn, episode.pk, kind=kind, details=details
    )


@pytest.mark.parametrize(
    "kind, due",
    [
        # From Thursday 25 March 2027, over Good Friday (26) and Easter Monday (29 March).
        (TaskKind.HDC_HOME_CIRCUMSTANCES, D(2027, 4, 12)),  # 10 business days
        (TaskKind.ROTL, D(2027, 4, 5)),  # 5 business days
    ],
    ids=["hdc-10-business-days-over-easter", "rotl-5-business-days-over-easter"],
)
def test_prison_staff_ask_the_allocated_crc_which_is_told(
    freeze, django_capture_on_commit_callbacks, kind, due
):
    _, episode = in_custody(freeze)
    freeze(D(2027, 3, 25))  # the Thursday before Good Friday 2027
    with django_capture_on_commit_callbacks(execute=True):
        task = _ask(prison_officer(episode.prison), episode, kind=kind)
    assert (task.owner.code, task.due_by, task.status) == ("CRC20", due, TaskStatus.OPEN)
    assert task.requested_by is not None
    note = Notification.objects.get(key=f"pre-release-task:{task.pk}:requested")
    assert note.organisation == org("CRC20") and note.kind == "RESETTLEMENT"
    assert note.person == episode.person
    assert AuditEvent.objects.filter(
        object_type="resettlement.prereleasetask", action="CREATE"
    ).exists()


def test_a_request_about_an_nps_case_is_addressed_to_the_persons_division(
    freeze, django_capture_on_commit_callbacks
):
    person, episode = in_custody(freeze, "NPS", ldu_crc="CRC11")
    with django_capture_on_commit_callbacks(execute=True):
        task = _ask(prison_officer(episode.prison), episode)
    assert task.owner.code == "NPS"
    note = Notification.objects.get(key=f"pre-release-task:{task.pk}:requested")
    assert note.organisation == person.ldu.division


def test_only_the_holding_prisons_staff_ask(freeze):
    _, episode = in_custody(freeze)
    for outsider in (
        prison_officer(prison("SWI", lead="CRC11")),
        staff("PRISON_RESETTLEMENT_WORKER", "CRC11"),
    ):
        # Another prison's staff do not see the person (404); the writer CRC does (403).
        with pytest.raises((PermissionDenied, Http404)):
            _ask(outsider, episode)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"details": "  "}, "details"),
        ({"kind": TaskKind.RELEASE_PREPARATION}, "kind"),
    ],
    ids=["no-details", "not-a-request-kind"],
)
def test_a_request_needs_details_and_a_request_kind(freeze, change, field):
    _, episode = in_custody(freeze)
    with pytest.raises(ValidationError) as invalid:
        prerelease.task_request(
            prison_officer(episode.prison),
            episode.person.crn,
            episode.pk,
            **{"kind": TaskKind.ROTL, "details": "Day release", **change},
        )
    assert field in invalid.value.message_dict


def test_a_remand_prisoner_has_nobody_to_ask_and_a_request_is_not_asked_twice(freeze):
    _, remand = in_custody(freeze, status="REMAND")
    officer = prison_officer(remand.prison)
    with pytest.raises(ValidationError) as invalid:
        _ask(officer, remand)
    assert "remand" in invalid.value.message_dict["kind"][0]
    _, episode = in_custody(freeze)
    _ask(officer, episode)
    with pytest.raises(ValidationError) as twice:
        _ask(officer, episode)
    assert "already open" in twice.value.message_dict["kind"][0]
    _ask(officer, episode, kind=TaskKind.ROTL)  # another kind is fine


# --- Completing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "done_on, late",
    [(D(2027, 4, 12), False), (D(2027, 4, 13), True)],
    ids=["on-the-due-day", "the-day-after"],
)
def test_the_owner_completes_late_after_the_deadline(
    freeze, django_capture_on_commit_callbacks, done_on, late
):
    person, episode = in_custody(freeze)
    freeze(D(2027, 3, 25))
    task = _ask(prison_officer(episode.prison), episode)
    freeze(done_on)
    worker = staff("CRC_OFFENDER_MANAGER", "CRC20")
    with django_capture_on_commit_callbacks(execute=True):
        done = prerelease.task_complete(
            worker, person.crn, episode.pk, task.pk, details="Address checked and suitable"
        )
    assert (done.status, done.completed_late, done.completed_by) == (
        TaskStatus.DONE,
        late,
        worker,
    )
    assert "Address checked" in done.details and "HDC eligibility" in done.details
    assert Notification.objects.get(key=f"pre-release-task:{task.pk}:done").organisation == (
        episode.prison.organisation
    )
    with pytest.raises(ValidationError):
        prerelease.task_complete(worker, person.crn, episode.pk, task.pk, details="Again")


def test_only_the_owners_staff_complete(freeze):
    person, episode = in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    preparation = episode.tasks.get(kind=TaskKind.RELEASE_PREPARATION)  # CRC11's
    accommodation = episode.tasks.get(kind=TaskKind.ACCOMMODATION)  # CRC20's
    crc20 = staff("CRC_OFFENDER_MANAGER", "CRC20")
    lead = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    with pytest.raises(PermissionDenied):
        prerelease.task_complete(crc20, person.crn, episode.pk, preparation.pk, details="x")
    with pytest.raises(PermissionDenied):
        prerelease.task_complete(lead, person.crn, episode.pk, accommodation.pk, details="x")
    prerelease.task_complete(lead, person.crn, episode.pk, preparation.pk, details="Done")
    prerelease.task_complete(crc20, person.crn, episode.pk, accommodation.pk, details="Done")


def test_nps_division_staff_complete_the_nps_tasks(freeze):
    person, episode = in_custody(freeze, "NPS", ldu_crc="CRC11")
    task = _ask(prison_officer(episode.prison), episode)
    nps_om = staff("NPS_OFFENDER_MANAGER", person.ldu.division.code)
    done = prerelease.task_complete(nps_om, person.crn, episode.pk, task.pk, details="Seen")
    assert done.status == TaskStatus.DONE


# --- What an organisation owes -------------------------------------------------------------------


def test_tasks_owed_by_an_organisation_overdue_first_in_constant_queries(freeze):
    person, episode = in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    freeze(D(2027, 3, 25))
    hdc = _ask(prison_officer(episode.prison), episode)  # due 12 April: first
    crc20 = staff("CRC_OFFENDER_MANAGER", "CRC20")
    owed = list(prerelease.tasks_owed_by(crc20))
    assert [t.kind for t in owed] == [
        TaskKind.HDC_HOME_CIRCUMSTANCES,
        TaskKind.ACCOMMODATION,
        TaskKind.EMPLOYMENT,
    ]
    assert owed[0] == hdc
    lead_owed = prerelease.tasks_owed_by(staff("CRC_MANAGER", "CRC11"))
    assert [t.kind for t in lead_owed] == [TaskKind.RELEASE_PREPARATION]
    assert not prerelease.tasks_owed_by(prison_officer(episode.prison)).exists()

    def cost():
        with CaptureQueriesContext(connection) as queries:
            rows = list(prerelease.tasks_owed_by(crc20))
            [(t.person.crn, t.episode.prison.name, t.owner.name) for t in rows]
        return len(queries), len(rows)

    few = cost()
    for _ in range(3):
        in_custody(freeze)
    prerelease.open_window_tasks(cpa_code="CRC20", today=WINDOW_OPENS)
    more = cost()
    assert more[1] > few[1] and more[0] == few[0]


def test_nps_staff_see_the_nps_tasks_of_their_division_only(freeze):
    welsh, episode = in_custody(freeze, "NPS", ldu_crc="CRC11")
    _, london = in_custody(freeze, "NPS", ldu_crc="CRC20")
    officer = prison_officer(episode.prison)
    _ask(officer, episode)
    _ask(officer, london)
    wales_om = staff("NPS_OFFENDER_MANAGER", welsh.ldu.division.code)
    assert [t.person for t in prerelease.tasks_owed_by(wales_om)] == [welsh]
