# ruff: noqa: E501 - the decision table keeps one row a line.
"""The rules of Through the Gate (``resettlement.rules``; DOMAIN.md 7, TOM 2.1 and 2.2), as a
decision table over every branch – who writes the plan, whom it is shared with, who leads
before release and who owns accommodation and employment – then the facts the rules refuse,
the clocks across weekends and bank holidays, and properties over generated facts."""

import dataclasses
import datetime

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from probation.calendar import business_days_between, is_business_day
from resettlement import rules
from resettlement.rules import Facts, InvalidFacts, PrisonFacts

LEAD, HOST, OTHER = "CRC11", "CRC12", "CRC20"
CRC_CODES = [f"CRC{n:02d}" for n in range(1, 22)]
RECEPTION = datetime.date(2026, 12, 23)

UNSHARED = PrisonFacts(resettlement=True, host_lead_provider=LEAD)
SHARED = PrisonFacts(resettlement=True, host_lead_provider=LEAD, host_crcs=(HOST,))
WOMENS = PrisonFacts(resettlement=True, host_lead_provider=LEAD, host_crcs=(HOST, "CRC13", "CRC14"))
NOT_RESETTLEMENT = PrisonFacts(resettlement=False)


def _facts(prison, status, allocated, home, *, release=None) -> Facts:
    return Facts(
        prison=prison,
        custody_status=status,
        allocated_to=allocated,
        home_crc=home,
        reception_date=RECEPTION,
        release_date=release,
    )


# (prison, status, allocated_to, home_crc) -> (plan writer, share with, pre-release lead,
# accommodation and employment by)
DECISIONS = [
    # An unshared resettlement prison: the host: lead provider writes every plan.
    pytest.param(UNSHARED, "SENTENCED", OTHER, OTHER, (LEAD, OTHER, LEAD, OTHER), id="unshared-sentenced-other-crc"),
    pytest.param(UNSHARED, "RECALLED", OTHER, OTHER, (LEAD, OTHER, LEAD, OTHER), id="unshared-recalled-other-crc"),
    pytest.param(UNSHARED, "SENTENCED", LEAD, LEAD, (LEAD, None, LEAD, LEAD), id="unshared-lead-own-allocated-person"),
    pytest.param(UNSHARED, "SENTENCED", "NPS", OTHER, (LEAD, "NPS", LEAD, "NPS"), id="unshared-nps-allocated"),
    pytest.param(UNSHARED, "REMAND", None, OTHER, (LEAD, OTHER, None, None), id="unshared-remand-shared-with-home-crc"),
    pytest.param(UNSHARED, "REMAND", None, LEAD, (LEAD, None, None, None), id="unshared-remand-home-crc-is-lead"),
    pytest.param(UNSHARED, "REMAND", None, None, (LEAD, None, None, None), id="unshared-remand-no-home-crc"),
    # A shared prison: a host CRC writes for its own allocated persons and its own CPA's
    # remand prisoners; the lead provider for everyone else.
    pytest.param(SHARED, "SENTENCED", HOST, HOST, (HOST, None, HOST, HOST), id="shared-host-own-allocated-person"),
    pytest.param(SHARED, "RECALLED", HOST, OTHER, (HOST, None, HOST, HOST), id="shared-host-own-recall-home-elsewhere"),
    pytest.param(SHARED, "REMAND", None, HOST, (HOST, None, None, None), id="shared-remand-host-own-cpa"),
    pytest.param(SHARED, "REMAND", None, OTHER, (LEAD, OTHER, None, None), id="shared-remand-home-crc-not-a-host"),
    pytest.param(SHARED, "REMAND", None, LEAD, (LEAD, None, None, None), id="shared-remand-lead-own-cpa"),
    pytest.param(SHARED, "REMAND", None, None, (LEAD, None, None, None), id="shared-remand-no-home-crc"),
    pytest.param(SHARED, "SENTENCED", OTHER, HOST, (LEAD, OTHER, LEAD, OTHER), id="shared-sentenced-home-is-host-but-allocated-elsewhere"),
    pytest.param(SHARED, "SENTENCED", LEAD, LEAD, (LEAD, None, LEAD, LEAD), id="shared-lead-own-allocated-person"),
    pytest.param(SHARED, "SENTENCED", "NPS", HOST, (LEAD, "NPS", LEAD, "NPS"), id="shared-nps-allocated"),
    pytest.param(WOMENS, "SENTENCED", "CRC14", "CRC14", ("CRC14", None, "CRC14", "CRC14"), id="womens-third-host-own-person"),
    pytest.param(WOMENS, "REMAND", None, "CRC13", ("CRC13", None, None, None), id="womens-remand-second-host-own-cpa"),
    pytest.param(WOMENS, "RECALLED", OTHER, "CRC13", (LEAD, OTHER, LEAD, OTHER), id="womens-recall-not-a-host"),
    # Not a resettlement prison: the home CRC arranges the service; with none, nobody can.
    pytest.param(NOT_RESETTLEMENT, "SENTENCED", OTHER, OTHER, (OTHER, None, OTHER, OTHER), id="non-resettlement-home-crc-allocated"),
    pytest.param(NOT_RESETTLEMENT, "SENTENCED", LEAD, OTHER, (OTHER, LEAD, LEAD, LEAD), id="non-resettlement-allocated-elsewhere"),
    pytest.param(NOT_RESETTLEMENT, "SENTENCED", "NPS", OTHER, (OTHER, "NPS", "NPS", "NPS"), id="non-resettlement-nps-allocated"),
    pytest.param(NOT_RESETTLEMENT, "REMAND", None, OTHER, (OTHER, None, None, None), id="non-resettlement-remand-home-crc"),
    pytest.param(NOT_RESETTLEMENT, "REMAND", None, None, (None, None, None, None), id="non-resettlement-remand-no-home-crc-exception"),
    pytest.param(NOT_RESETTLEMENT, "SENTENCED", OTHER, None, (None, None, OTHER, OTHER), id="non-resettlement-sentenced-no-home-crc-exception"),
]  # fmt: skip


