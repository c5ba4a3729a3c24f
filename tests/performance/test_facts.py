"""The monthly facts job (performance.facts; issue 9 part 1): figures per CRC, the NPS, NPS
division and LDU on small hand-made data, with the kinds of measure the registry has
(SHARE through the contract service levels; COUNT, PER_100, breakdowns, rows decided in
Python and MONEY through measures registered for the test), the service levels' own figures
(contracts.service_levels.figures), writing only the differences (idempotent, a changed
and a vanished figure), which months the job computes again, the task, the command, and
the facts page."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Q, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import periods, service_levels
from performance import facts, measures, tasks
from performance.base import LDU, PROVIDER, Kind, Measure
from performance.models import Fact, FactsMonth
from probation import audit, clock
from probation.models import Organisation, Sentence
from probation.models.audit import AuditAction
from tests.probation.factories import contact_of, org, person_of, sentence_of, staff

D = datetime.date
MARCH = D(2016, 3, 1)
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def officer():
    from probation.models import User

    return User.objects.filter(username="facts-officer").first() or staff(
        "CRC_OFFENDER_MANAGER", "CRC11", username="facts-officer"
    )


def order(provider="CRC11", *, on=MARCH, seen=None, ldu_crc=None, **fields):
    """A Community Order sentenced ``on``; seen at a first appointment on ``seen``."""
    person = person_of(provider, ldu_crc=ldu_crc)
    sentence = sentence_of(
        person, sentence_date=on, offence_date=on - datetime.timedelta(days=30), **fields
    )
    if seen is not None:
        contact_of(person, officer(), starts_at=at(seen), outcome="ATTENDED_COMPLIED")
    return sentence


def ids(*codes: str) -> list[int]:
    return [org(code).pk for code in codes]


def of(figures: dict, code: str) -> dict:
    """A measure's figures keyed by (organisation code, breakdown)."""
    names = dict(Organisation.objects.values_list("pk", "code"))
    return {
        (names[organisation], breakdown): figure
        for (measure, organisation, breakdown), figure in figures.items()
        if measure == code
    }


@pytest.fixture(autouse=True)
def _service_levels_only(monkeypatch):
    """The registry's seven contract service levels only: the other measures are tested
    with their definitions (and measures of the test's own through ``registry``)."""
    monkeypatch.setattr(
        measures,
        "MEASURES",
        {code: m for code, m in measures.MEASURES.items() if m.service_level},
    )


@pytest.fixture
def march_cases():
    """First appointments in March 2016: CRC11 one on time and one never seen, the NPS one
    on time (living in CRC11's first LDU, so in Wales), CRC20 one late; and one of CRC11's
    in February (not counted)."""
    return {
        "on_time": order(seen=D(2016, 3, 3)),
        "never": order(on=D(2016, 3, 31)),
        "nps": order("NPS", seen=D(2016, 3, 2)),
        "late": order("CRC20", on=D(2016, 3, 1), seen=D(2016, 3, 20)),
        "february": order(on=D(2016, 2, 29), seen=D(2016, 3, 1)),
    }


# --- Figures ----------------------------------------------------------------------------------


def test_a_share_per_crc_the_nps_its_division_and_each_ldu(march_cases):
    figures = of(facts.compute(MARCH), "FIRST_APPOINTMENT")
    assert figures == {
        ("CRC11", ""): (1, 2),
        ("CRC20", ""): (0, 1),
        ("NPS", ""): (1, 1),
        ("NPS-WAL", ""): (1, 1),  # the NPS's case only, not CRC11's in the same LDUs
        ("LDU1101", ""): (2, 3),  # every case in the LDU, the CRC's and the NPS's
        ("LDU2001", ""): (0, 1),
    }


