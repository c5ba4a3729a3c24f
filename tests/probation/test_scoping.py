"""Access is scoped in one place (probation.access): every page and API route that shows
or changes offender data answers 404 for a person outside the caller's scope, exactly as
for a CRN that does not exist. The routes are enumerated from the URL resolver, so a new
one cannot escape: a pattern with a parameter this test does not know fails the test."""

import pytest
from rest_framework.test import APIClient

from probation import access
from tests.probation.factories import api_client, person_of, staff
from tests.routes import parameters as route_parameters
from tests.routes import url as path_of
from tests.routes import walk

pytestmark = pytest.mark.django_db

# Parameters that identify offender data, and how to fill them for a person.
PERSON_PARAMETERS = {"crn"}
# Parameters naming one record of a person (a sentence, a contact ...), each with a
# function that makes such a record for a person and returns the value for the route.
# A route with one of these is checked like a person route: the person's CRN and the
# record's identifier are filled in together.
CHILD_PARAMETERS: dict = {}


def _contact_id(person):
    from tests.probation.factories import contact_of

    return contact_of(person, staff("CRC_OFFENDER_MANAGER", "CRC11")).pk


def _plan_version(person):
    from tests.probation.factories import plan_of

    return plan_of(person, staff("CRC_OFFENDER_MANAGER", "CRC11")).version


CHILD_PARAMETERS["contact_id"] = _contact_id
CHILD_PARAMETERS["version"] = _plan_version


def _transfer_id(person):
    """An open transfer of the person to CRC21, a provider none of the callers belongs to
    (the receiving provider reads the person while it is open). One transfer per person
    may be open, so an existing one is reused."""
    from django.utils import timezone

    from probation.models import CaseTransfer, Organisation

    existing = CaseTransfer.objects.filter(person=person, status="REQUESTED").first()
    if existing is not None:
        return existing.pk
    to_ldu = Organisation.objects.filter(kind="LDU", crc__code="CRC21").order_by("code").first()
    return CaseTransfer.objects.create(
        person=person,
        from_provider=person.responsible_provider,
        to_provider=to_ldu.crc,
        from_ldu=person.ldu,
        to_ldu=to_ldu,
        reason="Moved to a new address",
        requested_by=staff("CRC_OFFENDER_MANAGER", "CRC11"),
        requested_at=timezone.now(),
    ).pk


def _sentence_number(person):
    """A custodial sentence with its licence, so every sentence route (the licence's too)
    has something to show."""
    from probation.models import Licence
    from tests.probation.factories import sentence_of

    sentence = sentence_of(person, "CUSTODIAL", term_months=18)
    Licence.objects.create(sentence=sentence)
    return sentence.number


CHILD_PARAMETERS["transfer_id"] = _transfer_id
CHILD_PARAMETERS.setdefault("number", _sentence_number)


def _requirement_id(person):
    """A requirement of the person's latest sentence: the one ``number`` just made, so
    routes naming both find the requirement under its own sentence."""
    from tests.probation.factories import requirement_of, sentence_of

    sentence = person.sentences.order_by("-number").first() or sentence_of(person)
    return requirement_of(sentence, "PROGRAMME").pk


CHILD_PARAMETERS["requirement_id"] = _requirement_id


def _request_id(person):
    """An open flag of allocation in error on the person's latest sentence (the one
    ``number`` just made), decided first to the provider managing the person."""
    import datetime

    from django.utils import timezone

    from allocation.models import AllocationDecision, ReallocationRequest
    from tests.probation.factories import sentence_of, team_of

    sentence = person.sentences.order_by("-number").first() or sentence_of(person)
    waiting = ReallocationRequest.objects.filter(sentence=sentence, status="OPEN").first()
    if waiting is not None:
        return waiting.pk
    provider = person.responsible_provider
    decided = AllocationDecision.objects.filter(sentence=sentence).first()
    if decided is None:
        decided = AllocationDecision.objects.create(
            sentence=sentence,
            person=person,
            recommended_decision="CRC" if provider.is_crc else "NPS",
            recommended_rule="HOME_CPA_CRC" if provider.is_crc else "HIGH_ROSH",
            decision="CRC" if provider.is_crc else "NPS",
            organisation=provider,
            team=team_of(provider if provider.is_crc else person.ldu.division),
            division=person.ldu.division,
            due_by=datetime.date.today(),
            decided_at=timezone.now(),
            decided_by=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
            within_deadline=True,
        )
    flagger = staff("CRC_OFFENDER_MANAGER", "CRC11")
    return ReallocationRequest.objects.create(
        sentence=sentence,
        person=person,
        allocation=decided,
        reason="The home address is in another Contract Package Area",
        raised_at=timezone.now(),
        raised_by=flagger,
        raised_by_organisation=flagger.organisation,
    ).pk


