"""Transfers of a case between Contract Package Areas (DOMAIN.md 6): the receiving provider
assesses the new location and decides; the person moves caseload but every sentence stays
in its original PbR cohort."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from rest_framework.test import APIClient

from probation import access, transfers
from probation.models import AuditEvent, CaseTransfer, OffenderManagerAssignment, Organisation
from tests.probation.factories import (
    api_client,
    org,
    person_of,
    sentence_of,
    staff,
    team_of,
)

pytestmark = pytest.mark.django_db


def _ldu_of(crc_code):
    return Organisation.objects.filter(kind="LDU", crc__code=crc_code).order_by("code").first()


@pytest.fixture
def sender():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def receiver():
    return staff("CRC_OFFENDER_MANAGER", "CRC20")


@pytest.fixture
def third():
    return staff("CRC_OFFENDER_MANAGER", "CRC21")


@pytest.fixture
def person(sender):
    person = person_of("CRC11")
    OffenderManagerAssignment.objects.create(
        person=person,
        provider=person.responsible_provider,
        team=sender.team,
        offender_manager=sender,
        started_at=timezone.now(),
    )
    sentence_of(person, pbr_provider=org("CRC11"))
    sentence_of(person, "CUSTODIAL", term_months=18, pbr_provider=org("CRC11"))
    sentence_of(person, status="TERMINATED", pbr_provider=org("CRC11"))
    return person


def _request(sender, person, crc="CRC20", reason="Moved to live with her sister"):
    return transfers.transfer_request(
        actor=sender, crn=person.crn, to_ldu=_ldu_of(crc), reason=reason
    )


def _accept(receiver, transfer, **kwargs):
    fields = dict(
        accept=True,
        location_suitability="Stable address, no exclusion zone conflicts",
        team=receiver.team,
        offender_manager=receiver,
    )
    return transfers.transfer_decide(
        actor=receiver,
        crn=transfer.person.crn,
        transfer_id=transfer.pk,
        **{**fields, **kwargs},
    )


def _sees(user, person):
    return access.people_visible_to(user).filter(pk=person.pk).exists()


# --- Requesting -----------------------------------------------------------------------------


def test_a_request_records_providers_ldus_and_the_pbr_cohort(sender, person):
    transfer = _request(sender, person)
    assert transfer.status == "REQUESTED"
    assert transfer.from_provider.code == "CRC11" and transfer.to_provider.code == "CRC20"
    assert transfer.from_ldu == person.ldu and transfer.to_ldu == _ldu_of("CRC20")
    assert transfer.pbr_providers == {"1": "CRC11", "2": "CRC11"}  # active sentences only
    assert AuditEvent.objects.filter(
        action="CREATE", object_type="probation.casetransfer", person_crn=person.crn
    ).exists()


@pytest.mark.parametrize(
    ("to_ldu", "reason", "field"),
    [
        ("same", "Moved", "to_ldu"),
        ("crc", "Moved", "to_ldu"),
        ("other", "   ", "reason"),
    ],
    ids=["same-ldu", "not-an-ldu", "blank-reason"],
)
def test_request_refusals(sender, person, to_ldu, reason, field):
    target = {"same": person.ldu, "crc": org("CRC20"), "other": _ldu_of("CRC20")}[to_ldu]
    with pytest.raises(ValidationError) as error:
        transfers.transfer_request(actor=sender, crn=person.crn, to_ldu=target, reason=reason)
    assert field in error.value.message_dict


def test_a_second_open_transfer_is_refused(sender, person):
    _request(sender, person)
    with pytest.raises(ValidationError, match="already waiting"):
        _request(sender, person, crc="CRC21")
    assert CaseTransfer.objects.filter(person=person).count() == 1


def test_a_concurrent_second_request_meets_the_constraint_and_is_refused(
    sender, person, monkeypatch
):
    """Two requests that both passed the check: the partial unique constraint refuses the
    second, and the service reports it as a validation error, not a 500."""
    _request(sender, person)
    monkeypatch.setattr(transfers, "_has_open_transfer", lambda person: False)
    with pytest.raises(ValidationError, match="already waiting"):
        _request(sender, person, crc="CRC21")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransfer.objects.create(
            **{
                **{
                    f.attname: getattr(CaseTransfer.objects.get(person=person), f.attname)
                    for f in CaseTransfer._meta.concrete_fields
                    if f.attname != "id"
                }
            }
        )


def test_only_someone_who_may_change_the_case_requests(person, third):
    with pytest.raises(Http404):
        _request(third, person)
    with pytest.raises(PermissionDenied):
        _request(staff("NOMS_CONTRACT_MANAGER", "NOMS"), person)


# --- Scope while open and after -------------------------------------------------------------


def test_scope_moves_with_acceptance_and_a_third_crc_never_sees(sender, receiver, third, person):
    assert _sees(sender, person) and not _sees(receiver, person) and not _sees(third, person)
    transfer = _request(sender, person)
    # Open: the receiving provider reads the case (to assess it) but cannot change it.
    assert _sees(sender, person) and _sees(receiver, person) and not _sees(third, person)
    assert not access.can_change(receiver, person)
    assert access.transfer_of(receiver, person.crn, transfer.pk) == transfer
    with pytest.raises(Http404):
        access.transfer_of(third, person.crn, transfer.pk)

    _accept(receiver, transfer)
    assert not _sees(sender, person) and _sees(receiver, person) and not _sees(third, person)
    assert access.can_change(receiver, person)
    crcs = lambda user: set(  # noqa: E731
        access.people_visible_to(user).values_list("crn", flat=True)
    )
    assert person.crn not in crcs(sender) and person.crn in crcs(receiver)
    assert person.crn not in crcs(third)


def test_acceptance_moves_the_case_but_not_the_pbr_cohort(sender, receiver, person):
    transfer = _request(sender, person)
    decided = _accept(receiver, transfer)
    person.refresh_from_db()
    assert decided.status == "ACCEPTED" and decided.decided_by == receiver
    assert decided.decided_at is not None
    assert person.ldu == _ldu_of("CRC20") and person.responsible_provider.code == "CRC20"
    assert set(person.sentences.values_list("pbr_provider__code", flat=True)) == {"CRC11"}
    assert CaseTransfer.objects.get(pk=transfer.pk).pbr_providers == {"1": "CRC11", "2": "CRC11"}
    current = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=True)
    assert current.provider.code == "CRC20" and current.team == receiver.team
    assert current.offender_manager == receiver and current.started_at == decided.decided_at
    old = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=False)
    assert old.offender_manager == sender and old.ended_at == decided.decided_at
    changes = AuditEvent.objects.filter(person_crn=person.crn, action="UPDATE")
    assert changes.filter(object_type="probation.person", changes__has_key="ldu_id").exists()
    assert changes.filter(changes__has_key="offender_manager").exists()
    assert changes.filter(object_type="probation.casetransfer").exists()
    # The person's history records who moved the case.
    assert person.history.first().history_user == receiver


def test_rejection_changes_nothing_but_the_transfer(sender, receiver, person):
    transfer = _request(sender, person)
    decided = transfers.transfer_decide(
        actor=receiver,
        crn=person.crn,
        transfer_id=transfer.pk,
        accept=False,
        location_suitability="Address is next to the victim's home",
        decision_reason="Unsuitable location",
    )
    person.refresh_from_db()
    assert decided.status == "REJECTED" and decided.decision_reason == "Unsuitable location"
    assert person.responsible_provider.code == "CRC11" and person.ldu != _ldu_of("CRC20")
    assert OffenderManagerAssignment.objects.filter(person=person).count() == 1
    assert not _sees(receiver, person) and _sees(sender, person)
    # Closed: a new request may follow.
    assert _request(sender, person, crc="CRC21").status == "REQUESTED"


# --- Who decides ----------------------------------------------------------------------------


def test_the_receiving_provider_decides_and_the_sending_side_cannot(
    sender, receiver, third, person
):
    transfer = _request(sender, person)
    with pytest.raises(PermissionDenied):
        _accept(sender, transfer, team=receiver.team)
    with pytest.raises(Http404):
        _accept(third, transfer, team=receiver.team)
    with pytest.raises(PermissionDenied):
        _accept(staff("PRISON_RESETTLEMENT_WORKER", "CRC20"), transfer)
    assert CaseTransfer.objects.get(pk=transfer.pk).status == "REQUESTED"
    _accept(staff("CRC_MANAGER", "CRC20"), transfer, offender_manager=None)
    assert CaseTransfer.objects.get(pk=transfer.pk).status == "ACCEPTED"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"location_suitability": "  "}, "location_suitability"),
        ({"team": None}, "team"),
        ({"accept": False, "decision_reason": ""}, "decision_reason"),
        ({"team": "sender", "offender_manager": None}, "team"),
        ({"offender_manager": "sender"}, "offender_manager"),
    ],
    ids=[
        "no-location-assessment",
        "accept-without-team",
        "reject-without-reason",
        "team-of-the-sending-crc",
        "manager-outside-the-team",
    ],
)
def test_decision_refusals(sender, receiver, person, changes, field):
    transfer = _request(sender, person)
    changes = {k: sender.team if v == "sender" and k == "team" else v for k, v in changes.items()}
    changes = {k: sender if v == "sender" else v for k, v in changes.items()}
    with pytest.raises(ValidationError) as error:
        _accept(receiver, transfer, **changes)
    assert field in error.value.message_dict
    person.refresh_from_db()
    assert person.responsible_provider.code == "CRC11"
    assert CaseTransfer.objects.get(pk=transfer.pk).status == "REQUESTED"


def test_a_decided_transfer_cannot_be_decided_again(sender, receiver, person):
    transfer = _request(sender, person)
    _accept(receiver, transfer)
    with pytest.raises(ValidationError, match="already accepted"):
        _accept(receiver, transfer)


def test_the_sending_side_withdraws_and_the_receiver_cannot(sender, receiver, person):
    transfer = _request(sender, person)
    with pytest.raises(PermissionDenied):
        transfers.transfer_withdraw(actor=receiver, crn=person.crn, transfer_id=transfer.pk)
    withdrawn = transfers.transfer_withdraw(actor=sender, crn=person.crn, transfer_id=transfer.pk)
    assert withdrawn.status == "WITHDRAWN" and withdrawn.decided_by == sender
    assert not _sees(receiver, person)
    with pytest.raises(ValidationError, match="already withdrawn"):
        transfers.transfer_withdraw(actor=sender, crn=person.crn, transfer_id=transfer.pk)


def test_an_nps_case_moves_between_divisions_decided_by_the_receiving_division():
    wales_om = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    london_om = staff("NPS_OFFENDER_MANAGER", "NPS-LON")
    person = person_of("NPS", ldu_crc="CRC11")
    to_ldu = _ldu_of("CRC20")
    transfer = transfers.transfer_request(
        actor=wales_om, crn=person.crn, to_ldu=to_ldu, reason="Moved to London"
    )
    assert transfer.to_provider.code == "NPS"
    assert access.transfers_addressed_to(london_om).filter(pk=transfer.pk).exists()
    assert not access.transfers_addressed_to(wales_om).filter(pk=transfer.pk).exists()
    with pytest.raises(PermissionDenied):
        _accept(wales_om, transfer, team=london_om.team)
    with pytest.raises(ValidationError) as error:
        _accept(london_om, transfer, team=team_of(org("CRC20")), offender_manager=None)
    assert "team" in error.value.message_dict
    _accept(london_om, transfer, team=team_of(org("NPS-LON")))
    person.refresh_from_db()
    assert person.ldu == to_ldu and person.responsible_provider.code == "NPS"


# --- Queue, overview ------------------------------------------------------------------------


def test_the_queue_lists_open_transfers_to_the_provider_and_its_decisions(
    sender, receiver, third, person
):
    transfer = _request(sender, person)
    waiting, decided = transfers.transfer_queue(user=receiver)
    assert list(waiting) == [transfer] and list(decided) == []
    assert [list(q) for q in transfers.transfer_queue(user=third)] == [[], []]
    assert [list(q) for q in transfers.transfer_queue(user=sender)] == [[], []]
    _accept(receiver, transfer)
    waiting, decided = transfers.transfer_queue(user=receiver)
    assert list(waiting) == [] and list(decided) == [transfer]


def test_a_rejected_transfer_leaves_the_receivers_list(sender, receiver, person):
    transfer = _request(sender, person)
    transfers.transfer_decide(
        actor=receiver,
        crn=person.crn,
        transfer_id=transfer.pk,
        accept=False,
        location_suitability="No",
        decision_reason="No",
    )
    assert [list(q) for q in transfers.transfer_queue(user=receiver)] == [[], []]


def test_overview_context_in_constant_queries(
    sender, receiver, person, django_assert_max_num_queries
):
    withdrawn = _request(sender, person, crc="CRC21")
    transfers.transfer_withdraw(actor=sender, crn=person.crn, transfer_id=withdrawn.pk)
    transfer = _request(sender, person)
    with django_assert_max_num_queries(4):
        context = transfers.overview_context(user=receiver, person=person)
    assert context["open_transfer"] == transfer and context["can_decide_transfer"]
    assert context["past_transfers"] == [withdrawn]
    html = render_to_string(
        "probation/case/_transfers.html", {**context, "person": person, "can_change": False}
    )
    assert "waiting for a decision" in html and f"/transfers/{transfer.pk}/" in html
    assert not transfers.overview_context(user=sender, person=person)["can_decide_transfer"]


# --- Pages ----------------------------------------------------------------------------------


def test_request_page_shows_govuk_errors_then_requests(client, sender, person):
    client.force_login(sender)
    url = f"/people/{person.crn}/transfers/new/"
    assert client.get(url).status_code == 200
    invalid = client.post(url, {"to_ldu": "", "reason": ""}).content.decode()
    assert "govuk-error-summary" in invalid
    assert "Select the LDU of the new address" in invalid and 'href="#id_to_ldu"' in invalid
    assert "Enter the reason for the transfer" in invalid
    same = client.post(url, {"to_ldu": person.ldu_id, "reason": "Moved"}).content.decode()
    assert "Select an LDU other than" in same
    done = client.post(url, {"to_ldu": _ldu_of("CRC20").pk, "reason": "Moved"})
    transfer = CaseTransfer.objects.get(person=person)
    assert done.status_code == 302 and done.url == f"/people/{person.crn}/transfers/{transfer.pk}/"
    assert b"already waiting" in client.get(url).content


def test_decision_page_for_the_receiver_and_read_only_for_the_sender(
    client, sender, receiver, person
):
    transfer = _request(sender, person)
    url = f"/people/{person.crn}/transfers/{transfer.pk}/"
    client.force_login(sender)
    page = client.get(url).content.decode()
    assert "Withdraw the transfer" in page and "Your decision" not in page
    viewed = AuditEvent.objects.filter(action="VIEW", object_type="probation.casetransfer")
    assert viewed.filter(person_crn=person.crn, actor=sender).exists()
    assert client.post(url, {"decision": "accept"}).status_code == 403

    client.force_login(receiver)
    page = client.get(url).content.decode()
    assert "Your decision" in page and "Withdraw" not in page and "CRC11" in page
    invalid = client.post(url, {"decision": "accept"}).content.decode()
    assert "govuk-error-summary" in invalid
    assert "Enter your assessment of the new location" in invalid
    assert "Select the team that will manage the case" in invalid
    done = client.post(
        url,
        {
            "decision": "accept",
            "location_suitability": "Suitable",
            "team": receiver.team.pk,
            "offender_manager": receiver.pk,
        },
    )
    assert done.status_code == 302 and done.url == f"/people/{person.crn}/"
    person.refresh_from_db()
    assert person.responsible_provider.code == "CRC20"


def test_withdraw_from_the_page(client, sender, person):
    transfer = _request(sender, person)
    client.force_login(sender)
    url = f"/people/{person.crn}/transfers/{transfer.pk}/"
    assert client.post(url, {"action": "withdraw"}).status_code == 302
    assert CaseTransfer.objects.get(pk=transfer.pk).status == "WITHDRAWN"
    again = client.post(url, {"action": "withdraw"}, follow=True)
    assert b"already withdrawn" in again.content


def test_queue_page_lists_only_transfers_to_the_callers_provider(
    client, sender, receiver, third, person
):
    _request(sender, person)
    client.force_login(receiver)
    page = client.get("/transfers/")
    assert page.status_code == 200 and person.crn in page.content.decode()
    client.force_login(third)
    assert person.crn not in client.get("/transfers/").content.decode()


def test_queue_page_paginates(client, sender, receiver, settings):
    settings.PAGE_SIZE = 2
    people = [person_of("CRC11") for _ in range(3)]
    for person in people:
        _request(sender, person)
    client.force_login(receiver)
    first = client.get("/transfers/").content.decode()
    second = client.get("/transfers/?page=2").content.decode()
    assert "govuk-pagination" in first and 'rel="next"' in first
    assert sum(p.crn in first for p in people) == 2 and sum(p.crn in second for p in people) == 1


# --- API ------------------------------------------------------------------------------------


def _api(organisation):
    _, key = api_client(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_api_request_list_detail_and_decision(receiver, person):
    crc11, crc20, crc21 = _api("CRC11"), _api("CRC20"), _api("CRC21")
    base = f"/api/v1/people/{person.crn}/transfers/"
    created = crc11.post(base, {"to_ldu": _ldu_of("CRC20").code, "reason": "Moved"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["to_provider"] == "CRC20" and body["pbr_providers"] == {"1": "CRC11", "2": "CRC11"}
    url = f"{base}{body['id']}/"
    assert [t["id"] for t in crc11.get(base).json()["results"]] == [body["id"]]
    assert crc20.get(url).status_code == 200
    assert crc21.get(url).status_code == 404 and crc21.get(base).status_code == 404

    decision = f"{url}decision"
    payload = {"accept": True, "location_suitability": "Fine", "team": receiver.team.pk}
    assert crc11.post(decision, payload, format="json").status_code == 403
    assert crc21.post(decision, payload, format="json").status_code == 404
    missing = crc20.post(decision, {"accept": True}, format="json")
    assert missing.status_code == 400
    assert "location_suitability" in {e["attr"] for e in missing.json()["errors"]}
    no_team = crc20.post(decision, {"accept": True, "location_suitability": "Fine"}, format="json")
    assert no_team.status_code == 400 and no_team.json()["errors"][0]["attr"] == "team"
    accepted = crc20.post(decision, payload, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "ACCEPTED"
    assert crc20.get(decision).json()["decided_by"]
    assert crc11.get(url).status_code == 404  # no longer CRC11's case


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "Moved"}, "to_ldu"),
        ({"to_ldu": "LDU0000", "reason": "Moved"}, "to_ldu"),
        ({"to_ldu": "CRC20", "reason": "Moved"}, "to_ldu"),
        ({"to_ldu": "same", "reason": "Moved"}, "to_ldu"),
        ({"to_ldu": "other"}, "reason"),
    ],
    ids=["no-ldu", "unknown-ldu", "a-crc-not-an-ldu", "same-ldu", "no-reason"],
)
def test_api_request_400s_name_the_field(person, payload, field):
    codes = {"same": person.ldu.code, "other": _ldu_of("CRC20").code}
    if "to_ldu" in payload:
        payload = {**payload, "to_ldu": codes.get(payload["to_ldu"], payload["to_ldu"])}
    response = _api("CRC11").post(f"/api/v1/people/{person.crn}/transfers/", payload, format="json")
    assert response.status_code == 400
    assert field in {error["attr"] for error in response.json()["errors"]}


def test_api_second_open_transfer_is_a_400(person):
    client = _api("CRC11")
    url = f"/api/v1/people/{person.crn}/transfers/"
    payload = {"to_ldu": _ldu_of("CRC20").code, "reason": "Moved"}
    assert client.post(url, payload, format="json").status_code == 201
    second = client.post(url, {**payload, "to_ldu": _ldu_of("CRC21").code}, format="json")
    assert second.status_code == 400 and second.json()["errors"][0]["attr"] == "to_ldu"


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


def _at_once(calls):
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except Exception as error:  # noqa: BLE001 - returned to the test
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_open_exactly_one_transfer():
    sender = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11")
    outcomes = _at_once(
        [
            lambda crc=crc: _request(sender, person, crc=crc)
            for crc in ("CRC20", "CRC21", "CRC19", "CRC18")
        ]
    )
    assert sum(isinstance(o, CaseTransfer) for o in outcomes) == 1
    assert all(isinstance(o, CaseTransfer | ValidationError) for o in outcomes), outcomes
    assert CaseTransfer.objects.filter(person=person, status="REQUESTED").count() == 1


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_move_the_case_once():
    sender = staff("CRC_OFFENDER_MANAGER", "CRC11")
    receivers = [staff("CRC_OFFENDER_MANAGER", "CRC20") for _ in range(3)]
    person = person_of("CRC11")
    transfer = _request(sender, person)
    outcomes = _at_once([lambda r=r: _accept(r, transfer) for r in receivers])
    assert sum(isinstance(o, CaseTransfer) for o in outcomes) == 1
    assert all(isinstance(o, CaseTransfer | ValidationError) for o in outcomes), outcomes
    assert (
        OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).count() == 1
    )
