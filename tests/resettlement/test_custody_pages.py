"""The reception, queue, episode, screening and plan pages: who gets a form, who is refused
(403) or told nothing exists (404), GOV.UK error summaries with the services' messages, the
prison's queue scoped to the people the user may see with overdue work first at a constant
number of queries, and the episode page giving the same answers as the rules module."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probation.models import AuditEvent
from resettlement import custody, plans, rules
from resettlement.models import CustodyEpisode, PlanState, ResettlementPlan
from tests.probation.factories import org, person_of, sentence_of, staff
from tests.resettlement.days import clear_monday
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db

PART1 = dict(
    immediate_needs="",
    accommodation_need=True,
    employment_need=True,
    finance_debt_need=False,
    abuse_victim_need=False,
    sex_work_need=False,
    other_needs="",
)


def _client(client, user):
    client.force_login(user)
    return client


def _url(name, episode, *extra):
    return reverse(f"resettlement:{name}", args=[episode.person.crn, episode.pk, *extra])


def _summary(response) -> str:
    """The text of the page's GOV.UK error summary (empty when there is none)."""
    html = response.content.decode()
    start = html.find('class="govuk-error-summary"')
    if start < 0:
        return ""
    return html[start : html.find("</div>\n  </div>\n</div>", start)]


@pytest.fixture
def cardiff():
    return prison("CFI", lead="CRC11")


# --- Reception --------------------------------------------------------------------------------


def test_prison_staff_record_a_reception_and_see_the_episode(client, cardiff):
    person = person_of("CRC20")
    sentence = sentence_of(person, "CUSTODIAL", term_months=12)
    officer = prison_officer(cardiff)
    url = reverse("resettlement:reception-create", args=["CFI"])
    _client(client, officer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "SENTENCED"})
    assert response.status_code == 200
    summary = _summary(response)
    assert "Enter the CRN" in summary and "Enter the reception date" in summary
    today = datetime.date.today()
    data = {
        "crn": person.crn.lower(),
        "date_of_birth_day": person.date_of_birth.day,
        "date_of_birth_month": person.date_of_birth.month,
        "date_of_birth_year": person.date_of_birth.year,
        "status": "SENTENCED",
        "received_on_day": today.day,
        "received_on_month": today.month,
        "received_on_year": today.year,
    }
    response = client.post(url, data)
    assert "Give the number of the person" in _summary(response)  # the service's message
    response = client.post(url, {**data, "sentence_number": sentence.number})
    episode = CustodyEpisode.objects.get(person=person)
    assert response.status_code == 302
    assert response.url == _url("episode", episode)
    assert client.get(response.url).status_code == 200