CHILD_PARAMETERS["request_id"] = _request_id


def _document_id(person):
    """A stored document of the person (a warning letter)."""
    from probation import documents

    return documents.document_create(
        actor=staff("CRC_OFFENDER_MANAGER", "CRC11"),
        person=person,
        kind="WARNING_LETTER",
        title="Warning letter",
        template="enforcement/documents/warning_letter.html",
        context={},
    ).pk


CHILD_PARAMETERS["document_id"] = _document_id

# --- enforcement: failures and breach referrals ---


def _failure_id(person):
    """A failure to comply on a new Community Order of the person, waiting for the
    responsible officer's decision."""
    import datetime

    from enforcement.models import Failure, FailureState
    from enforcement.workflows import FAILURE
    from tests.probation.factories import sentence_of

    sentence = sentence_of(person)
    failure = Failure(
        person=person,
        sentence=sentence,
        enforced_as="COMMUNITY_ORDER",
        failure_date=datetime.date.today(),
        description="Did not attend the office appointment",
        provider=person.responsible_provider,
        recorded_by=staff("CRC_OFFENDER_MANAGER", "CRC11"),
    )
    FAILURE.open(failure, state=FailureState.AWAITING_DECISION, actor=failure.recorded_by)
    return failure.pk


def _referral_id(person):
    """A breach referral of a new failure, with its pre-breach pack, waiting for the
    enforcement officers of the person's division."""
    from enforcement.models import BreachReferral, BreachState, Failure
    from enforcement.workflows import BREACH_REFERRAL
    from probation import documents

    failure = Failure.objects.get(pk=_failure_id(person))
    referrer = failure.recorded_by
    pack = documents.document_create(
        actor=referrer,
        person=person,
        kind="PRE_BREACH_PACK",
        title="Pre-breach pack",
        template="enforcement/documents/pre_breach_pack.html",
        context={"failure": failure, "sentence": failure.sentence},
    )
    referral = BreachReferral(
        person=person,
        failure=failure,
        sentence=failure.sentence,
        referred_by=referrer,
        referred_by_organisation=referrer.organisation,
        division=person.ldu.division,
        pre_breach_pack=pack,
    )
    BREACH_REFERRAL.open(referral, state=BreachState.AWAITING_EO, actor=referrer)
    return referral.pk


CHILD_PARAMETERS["failure_id"] = _failure_id
CHILD_PARAMETERS["referral_id"] = _referral_id

# --- enforcement: recall requests ---


def _recall_id(person):
    """A recall request waiting on PPCS, on a new licence of the person's, requested by
    their provider's officer."""
    import datetime

    from enforcement import recalls, workflows
    from enforcement.models import RecallRequest
    from probation import documents
    from probation.models import Licence
    from tests.probation.factories import sentence_of

    today = datetime.date.today()
    sentence = sentence_of(
        person,
        "CUSTODIAL",
        term_months=18,
        licence_start_date=today - datetime.timedelta(days=30),
        licence_end_date=today + datetime.timedelta(days=300),
    )
    Licence.objects.create(sentence=sentence)
    provider = person.responsible_provider
    officer = (
        staff("CRC_OFFENDER_MANAGER", provider.code)
        if provider.is_crc
        else staff("NPS_OFFENDER_MANAGER", person.ldu.division.code)
    )
    document = documents.document_create(
        actor=officer,
        person=person,
        kind="RECALL_REQUEST",
        title="Recall request",
        template=recalls.DOCUMENT_TEMPLATE,
        context={"sentence": sentence},
    )
    return workflows.RECALL_REQUEST.open(
        RecallRequest(
            person=person,
            sentence=sentence,
            reasons="Out of touch",
            recommended_type="STANDARD",
            requested_by=officer,
            requested_by_organisation=officer.organisation,
            division=person.ldu.division,
            document=document,
        ),
        state="AWAITING_PPCS",
        actor=officer,
    ).pk