def agree_with_the_service_levels(month: datetime.date) -> int:
    """Assert that for each of the seven service levels and each level the facts equal
    contracts.service_levels.figures (the NPS as a whole: the sum of its organisations);
    returns the cases compared."""
    computed = facts.compute(month)
    nps = set(
        Organisation.objects.filter(kind__in=("NPS", "NPS_DIVISION", "LDU_CLUSTER")).values_list(
            "pk", flat=True
        )
    )
    nps_id = org("NPS").pk
    kinds = {"provider": ("CRC", "NPS"), "division": ("NPS_DIVISION",), "ldu": ("LDU",)}
    compared = 0
    for by in ("provider", "division", "ldu"):
        theirs = service_levels.figures(month, by=by)
        level_ids = set(
            Organisation.objects.filter(kind__in=kinds[by]).values_list("pk", flat=True)
        )
        for code in service_levels.MEASURES:
            expected: dict[int, tuple[int, int]] = {}
            for organisation, figure in theirs[code].items():
                owner = nps_id if by == "provider" and organisation in nps else organisation
                before = expected.get(owner, (0, 0))
                expected[owner] = (before[0] + figure.numerator, before[1] + figure.denominator)
            ours = {
                organisation: figure
                for (measure, organisation, breakdown), figure in computed.items()
                if measure == code and organisation in level_ids and breakdown == ""
            }
            assert ours == expected, (code, by)
            compared += sum(figure[1] for figure in ours.values())
    return compared


def test_the_service_levels_figures_are_the_payment_runs_figures(march_cases):
    # FIRST_APPOINTMENT: four cases per provider and per LDU, the NPS one in its division.
    assert agree_with_the_service_levels(MARCH) == 4 + 1 + 4


def test_on_the_demo_data_too():
    """Every service level over a demo month (its own data: plans, referrals, releases)."""
    from probation import demo

    today = datetime.date.today()
    demo.seed(offenders=200, seed=3, today=today)
    this_month = periods.first_of_month(today)
    compared = sum(
        agree_with_the_service_levels(periods.add_months(this_month, -n)) for n in range(3)
    )
    assert compared > 0


def _sentences(first, after):
    return Sentence.objects.filter(sentence_date__gte=first, sentence_date__lt=after).annotate(
        case_person=F("person_id"),
        case_reference=F("person__crn"),
        case_met=Q(sentence_type="SUSPENDED_SENTENCE_ORDER"),
        case_detail=Value(""),
        case_breakdown=F("sentence_type"),
        for_provider=F("person__responsible_provider_id"),
        for_division=F("person__ldu__division_id"),
        for_ldu=F("person__ldu_id"),
    )


def test_measure(code, kind=Kind.COUNT, **fields) -> Measure:
    fields.setdefault("cases", _sentences)
    return Measure(
        code=code,
        name=code,
        topic="Volumes",
        kind=kind,
        numerator="n",
        denominator="d",
        **fields,
    )


test_measure.__test__ = False  # a helper, not a test


@pytest.fixture
def registry(monkeypatch):
    """``registry(*measures)``: the registry holds only these measures for the test."""

    def use(*defined):
        monkeypatch.setattr(measures, "MEASURES", {m.code: m for m in defined})

    return use


def test_a_count_with_a_breakdown_and_its_total(registry):
    registry(test_measure("STARTS", breakdown="Sentence type"))
    order(on=D(2016, 3, 5))
    order(on=D(2016, 3, 6), sentence_type="SUSPENDED_SENTENCE_ORDER")
    order("NPS", on=D(2016, 3, 7))
    order(on=D(2016, 4, 1))  # April
    figures = of(facts.compute(MARCH), "STARTS")
    assert figures[("CRC11", "")] == (2, None)
    assert figures[("CRC11", "COMMUNITY_ORDER")] == (1, None)
    assert figures[("CRC11", "SUSPENDED_SENTENCE_ORDER")] == (1, None)
    assert figures[("NPS", "")] == (1, None)
    assert figures[("NPS-WAL", "COMMUNITY_ORDER")] == (1, None)
    assert figures[("LDU1101", "")] == (3, None)
    assert figures[("LDU1101", "COMMUNITY_ORDER")] == (2, None)
    assert len(figures) == 3 + 2 + 2 + 3  # CRC11, NPS, NPS-WAL, LDU1101
    assert ("NPS-WAL", "SUSPENDED_SENTENCE_ORDER") not in figures  # no NPS SSO


