"""The responsible officer's needs-action list: everything waiting on their organisation for
the people on their caseload (managers: their team or organisation), plus the referrals they
made that await a reply; overdue first, in business days, scoped, in constant queries."""

import datetime

import pytest
from django.urls import reverse

from enforcement import queues
from enforcement import workflows as wf
from probation import clock
from probation.models import OffenderManagerAssignment
from tests.enforcement import open_records as records
from tests.enforcement.open_records import D, at
from tests.probation.factories import org, person_of, staff

pytestmark = pytest.mark.django_db
URL = "/enforcement/"
TODAY = D(2027, 6, 9)  # Wednesday (staff are vetted until 2029)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    monkeypatch.setattr(clock, "now", lambda: at(TODAY, 9))


def on_caseload(person, officer):
    OffenderManagerAssignment.objects.create(
        person=person,
        provider=person.responsible_provider,
        team=officer.team,
        offender_manager=officer,
        started_at=at(D(2027, 1, 5)),
    )
    return person


@pytest.fixture
def om():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


def rows(user, scope=queues.MINE):
    return [
        (item.workflow, item.record_id, item.awaiting_reply, item.days_left)
        for item in queues.items(queues.needs_action(user=user, scope=scope), today=TODAY)
    ]


def test_the_officers_list_overdue_first_with_replies(om):
    ann, bob = on_caseload(person_of("CRC11"), om), on_caseload(person_of("CRC11"), om)
    overdue = records.failure(ann, at(D(2027, 6, 3)))  # due Mon 7 June
    today = records.intelligence(bob, at(D(2027, 6, 8)))  # due Wed 9 June
    soon = records.failure(bob, at(D(2027, 6, 9), 8))  # due Fri 11 June
    returned = records.breach_referral(ann, at(D(2027, 6, 7)), actor=om, state="RETURNED")
    review = records.risk_review(bob, at(D(2027, 5, 4)), D(2027, 6, 25))
    sfo = records.sfo(ann, at(D(2027, 6, 7)))
    vsr = records.vsr(bob, at(D(2027, 6, 7)))
    escalation = records.escalation(ann, at(D(2027, 6, 8)), actor=om)  # due 15 June
    recall = records.recall(bob, at(D(2027, 6, 8)), actor=om)  # PPCS, due 9 June
    # The breach referral's own failure waits on nobody once referred: close it.
    records.close(wf.FAILURE, returned.failure, "accept_excuse", when=at(D(2027, 6, 7)))
    closed = records.failure(ann, at(D(2027, 5, 20)))
    records.close(wf.FAILURE, closed, "accept_excuse", when=at(D(2027, 5, 21)))

    assert rows(om) == [
        ("failure", overdue.pk, False, -2),
        ("intelligence", today.pk, False, 0),
        ("recall_request", recall.pk, True, 0),  # a reply awaited after the to-dos
        ("failure", soon.pk, False, 2),
        ("breach_referral", returned.pk, False, 3),
        ("risk_escalation", escalation.pk, True, 4),
        ("risk_review", review.pk, False, 12),
        ("victim_summary_report", vsr.pk, False, 18),
        ("sfo_review", sfo.pk, False, 58),
        ("sfo_review", vsr.sfo_id, False, 58),
    ]


def test_only_the_officers_own_caseload_by_default(om):
    mine = on_caseload(person_of("CRC11"), om)
    colleague = staff("CRC_OFFENDER_MANAGER", "CRC11")
    theirs = on_caseload(person_of("CRC11"), colleague)
    unassigned = person_of("CRC11")
    own = records.failure(mine, at(D(2027, 6, 8)))
    records.failure(theirs, at(D(2027, 6, 8)))
    records.failure(unassigned, at(D(2027, 6, 8)))
    assert [r[1] for r in rows(om)] == [own.pk]
    # An offender manager cannot widen it.
    assert queues.scopes_for(om) == {"mine": "My caseload"}
    assert [r[1] for r in rows(om, queues.ORGANISATION)] == [own.pk]


