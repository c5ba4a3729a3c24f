"""Cases allocated in error (DOMAIN.md 4 "Errors"): the NPS or a CRC flags a wrongly
allocated case with a reason; an NPS allocation officer of the person's division decides; a
case moved to another CRC joins that CRC's PbR cohort, a case moved to the NPS leaves every
cohort; the decision in error stays as history; one outcome even when two officers decide at
once."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from allocation import reallocation, selectors, services
from allocation.models import AllocationDecision, ReallocationRequest
from probation.models import AuditEvent, Notification, OffenderManagerAssignment, Sentence
from probation.notifications import notifications_for
from tests.allocation.test_allocation import new_case
from tests.probation.factories import api_client, org, staff, team_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def allocated(officer, to="CRC"):
    """A Wales case allocated by the NPS: to the home CRC (CRC11), or kept by the NPS for a
    high RoSH."""
    person, sentence = new_case()
    if to == "CRC":
        services.allocation_confirm(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            decision="CRC",
            team=team_of(org("CRC11")),
            inputs={"rosh": "LOW"},
        )
    else:
        services.allocation_confirm(
            actor=officer,
            crn=person.crn,
            number=sentence.number,
            decision="NPS",
            team=team_of(org("NPS-WAL")),
            inputs={"rosh": "HIGH"},
        )
    person.refresh_from_db()
    sentence.refresh_from_db()
    return person, sentence


def flag(actor, person, sentence, **kwargs):
    return reallocation.reallocation_flag(
        actor=actor,
        crn=person.crn,
        number=sentence.number,
        reason=kwargs.pop("reason", "The home address is in London"),
        **kwargs,
    )


def accept(officer, person, request, provider, **kwargs):
    """Accept a request, moving the case to ``provider`` ("NPS" or a CRC code)."""
    owner = "NPS-WAL" if provider == "NPS" else provider
    defaults = dict(
        decision="NPS" if provider == "NPS" else "CRC",
        crc_code=None if provider == "NPS" else provider,
        team=team_of(org(owner)),
        judgement="The case was allocated on the wrong address",
    )
    return reallocation.reallocation_decide(
        actor=officer,
        request_id=request.pk,
        crn=person.crn,
        accept=True,
        **{**defaults, **kwargs},
    )


# --- Moves ---------------------------------------------------------------------------------


def test_crc_to_crc_joins_the_new_crcs_cohort_and_keeps_the_first_decision(officer):
    person, sentence = allocated(officer)
    first = AllocationDecision.objects.get(sentence=sentence)
    request = flag(
        staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence, proposed_organisation="CRC20"
    )
    decided = accept(officer, person, request, "CRC20")

    person.refresh_from_db()
    sentence.refresh_from_db()
    assert person.responsible_provider.code == "CRC20"
    assert sentence.pbr_provider.code == "CRC20"
    current = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=True)
    assert current.team == team_of(org("CRC20")) and current.provider.code == "CRC20"

    new = decided.result
    assert decided.status == "ACCEPTED" and decided.decided_by == officer
    assert (new.kind, new.replaces, new.organisation.code) == ("REALLOCATION", first, "CRC20")
    assert new.pbr_provider.code == "CRC20" and new.judgement
    assert (new.point, new.due_by, new.within_deadline) == (
        first.point,
        first.due_by,
        first.within_deadline,
    )
    # The rules, run again on the first decision's inputs, still point to the home CRC.
    assert (new.recommended_decision, new.recommended_rule) == ("CRC", "HOME_CPA_CRC")
    assert new.inputs["rosh"] == "LOW"
    # The decision in error is kept, unchanged.
    first.refresh_from_db()
    assert (first.kind, first.organisation.code, first.pbr_provider.code) == (
        "ALLOCATION",
        "CRC11",
        "CRC11",
    )
    assert selectors.current_decision(sentence) == new
    # The sentence's own history records the cohort move and who made it.
    latest = sentence.history.order_by("-history_date").first()
    assert latest.pbr_provider_id == org("CRC20").pk and latest.history_user == officer


def test_crc_to_nps_leaves_every_cohort(officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_MANAGER", "CRC11"), person, sentence, reason="MAPPA level 2 case")
    decided = accept(officer, person, request, "NPS")
    person.refresh_from_db()
    sentence.refresh_from_db()
    assert person.responsible_provider.code == "NPS"
    assert sentence.pbr_provider is None and decided.result.pbr_provider is None
    assert decided.result.decision == "NPS"
    assert OffenderManagerAssignment.objects.get(
        person=person, ended_at__isnull=True
    ).team == team_of(org("NPS-WAL"))


def test_nps_to_crc_joins_the_crcs_cohort(officer):
    person, sentence = allocated(officer, to="NPS")
    assert sentence.pbr_provider is None
    request = flag(
        staff("NPS_ALLOCATION_MANAGER", "NPS-WAL"),
        person,
        sentence,
        reason="RoSH was recorded high in error; OASys says medium",
    )
    decided = accept(officer, person, request, "CRC11")
    person.refresh_from_db()
    sentence.refresh_from_db()
    assert person.responsible_provider.code == "CRC11"
    assert sentence.pbr_provider.code == "CRC11"
    assert decided.result.recommended_rule == "HIGH_ROSH"  # the recorded inputs, run again


def test_a_second_reallocation_replaces_the_first(officer):
    person, sentence = allocated(officer)
    first_move = accept(officer, person, flag(officer, person, sentence), "CRC20").result
    second_move = accept(
        officer, person, flag(staff("CRC_MANAGER", "CRC20"), person, sentence), "NPS"
    ).result
    assert second_move.replaces == first_move
    history = reallocation.decision_history(sentence)
    assert [d.kind for d in history] == ["ALLOCATION", "REALLOCATION", "REALLOCATION"]
    assert [d.organisation.code for d in history] == ["CRC11", "CRC20", "NPS"]
    assert [len(d.requests) for d in history] == [1, 1, 0]


# --- Rejection -----------------------------------------------------------------------------


def test_rejection_needs_a_reason_and_keeps_everything(officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    reject = dict(actor=officer, request_id=request.pk, crn=person.crn, accept=False)
    with pytest.raises(ValidationError) as refused:
        reallocation.reallocation_decide(**reject, reason="  ")
    assert "reason" in refused.value.message_dict
    decided = reallocation.reallocation_decide(**reject, reason="The address is in Cardiff")
    person.refresh_from_db()
    sentence.refresh_from_db()
    assert (decided.status, decided.result, decided.decision_reason) == (
        "REJECTED",
        None,
        "The address is in Cardiff",
    )
    assert person.responsible_provider.code == "CRC11"
    assert sentence.pbr_provider.code == "CRC11"
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 1
    assert OffenderManagerAssignment.objects.filter(person=person).count() == 2
    # Decided, the sentence may be flagged again.
    assert flag(officer, person, sentence, reason="New information").status == "OPEN"


# --- Flagging --------------------------------------------------------------------------------


def test_only_one_open_request_per_sentence(officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    with pytest.raises(ValidationError, match="has not decided yet"):
        flag(officer, person, sentence)
    # The database backs the rule.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReallocationRequest.objects.create(
            sentence=sentence,
            person=person,
            allocation=request.allocation,
            reason="Again",
            raised_at=request.raised_at,
            raised_by=officer,
            raised_by_organisation=officer.organisation,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"proposed_organisation": "CRC11"}, "proposed_organisation"),  # already responsible
        ({"proposed_organisation": "LDU1101"}, "proposed_organisation"),  # not a provider
        ({"number": 99}, "number"),
    ],
    ids=["blank-reason", "proposes-the-current-provider", "proposes-an-ldu", "no-such-sentence"],
)
def test_flag_errors_name_their_field(officer, kwargs, field):
    person, sentence = allocated(officer)
    number = kwargs.pop("number", sentence.number)
    with pytest.raises(ValidationError) as refused:
        reallocation.reallocation_flag(
            actor=officer,
            crn=person.crn,
            number=number,
            **{"reason": "The address is wrong", **kwargs},
        )
    assert field in refused.value.message_dict
    assert not ReallocationRequest.objects.exists()


def test_an_unallocated_sentence_cannot_be_flagged(officer):
    person, sentence = new_case()
    with pytest.raises(ValidationError, match="not been allocated"):
        flag(officer, person, sentence)


@pytest.mark.parametrize(
    ("role", "organisation", "outcome"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", "flagged"),  # the provider responsible
        ("CRC_MANAGER", "CRC11", "flagged"),
        ("NPS_ALLOCATION_OFFICER", "NPS-WAL", "flagged"),  # division-wide, the person's division
        ("NPS_COURT_OFFICER", "NPS-WAL", "flagged"),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),  # another CRC: not theirs to see
        ("NPS_OFFENDER_MANAGER", "NPS-WAL", Http404),  # NPS staff, not division-wide
        ("NPS_ALLOCATION_OFFICER", "NPS-LON", Http404),  # another division
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),  # reads, changes nothing
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", None),
)
def test_who_may_flag_a_crc_case(officer, role, organisation, outcome):
    person, sentence = allocated(officer)
    actor = staff(role, organisation)
    if outcome == "flagged":
        assert flag(actor, person, sentence).raised_by_organisation.code == organisation
    else:
        with pytest.raises(outcome):
            flag(actor, person, sentence)


def test_the_crc_api_client_may_flag(officer):
    person, sentence = allocated(officer)
    client, _ = api_client("CRC11")
    assert flag(client, person, sentence).raised_by_organisation.code == "CRC11"


def test_any_nps_staff_may_flag_an_nps_case(officer):
    person, sentence = allocated(officer, to="NPS")
    # Staff of the provider responsible: an NPS offender manager, even of another division.
    assert flag(staff("NPS_OFFENDER_MANAGER", "NPS-LON"), person, sentence).status == "OPEN"


# --- Deciding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("CRC_MANAGER", "CRC11", PermissionDenied),  # the CRC flags, the NPS decides
        ("CRC_OFFENDER_MANAGER", "CRC11", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
        ("NPS_COURT_OFFICER", "NPS-WAL", PermissionDenied),  # division-wide, not allocating
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", None),
)
def test_only_the_divisions_allocation_officers_decide(officer, role, organisation, refusal):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    with pytest.raises(refusal):
        accept(staff(role, organisation), person, request, "CRC20")
    request.refresh_from_db()
    assert request.status == "OPEN"
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 1


def test_an_allocation_officer_of_another_division_does_not_decide(officer):
    person, sentence = allocated(officer, to="NPS")
    request = flag(officer, person, sentence)
    london = staff("NPS_ALLOCATION_OFFICER", "NPS-LON")  # sees NPS cases, not this division's
    with pytest.raises(PermissionDenied):
        accept(london, person, request, "CRC11")
    # The allocation manager of the person's division decides.
    assert accept(staff("NPS_ALLOCATION_MANAGER", "NPS-WAL"), person, request, "CRC11").result


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"team": None}, "team"),
        ({"team": "CRC11"}, "team"),  # a team of another provider than the chosen one
        ({"judgement": " "}, "judgement"),
        ({"decision": None}, "decision"),
        ({"crc_code": "NPS-WAL"}, "crc_code"),  # not a CRC
        ({"crc_code": "CRC11", "team": "CRC11"}, "crc_code"),  # already responsible
    ],
    ids=[
        "no-team",
        "team-of-another-provider",
        "no-judgement",
        "no-provider",
        "crc-code-not-a-crc",
        "moves-to-the-provider-responsible",
    ],
)
def test_acceptance_errors_name_their_field_and_change_nothing(officer, changes, field):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    if isinstance(changes.get("team"), str):
        changes["team"] = team_of(org(changes["team"]))
    with pytest.raises(ValidationError) as refused:
        accept(officer, person, request, "CRC20", **changes)
    assert field in refused.value.message_dict
    person.refresh_from_db()
    request.refresh_from_db()
    assert person.responsible_provider.code == "CRC11" and request.status == "OPEN"
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 1


def test_the_nps_team_must_be_the_persons_divisions(officer):
    person, sentence = allocated(officer)
    request = flag(officer, person, sentence)
    with pytest.raises(ValidationError) as refused:
        accept(officer, person, request, "NPS", team=team_of(org("NPS-LON")))
    assert "team" in refused.value.message_dict


def test_a_decided_request_is_not_decided_again(officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    accept(officer, person, request, "CRC20")
    with pytest.raises(ValidationError, match="decided this request"):
        reallocation.reallocation_decide(
            actor=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
            request_id=request.pk,
            crn=person.crn,
            accept=False,
            reason="Stands",
        )
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 2


def test_a_request_of_another_person_is_missing(officer):
    person, sentence = allocated(officer)
    other, other_sentence = allocated(officer)
    request = flag(officer, other, other_sentence)
    with pytest.raises(Http404):
        accept(officer, person, request, "CRC20")


# --- Notifications and audit -------------------------------------------------------------------


def test_the_division_is_told_of_a_flag_and_the_flagger_of_the_decision(officer):
    person, sentence = allocated(officer)
    crc_om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    request = flag(crc_om, person, sentence)
    told = Notification.objects.filter(kind="REALLOCATION_REQUESTED")
    assert sorted(told.values_list("organisation__code", "role")) == [
        ("NPS-WAL", "NPS_ALLOCATION_MANAGER"),
        ("NPS-WAL", "NPS_ALLOCATION_OFFICER"),
    ]
    assert notifications_for(officer).filter(kind="REALLOCATION_REQUESTED").count() == 1
    manager = staff("NPS_ALLOCATION_MANAGER", "NPS-WAL")
    assert notifications_for(manager).filter(kind="REALLOCATION_REQUESTED").count() == 1
    assert not notifications_for(staff("NPS_COURT_OFFICER", "NPS-WAL")).exists()
    assert told.first().url.endswith(f"/reallocation/{request.pk}/")

    accept(officer, person, request, "CRC20")
    received = Notification.objects.get(kind="ALLOCATION_RECEIVED", organisation__code="CRC20")
    assert received.team == team_of(org("CRC20"))
    decided = Notification.objects.get(kind="REALLOCATION_DECIDED")
    # The case left CRC11: the notice names the sentence, not the person, and is still theirs.
    assert decided.organisation.code == "CRC11" and decided.person is None
    assert person.full_name not in decided.title and sentence.reference in decided.title
    assert list(notifications_for(crc_om).filter(kind="REALLOCATION_DECIDED")) == [decided]
    assert not notifications_for(staff("CRC_OFFENDER_MANAGER", "CRC20")).filter(
        kind="REALLOCATION_DECIDED"
    )


def test_a_rejection_tells_the_flagger_about_their_own_case(officer):
    person, sentence = allocated(officer)
    crc_om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    request = flag(crc_om, person, sentence)
    reallocation.reallocation_decide(
        actor=officer, request_id=request.pk, crn=person.crn, accept=False, reason="Correct CPA"
    )
    decided = notifications_for(crc_om).get(kind="REALLOCATION_DECIDED")
    assert decided.person == person and "allocation stands" in decided.title
    assert decided.body == "Correct CPA"


def test_flag_and_decision_are_audited(officer):
    person, sentence = allocated(officer)
    before = AuditEvent.objects.count()
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    created = AuditEvent.objects.get(object_type="allocation.reallocationrequest", action="CREATE")
    assert created.person_crn == person.crn and created.changes["reason"][1]
    accept(officer, person, request, "CRC20")
    events = AuditEvent.objects.order_by("pk")[before:]
    rows = {(e.object_type, e.action) for e in events}
    assert {
        ("allocation.reallocationrequest", "CREATE"),
        ("allocation.allocationdecision", "CREATE"),
        ("probation.person", "UPDATE"),
        ("probation.sentence", "UPDATE"),
        ("allocation.reallocationrequest", "UPDATE"),
    } <= rows
    moved = next(e for e in events if e.object_type == "probation.sentence")
    assert moved.changes["pbr_provider_id"] == [org("CRC11").pk, org("CRC20").pk]
    status = next(e for e in events if e.action == "UPDATE" and e.object_type.endswith("request"))
    assert status.changes["status"] == ["OPEN", "ACCEPTED"]


# --- Reads -------------------------------------------------------------------------------------


def test_current_decision_is_none_before_allocation_then_the_latest(officer):
    person, sentence = new_case()
    assert selectors.current_decision(sentence) is None
    person, sentence = allocated(officer)
    first = selectors.current_decision(sentence)
    assert first.kind == "ALLOCATION"
    moved = accept(officer, person, flag(officer, person, sentence), "CRC20").result
    assert selectors.current_decision(sentence) == moved


def test_history_reads_in_constant_queries(officer):
    person, sentence = allocated(officer)
    with CaptureQueriesContext(connection) as short:
        history = reallocation.decision_history(sentence)
        [r.raised_by_organisation.code for d in history for r in d.requests]
    providers = ["CRC20", "NPS", "CRC11", "CRC20"]
    for provider in providers:
        accept(officer, person, flag(officer, person, sentence), provider)
    with CaptureQueriesContext(connection) as long:
        history = reallocation.decision_history(sentence)
        for d in history:
            [r.raised_by_organisation.code for r in d.requests]
            _ = (d.organisation.code, d.team.name, d.decided_by.username, d.replaces)
    assert len(history) == 1 + len(providers)
    assert len(long) == len(short) == 2


# --- Two deciders at once ----------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_at_once_make_one_outcome():
    first_officer = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    person, sentence = allocated(first_officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    officers = [first_officer, staff("NPS_ALLOCATION_MANAGER", "NPS-WAL")]
    team_of(org("CRC20"))  # the teams exist before the threads look them up
    barrier = threading.Barrier(len(officers))
    outcomes = []

    def decide(officer, provider):
        try:
            barrier.wait()
            accept(officer, person, request, provider)
            outcomes.append("reallocated")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(o, p))
        for o, p in zip(officers, ["CRC20", "NPS"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("reallocated") == 1, outcomes
    assert any("decided this request" in o for o in outcomes), outcomes
    decisions = AllocationDecision.objects.filter(sentence=sentence)
    assert decisions.filter(kind="REALLOCATION").count() == 1
    request.refresh_from_db()
    moved = decisions.get(kind="REALLOCATION")
    assert request.status == "ACCEPTED" and request.result == moved
    person.refresh_from_db()
    assert person.responsible_provider == moved.organisation
    assert Sentence.objects.get(pk=sentence.pk).pbr_provider_id == moved.pbr_provider_id
    assert (
        OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).count() == 1
    )