def test_a_measure_has_only_its_own_levels(registry):
    registry(
        test_measure("PROVIDERS_ONLY", levels=(PROVIDER,)), test_measure("LDUS", levels=(LDU,))
    )
    order(on=D(2016, 3, 5))
    order("NPS", on=D(2016, 3, 5))
    figures = facts.compute(MARCH)
    assert set(of(figures, "PROVIDERS_ONLY")) == {("CRC11", ""), ("NPS", "")}
    assert set(of(figures, "LDUS")) == {("LDU1101", "")}


def test_per_100_divides_by_the_same_organisations_count(registry):
    def ssos(first, after):
        return _sentences(first, after).filter(sentence_type="SUSPENDED_SENTENCE_ORDER")

    registry(
        test_measure("SSO_PER_100", Kind.PER_100, cases=ssos, denominator_from="ALL_STARTS"),
        test_measure("ALL_STARTS"),
    )
    order(on=D(2016, 3, 5), sentence_type="SUSPENDED_SENTENCE_ORDER")
    order(on=D(2016, 3, 6))
    order(on=D(2016, 3, 7))
    order("NPS", on=D(2016, 3, 7))  # a count but no SSO: 0 per 100
    figures = of(facts.compute(MARCH), "SSO_PER_100")
    assert figures[("CRC11", "")] == (1, 3)
    assert figures[("NPS", "")] == (0, 1)
    assert figures[("NPS-WAL", "")] == (0, 1)
    assert figures[("LDU1101", "")] == (1, 4)


def test_a_per_100_with_a_breakdown_divides_by_the_total_of_a_count_without(registry):
    registry(
        test_measure("ALL_STARTS"),
        test_measure(
            "BY_TYPE_PER_100", Kind.PER_100, denominator_from="ALL_STARTS", breakdown="Type"
        ),
    )
    order(on=D(2016, 3, 5), sentence_type="SUSPENDED_SENTENCE_ORDER")
    order(on=D(2016, 3, 6))
    figures = of(facts.compute(MARCH), "BY_TYPE_PER_100")
    assert figures[("CRC11", "")] == (2, 2)
    assert figures[("CRC11", "SUSPENDED_SENTENCE_ORDER")] == (1, 2)


def test_a_per_100_without_its_count_is_refused(registry):
    registry(test_measure("ORPHAN", Kind.PER_100, denominator_from="MISSING"))
    with pytest.raises(ValueError, match="MISSING"):
        facts.compute(MARCH)


def test_rows_decided_in_python_are_grouped_the_same_way(registry):
    crc11, nps, wales, ldu, ldu2 = ids("CRC11", "NPS", "NPS-WAL", "LDU1101", "LDU2001")
    division = ids("NPS-WAL")[0]
    rows = [
        {"for_provider": crc11, "for_division": wales, "for_ldu": ldu, "case_met": True},
        {"for_provider": crc11, "for_division": wales, "for_ldu": ldu, "case_met": False},
        {"for_provider": nps, "for_division": division, "for_ldu": ldu, "case_met": True},
        # No provider: counted in its LDU only.
        {"for_provider": None, "for_division": None, "for_ldu": ldu2, "case_met": True},
    ]
    registry(test_measure("PYTHON_SHARE", Kind.SHARE, cases=lambda first, after: rows))
    assert of(facts.compute(MARCH), "PYTHON_SHARE") == {
        ("CRC11", ""): (1, 2),
        ("NPS", ""): (1, 1),
        ("NPS-WAL", ""): (1, 1),
        ("LDU1101", ""): (2, 3),
        ("LDU2001", ""): (1, 1),
    }


def test_money_figures_come_from_the_measure(registry):
    crc11 = org("CRC11").pk
    registry(
        test_measure(
            "PAID",
            Kind.MONEY,
            cases=None,
            figures=lambda first, after: [(crc11, "", 50_000, 100_000)] if first == MARCH else [],
        )
    )
    assert of(facts.compute(MARCH), "PAID") == {("CRC11", ""): (50_000, 100_000)}