CHILD_PARAMETERS["recall_id"] = _recall_id

# --- enforcement: risk escalation, reviews, intelligence, SFO ---


def _escalation_id(person):
    """A risk escalation referral of the person waiting on their NPS division (one may wait
    per person, so an open one is reused)."""
    from enforcement.models import RiskEscalation
    from enforcement.workflows import RISK_ESCALATION

    waiting = RiskEscalation.objects.filter(person=person, state="AWAITING_NPS").first()
    if waiting is not None:
        return waiting.pk
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    escalation = RiskEscalation(
        person=person,
        raised_by=officer,
        raised_by_organisation=person.responsible_provider,
        division=person.ldu.division,
        new_information="Police report a threat to a former partner",
        current_rosh="MEDIUM",
        crc_view="The risk may now be high",
    )
    return RISK_ESCALATION.open(escalation, state="AWAITING_NPS", actor=officer).pk


def _review_id(person):
    """A risk review set by an allocation of the person's latest sentence."""
    import datetime

    from enforcement.models import RiskReview
    from enforcement.workflows import RISK_REVIEW

    request_id = _request_id(person)  # makes the sentence's allocation decision
    from allocation.models import ReallocationRequest

    allocation = ReallocationRequest.objects.get(pk=request_id).allocation
    existing = RiskReview.objects.filter(allocation=allocation).first()
    if existing is not None:
        return existing.pk
    review = RiskReview(
        person=person,
        allocation=allocation,
        provider=person.responsible_provider,
        review_by=datetime.date.today() + datetime.timedelta(days=60),
        triggers="A new partner",
    )
    return RISK_REVIEW.open(review, state="OPEN", actor=allocation.decided_by).pk


def _intelligence_id(person):
    from enforcement.models import Intelligence
    from enforcement.workflows import INTELLIGENCE

    sharer = staff("NPS_SENIOR_MANAGER", person.ldu.division.code)
    record = Intelligence(
        person=person,
        source="POLICE",
        summary="Arrested for a public order offence",
        shared_by=sharer,
        shared_by_organisation=sharer.organisation,
        provider=person.responsible_provider,
    )
    return INTELLIGENCE.open(record, state="AWAITING_ACKNOWLEDGEMENT", actor=sharer).pk


def _sfo(person):
    import datetime

    from django.utils import timezone

    from enforcement.models import SeriousFurtherOffence
    from enforcement.workflows import SFO_REVIEW

    officer = staff("CRC_MANAGER", "CRC11")
    sfo = SeriousFurtherOffence(
        person=person,
        provider=person.responsible_provider,
        charged_on=datetime.date.today() - datetime.timedelta(days=30),
        offence="Wounding with intent",
        reported_by=officer,
        noms_notified_at=timezone.now(),
    )
    return SFO_REVIEW.open(sfo, state="REVIEW_DUE", actor=officer)


def _vsr_id(person):
    """A Victim Summary Report due after a conviction for an SFO."""
    import datetime

    from enforcement.models import VictimSummaryReport
    from enforcement.workflows import VICTIM_SUMMARY_REPORT

    sfo = _sfo(person)
    sfo.outcome, sfo.outcome_on, sfo.victims_opted_in = "CONVICTED", datetime.date.today(), True
    sfo.save()
    vsr = VictimSummaryReport(person=person, sfo=sfo, provider=sfo.provider)
    return VICTIM_SUMMARY_REPORT.open(vsr, state="DUE", actor=sfo.reported_by).pk


