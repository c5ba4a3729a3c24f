"""The spine of Through the Gate: a reception opens the episode, its screening and its plan
with who does what from the rules, and the scoping layer opens the person to the prison and
to the CRCs involved – and to nobody else."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from probation import access
from resettlement import custody
from resettlement.models import PlanState
from tests.probation.factories import org, person_of, staff
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db


def _visible(user, person) -> bool:
    return access.people_visible_to(user).filter(pk=person.pk).exists()


def test_reception_in_a_resettlement_prison_waits_on_the_prison_then_the_lead_provider(freeze):
    freeze(datetime.date(2026, 12, 23))
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff, received_on=datetime.date(2026, 12, 23))
    assert episode.plan_writer.code == "CRC11"
    assert episode.share_with.code == "CRC20"
    assert episode.pre_release_lead.code == "CRC11"
    assert episode.accommodation_employment_by.code == "CRC20"
    plan = episode.plan
    assert plan.state == PlanState.SCREENING
    assert plan.waiting_on == cardiff.organisation
    assert plan.screening_access_by == datetime.date(2026, 12, 26)
    assert plan.plan_due_by == datetime.date(2027, 1, 4)
    assert episode.stays.get().prison == cardiff


def test_the_prison_and_the_crcs_involved_read_the_person_and_others_do_not():
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    outsider = staff("PRISON_RESETTLEMENT_WORKER", "CRC12")
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    officer = prison_officer(cardiff)
    assert not _visible(writer, person) and not _visible(officer, person)
    reception(person, cardiff)
    assert _visible(writer, person) and _visible(officer, person)
    assert not _visible(outsider, person)
    assert not access.people_changeable_by(writer).filter(pk=person.pk).exists()
    assert not access.people_changeable_by(officer).filter(pk=person.pk).exists()
    other_prison = prison_officer(prison("SWI", lead="CRC11"))
    assert not _visible(other_prison, person)


def test_no_home_crc_in_a_non_resettlement_prison_goes_to_noms():
    holding = prison("HLD", resettlement=False)
    person = person_of("NPS", no_fixed_abode=True)
    episode = reception(person, holding, status="REMAND")
    assert episode.plan_writer is None and episode.home_crc is None
    assert episode.plan.state == PlanState.EXCEPTION
    assert episode.plan.waiting_on == org("NOMS")


def test_a_move_passes_the_plan_to_the_new_prisons_writer():
    cardiff = prison("CFI", lead="CRC11")
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    person = person_of("CRC20")
    episode = reception(
        person, cardiff, received_on=datetime.date.today() - datetime.timedelta(days=2)
    )
    custody.move_record(
        actor=prison_officer(cardiff),
        crn=person.crn,
        episode_id=episode.pk,
        prison_code="PNI",
        moved_on=datetime.date.today(),
    )
    episode.refresh_from_db()
    assert episode.plan_writer.code == "CRC20" and episode.share_with is None
    assert episode.plan.waiting_on == london.organisation
    assert [s.prison.code for s in episode.stays.all()] == ["CFI", "PNI"]


def test_a_wrong_date_of_birth_is_the_same_error_as_a_wrong_crn():
    cardiff = prison("CFI")
    person = person_of("CRC11")
    with pytest.raises(ValidationError) as wrong_dob:
        custody.reception_record(
            actor=prison_officer(cardiff),
            crn=person.crn,
            date_of_birth=person.date_of_birth + datetime.timedelta(days=1),
            prison_code="CFI",
            received_on=datetime.date.today(),
            status="REMAND",
        )
    with pytest.raises(ValidationError) as wrong_crn:
        custody.reception_record(
            actor=prison_officer(cardiff),
            crn="Z999999",
            date_of_birth=person.date_of_birth,
            prison_code="CFI",
            received_on=datetime.date.today(),
            status="REMAND",
        )
    assert wrong_dob.value.message_dict == wrong_crn.value.message_dict


def test_allocation_to_another_provider_follows_into_custody():
    from probation import signals
    from probation.models import Person

    cardiff = prison("CFI", lead="CRC11", hosts=("CRC12",))
    person = person_of("NPS")
    episode = reception(person, cardiff)
    assert episode.plan_writer.code == "CRC11" and episode.share_with.code == "NPS"
    person.responsible_provider = org("CRC12")
    person.save()
    signals.provider_changed.send(sender=Person, actor=None, person=person, at=None)
    episode.refresh_from_db()
    assert episode.plan_writer.code == "CRC12" and episode.share_with is None
    assert episode.plan.waiting_on == cardiff.organisation  # still part 1 first


def test_a_remand_prisoner_sentenced_in_custody_passes_to_the_host_crc_of_their_allocation():
    from tests.probation.factories import sentence_of

    shared = prison("CFI", lead="CRC11", hosts=("CRC12",))
    person = person_of("CRC12", ldu_crc="CRC20")
    episode = reception(person, shared, status="REMAND")
    assert episode.plan_writer.code == "CRC11"  # home CPA CRC20 is not a host there
    assert episode.share_with.code == "CRC20"  # the home CRC
    sentence = sentence_of(person, "CUSTODIAL", term_months=10)
    custody.sentence_record(
        actor=prison_officer(shared),
        crn=person.crn,
        episode_id=episode.pk,
        status="SENTENCED",
        sentence_number=sentence.number,
    )
    episode.refresh_from_db()
    assert episode.status == "SENTENCED" and episode.allocated_to.code == "CRC12"
    assert episode.plan_writer.code == "CRC12" and episode.share_with is None
    assert episode.pre_release_lead.code == "CRC12"


def test_release_on_licence_confirms_the_sentence_and_closes_an_unwritten_plan():
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC11")
    today = datetime.date.today()
    received = today - datetime.timedelta(days=90)
    episode = reception(person, cardiff, received_on=received, term_months=12)
    custody.release_record(
        actor=prison_officer(cardiff),
        crn=person.crn,
        episode_id=episode.pk,
        released_on=today,
        release_type="CONDITIONAL_RELEASE",
    )
    episode.refresh_from_db()
    sentence = episode.sentence
    sentence.refresh_from_db()
    assert sentence.actual_release_date == today
    assert sentence.release_prison == cardiff.name
    assert sentence.licence_start_date == today
    assert episode.plan.state == PlanState.CLOSED
    assert episode.stays.get().left_on == today
    # Released, the person has left the prison's scope: a second release finds nobody.
    with pytest.raises(Http404):
        custody.release_record(
            actor=prison_officer(cardiff),
            crn=person.crn,
            episode_id=episode.pk,
            released_on=today,
            release_type="CONDITIONAL_RELEASE",
        )


def test_one_open_episode_per_person_is_a_database_rule():
    from django.db import IntegrityError, transaction

    from resettlement.models import CustodyEpisode

    cardiff = prison("CFI")
    person = person_of("CRC11")
    episode = reception(person, cardiff, status="REMAND")
    duplicate = CustodyEpisode.objects.get(pk=episode.pk)
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_release_cancels_the_open_pre_release_tasks_with_history_and_an_audit_row():
    from probation.models import AuditEvent
    from resettlement.models import PreReleaseTask

    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC11")
    today = datetime.date.today()
    episode = reception(person, cardiff, received_on=today - datetime.timedelta(days=90))
    task = PreReleaseTask.objects.create(
        episode=episode,
        person=person,
        kind="RELEASE_PREPARATION",
        owner=org("CRC11"),
        opened_on=today,
        due_by=today,
    )
    custody.release_record(
        actor=prison_officer(cardiff),
        crn=person.crn,
        episode_id=episode.pk,
        released_on=today,
        release_type="CONDITIONAL_RELEASE",
    )
    task.refresh_from_db()
    assert task.status == "CANCELLED"
    assert task.history.first().status == "CANCELLED"
    row = AuditEvent.objects.get(
        object_type="resettlement.custodyepisode",
        changes__has_key="pre_release_tasks_cancelled",
    )
    assert row.changes["pre_release_tasks_cancelled"][0] == [task.pk]