def test_computing_takes_the_same_number_of_queries_however_many_cases(registry):
    registry(test_measure("STARTS", breakdown="Type"), test_measure("SHARE", Kind.SHARE))
    order(on=D(2016, 3, 5))
    with CaptureQueriesContext(connection) as few:
        facts.compute(MARCH)
    for provider in ("CRC11", "CRC20", "NPS", "CRC12"):
        order(provider, on=D(2016, 3, 9), sentence_type="SUSPENDED_SENTENCE_ORDER")
    with CaptureQueriesContext(connection) as many:
        facts.compute(MARCH)
    assert len(many) == len(few) == 3  # the organisations, one per measure


# --- Writing the differences --------------------------------------------------------------------


def stored(month=MARCH) -> dict:
    return {
        (f.measure, f.organisation.code, f.breakdown): (f.numerator, f.denominator)
        for f in Fact.objects.filter(month=month).select_related("organisation")
    }


def test_a_second_run_changes_nothing(march_cases, freeze):
    freeze(at(D(2016, 4, 2)))
    first = facts.refresh_month(MARCH)
    assert (first["facts"], first["added"], first["changed"]) == (6, 6, 6)
    before = stored()
    written = dict(Fact.objects.values_list("pk", "computed_at"))
    status = FactsMonth.objects.get(month=MARCH)
    assert (status.facts, status.changed, status.changed_at) == (6, 6, clock.now())

    freeze(at(D(2016, 4, 3)))
    again = facts.refresh_month(MARCH)
    assert (again["facts"], again["changed"]) == (6, 0)
    assert stored() == before
    assert dict(Fact.objects.values_list("pk", "computed_at")) == written
    status.refresh_from_db()
    assert (status.facts, status.changed) == (6, 0)
    assert status.computed_at == clock.now()
    assert status.changed_at == at(D(2016, 4, 2))  # when a figure last changed


def test_a_changed_figure_is_updated_and_a_vanished_one_deleted(march_cases, freeze):
    freeze(at(D(2016, 4, 2)))
    facts.refresh_month(MARCH)
    # CRC11's unseen case is seen in time; CRC20's case is deleted (entered in error).
    contact_of(
        march_cases["never"].person,
        officer(),
        starts_at=at(D(2016, 4, 1)),
        outcome="ATTENDED_COMPLIED",
    )
    late = march_cases["late"]
    late.delete()
    stale = Fact.objects.create(
        month=MARCH,
        measure="NO_LONGER_A_MEASURE",
        organisation=org("CRC11"),
        numerator=1,
        computed_at=clock.now(),
    )
    freeze(at(D(2016, 4, 3)))
    summary = facts.refresh_month(MARCH)
    assert (summary["updated"], summary["removed"], summary["added"]) == (2, 3, 0)
    assert stored() == {
        ("FIRST_APPOINTMENT", "CRC11", ""): (2, 2),
        ("FIRST_APPOINTMENT", "NPS", ""): (1, 1),
        ("FIRST_APPOINTMENT", "NPS-WAL", ""): (1, 1),
        ("FIRST_APPOINTMENT", "LDU1101", ""): (3, 3),
    }
    assert not Fact.objects.filter(pk=stale.pk).exists()
    updated = Fact.objects.get(measure="FIRST_APPOINTMENT", organisation=org("CRC11"))
    assert updated.computed_at == clock.now()
    assert FactsMonth.objects.get(month=MARCH).changed == 5


def test_another_month_is_left_as_it_is(march_cases, freeze):
    freeze(at(D(2016, 4, 2)))
    facts.refresh_month(D(2016, 2, 1))
    facts.refresh_month(MARCH)
    assert stored(D(2016, 2, 1)) == {
        ("FIRST_APPOINTMENT", "CRC11", ""): (1, 1),  # sentenced 29 Feb, seen 1 March
        ("FIRST_APPOINTMENT", "LDU1101", ""): (1, 1),
    }
    assert len(stored()) == 6


