"""Person on probation: aliases, address, and the choices offered to women (DOMAIN.md 3)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework.test import APIClient

from probation import services
from probation.models import AuditEvent, Person
from tests.probation.factories import person_of, recorded_person, staff

pytestmark = pytest.mark.django_db

PREFERENCES = (
    "prefers_female_offender_manager",
    "prefers_female_only_interviews",
    "no_all_male_placements",
)


@pytest.mark.parametrize("preference", PREFERENCES)
def test_women_may_choose_and_men_are_not_offered_the_choices(preference):
    officer = staff("NPS_COURT_OFFICER", "NPS-WAL")
    woman = recorded_person(officer, gender="F", **{preference: True})
    assert getattr(woman, preference) is True
    with pytest.raises(ValidationError) as error:
        recorded_person(officer, gender="M", **{preference: True})
    assert preference in error.value.message_dict
    # Changing a woman's recorded gender keeps the rule: her choices must be cleared first.
    with pytest.raises(ValidationError):
        services.person_update(actor=officer, crn=woman.crn, gender="M")


def test_the_database_refuses_female_choices_for_a_man():
    person = person_of("CRC11", gender="M")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(prefers_female_only_interviews=True)


def test_api_refuses_female_choices_for_a_man_with_a_field_error():
    api = APIClient()
    api.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    response = api.post(
        "/api/v1/people/",
        {
            "first_name": "Al",
            "last_name": "Byrne",
            "date_of_birth": "1990-01-01",
            "gender": "M",
            "ldu": "LDU1101",
            "no_all_male_placements": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"no_all_male_placements"}


def test_address_is_recorded_and_shown(client):
    officer = staff("NPS_COURT_OFFICER", "NPS-WAL")
    person = recorded_person(
        officer, address_line_1="1 High Street", town="Cardiff", postcode="cf10  1aa"
    )
    assert person.postcode == "CF10 1AA"
    client.force_login(officer)
    body = client.get(f"/people/{person.crn}/").content.decode()
    assert "1 High Street" in body and "CF10 1AA" in body
    services.person_update(actor=officer, crn=person.crn, no_fixed_abode=True)
    assert "No fixed abode" in client.get(f"/people/{person.crn}/").content.decode()


def test_aliases_are_searched_shown_and_audited(client):
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person = person_of("CRC11", first_name="Gareth", last_name="Rees")
    other = person_of("CRC11", first_name="Ian", last_name="Hughes")
    alias = services.person_alias_add(actor=om, crn=person.crn, first_name="Gary", last_name="Rice")
    assert AuditEvent.objects.get(action="CREATE", person_crn=person.crn).object_type == (
        "probation.personalias"
    )
    client.force_login(om)
    found = client.get("/people/", {"q": "gary rice"}).content.decode()
    assert person.crn in found and other.crn not in found
    assert "Gary Rice" in client.get(f"/people/{person.crn}/").content.decode()
    api = APIClient()
    api.force_login(om)
    listed = api.get("/api/v1/people/", {"name": "Rice"}).json()["results"]
    assert [p["crn"] for p in listed] == [person.crn]
    assert listed[0]["aliases"][0]["last_name"] == "Rice"
    services.person_alias_remove(actor=om, crn=person.crn, alias_id=alias.pk)
    assert AuditEvent.objects.filter(action="DELETE", person_crn=person.crn).exists()
    assert not person.aliases.exists()


def test_aliases_of_another_crcs_person_cannot_be_added():
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    theirs = person_of("CRC20")
    with pytest.raises(Http404):
        services.person_alias_add(actor=om, crn=theirs.crn, first_name="A", last_name="B")
    assert not theirs.aliases.exists()
