"""NOMS's prison pages: the list every vetted member of staff reads (their own prisons
first, filters, a constant number of queries), adding a prison and recording a designation
(NOMS only, GOV.UK error summaries), and the host-CRC limit of each kind."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resettlement import designations
from resettlement.models import Designation, Prison
from tests.probation.factories import staff
from tests.resettlement.factories import prison, prison_officer

pytestmark = pytest.mark.django_db

LIST = reverse("resettlement:prisons")


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _codes(page: str) -> list[str]:
    import re

    return re.findall(r'data-testid="prison-row" data-code="([A-Z]{3})"', page)


def test_every_vetted_member_of_staff_reads_the_list_with_the_designation(client):
    prison("CFI", lead="CRC11")
    prison("EWI", lead="CRC13", hosts=("CRC11", "CRC14"), kind="WOMEN", designated_to=("CRC12",))
    prison("LLI", resettlement=False, kind="MALE_TRAINING")
    client.force_login(staff("NPS_OFFENDER_MANAGER", "NPS-WAL"))
    page = client.get(LIST).content.decode()
    assert set(_codes(page)) == {"CFI", "EWI", "LLI"}
    assert "Add a prison" not in page
    assert "CRC14" in page and "Not designated" not in page
    assert reverse("resettlement:prison", args=["CFI"]) in page
    assert reverse("resettlement:designation", args=["EWI"]) in page
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False))
    assert client.get(LIST).status_code == 403


def test_filters_by_cpa_and_by_kind(client):
    prison("CFI", lead="CRC11")
    prison("EWI", lead="CRC13", hosts=("CRC11",), kind="WOMEN", designated_to=("CRC12",))
    prison("BLI", lead="CRC13")
    client.force_login(staff("NPS_OFFENDER_MANAGER", "NPS-WAL"))
    assert set(_codes(client.get(LIST, {"cpa": "CRC11"}).content.decode())) == {"CFI", "EWI"}
    assert set(_codes(client.get(LIST, {"cpa": "CRC12"}).content.decode())) == {"EWI"}
    assert set(_codes(client.get(LIST, {"kind": "WOMEN"}).content.decode())) == {"EWI"}
    both = client.get(LIST, {"cpa": "CRC13", "kind": "MALE_LOCAL"}).content.decode()
    assert _codes(both) == ["BLI"]


def test_prison_staff_and_crc_staff_see_their_prisons_first(client):
    prison("AAA", lead="CRC20")
    cardiff = prison("ZZZ", lead="CRC11")
    prison("MMM", lead="CRC20", hosts=("CRC11",))
    prison("BBB", lead="CRC20", designated_to=("CRC11",))  # designated only: not theirs
    client.force_login(prison_officer(cardiff))
    assert _codes(client.get(LIST).content.decode())[0] == "ZZZ"
    client.force_login(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    page = client.get(LIST).content.decode()
    assert _codes(page) == ["MMM", "ZZZ", "AAA", "BBB"]
    assert "Your prisons first" in page


def test_the_list_runs_a_constant_number_of_queries(client):
    client.force_login(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    prison("AAA", lead="CRC11", hosts=("CRC12",))
    few = queries()
    for n in range(12):
        code = "B" + "ABCDEFGHIJKL"[n] + "I"
        prison(code, lead="CRC13", hosts=("CRC11", "CRC12"), kind="WOMEN", designated_to=("CRC14",))
    assert queries() == few


def test_noms_see_the_buttons_and_add_a_prison_then_go_to_its_designation(client):
    client.force_login(_noms())
    assert "Import designations" in client.get(LIST).content.decode()
    url = reverse("resettlement:prison-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "code": "CFI",
            "name": "HMP Cardiff",
            "kind": "MALE_LOCAL",
            "contracted": "public",
            "ldu": "LDU1105",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("resettlement:designation", args=["CFI"])
    cardiff = Prison.objects.get(code="CFI")
    assert cardiff.organisation.code == "PRISON-CFI" and not cardiff.contracted
    again = client.post(
        url,
        {
            "code": "CFI",
            "name": "HMP Cardiff",
            "kind": "MALE_LOCAL",
            "contracted": "public",
            "ldu": "LDU1105",
        },
    ).content.decode()
    assert "govuk-error-summary" in again and "already exists" in again
    bad = client.post(
        url, {"code": "cf1", "name": "", "kind": "CASTLE", "contracted": "x", "ldu": ""}
    ).content.decode()
    assert "govuk-error-summary" in bad
    assert Prison.objects.count() == 1


@pytest.mark.parametrize("code", ["cfi", "CF", "CFIX", "C1I", "ÇFI"])
def test_a_prison_code_is_three_capital_letters(code):
    from django.core.exceptions import ValidationError

    from probation.models import Organisation

    with pytest.raises(ValidationError) as raised:
        designations.prison_create(
            actor=None,
            code=code,
            name="HMP X",
            kind="MALE_LOCAL",
            contracted=False,
            ldu=Organisation.objects.get(code="LDU1105"),
        )
    assert "code" in raised.value.message_dict


def test_others_cannot_add_a_prison_or_designate(client):
    cardiff = prison("CFI", lead="CRC11")
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    create = reverse("resettlement:prison-create")
    assert 'data-testid="not-noms"' in client.get(create).content.decode()
    assert client.post(create, {"code": "SWI"}).status_code == 403
    url = reverse("resettlement:designation", args=["CFI"])
    page = client.get(url).content.decode()
    assert 'data-testid="designation-history"' in page and "Record a new designation" not in page
    assert client.post(url, {"resettlement": "no"}).status_code == 403
    assert cardiff.designations.count() == 1


def test_an_unknown_prison_is_404(client):
    client.force_login(_noms())
    assert client.get(reverse("resettlement:designation", args=["QQQ"])).status_code == 404


def _designate(client, code, **fields):
    day = fields.pop("effective_from", datetime.date(2026, 4, 1))
    data = {
        "effective_from_day": day.day,
        "effective_from_month": day.month,
        "effective_from_year": day.year,
        **fields,
    }
    return client.post(reverse("resettlement:designation", args=[code]), data)


def test_noms_record_a_new_designation_which_ends_the_old_one(client):
    cardiff = prison("CFI", lead="CRC11")
    client.force_login(_noms())
    response = _designate(
        client, "CFI", resettlement="yes", host_lead_provider="CRC11", host_crcs=["CRC12"]
    )
    assert response.status_code == 302
    old, new = cardiff.designations.order_by("effective_from")
    assert old.effective_to == datetime.date(2026, 4, 1) and new.effective_to is None
    assert new.recorded_by.username and new.source == "Designation page"
    assert designations.designation_facts(cardiff, datetime.date(2026, 3, 31)).host_crcs == ()
    assert designations.designation_facts(cardiff, datetime.date(2026, 4, 1)).host_crcs == (
        "CRC12",
    )
    page = client.get(reverse("resettlement:designation", args=["CFI"])).content.decode()
    assert page.count('data-testid="designation-row"') == 2 and "Designation page" in page


def test_designation_errors_are_in_an_error_summary(client):
    prison("CFI", lead="CRC11")
    client.force_login(_noms())
    page = _designate(
        client,
        "CFI",
        resettlement="yes",
        host_lead_provider="CRC11",
        host_crcs=["CRC12", "CRC13"],
    ).content.decode()
    assert "govuk-error-summary" in page and "at most 1 host CRC" in page
    page = _designate(client, "CFI", resettlement="yes").content.decode()
    assert "host: lead provider" in page.lower() and "govuk-error-summary" in page
    early = _designate(
        client, "CFI", resettlement="no", effective_from=datetime.date(2014, 1, 1)
    ).content.decode()
    assert "already recorded" in early
    assert Designation.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("MALE_LOCAL", 1),
        ("MALE_OPEN", 1),
        ("MALE_TRAINING", 1),
        ("WOMEN", 3),
        ("YOUNG_ADULT", 3),
        ("DUAL", 3),
    ],
)
def test_the_host_crc_limit_of_each_kind(kind, allowed):
    from django.core.exceptions import ValidationError

    made = prison("XAI", kind=kind, resettlement=False)
    hosts = ["CRC12", "CRC13", "CRC14", "CRC15"]
    designations.designate(
        actor=None,
        prison=made,
        effective_from=datetime.date(2020, 1, 1),
        resettlement=True,
        host_lead_provider="CRC11",
        host_crcs=hosts[:allowed],
        check_actor=False,
    )
    with pytest.raises(ValidationError) as raised:
        designations.designate(
            actor=None,
            prison=made,
            effective_from=datetime.date(2021, 1, 1),
            resettlement=True,
            host_lead_provider="CRC11",
            host_crcs=hosts[: allowed + 1],
            check_actor=False,
        )
    assert list(raised.value.message_dict) == ["host_crcs"]
    assert f"at most {allowed}" in raised.value.message_dict["host_crcs"][0]


def test_the_limits_follow_the_settings(settings):
    settings.MAX_HOST_CRCS_ADULT_MALE = 2
    settings.MAX_HOST_CRCS_WOMEN_YOUNG_ADULT = 1
    assert designations.host_limit("MALE_LOCAL") == 2
    assert designations.host_limit("WOMEN") == designations.host_limit("DUAL") == 1