@pytest.mark.parametrize("prison, status, allocated, home, expected", DECISIONS)
def test_who_does_what(prison, status, allocated, home, expected):
    facts = _facts(prison, status, allocated, home)
    rules.validate(facts, crc_codes=CRC_CODES)
    answer = rules.responsibility(facts)
    assert (
        answer.plan_writer,
        answer.share_with,
        answer.pre_release_lead,
        answer.accommodation_employment_by,
    ) == expected
    assert answer.exception == (answer.plan_writer is None)
    # The first reason names the writer (or says nobody can write).
    first = answer.reasons[0]
    assert (answer.plan_writer in first) if answer.plan_writer else ("NOMS" in first)
    if answer.share_with:
        whom = "the NPS" if answer.share_with == "NPS" else answer.share_with
        assert any("shared with" in r and whom in r for r in answer.reasons)


def test_a_remand_prisoner_has_no_pre_release_window_even_with_a_date():
    answer = rules.responsibility(
        _facts(UNSHARED, "REMAND", None, OTHER, release=datetime.date(2027, 6, 30))
    )
    assert answer.pre_release_from is None and answer.pre_release_lead is None
    assert any("no pre-release work" in reason for reason in answer.reasons)


# --- Facts the rules refuse ------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts, field",
    [
        pytest.param(
            _facts(PrisonFacts(True), "SENTENCED", OTHER, OTHER),
            "prison.host_lead_provider",
            id="resettlement-prison-without-lead",
        ),
        pytest.param(
            _facts(PrisonFacts(True, LEAD, (LEAD,)), "SENTENCED", OTHER, OTHER),
            "prison.host_crcs",
            id="host-crc-is-the-lead",
        ),
        pytest.param(
            _facts(PrisonFacts(True, LEAD, (HOST, HOST)), "SENTENCED", OTHER, OTHER),
            "prison.host_crcs",
            id="host-crc-twice",
        ),
        pytest.param(
            _facts(
                PrisonFacts(True, LEAD, ("CRC12", "CRC13", "CRC14", "CRC15")), "REMAND", None, None
            ),
            "prison.host_crcs",
            id="four-hosts-besides-the-lead",
        ),
        pytest.param(
            _facts(PrisonFacts(False, LEAD), "SENTENCED", OTHER, OTHER),
            "prison.resettlement",
            id="non-resettlement-with-a-lead",
        ),
        pytest.param(
            _facts(PrisonFacts(False, None, (HOST,)), "SENTENCED", OTHER, OTHER),
            "prison.resettlement",
            id="non-resettlement-with-hosts",
        ),
        pytest.param(
            _facts(UNSHARED, "REMAND", OTHER, OTHER), "allocated_to", id="remand-with-allocation"
        ),
        pytest.param(
            _facts(UNSHARED, "REMAND", "NPS", OTHER), "allocated_to", id="remand-allocated-nps"
        ),
        pytest.param(
            _facts(UNSHARED, "SENTENCED", None, OTHER), "allocated_to", id="sentenced-without"
        ),
        pytest.param(
            _facts(UNSHARED, "RECALLED", None, OTHER), "allocated_to", id="recalled-without"
        ),
        pytest.param(
            _facts(UNSHARED, "ON_BAIL", None, OTHER), "custody_status", id="unknown-status"
        ),
        pytest.param(
            _facts(PrisonFacts(True, "CRC99"), "REMAND", None, None),
            "prison.host_lead_provider",
            id="unknown-lead",
        ),
        pytest.param(
            _facts(PrisonFacts(True, LEAD, ("XYZ",)), "REMAND", None, None),
            "prison.host_crcs",
            id="unknown-host",
        ),
        pytest.param(
            _facts(UNSHARED, "SENTENCED", "CRC99", None), "allocated_to", id="unknown-allocated"
        ),
        pytest.param(_facts(UNSHARED, "REMAND", None, "CRC99"), "home_crc", id="unknown-home"),
        pytest.param(_facts(UNSHARED, "REMAND", None, "NPS"), "home_crc", id="nps-as-home-crc"),
        pytest.param(
            _facts(UNSHARED, "SENTENCED", OTHER, OTHER, release=RECEPTION - datetime.timedelta(1)),
            "release_date",
            id="release-day-before-reception",
        ),
    ],
)
def test_facts_the_operating_model_does_not_allow(facts, field):
    with pytest.raises(InvalidFacts) as raised:
        rules.validate(facts, crc_codes=CRC_CODES)
    assert field in raised.value.errors
    assert field in str(raised.value)


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(
            _facts(UNSHARED, "SENTENCED", OTHER, OTHER, release=RECEPTION), id="release-same-day"
        ),
        pytest.param(_facts(WOMENS, "SENTENCED", "NPS", None), id="three-hosts-nps-allocated"),
        pytest.param(_facts(NOT_RESETTLEMENT, "REMAND", None, None), id="exception-is-valid"),
    ],
)
def test_facts_at_the_boundaries_are_allowed(facts):
    rules.validate(facts, crc_codes=CRC_CODES)


