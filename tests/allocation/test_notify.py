"""The receiving provider is told (DOMAIN.md 4 "informs the CRC"): an allocation puts one
notification on the receiving team's queue, seen by the team and the CRC's managers – on
/notifications/ (filterable to new allocations), as a count on the home page and as a
banner on the caseload page – and by no other CRC."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation import notify
from probation import notifications
from probation.models import Notification, Team
from tests.allocation.allocated import allocate, allocated, new_case_in
from tests.probation.factories import org, staff, team_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    return allocated("CRC11")


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_allocating_to_a_crc_notifies_its_team_once(decision):
    [notification] = Notification.objects.all()
    assert notification.kind == "ALLOCATION_RECEIVED"
    assert (notification.organisation, notification.team) == (org("CRC11"), decision.team)
    assert notification.person == decision.person
    assert notification.url == f"/allocation/{decision.person.crn}/{decision.sentence.number}/"
    notify.allocation_received(decision)  # a retry, or a second delivery
    assert Notification.objects.count() == 1


def test_each_decision_notifies_its_own_team():
    allocated("CRC11")
    allocated("CRC11")
    allocated("CRC11", to="NPS")
    assert Notification.objects.filter(organisation=org("CRC11")).count() == 2
    assert Notification.objects.filter(organisation=org("NPS")).count() == 1


@pytest.mark.parametrize(
    ("role", "organisation", "sees"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", True),  # a member of the receiving team
        ("CRC_MANAGER", "CRC11", True),
        ("CRC_OFFENDER_MANAGER", "CRC20", False),
        ("CRC_MANAGER", "CRC20", False),
    ],
    ids=["crc11-team-member", "crc11-manager", "crc20-offender-manager", "crc20-manager"],
)
def test_who_sees_the_new_allocation(client, decision, role, organisation, sees):
    user = staff(role, organisation)
    title = f"{decision.person.full_name} ({decision.sentence.reference})"
    listed = _page(client, user, "/notifications/")
    home = _page(client, user, "/")
    assert (title in listed) is sees
    assert ("You have 1 new notification." in home) is sees


def test_a_crc11_team_that_did_not_take_the_case_does_not_see_it(client, decision):
    other_team = Team.objects.create(
        organisation=org("CRC11"), ldu=decision.team.ldu, name="Another team of CRC11"
    )
    user = staff("CRC_OFFENDER_MANAGER", "CRC11", team=other_team)
    assert decision.person.full_name not in _page(client, user, "/notifications/")
    assert "new notification" not in _page(client, user, "/")


def test_the_home_page_links_to_the_new_notifications_and_stops_counting_read_ones(
    client, decision
):
    member = staff("CRC_OFFENDER_MANAGER", "CRC11")
    home = _page(client, member, "/")
    assert 'href="/notifications/?status=new"' in home
    notification = Notification.objects.get()
    client.post(f"/notifications/{notification.pk}/read/")
    assert "new notification" not in _page(client, member, "/")


def test_the_notifications_page_filters_to_new_allocations(client, decision):
    notifications.notify(
        kind="ALLOCATION_OVERDUE",
        organisation=org("CRC11"),
        title="Something else for CRC11",
        key="something-else",
    )
    manager = staff("CRC_MANAGER", "CRC11")
    everything = _page(client, manager, "/notifications/")
    assert "Something else for CRC11" in everything and decision.person.full_name in everything
    only = _page(client, manager, "/notifications/?kind=ALLOCATION_RECEIVED&status=new")
    assert decision.person.full_name in only and "Something else for CRC11" not in only
    notifications.mark_read(actor=manager, pk=Notification.objects.get(key__startswith="alloc").pk)
    none_new = _page(client, manager, "/notifications/?kind=ALLOCATION_RECEIVED&status=new")
    assert "No notifications match these filters" in none_new
    read_too = _page(client, manager, "/notifications/?kind=ALLOCATION_RECEIVED")
    assert decision.person.full_name in read_too


def test_an_unknown_filter_is_an_error_not_a_crash(client, decision):
    page = _page(client, staff("CRC_MANAGER", "CRC11"), "/notifications/?kind=NOPE")
    assert "There is a problem" in page
    assert decision.person.full_name in page  # the filter is ignored, the list still shown


def test_the_caseload_page_shows_the_new_allocations_banner(client, decision):
    member = staff("CRC_OFFENDER_MANAGER", "CRC11")
    page = _page(client, member, "/caseload/")
    assert "1 case newly allocated to your team" in page
    assert 'href="/notifications/?kind=ALLOCATION_RECEIVED&amp;status=new"' in page
    manager_page = _page(client, staff("CRC_MANAGER", "CRC11"), "/caseload/")
    assert "1 case newly allocated to your organisation&#x27;s teams" in manager_page
    assert "newly allocated" not in _page(client, staff("CRC_MANAGER", "CRC20"), "/caseload/")
    client.force_login(member)
    client.post(f"/notifications/{Notification.objects.get().pk}/read/")
    assert "newly allocated" not in _page(client, member, "/caseload/")


def test_home_and_caseload_count_in_constant_queries(client):
    member = staff("CRC_OFFENDER_MANAGER", "CRC11")
    allocated("CRC11")
    client.force_login(member)
    client.get("/")
    with CaptureQueriesContext(connection) as one_home:
        assert "You have 1 new notification." in client.get("/").content.decode()
    with CaptureQueriesContext(connection) as one_caseload:
        assert "1 case newly allocated" in client.get("/caseload/").content.decode()
    for _ in range(4):
        person, sentence = new_case_in("CRC11")
        allocate(person, sentence, team=team_of(org("CRC11")))
    with CaptureQueriesContext(connection) as five_home:
        assert "You have 5 new notifications." in client.get("/").content.decode()
    with CaptureQueriesContext(connection) as five_caseload:
        assert "5 cases newly allocated" in client.get("/caseload/").content.decode()
    assert len(five_home) == len(one_home)
    assert len(five_caseload) == len(one_caseload)
    counts = [q["sql"] for q in five_home.captured_queries if "notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0]


def test_staff_without_vetting_see_their_home_page_without_a_count(client, decision):
    unvetted = staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False)
    page = _page(client, unvetted, "/")
    assert "You cannot open offender records" in page and "new notification" not in page


def test_marking_read_returns_to_the_filtered_list_and_nowhere_else(client, decision):
    manager = staff("CRC_MANAGER", "CRC11")
    client.force_login(manager)
    notification = Notification.objects.get()
    filtered = "/notifications/?kind=ALLOCATION_RECEIVED&status=new"
    page = client.get(filtered).content.decode()
    assert 'name="next" value="/notifications/?kind=ALLOCATION_RECEIVED&amp;status=new"' in page
    response = client.post(f"/notifications/{notification.pk}/read/", {"next": filtered})
    assert response.status_code == 302 and response["Location"] == filtered
    other = notifications.notify(
        kind="ALLOCATION_RECEIVED", organisation=org("CRC11"), title="Another", key="another"
    )
    for elsewhere in ("https://example.com/notifications/", "/caseload/"):
        response = client.post(f"/notifications/{other.pk}/read/", {"next": elsewhere})
        assert response["Location"] == "/notifications/"