def test_a_manager_widens_to_the_team_and_the_organisation(om):
    manager = staff("CRC_MANAGER", "CRC11")
    assert manager.team == om.team
    in_team = on_caseload(person_of("CRC11"), om)
    unassigned = person_of("CRC11")
    elsewhere = on_caseload(person_of("CRC20"), staff("CRC_OFFENDER_MANAGER", "CRC20"))
    team_failure = records.failure(in_team, at(D(2027, 6, 8)))
    org_failure = records.failure(unassigned, at(D(2027, 6, 8)))
    records.failure(elsewhere, at(D(2027, 6, 8)))
    assert rows(manager) == []
    assert [r[1] for r in rows(manager, queues.TEAM)] == [team_failure.pk]
    assert {r[1] for r in rows(manager, queues.ORGANISATION)} == {team_failure.pk, org_failure.pk}


def test_another_crcs_items_and_referrals_never_show(om):
    other_om = staff("CRC_OFFENDER_MANAGER", "CRC20")
    theirs = on_caseload(person_of("CRC20"), other_om)
    records.failure(theirs, at(D(2027, 6, 8)))
    records.escalation(theirs, at(D(2027, 6, 8)), actor=other_om)
    manager = staff("CRC_MANAGER", "CRC11")
    assert rows(manager, queues.ORGANISATION) == []


def test_an_escalated_case_at_the_nps_drops_out_of_the_crcs_list(om):
    person = on_caseload(person_of("CRC11"), om)
    records.escalation(person, at(D(2027, 6, 8)), actor=om)
    assert len(rows(om)) == 1
    person.responsible_provider = org("NPS")
    person.save()
    assert rows(om) == []


def test_an_nps_offender_manager_sees_failures_of_nps_cases():
    nps_om = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    person = on_caseload(person_of("NPS", ldu_crc="CRC11"), nps_om)
    failure = records.failure(person, at(D(2027, 6, 8)), actor=nps_om)
    assert failure.waiting_on == org("NPS")
    assert [r[1] for r in rows(nps_om)] == [failure.pk]


def test_the_page_lists_and_links(client, om):
    person = on_caseload(person_of("CRC11"), om)
    failure = records.failure(person, at(D(2027, 6, 3)))
    client.force_login(om)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Decide on the failure to comply" in page
    assert "Overdue by 2 business days" in page
    assert person.crn in page
    assert reverse("enforcement:failure", args=[person.crn, failure.pk]) in page
    assert 'name="show"' not in page  # no filter for an offender manager


def test_the_page_offers_managers_the_filter(client):
    manager = staff("CRC_MANAGER", "CRC11")
    person = person_of("CRC11")
    records.failure(person, at(D(2027, 6, 8)))
    client.force_login(manager)
    page = client.get(URL).content.decode()
    assert 'name="show"' in page and "Nothing needs action on your caseload" in page
    page = client.get(URL, {"show": "organisation"}).content.decode()
    assert person.crn in page
    # A value not offered is a form error, and the list falls back to the caseload.
    response = client.get(URL, {"show": "everything"})
    assert response.status_code == 200 and person.crn not in response.content.decode()


@pytest.mark.parametrize(
    "role_org",
    [
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL"),
        ("PPCS_CASEWORKER", "PPCS"),
        ("PRISON_RESETTLEMENT_WORKER", "CRC11"),
    ],
    ids=lambda v: v[0],
)
def test_other_roles_have_no_list(client, role_org):
    client.force_login(staff(*role_org))
    assert client.get(URL).status_code == 403


def test_the_page_reads_in_constant_queries(client, om, django_assert_num_queries, settings):
    def add(n):
        for i in range(n):
            person = on_caseload(person_of("CRC11"), om)
            records.failure(person, at(D(2027, 6, 1) + datetime.timedelta(days=i % 9)))
            records.escalation(person, at(D(2027, 6, 7)), actor=om)

    client.force_login(om)
    add(1)
    client.get(URL)  # warm caches (content types, session)
    with django_assert_num_queries(7) as few:  # session, user, vetting, roles, NPS, list, people
        client.get(URL)
    add(settings.PAGE_SIZE)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.content.decode().count('data-workflow="') == settings.PAGE_SIZE