# --- Which months the job computes -------------------------------------------------------------


@pytest.fixture
def june(settings, freeze):
    settings.FACTS_FIRST_MONTH = D(2016, 1, 1)
    settings.FACTS_OPEN_MONTHS = 2
    freeze(at(D(2016, 6, 15)))
    return D(2016, 6, 15)


def months(*numbers: int) -> list[datetime.date]:
    return [D(2016, n, 1) for n in numbers]


def test_every_month_never_computed_then_only_the_open_ones(june):
    assert facts.months_to_refresh(june) == months(1, 2, 3, 4, 5, 6)
    summary = facts.refresh()
    assert summary["months"] == 6
    assert facts.months_to_refresh(june) == months(5, 6)
    # A month computed the next month is open no longer.
    assert facts.months_to_refresh(D(2016, 7, 1)) == months(6, 7)


def test_the_open_months_setting(june, settings):
    facts.refresh()
    settings.FACTS_OPEN_MONTHS = 1
    assert facts.months_to_refresh(june) == months(6)
    settings.FACTS_OPEN_MONTHS = 0
    assert facts.months_to_refresh(june) == []
    settings.FACTS_OPEN_MONTHS = 3
    assert facts.months_to_refresh(june) == months(4, 5, 6)


def test_an_audited_change_marks_the_months_of_its_dates_and_a_view_does_not(june):
    person = person_of("CRC11")
    facts.refresh()
    user = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    audit.record_view(actor=user, instance=person)
    assert facts.months_to_refresh(june) == months(5, 6)
    # A change without dates moves only the month it was made in (an open one).
    audit.record_import(actor=None, instance=org("NPS"), summary={"people": 1})
    assert facts.months_to_refresh(june) == months(5, 6)
    # A change writing or replacing dates moves their months too (a timestamp's date).
    audit.record_event(
        actor=user,
        action=AuditAction.UPDATE,
        instance=person,
        changes={
            "terminated_on": [None, "2016-02-29"],
            "decided_at": ["2016-03-01T00:30:00+00:00", None],
            "ignored": [None, "not a date", "2016-13-01"],
        },
    )
    assert facts.months_to_refresh(june) == months(2, 3, 5, 6)
    facts.refresh()
    assert facts.months_to_refresh(june) == months(5, 6)
    # A month computed before a change, another after it.
    audit.record_event(
        actor=user,
        action=AuditAction.UPDATE,
        instance=person,
        changes={"sentence_date": ["2016-01-04", "2016-02-04"]},
    )
    facts.refresh([D(2016, 2, 1)])
    assert facts.months_to_refresh(june) == months(1, 5, 6)


def test_a_change_moves_the_months_of_the_dates_its_record_holds(june):
    """An appointment's outcome recorded late: the audited change holds no date, the
    appointment does (its month, February, is due; March to April are not)."""
    facts.refresh()
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    contact = contact_of(
        person_of("CRC11"), officer, starts_at=at(D(2016, 2, 10)), contact_type="OFFICE_APPOINTMENT"
    )
    before = audit.snapshot(contact)
    contact.outcome = "ATTENDED_COMPLIED"
    contact.save(update_fields=["outcome"])
    event = audit.record_update(actor=officer, instance=contact, before=before)
    assert set(event.changes) == {"outcome"}
    due = facts.months_to_refresh(june)
    assert D(2016, 2, 1) in due
    assert D(2016, 3, 1) not in due and D(2016, 4, 1) not in due


def test_months_checked_and_untouched_are_marked_so_old_changes_are_read_once(june):
    facts.refresh()
    user = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    person = person_of("CRC11")
    audit.record_event(
        actor=user,
        action=AuditAction.UPDATE,
        instance=person,
        changes={"sentence_date": [None, "2016-01-04"]},
    )
    plan = facts.plan(june)
    assert plan.due == months(1, 5, 6)
    assert plan.checked == months(2, 3, 4)
    facts.refresh()  # the nightly default: marks the checked months, computes the due ones
    newest = facts.newest_change()
    assert set(FactsMonth.objects.values_list("source_mark", flat=True)) == {newest}
    assert facts.months_to_refresh(june) == months(5, 6)