def test_every_error_is_reported_at_once():
    facts = _facts(PrisonFacts(True), "REMAND", OTHER, "CRC99", release=datetime.date(2000, 1, 1))
    with pytest.raises(InvalidFacts) as raised:
        rules.validate(facts, crc_codes=CRC_CODES)
    assert set(raised.value.errors) == {
        "prison.host_lead_provider",
        "allocated_to",
        "home_crc",
        "release_date",
    }


# --- Clocks across weekends and bank holidays ---------------------------------------------------


@pytest.mark.parametrize(
    "received, access_by, plan_due",
    [
        pytest.param(
            datetime.date(2026, 12, 23),
            datetime.date(2026, 12, 26),
            datetime.date(2027, 1, 4),
            id="wednesday-before-christmas-substitute-boxing-day-and-new-year",
        ),
        pytest.param(
            datetime.date(2026, 11, 20),
            datetime.date(2026, 11, 23),
            datetime.date(2026, 11, 27),
            id="friday-no-holidays-next-friday",
        ),
        pytest.param(
            datetime.date(2026, 11, 21),
            datetime.date(2026, 11, 24),
            datetime.date(2026, 11, 27),
            id="saturday-counts-from-monday",
        ),
        pytest.param(
            datetime.date(2026, 5, 22),
            datetime.date(2026, 5, 25),
            datetime.date(2026, 6, 1),
            id="friday-before-spring-bank-holiday",
        ),
        pytest.param(
            datetime.date(2027, 3, 26),
            datetime.date(2027, 3, 29),
            datetime.date(2027, 4, 5),
            id="received-on-good-friday-easter-monday-skipped",
        ),
        pytest.param(
            datetime.date(2028, 2, 28),
            datetime.date(2028, 3, 2),
            datetime.date(2028, 3, 6),
            id="leap-year-february",
        ),
    ],
)
def test_screening_access_and_plan_due(received, access_by, plan_due):
    assert rules.screening_access_by(received) == access_by
    assert rules.plan_due_by(received) == plan_due
    facts = dataclasses.replace(_facts(UNSHARED, "REMAND", None, None), reception_date=received)
    answer = rules.responsibility(facts)
    assert (answer.screening_access_by, answer.plan_due_by) == (access_by, plan_due)


