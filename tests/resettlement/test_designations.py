"""Designations with effective dates (``resettlement.designations``): the one in force on
each day, a new one ending the old, the checks, who may designate, and prisons' codes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.models import AuditEvent, Organisation
from resettlement import designations
from resettlement.models import Designation
from tests.probation.factories import staff
from tests.resettlement.factories import prison

pytestmark = pytest.mark.django_db

CHANGE = datetime.date(2020, 3, 2)


def _redesignate(made, day=CHANGE, **fields):
    values = {"resettlement": True, "host_lead_provider": "CRC12", "host_crcs": []} | fields
    return designations.designate(
        actor=None, prison=made, effective_from=day, check_actor=False, **values
    )


def test_the_designation_in_force_changes_on_the_day_the_new_one_starts():
    made = prison("CFI", lead="CRC11")
    _redesignate(made)
    before = designations.designation_facts(made, CHANGE - datetime.timedelta(days=1))
    on = designations.designation_facts(made, CHANGE)
    assert before.host_lead_provider == "CRC11" and on.host_lead_provider == "CRC12"
    old = made.designations.get(effective_from__lt=CHANGE)
    assert old.effective_to == CHANGE
    assert made.designations.filter(effective_to__isnull=True).count() == 1


@settings(max_examples=40, deadline=None)
@given(offset=st.integers(min_value=-4000, max_value=4000))
def test_exactly_one_designation_answers_for_any_day_after_the_first(offset):
    made = prison("CFI", lead="CRC11")
    if not made.designations.filter(effective_from=CHANGE).exists():
        _redesignate(made)
    day = CHANGE + datetime.timedelta(days=offset)
    in_force = list(designations.designations_on(day, prisons=[made]))
    if day < datetime.date(2015, 1, 1):
        assert in_force == []
        assert designations.designation_facts(made, day) == designations.NOT_DESIGNATED
    else:
        assert len(in_force) == 1
        expected = "CRC12" if day >= CHANGE else "CRC11"
        assert designations.facts_of(in_force[0]).host_lead_provider == expected


def test_a_designation_on_or_before_the_latest_is_refused():
    made = prison("CFI", lead="CRC11")
    _redesignate(made)
    for day in (CHANGE, CHANGE - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as raised:
            _redesignate(made, day)
        assert "effective_from" in raised.value.message_dict
    _redesignate(made, CHANGE + datetime.timedelta(days=1))
    assert made.designations.count() == 3


def test_the_lead_and_hosts_are_designated_cpas_and_designated_only_cpas_too():
    made = prison("EWI", lead="CRC13", hosts=("CRC11", "CRC14"), kind="WOMEN")
    _redesignate(
        made, host_lead_provider="CRC13", host_crcs=["CRC11"], designated_to=["CRC13", "CRC15"]
    )
    facts = designations.designation_facts(made, CHANGE)
    assert facts.host_crcs == ("CRC11",)
    assert set(facts.designated_to) == {"CRC11", "CRC13", "CRC15"}
    roles = dict(
        Designation.objects.get(prison=made, effective_from=CHANGE).crcs.values_list(
            "crc__code", "role"
        )
    )
    assert roles == {"CRC13": "LEAD", "CRC11": "HOST", "CRC15": "DESIGNATED"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"host_lead_provider": None}, "host_lead_provider"),
        ({"host_lead_provider": "CRC99"}, "host_lead_provider"),
        ({"host_crcs": ["CRC12"]}, "host_crcs"),  # the lead is not also a host
        ({"host_crcs": ["CRC13", "CRC13"]}, "host_crcs"),
        ({"host_crcs": ["CRC13", "CRC14"]}, "host_crcs"),  # adult male: one host
        ({"designated_to": ["CRC42"]}, "designated_to"),
        (
            {"resettlement": False, "host_lead_provider": None, "designated_to": ["CRC13"]},
            "designated_to",
        ),
    ],
)
def test_invalid_designations_are_refused_with_the_field(fields, field):
    made = prison("CFI", lead="CRC11")
    with pytest.raises(ValidationError) as raised:
        _redesignate(made, **fields)
    assert field in raised.value.message_dict
    assert made.designations.count() == 1


def test_only_noms_contract_managers_designate_and_it_is_audited():
    made = prison("CFI", lead="CRC11")
    with pytest.raises(PermissionDenied):
        designations.designate(
            actor=staff("CRC_MANAGER", "CRC11"),
            prison=made,
            effective_from=CHANGE,
            resettlement=False,
        )
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    assert designations.may_designate(noms)
    assert not designations.may_designate(staff("NOMS_CONTRACT_MANAGER", "NOMS", vetted=False))
    assert not designations.may_designate(staff("NOMS_AUDITOR", "NOMS"))
    designation = designations.designate(
        actor=noms, prison=made, effective_from=CHANGE, resettlement=False, source="page"
    )
    assert designation.recorded_by == noms and designation.source == "page"
    assert AuditEvent.objects.filter(actor=noms, action="CREATE").exists()
    assert AuditEvent.objects.filter(actor=noms, action="UPDATE").exists()  # the old one ended
    assert not designations.designation_facts(made, CHANGE).resettlement


def test_a_new_prison_has_its_organisation_and_a_unique_code():
    ldu = Organisation.objects.get(code="LDU1105")
    made = designations.prison_create(
        actor=None, code="CFI", name=" HMP Cardiff ", kind="MALE_LOCAL", contracted=False, ldu=ldu
    )
    assert made.name == "HMP Cardiff" and made.organisation.kind == "PRISON"
    assert designations.designation_facts(made, CHANGE) == designations.NOT_DESIGNATED
    with pytest.raises(ValidationError) as raised:
        designations.prison_create(
            actor=None, code="CFI", name="Again", kind="WOMEN", contracted=False, ldu=ldu
        )
    assert list(raised.value.message_dict) == ["code"]
    with pytest.raises(ValidationError) as raised:
        designations.prison_create(
            actor=None,
            code="SWI",
            name="",
            kind="CASTLE",
            contracted=False,
            ldu=Organisation.objects.get(code="CRC11"),
        )
    assert set(raised.value.message_dict) == {"name", "kind", "ldu"}


def test_a_prison_added_twice_at_once_is_a_field_error_not_a_server_error(monkeypatch):
    """Two NOMS users adding the same code at once both pass the form's check; the unique
    constraint stops the second, which is told so."""
    ldu = Organisation.objects.filter(kind="LDU", crc__code="CRC11").order_by("code").first()
    made = dict(code="RCE", name="HMP Race", kind="MALE_LOCAL", contracted=False, ldu=ldu)
    first = designations.prison_create(actor=None, **made)
    monkeypatch.setattr(designations, "prison_errors", lambda **_: {})
    with pytest.raises(ValidationError) as refused:
        designations.prison_create(actor=None, **made)
    assert "already exists" in refused.value.message_dict["code"][0]
    assert Organisation.objects.filter(code="PRISON-RCE").get() == first.organisation