# --- The home page's next steps ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "organisation", "link"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", True),
        ("CRC_MANAGER", "CRC11", True),
        ("NPS_OFFENDER_MANAGER", "NPS-WAL", True),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", False),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", False),
        ("PPCS_CASEWORKER", "PPCS", False),
    ],
)
def test_the_home_page_offers_the_lists(client, role, organisation, link):
    client.force_login(staff(role, organisation))
    response = client.get("/")
    assert response.status_code == 200  # whether or not each queue's page exists yet
    assert (f'href="{reverse("enforcement:needs-action")}"' in response.content.decode()) is link


# --- The case overview's panel -------------------------------------------------------------


def test_the_case_overview_shows_open_records_and_documents(client, om):
    person = on_caseload(person_of("CRC11"), om)
    failure = records.failure(person, at(D(2027, 6, 3)))
    referral = records.breach_referral(person, at(D(2027, 6, 7)), actor=om)
    escalation = records.escalation(person, at(D(2027, 6, 8)), actor=om)
    closed = records.failure(person, at(D(2027, 5, 20)))
    records.close(wf.FAILURE, closed, "accept_excuse", when=at(D(2027, 5, 21)))
    client.force_login(om)
    page = client.get(f"/people/{person.crn}/").content.decode()
    panel = page[page.index('data-testid="enforcement-panel"') :]
    for name, pk in (
        ("failure", failure.pk),
        ("breach_referral", referral.pk),
        ("risk_escalation", escalation.pk),
        ("failure", referral.failure_id),
    ):
        assert f'data-workflow="{name}" data-record="{pk}"' in panel
    assert f'data-record="{closed.pk}"' not in panel
    assert "Waiting for the NPS to decide" in panel and ">Wales<" in panel
    assert "Pre breach pack" in panel  # the referral's document
    assert "Overdue" in panel  # the first failure was due on 7 June
    # The actions to start from the case.
    for name in ("failure-create", "escalation-create", "recall-create", "sfo-create"):
        assert reverse(f"enforcement:{name}", args=[person.crn]) in panel
    assert "Share intelligence" not in panel  # the NPS shares it, not the CRC


def test_nps_staff_may_share_intelligence_from_the_case(client):
    nps_om = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    person = person_of("NPS", ldu_crc="CRC11")
    client.force_login(nps_om)
    page = client.get(f"/people/{person.crn}/").content.decode()
    assert reverse("enforcement:intelligence-create", args=[person.crn]) in page


def test_read_only_staff_are_offered_no_actions(client):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    person = person_of("CRC11")
    page = client.get(f"/people/{person.crn}/").content.decode()
    panel = page[page.index('data-testid="enforcement-panel"') :]
    assert "Record a failure to comply" not in panel


def test_the_case_overview_panel_reads_in_constant_queries(client, om):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = on_caseload(person_of("CRC11"), om), on_caseload(person_of("CRC11"), om)
    records.failure(small, at(D(2027, 6, 3)))
    for _ in range(3):
        records.breach_referral(large, at(D(2027, 6, 7)), actor=om)
        records.recall(large, at(D(2027, 6, 7)), actor=om)
    records.intelligence(large, at(D(2027, 6, 7)))
    records.sfo(large, at(D(2027, 6, 7)))
    client.force_login(om)

    def count(person):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/people/{person.crn}/").status_code == 200
        return len(queries)

    count(small)  # warm caches
    assert count(large) == count(small)


def test_a_next_step_whose_page_does_not_exist_is_plain_text(client, monkeypatch):
    import dataclasses

    from probation import roles

    role = roles.ROLES_BY_CODE["CRC_OFFENDER_MANAGER"]
    step = roles.NextStep("Work a queue not built yet", "enforcement:no-such-queue")
    changed = dataclasses.replace(role, next_steps=(step, *role.next_steps))
    monkeypatch.setitem(roles.ROLES_BY_GROUP, role.group_name, changed)
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    response = client.get("/")
    assert response.status_code == 200
    assert "<li>Work a queue not built yet</li>" in response.content.decode()


def test_a_record_without_a_page_has_no_link():
    assert queues.record_url("no_such_workflow", "X000001", 1) == ""
    assert queues.record_url("failure", "X000001", 1) == "/enforcement/people/X000001/failures/1/"