@pytest.mark.parametrize(
    "completed, share_due",
    [
        pytest.param(
            datetime.date(2026, 8, 28), datetime.date(2026, 9, 1), id="friday-before-bank-holiday"
        ),
        pytest.param(
            datetime.date(2026, 11, 20), datetime.date(2026, 11, 23), id="friday-to-monday"
        ),
        pytest.param(
            datetime.date(2026, 11, 24), datetime.date(2026, 11, 25), id="tuesday-to-wednesday"
        ),
        pytest.param(datetime.date(2026, 12, 24), datetime.date(2026, 12, 29), id="christmas-eve"),
        pytest.param(
            datetime.date(2026, 11, 22), datetime.date(2026, 11, 23), id="completed-on-sunday"
        ),
    ],
)
def test_sharing_is_due_one_business_day_after_completion(completed, share_due):
    assert rules.share_due_by(completed) == share_due


@pytest.mark.parametrize(
    "release, opens",
    [
        pytest.param(datetime.date(2027, 6, 30), datetime.date(2027, 4, 7), id="84-days"),
        pytest.param(datetime.date(2028, 5, 23), datetime.date(2028, 2, 29), id="leap-day"),
        pytest.param(None, None, id="no-release-date"),
    ],
)
def test_the_pre_release_window_opens_84_days_before_release(release, opens):
    assert rules.pre_release_from(release) == opens
    answer = rules.responsibility(_facts(UNSHARED, "SENTENCED", OTHER, OTHER, release=release))
    assert answer.pre_release_from == opens


def test_the_clocks_are_settings(settings):
    settings.RESETTLEMENT_PLAN_BUSINESS_DAYS = 10
    settings.SCREENING_ACCESS_CALENDAR_DAYS = 1
    settings.PRE_RELEASE_WINDOW_DAYS = 7
    assert rules.plan_due_by(RECEPTION) == datetime.date(2027, 1, 11)
    assert rules.screening_access_by(RECEPTION) == datetime.date(2026, 12, 24)
    assert rules.pre_release_from(datetime.date(2027, 1, 8)) == datetime.date(2027, 1, 1)


# --- Properties ----------------------------------------------------------------------------------

days = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2040, 12, 31))