def test_before_the_first_month_nothing_is_due(settings, freeze):
    settings.FACTS_FIRST_MONTH = D(2016, 1, 1)
    assert facts.months_to_refresh(D(2015, 12, 31)) == []
    assert facts.months_to_refresh(D(2016, 1, 1)) == months(1)


# --- The task, the command and the page -------------------------------------------------------


def test_the_task_refreshes_the_months_due(june):
    assert tasks.refresh_facts() == [f"2016-{n:02d}" for n in range(1, 7)]
    assert list(FactsMonth.objects.values_list("month", flat=True)) == months(1, 2, 3, 4, 5, 6)
    assert tasks.refresh_facts(["2016-03"]) == ["2016-03"]


def test_the_command(june, march_cases):
    call_command("refresh_facts", "--month", "2016-03", "--month", "2016-02", verbosity=0)
    assert list(FactsMonth.objects.values_list("month", flat=True)) == months(2, 3)
    assert len(stored()) == 6
    call_command("refresh_facts", verbosity=0)  # the months due: never computed, open
    assert FactsMonth.objects.count() == 6
    call_command("refresh_facts", "--all", verbosity=0)
    assert set(FactsMonth.objects.values_list("changed", flat=True)) == {0}
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("refresh_facts", "--month", "March", verbosity=0)
    with pytest.raises(CommandError, match="not both"):
        call_command("refresh_facts", "--month", "2016-03", "--all", verbosity=0)


@pytest.fixture
def recent(settings):
    """Facts from five months before the current month (the page's users are vetted
    today: the platform's clock runs)."""
    settings.FACTS_FIRST_MONTH = periods.add_months(periods.first_of_month(clock.today()), -5)
    settings.FACTS_OPEN_MONTHS = 2
    return settings.FACTS_FIRST_MONTH


def test_the_facts_page_is_for_noms_only(client, recent):
    url = reverse("performance:facts")
    for role, organisation in (("CRC_MANAGER", "CRC11"), ("NPS_SENIOR_MANAGER", "NPS-WAL")):
        client.force_login(staff(role, organisation))
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not FactsMonth.objects.exists()
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_the_facts_page_lists_the_months_and_starts_the_job(
    client, recent, django_capture_on_commit_callbacks
):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    url = reverse("performance:facts")
    page = client.get(url).content.decode()
    assert "No month has been computed yet." in page
    assert f"6 months due at the next run, from {recent:%B %Y}." in page

    with django_capture_on_commit_callbacks(execute=True) as started:
        response = client.post(url)  # the job runs in-process (no broker)
    assert len(started) == 1
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert "The facts job has started" in page
    assert f'data-month="{recent:%Y-%m}"' in page
    assert FactsMonth.objects.count() == 6
    open_from = periods.add_months(recent, 4)
    assert f"2 months due at the next run, from {open_from:%B %Y}." in page


def test_the_page_takes_the_same_number_of_queries_however_many_months(
    client, recent, django_assert_max_num_queries
):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    url = reverse("performance:facts")
    facts.refresh([recent])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    facts.refresh()
    with django_assert_max_num_queries(len(one)):
        client.get(url)


def test_the_demo_computes_every_month_due(june, march_cases):
    from performance import demo

    assert demo.seed(today=june) == {"months": 6, "facts": 8, "changed": 8}
    assert demo.seed(today=june) == {"months": 2, "facts": 0, "changed": 0}


def test_the_demo_computes_only_its_latest_months(june, march_cases):
    from performance import demo

    assert demo.seed(today=june, months=4) == {"months": 4, "facts": 6, "changed": 6}
    assert list(FactsMonth.objects.values_list("month", flat=True)) == months(3, 4, 5, 6)