def test_only_the_prisons_staff_record_its_receptions(client, cardiff):
    url = reverse("resettlement:reception-create", args=["CFI"])
    for outsider in (
        staff("PRISON_RESETTLEMENT_WORKER", "CRC11"),
        prison_officer(prison("SWI", lead="CRC11")),
    ):
        _client(client, outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    _client(client, prison_officer(cardiff))
    assert client.get(reverse("resettlement:reception-create", args=["ZZZ"])).status_code == 404


# --- The prison's queue -----------------------------------------------------------------------


def test_who_opens_a_prisons_queue(client):
    shared = prison("CFI", lead="CRC11", hosts=("CRC12",))
    url = reverse("resettlement:prison", args=["CFI"])
    for user, status in (
        (prison_officer(shared), 200),
        (staff("PRISON_RESETTLEMENT_WORKER", "CRC11"), 200),  # host: lead provider
        (staff("PRISON_RESETTLEMENT_WORKER", "CRC12"), 200),  # host CRC
        (staff("NOMS_CONTRACT_MANAGER", "NOMS"), 200),
        (staff("PRISON_RESETTLEMENT_WORKER", "CRC20"), 403),  # not involved
        (prison_officer(prison("SWI", lead="CRC11")), 403),
    ):
        _client(client, user)
        assert client.get(url).status_code == status, user
    assert client.get(reverse("resettlement:prison", args=["ZZZ"])).status_code == 404


def test_the_queue_shows_only_the_people_the_user_may_see(client):
    shared = prison("CFI", lead="CRC11", hosts=("CRC12",))
    own = person_of("CRC12", first_name="Owain", last_name="Host")
    leads = person_of("CRC20", first_name="Lewis", last_name="Lead")
    reception(own, shared)
    reception(leads, shared)
    host = staff("PRISON_RESETTLEMENT_WORKER", "CRC12")
    page = _client(client, host).get(reverse("resettlement:prison", args=["CFI"]))
    html = page.content.decode()
    assert "Owain Host" in html and "Lewis Lead" not in html
    page = _client(client, prison_officer(shared)).get(reverse("resettlement:prison", args=["CFI"]))
    assert "Owain Host" in page.content.decode() and "Lewis Lead" in page.content.decode()
    # A CRC not involved sees neither the queue nor the person.
    outsider = _client(client, staff("PRISON_RESETTLEMENT_WORKER", "CRC20"))
    episode = CustodyEpisode.objects.get(person=own)
    assert outsider.get(reverse("resettlement:prison", args=["CFI"])).status_code == 403
    assert outsider.get(_url("episode", episode)).status_code == 404


def test_the_queue_puts_overdue_work_first(client, freeze, cardiff):
    today = clear_monday() + datetime.timedelta(days=4)  # a Friday
    freeze(today)
    recent = person_of("CRC20", first_name="Recent", last_name="Reception")
    old = person_of("CRC20", first_name="Overdue", last_name="Reception")
    reception(recent, cardiff, received_on=today)
    reception(old, cardiff, received_on=today - datetime.timedelta(days=10))
    releasing = person_of("CRC20", first_name="Soon", last_name="Released")
    reception(
        releasing,
        cardiff,
        received_on=today - datetime.timedelta(days=300),
        expected_release_on=today + datetime.timedelta(days=30),
    )
    page = _client(client, prison_officer(cardiff)).get(
        reverse("resettlement:prison", args=["CFI"])
    )
    html = page.content.decode()
    assert html.index("Overdue Reception") < html.index("Recent Reception")
    assert "Overdue by" in html
    releases = html[html.index('data-testid="queue-releases"') :]
    assert "Soon Released" in releases
    screening = [s for s in page.context["sections"] if s.key == "screening"][0]
    names = [r.person.first_name for r in screening.rows]
    assert names == ["Soon", "Overdue", "Recent"]
    assert screening.rows[0].days_left < 0 <= screening.rows[-1].days_left


def _queue_queries(client, user, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_at_any_size(client, cardiff):
    officer = prison_officer(cardiff)
    url = reverse("resettlement:prison", args=["CFI"])
    _client(client, officer)

    def add(n):
        for _ in range(n):
            person = person_of("CRC20")
            episode = reception(person, cardiff)
            if _ % 2:
                plans.part1_record(officer, person.crn, episode.pk, **PART1, complete=True)

    add(1)
    client.get(url)
    few = _queue_queries(client, officer, url)
    add(6)
    many = _queue_queries(client, officer, url)
    assert many == few


# --- The episode page: the same answers as the rules ----------------------------------------


@pytest.mark.parametrize(
    ("provider", "status", "hosts", "resettlement"),
    [
        ("CRC20", "SENTENCED", (), True),
        ("CRC12", "RECALLED", ("CRC12",), True),
        ("NPS", "SENTENCED", ("CRC12",), True),
        ("CRC12", "REMAND", ("CRC12",), True),
        ("CRC20", "SENTENCED", (), False),
    ],
)
def test_the_episode_page_gives_the_rules_answer(client, provider, status, hosts, resettlement):
    holding = prison("CFI", lead="CRC11", hosts=hosts, resettlement=resettlement)
    person = person_of(provider, ldu_crc="CRC12")
    episode = reception(person, holding, status=status)
    answer = rules.responsibility(custody.facts_for(episode))
    viewer = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    response = _client(client, viewer).get(_url("episode", episode))
    assert response.status_code == 200
    html = response.content.decode()

    def shown(testid):
        start = html.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
        return html[start : html.index("</dd>", start)]

    def name(code, empty):
        return org(code).name if code else empty

    assert shown("plan-writer") == name(answer.plan_writer, "Nobody: with NOMS&#x27;s exceptions")
    assert shown("share-with") == name(answer.share_with, "Nobody")
    assert shown("pre-release-lead") == name(answer.pre_release_lead, "None")
    assert shown("accommodation-employment-by") == name(answer.accommodation_employment_by, "None")
    assert shown("screening-access-by") == f"{answer.screening_access_by:%-d %B %Y}"
    assert shown("plan-due-by") == f"{answer.plan_due_by:%-d %B %Y}"
    if answer.pre_release_from:
        assert f"{answer.pre_release_from:%-d %B %Y}" in html
    for reason in answer.reasons:
        assert reason.replace("'", "&#x27;") in html


def test_every_person_page_is_read_by_who_may_see_and_audited(client, cardiff):
    person = person_of("CRC20")
    episode = reception(person, cardiff)
    reader = staff("CRC_OFFENDER_MANAGER", "CRC20")
    _client(client, reader)
    for name in ("episode", "move", "release", "screening-part1", "screening-part2", "plan"):
        before = AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).count()
        response = client.get(_url(name, episode))
        assert response.status_code == 200, name
        assert "<form" not in response.content.decode().split("</header>")[-1], name
        assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).count() == before + 1
        assert client.post(_url(name, episode), {}).status_code == 403, name
    response = client.get(reverse("resettlement:episodes", args=[person.crn]))
    assert response.status_code == 200 and list(response.context["episodes"]) == [episode]
    outsider = _client(client, staff("CRC_OFFENDER_MANAGER", "CRC21"))
    assert outsider.get(_url("episode", episode)).status_code == 404
    assert outsider.get(reverse("resettlement:episodes", args=[person.crn])).status_code == 404


