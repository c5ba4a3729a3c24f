"""First-appointment reporting instructions (DOMAIN.md 4: the NPS "gives the offender the
CRC's first-appointment reporting instructions"): configured per CRC and LDU, the LDU's own
winning over the CRC's default; shown on the allocation page once decided and on a
printable page addressed to the person, scoped and audited like every case page."""

import datetime

import pytest
from django.conf import settings

from allocation import instructions
from allocation.models import ReportingInstruction
from probation import demo
from probation.calendar import add_business_days
from probation.models import AuditEvent, Organisation, Team
from tests.allocation.allocated import allocate, allocated, new_case_in
from tests.probation.factories import org, person_of, sentence_of, staff

pytestmark = pytest.mark.django_db


def instruction(crc="CRC11", ldu=None, office="Wales CRC reporting centre", **fields):
    defaults = {
        "address": "33 Westgate Street\nCardiff",
        "telephone": "0113 496 0110",
        "instructions": "Bring photo identification and this letter.",
    }
    return ReportingInstruction.objects.create(
        crc=org(crc), ldu=org(ldu) if ldu else None, office=office, **{**defaults, **fields}
    )


def team_in(ldu_code: str, crc="CRC11") -> Team:
    team, _ = Team.objects.get_or_create(
        organisation=org(crc), ldu=org(ldu_code), name=f"Team of {ldu_code}"
    )
    return team


def page_url(decision_or_sentence):
    sentence = getattr(decision_or_sentence, "sentence", decision_or_sentence)
    return f"/allocation/{sentence.person.crn}/{sentence.number}/reporting-instructions/"


# --- Which instructions ---------------------------------------------------------------------


def test_the_ldu_s_own_instructions_win_over_the_crc_default():
    default = instruction(office="Default office")
    own = instruction(ldu="LDU1101", office="North Wales office")
    in_ldu = allocated("CRC11", team=team_in("LDU1101"))
    elsewhere = allocated("CRC11", team=team_in("LDU1102"))
    assert instructions.reporting_instructions_for(in_ldu) == own
    assert instructions.reporting_instructions_for(elsewhere) == default


def test_the_crc_default_applies_where_an_ldu_has_none():
    default = instruction()
    instruction(crc="CRC20", ldu="LDU2001", office="Lewisham office")  # another CRC's LDU
    decision = allocated("CRC11", team=team_in("LDU1103"))
    assert instructions.reporting_instructions_for(decision) == default


def test_none_configured_means_none():
    instruction(crc="CRC20")  # configured by another CRC only
    assert instructions.reporting_instructions_for(allocated("CRC11")) is None


def test_an_nps_decision_has_no_crc_instructions():
    instruction()
    assert instructions.reporting_instructions_for(allocated("CRC11", to="NPS")) is None


def test_the_list_version_chooses_as_the_single_one_does_in_one_query(
    django_assert_num_queries,
):
    instruction(office="Default office")
    instruction(ldu="LDU1101", office="North Wales office")
    instruction(crc="CRC20", office="London default")
    decisions = [
        allocated("CRC11", team=team_in("LDU1101")),
        allocated("CRC11", team=team_in("LDU1102")),
        allocated("CRC20"),
        allocated("CRC11", to="NPS"),
    ]
    expected = {d.pk: instructions.reporting_instructions_for(d) for d in decisions}
    with django_assert_num_queries(1):
        chosen = instructions.reporting_instructions_for_many(decisions)
    assert chosen == expected
    assert [c.office if c else None for c in chosen.values()] == [
        "North Wales office",
        "Default office",
        "London default",
        None,
    ]


# --- The printable page ---------------------------------------------------------------------


def test_the_printable_page_is_addressed_to_the_person(client):
    instruction(ldu="LDU1101", office="North Wales office", telephone="0113 496 0111")
    decision = allocated("CRC11", team=team_in("LDU1101"))
    person, sentence = decision.person, decision.sentence
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    response = client.get(page_url(decision))
    page = response.content.decode()
    assert response.status_code == 200
    due = add_business_days(sentence.sentence_date, settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS)
    for expected in (
        person.full_name,
        person.crn,
        "Wales CRC",
        "North Wales office",
        "33 Westgate Street<br>Cardiff",
        "0113 496 0111",
        "Bring photo identification and this letter.",
        f"{due:%A} {due.day} {due:%B %Y}",
    ):
        assert expected in page, expected
    # Printing: a button that a script (allowed by the CSP) reveals, a hint without it.
    assert "Print this page" in page and "data-app-print hidden" in page
    assert "/static/js/print.mjs" in page and "onclick" not in page
    assert "use your browser's print command" in page


def test_the_print_stylesheet_hides_the_service_s_chrome():
    css = (settings.BASE_DIR / "probation" / "static" / "css" / "print.css").read_text()
    for selector in (".govuk-template__header", ".govuk-footer", ".govuk-back-link"):
        assert selector in css


def test_the_page_says_when_there_are_no_instructions(client):
    decision = allocated("CRC11")
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    page = client.get(page_url(decision)).content.decode()
    assert "No reporting instructions: Wales CRC has not set any up" in page
    assert "Print this page" not in page