@given(days)
def test_plan_due_is_a_business_day_exactly_five_business_days_after_reception(received):
    due = rules.plan_due_by(received)
    assert is_business_day(due)
    assert business_days_between(received, due) == settings.RESETTLEMENT_PLAN_BUSINESS_DAYS
    # ... and the first such day: the day before still counts one fewer.
    assert business_days_between(received, due - datetime.timedelta(days=1)) == (
        settings.RESETTLEMENT_PLAN_BUSINESS_DAYS - 1
    )


@given(days)
def test_screening_access_is_exactly_three_calendar_days(received):
    assert (rules.screening_access_by(received) - received).days == 3


@given(days)
def test_sharing_is_due_exactly_one_business_day_after_completion(completed):
    due = rules.share_due_by(completed)
    assert is_business_day(due) and business_days_between(completed, due) == 1
    assert business_days_between(completed, due - datetime.timedelta(days=1)) == 0


@given(days)
def test_the_pre_release_window_is_exactly_84_days(release):
    assert (release - rules.pre_release_from(release)).days == 84


@st.composite
def valid_facts(draw) -> Facts:
    codes = draw(st.lists(st.sampled_from(CRC_CODES), min_size=5, max_size=5, unique=True))
    resettlement = draw(st.booleans())
    if resettlement:
        lead = codes[0]
        hosts = tuple(codes[1 : 1 + draw(st.integers(0, 3))])
        prison = PrisonFacts(True, lead, hosts)
    else:
        prison = PrisonFacts(False)
    status = draw(st.sampled_from(rules.CustodyStatus.ALL))
    # The persons' organisations are drawn from the prison's own CRCs as well as others, so
    # every branch (own allocated person, own CPA, elsewhere) is reached.
    organisation = st.sampled_from([*codes, "CRC21"])
    allocated = None if status == "REMAND" else draw(st.one_of(st.just("NPS"), organisation))
    home = draw(st.one_of(st.none(), organisation))
    received = draw(days)
    release = draw(
        st.one_of(
            st.none(),
            st.dates(min_value=received, max_value=received + datetime.timedelta(days=3650)),
        )
    )
    return Facts(prison, status, allocated, home, received, release)


@given(valid_facts())
def test_invariants_of_who_does_what(facts):
    rules.validate(facts, crc_codes=CRC_CODES)
    answer = rules.responsibility(facts)
    prison = facts.prison
    remand = facts.custody_status == "REMAND"
    # The plan writer is always the lead provider, a host CRC or the home CRC – or nobody,
    # only where no resettlement prison and no home CRC leave nobody to ask.
    assert answer.plan_writer in {prison.host_lead_provider, *prison.host_crcs, facts.home_crc}
    assert (answer.plan_writer is None) == (not prison.resettlement and facts.home_crc is None)
    if prison.resettlement:
        assert prison.provides_services(answer.plan_writer)
    # The plan is never shared with its writer, and only with the allocated organisation or,
    # on remand, the home CRC.
    if answer.share_with is not None:
        assert answer.share_with != answer.plan_writer
        assert answer.share_with == (facts.home_crc if remand else facts.allocated_to)
    elif answer.plan_writer is not None and not remand:
        assert facts.allocated_to == answer.plan_writer
    # Remand prisoners have no pre-release lead, owner or window.
    if remand:
        assert answer.pre_release_lead is None
        assert answer.accommodation_employment_by is None
        assert answer.pre_release_from is None
    else:
        assert answer.accommodation_employment_by == facts.allocated_to
        assert answer.pre_release_lead in {facts.allocated_to, prison.host_lead_provider}
        if prison.resettlement:
            assert prison.provides_services(answer.pre_release_lead)
        assert answer.pre_release_from == rules.pre_release_from(facts.release_date)
    # Nobody falls between two providers: every case has a writer or is NOMS's exception.
    assert answer.exception == (answer.plan_writer is None)
    assert answer.reasons
    assert answer.plan_due_by == rules.plan_due_by(facts.reception_date)
    assert answer.screening_access_by == rules.screening_access_by(facts.reception_date)