CHILD_PARAMETERS["escalation_id"] = _escalation_id
CHILD_PARAMETERS["review_id"] = _review_id
CHILD_PARAMETERS["intelligence_id"] = _intelligence_id
CHILD_PARAMETERS["sfo_id"] = lambda person: _sfo(person).pk
CHILD_PARAMETERS["vsr_id"] = _vsr_id

# --- resettlement: custody episodes and pre-release tasks ---


def _episode_id(person):
    """The person's open custody episode (one per person), received into a prison whose
    host: lead provider is CRC21 – a CRC none of the callers belongs to – so the plan's
    writer does not open the person to them."""
    from resettlement.models import CustodyEpisode
    from tests.resettlement.factories import prison, reception

    existing = CustodyEpisode.objects.filter(person=person, released_on__isnull=True).first()
    if existing is not None:
        return existing.pk
    return reception(person, prison("TSP", lead="CRC21", ldu_crc="CRC21")).pk


def _task_id(person):
    """A home circumstances report the prison asked the allocated organisation for."""
    import datetime

    from resettlement.models import CustodyEpisode, PreReleaseTask

    episode = CustodyEpisode.objects.get(pk=_episode_id(person))
    today = datetime.date.today()
    return PreReleaseTask.objects.create(
        episode=episode,
        person=person,
        kind="HDC_HOME_CIRCUMSTANCES",
        owner=person.responsible_provider,
        opened_on=today,
        due_by=today + datetime.timedelta(days=14),
    ).pk


CHILD_PARAMETERS["episode_id"] = _episode_id
CHILD_PARAMETERS["task_id"] = _task_id

# Parameters of reference data everyone may read (organisation codes).
REFERENCE_PARAMETERS = {"code"}
# Parameters of records addressed to the user rather than about one person, each fetched
# through its own scoped selector and tested there.
ADDRESSED_PARAMETERS = {
    "notification_id": "probation.notifications.notifications_for "
    "(tests/probation/test_notifications.py)",
}
# --- enforcement: referrals API ---
# GET /api/v1/referrals/{workflow}/{record_id}: a referral the caller's organisation is
# involved in, found through probation.access.records_involving (tests/enforcement/
# test_api_referrals.py).
ADDRESSED_PARAMETERS["workflow"] = "enforcement.api_referrals (records_involving)"
ADDRESSED_PARAMETERS["record_id"] = "enforcement.api_referrals (records_involving)"
# /resettlement/prisons/<prison_code>/...: a prison's queue and designation. The prison is
# reference data; the queue's rows are the people the caller may see
# (tests/resettlement/test_custody_pages.py).
ADDRESSED_PARAMETERS["prison_code"] = "resettlement.views_custody (people_visible_to)"

# /contracts/... and /api/v1/contracts/...: a CRC's contract, its ledger lines, payment runs,
# rate-card orders and service level results, each found through
# probation.access.contracts_visible_to; another CRC's answers 404 like a missing one
# (tests/contracts/test_scoping.py enumerates these routes).
for _name in ("contract_id", "month", "entry_id", "run_id", "order_id", "result_id"):
    ADDRESSED_PARAMETERS[_name] = "probation.access.contract_for_view (tests/contracts)"

# /performance/... and /api/v1/performance/...: an organisation's figures and the cases
# behind them, found through probation.access.performance_organisation_for_view (another
# CRC's organisation answers 404); published open-data tables are public aggregates
# (tests/performance/test_scoping.py enumerates these routes).
for _name in ("org_code", "measure", "table_id"):
    ADDRESSED_PARAMETERS[_name] = (
        "probation.access.performance_organisation_for_view (tests/performance)"
    )

# Namespaces that hold no case data: the admin registers no case model (asserted below).
EXCLUDED_PREFIXES = ("admin/",)
# Routes outside the scoping layer on purpose, each with its reason.
NOT_CASE_DATA = {
    "sign-in/": "sign-in page",
    "sign-out/": "sign-out",
    "health/": "service health, no case data",
    "api/schema/": "OpenAPI schema, no case data",
    "api/docs/": "API documentation, no case data",
}


def _routes():
    routes = []
    for route, pattern in walk():
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        routes.append((route.replace("^", "").replace("$", ""), pattern, route_parameters(pattern)))
    return routes