def test_the_page_of_an_nps_case_or_an_unallocated_sentence_says_so(client):
    instruction()
    client.force_login(staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"))
    nps = client.get(page_url(allocated("CRC11", to="NPS"))).content.decode()
    assert "the National Probation Service manages this case" in nps
    _, waiting = new_case_in("CRC11")
    pending = client.get(page_url(waiting)).content.decode()
    assert "has not been allocated" in pending


def test_a_custodial_sentence_reports_within_days_of_release(client):
    instruction()
    person, sentence = new_case_in(
        "CRC11", requirement=None, sentence_type="CUSTODIAL", term_months=10
    )
    decision = allocate(person, sentence)
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    page = client.get(page_url(decision)).content.decode()
    days = settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS
    assert f"within {days} working days of your release" in page


def test_another_crc_s_person_is_a_404(client):
    instruction(crc="CRC20")
    theirs = allocated("CRC20")
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    assert client.get(page_url(theirs)).status_code == 404
    missing = f"/allocation/{theirs.person.crn}/99/reporting-instructions/"
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert client.get(missing).status_code == 404
    assert client.get(page_url(theirs)).status_code == 200


def test_opening_the_page_is_audited(client):
    decision = allocated("CRC11")
    viewer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    client.force_login(viewer)
    client.get(page_url(decision))
    event = AuditEvent.objects.filter(action="VIEW", actor=viewer).get()
    assert event.person_crn == decision.person.crn
    assert event.object_type == "probation.sentence"


# --- On the allocation page -----------------------------------------------------------------


def test_the_allocation_page_shows_them_once_decided(client):
    instruction(ldu="LDU1101", office="North Wales office")
    person, sentence = new_case_in("CRC11")
    url = f"/allocation/{person.crn}/{sentence.number}/"
    client.force_login(staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"))
    assert "North Wales office" not in client.get(url).content.decode()
    decision = allocate(person, sentence, team=team_in("LDU1101"))
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    page = client.get(url).content.decode()
    assert "First appointment" in page and "North Wales office" in page
    assert f'href="{page_url(decision)}"' in page


def test_the_allocation_page_says_when_the_crc_has_none(client):
    decision = allocated("CRC11")
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    page = client.get(
        f"/allocation/{decision.person.crn}/{decision.sentence.number}/"
    ).content.decode()
    assert "No reporting instructions: Wales CRC has not set any up" in page


# --- Configured by system administrators; demo data ----------------------------------------


def test_system_administrators_configure_them_in_the_admin(client):
    admin = staff("SYSTEM_ADMINISTRATOR", "NOMS", is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/allocation/reportinginstruction/").status_code == 200
    form = {
        "crc": org("CRC11").pk,
        "ldu": org("LDU2001").pk,  # London's, not Wales's
        "office": "Office",
        "address": "Address",
        "telephone": "0113 496 0000",
        "instructions": "Report",
    }
    refused = client.post("/admin/allocation/reportinginstruction/add/", form)
    assert "is not in the Contract Package Area of Wales CRC" in refused.content.decode()
    created = client.post(
        "/admin/allocation/reportinginstruction/add/", {**form, "ldu": org("LDU1101").pk}
    )
    assert created.status_code == 302
    assert ReportingInstruction.objects.get().ldu == org("LDU1101")


def test_other_staff_cannot_configure_them(client):
    client.force_login(staff("CRC_MANAGER", "CRC11", is_staff=True))
    assert client.get("/admin/allocation/reportinginstruction/").status_code == 403


def test_demo_data_gives_every_crc_a_default_and_a_few_ldus_their_own():
    created = demo.seed_reporting_instructions()
    crcs = Organisation.objects.crcs().count()
    assert created == crcs + len(demo.DEMO_INSTRUCTION_LDUS)
    assert ReportingInstruction.objects.filter(ldu__isnull=True).count() == crcs
    assert set(
        ReportingInstruction.objects.filter(ldu__isnull=False).values_list("ldu__code", flat=True)
    ) == set(demo.DEMO_INSTRUCTION_LDUS)
    edited = ReportingInstruction.objects.get(crc__code="CRC11", ldu__isnull=True)
    edited.office = "Changed in the admin"
    edited.save()
    assert demo.seed_reporting_instructions() == 0  # idempotent, and keeps edits
    edited.refresh_from_db()
    assert edited.office == "Changed in the admin"


def test_the_demo_offender_manager_s_team_gets_its_ldu_s_own():
    demo.seed_reporting_instructions()
    decision = allocated("CRC11")  # the first LDU's team, as the demo users' is
    chosen = instructions.reporting_instructions_for(decision)
    assert chosen.ldu == decision.team.ldu
    assert chosen.ldu.code in demo.DEMO_INSTRUCTION_LDUS


def test_a_person_outside_any_decision_still_has_a_page_that_says_so(client):
    person = person_of("CRC11")
    sentence = sentence_of(person, sentence_date=datetime.date(2026, 11, 2))
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    response = client.get(page_url(sentence))
    assert response.status_code == 200
    assert "has not been allocated" in response.content.decode()