# --- Screening, plan, move and release pages ----------------------------------------------------


def test_part1_page_records_and_moves_the_plan(client, cardiff):
    person = person_of("CRC20")
    episode = reception(person, cardiff)
    _client(client, prison_officer(cardiff))
    page = client.get(_url("screening-part1", episode))
    assert "Save part 1" in page.content.decode()
    response = client.post(
        _url("screening-part1", episode), {"accommodation_need": "on", "complete": "on"}
    )
    assert response.status_code == 302
    plan = ResettlementPlan.objects.get(episode=episode)
    assert plan.state == PlanState.PLANNING
    writer = _client(client, staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    episode_page = writer.get(_url("episode", episode)).content.decode()
    assert _url("screening-part2", episode) in episode_page
    assert writer.post(_url("screening-part1", episode), {}).status_code == 403


def test_part2_and_plan_pages_show_the_services_refusals(client, cardiff):
    person = person_of("CRC20")
    episode = reception(person, cardiff)
    writer = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    _client(client, writer)
    # Before part 1: part 2 is refused with the reason in the error summary.
    response = client.post(_url("screening-part2", episode), {"assessment": "x"})
    assert "Part 1 of the screening is not complete yet." in _summary(response)
    plans.part1_record(prison_officer(cardiff), person.crn, episode.pk, **PART1, complete=True)
    response = client.post(_url("screening-part2", episode), {"complete": "on"})
    assert "Enter the assessment before completing part 2" in _summary(response)
    # The workflow's guard: the plan is not complete before part 2.
    response = client.post(_url("plan", episode), {"form": "complete", "summary": "Plan"})
    assert response.status_code == 200
    assert "Complete part 2 of the screening before completing the plan." in _summary(response)
    response = client.post(_url("plan", episode), {"form": "complete", "summary": ""})
    assert "Enter a summary of the plan" in _summary(response)
    client.post(_url("screening-part2", episode), {"assessment": "Needs", "complete": "on"})
    response = client.post(
        _url("plan", episode),
        {
            "form": "needs",
            "ACCOMMODATION_status": "TO_DO",
            "ACCOMMODATION_actions": "",
            "EMPLOYMENT_RETENTION_status": "NOT_NEEDED",
            "EMPLOYMENT_BROKERAGE_status": "NOT_NEEDED",
            "FINANCE_DEBT_status": "NOT_NEEDED",
        },
    )
    assert "Accommodation: enter the actions for a need to do." in _summary(response)
    response = client.post(
        _url("plan", episode),
        {
            "form": "needs",
            "ACCOMMODATION_status": "TO_DO",
            "ACCOMMODATION_actions": "Refer to housing",
            "EMPLOYMENT_RETENTION_status": "NOT_NEEDED",
            "EMPLOYMENT_BROKERAGE_status": "TO_DO",
            "EMPLOYMENT_BROKERAGE_actions": "Job centre",
            "FINANCE_DEBT_status": "NOT_NEEDED",
            "SIGNPOSTING_status": "TO_DO",
            "SIGNPOSTING_actions": "Library",
        },
    )
    assert response.status_code == 302
    assert ResettlementPlan.objects.get(episode=episode).needs.count() == 5
    response = client.post(_url("plan", episode), {"form": "complete", "summary": "Plan"})
    assert response.status_code == 302
    # The allocated CRC may read but not share; the writer shares once.
    allocated = staff("CRC_OFFENDER_MANAGER", "CRC20")
    assert (
        _client(client, allocated).post(_url("plan", episode), {"form": "share"}).status_code == 403
    )
    _client(client, writer)
    assert client.post(_url("plan", episode), {"form": "share"}).status_code == 302
    response = client.post(_url("plan", episode), {"form": "share"})
    assert "you cannot share the resettlement plan now" in _summary(response)


def test_move_and_release_pages(client, cardiff):
    prison("SWI", lead="CRC11")
    person = person_of("CRC20")
    today = datetime.date.today()
    episode = reception(person, cardiff, received_on=today - datetime.timedelta(days=5))
    _client(client, prison_officer(cardiff))
    response = client.post(_url("move", episode), {})
    assert "Select the prison the person moved to" in _summary(response)
    response = client.post(
        _url("release", episode),
        {
            "released_on_day": today.day,
            "released_on_month": today.month,
            "released_on_year": today.year,
            "release_type": "END_OF_REMAND",
        },
    )
    assert "Only a remand prisoner" in _summary(response)
    response = client.post(
        _url("move", episode),
        {
            "prison_code": "SWI",
            "moved_on_day": today.day,
            "moved_on_month": today.month,
            "moved_on_year": today.year,
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.prison.code == "SWI"
    # Cardiff no longer holds the person: its staff cannot see them.
    assert client.get(_url("episode", episode)).status_code == 404


def test_prison_staff_record_a_sentence_in_custody_and_others_may_only_read():
    from django.test import Client

    shared = prison("CFI", lead="CRC11", hosts=("CRC12",))
    person = person_of("CRC12", ldu_crc="CRC20")
    episode = reception(person, shared, status="REMAND")
    url = f"/resettlement/people/{person.crn}/custody/{episode.pk}/sentence/"
    reader = Client()
    reader.force_login(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"status": "SENTENCED"}).status_code == 403
    officer = Client()
    officer.force_login(prison_officer(shared))
    missing = officer.post(url, {})
    assert "govuk-error-summary" in missing.content.decode()
    assert "Enter the sentence number" in missing.content.decode()
    sentence = sentence_of(person, "CUSTODIAL", term_months=10)
    response = officer.post(url, {"status": "SENTENCED", "sentence_number": sentence.number})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == "SENTENCED" and episode.plan_writer.code == "CRC12"