KNOWN_PARAMETERS = (
    PERSON_PARAMETERS | REFERENCE_PARAMETERS | set(CHILD_PARAMETERS) | set(ADDRESSED_PARAMETERS)
)


def test_every_route_parameter_is_known():
    unknown = {
        route: sorted(params - KNOWN_PARAMETERS)
        for route, _, params in _routes()
        if params - KNOWN_PARAMETERS
    }
    assert unknown == {}, "Teach this test how these routes identify their records"


def test_admin_registers_no_case_data():
    from django.contrib import admin

    from probation.models import AuditEvent, Person

    registered = set(admin.site._registry)
    assert Person not in registered and AuditEvent not in registered


def _person_routes():
    routes = [(route, params) for route, _, params in _routes() if params & PERSON_PARAMETERS]
    for route, params in routes:
        assert not params & set(CHILD_PARAMETERS) - PERSON_PARAMETERS or "crn" in params, route
    return routes


def _values(route_params, person, crn=None):
    """Route values for ``person``'s records; ``crn`` overrides the CRN (a missing one)."""
    values = {"crn": crn or person.crn}
    for name in sorted(route_params & set(CHILD_PARAMETERS)):
        values[name] = str(CHILD_PARAMETERS[name](person))
    return values


def test_person_routes_exist_for_pages_and_api():
    routes = [route for route, _ in _person_routes()]
    assert any(r.startswith("people/") for r in routes)
    assert any(r.startswith("api/v1/people/") for r in routes)


METHODS = ("get", "post", "patch", "put", "delete")


def _responses(client, url):
    return {
        method: getattr(client, method)(url, {}, format="json").status_code for method in METHODS
    }


@pytest.fixture
def crc_b_person():
    return person_of("CRC20")  # managed by London CRC


@pytest.fixture
def callers():
    """CRC A (Wales, CRC11) staff of every CRC role, and CRC A's API client."""
    clients = []
    for role in ("CRC_OFFENDER_MANAGER", "CRC_MANAGER", "PRISON_RESETTLEMENT_WORKER"):
        client = APIClient()
        client.force_login(staff(role, "CRC11"))
        clients.append((role, client))
    _, key = api_client("CRC11")
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    clients.append(("API client of CRC11", token_client))
    return clients


def _reachable(role, route):
    """Token clients use the API; on web pages they are sent to sign in like anyone."""
    return route.startswith("api/") or not role.startswith("API client")


def test_other_crcs_person_is_indistinguishable_from_a_missing_one(crc_b_person, callers):
    routes = _person_routes()
    assert routes
    for role, client in callers:
        for route, params in routes:
            values = _values(params, crc_b_person)
            theirs = path_of(route, values)
            missing = path_of(route, {**values, "crn": "Z999999"})
            got, expected = _responses(client, theirs), _responses(client, missing)
            if _reachable(role, route):
                assert got["get"] == 404, f"{role} GET {theirs}"
            assert got == expected, f"{role} {theirs}: {got} vs missing {expected}"


def test_other_crcs_person_never_appears_in_lists(crc_b_person, callers):
    own = person_of("CRC11")
    list_routes = [route for route, _, params in _routes() if not params]
    for role, client in callers:
        for route in list_routes:
            if route in NOT_CASE_DATA:
                continue
            response = client.get(path_of(route, {}), {"crn": crc_b_person.crn})
            # Pagination links echo the query string; only the data itself must not leak.
            body = response.content.decode(errors="replace").replace(f"crn={crc_b_person.crn}", "")
            assert crc_b_person.crn not in body, f"{role} sees CRC B's person at /{route}"
        people = client.get("/api/v1/people/")
        assert own.crn in people.content.decode(), f"{role} should see their own CRC's person"


def test_own_person_is_open_on_every_person_route_that_reads(callers):
    own = person_of("CRC11")
    for role, client in callers:
        for route, params in _person_routes():
            if _reachable(role, route):
                response = client.get(path_of(route, _values(params, own)))
                assert response.status_code == 200, f"{role} GET /{route}"


