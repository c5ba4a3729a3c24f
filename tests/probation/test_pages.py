"""The web pages: home per role, search, the record, forms with GOV.UK error summaries."""

import pytest

from probation.models import AuditEvent, Person
from probation.roles import ROLES
from tests.probation.factories import person_of, staff

pytestmark = pytest.mark.django_db

ORGANISATION_FOR = {
    "CRC": "CRC11",
    "NPS_DIVISION": "NPS-WAL",
    "NOMS": "NOMS",
    "NOMS_UNIT": "PPCS",
}


def _organisation_for(kind: str) -> str:
    if kind == "PRISON":
        from tests.resettlement.factories import prison

        return prison("CFI").organisation.code
    return ORGANISATION_FOR[kind]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.code)
def test_each_role_has_a_home_page_saying_what_to_do_next(client, role):
    user = staff(role.code, _organisation_for(role.organisation_kinds[0]))
    client.force_login(user)
    body = client.get("/").content.decode()
    assert role.name in body
    assert "What you can do next" in body
    assert user.organisation.name in body


def test_sign_in_page_is_served_and_pages_need_sign_in(client):
    assert client.get("/sign-in/").status_code == 200
    response = client.get("/people/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_search_by_crn_name_and_date_of_birth(client):
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    wanted = person_of("CRC11", first_name="Bronwen", last_name="Pryce")
    unwanted = person_of("CRC11", first_name="Dafydd", last_name="Morgan")
    by_crn = client.get("/people/", {"q": wanted.crn.lower()}).content.decode()
    assert wanted.crn in by_crn and unwanted.crn not in by_crn
    by_name = client.get("/people/", {"q": "bron pry"}).content.decode()
    assert wanted.crn in by_name and unwanted.crn not in by_name
    dob = wanted.date_of_birth
    by_dob = client.get(
        "/people/",
        {
            "date_of_birth_day": dob.day,
            "date_of_birth_month": dob.month,
            "date_of_birth_year": dob.year,
        },
    ).content.decode()
    assert wanted.crn in by_dob


def test_list_page_uses_constant_queries(client, django_assert_max_num_queries):
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    for _ in range(3):
        person_of("CRC11")
    with django_assert_max_num_queries(20) as few:
        client.get("/people/")
    for _ in range(30):
        person_of("CRC11")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/people/")


def test_record_a_person_with_errors_shows_an_error_summary_and_saves_nothing(client):
    client.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    response = client.post(
        "/people/new/",
        {
            "first_name": "",
            "last_name": "Jones",
            "date_of_birth_day": "31",
            "date_of_birth_month": "2",
            "date_of_birth_year": "1990",
            "gender": "F",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and "There is a problem" in body
    assert 'href="#id_date_of_birth-day"' in body
    assert "Date of birth must be a real date" in body
    assert "Enter the first name" in body and "Select the local delivery unit" in body
    assert body.count("govuk-form-group--error") >= 3
    assert not Person.objects.exists()


def test_record_then_change_a_person(client):
    from probation.models import Organisation

    client.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    ldu = Organisation.objects.get(code="LDU1101")
    form = {
        "first_name": "Ann",
        "last_name": "Jones",
        "date_of_birth_day": "1",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1990",
        "gender": "F",
        "ldu": ldu.pk,
    }
    response = client.post("/people/new/", form)
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/{person.crn}/"
    response = client.post(f"/people/{person.crn}/change/", {**form, "last_name": "Davies"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Davies"
    assert AuditEvent.objects.filter(action="UPDATE", person_crn=person.crn).exists()


def test_organisation_pages(client):
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    body = client.get("/organisations/").content.decode()
    assert "Wales" in body and "Kent, Surrey and Sussex" in body
    assert client.get("/organisations/LDU1101/").status_code == 200
    assert client.get("/organisations/NOPE/").status_code == 404


def test_repeated_failed_sign_ins_lock_the_account(client, settings):
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    user.set_password("the-right-password-1")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/sign-in/", {"username": user.username, "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post(
        "/sign-in/", {"username": user.username, "password": "the-right-password-1"}
    )
    assert locked.status_code == 429
    assert "Your sign-in is locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_shows_an_error_summary(client):
    response = client.post("/sign-in/", {"username": "nobody", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "govuk-error-summary" in body


def test_system_administrator_manages_staff_in_the_admin_but_sees_no_cases(client):
    admin_user = staff("SYSTEM_ADMINISTRATOR", "NOMS", is_staff=True)
    person = person_of("CRC11")
    client.force_login(admin_user)
    assert client.get("/admin/probation/user/").status_code == 200
    assert client.get(f"/admin/probation/user/{admin_user.pk}/change/").status_code == 200
    assert client.get("/admin/probation/organisation/").status_code == 200
    assert client.get(f"/people/{person.crn}/").status_code == 404