@pytest.mark.parametrize(
    ("role", "organisation", "sees"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", {"crc11"}),
        ("NPS_OFFENDER_MANAGER", "NPS-WAL", {"nps_wales", "nps_london"}),
        ("NPS_ALLOCATION_OFFICER", "NPS-WAL", {"nps_wales", "nps_london", "crc11"}),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", {"nps_wales", "nps_london", "crc11"}),
        ("NPS_ALLOCATION_OFFICER", "NPS-LON", {"nps_wales", "nps_london", "crc20"}),
        ("NOMS_CONTRACT_MANAGER", "NOMS", {"crc11", "crc20", "nps_wales", "nps_london"}),
        ("PPCS_CASEWORKER", "PPCS", {"crc11", "crc20", "nps_wales", "nps_london"}),
        ("SYSTEM_ADMINISTRATOR", "NOMS", set()),
        ("NOMS_AUDITOR", "NOMS", set()),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_scope_by_role(role, organisation, sees):
    people = {
        "crc11": person_of("CRC11"),
        "crc20": person_of("CRC20"),
        "nps_wales": person_of("NPS", ldu_crc="CRC11"),
        "nps_london": person_of("NPS", ldu_crc="CRC20"),
    }
    user = staff(role, organisation)
    visible = set(access.people_visible_to(user).values_list("crn", flat=True))
    assert {name for name, p in people.items() if p.crn in visible} == sees


def test_per_object_grant_opens_one_person_only():
    from probation import services

    nps_om = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    crc_om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    moved, other = person_of("NPS"), person_of("NPS")
    services.person_access_grant(
        actor=nps_om, crn=moved.crn, grantee=crc_om, permission="view_person"
    )
    visible = set(access.people_visible_to(crc_om).values_list("crn", flat=True))
    assert moved.crn in visible and other.crn not in visible
    assert not access.people_changeable_by(crc_om).filter(pk=moved.pk).exists()


def test_noms_contract_manager_reads_but_cannot_change_anything():
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    person = person_of("CRC11")
    client = APIClient()
    client.force_login(noms)
    assert client.get(f"/api/v1/people/{person.crn}/").status_code == 200
    assert client.get(f"/people/{person.crn}/").status_code == 200
    assert (
        client.patch(
            f"/api/v1/people/{person.crn}/", {"first_name": "Changed"}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.post(f"/people/{person.crn}/change/", {"first_name": "Changed"}).status_code == 403
    )
    assert client.get("/people/new/").status_code == 403
    created = client.post(
        "/api/v1/people/",
        {
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "1990-01-01",
            "gender": "M",
            "ldu": "LDU1101",
        },
        format="json",
    )
    assert created.status_code == 403
    person.refresh_from_db()
    assert person.first_name != "Changed"
    assert access.people_changeable_by(noms).count() == 0


def test_a_record_of_another_person_is_not_reached_through_an_own_crn(crc_b_person, callers):
    """A record's identifier only counts under its own person's CRN: swapping in a CRN the
    caller may see must not open another person's sentence, contact or plan."""
    own = person_of("CRC11")
    for role, client in callers:
        for route, params in _person_routes():
            if not params & set(CHILD_PARAMETERS) or not _reachable(role, route):
                continue
            values = {**_values(params, crc_b_person), "crn": own.crn}
            url = path_of(route, values)
            assert client.get(url).status_code == 404, f"{role} GET {url}"


def test_every_person_route_that_reads_writes_a_view_audit_row(callers):
    """Reading a case – on any page or endpoint that names it – leaves a VIEW row naming the
    person, so the audit trail answers "who looked at this case" for every route."""
    from probation.models import AuditEvent

    own = person_of("CRC11")
    role, client = callers[0]
    silent = []
    for route, params in _person_routes():
        url = path_of(route, _values(params, own))
        before = AuditEvent.objects.filter(action="VIEW", person_crn=own.crn).count()
        assert client.get(url).status_code == 200, url
        if AuditEvent.objects.filter(action="VIEW", person_crn=own.crn).count() == before:
            silent.append(route)
    assert silent == [], f"These routes show case data without auditing the view: {silent}"
