"""seed_demo: a realistic, reproducible population over every CRC and LDU."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import RequestFactory

from probation import demo
from probation.models import AuditEvent, Organisation, Person, User
from probation.roles import ROLES, roles_of
from probation.rules import normalise_pnc

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def _population():
    return list(
        Person.objects.order_by("id").values_list(
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "ldu__code",
            "responsible_provider__code",
            "pnc_number",
            "foreign_national",
        )
    )


def test_the_same_seed_gives_the_same_people():
    demo.seed(offenders=300, seed=7, today=TODAY)
    first = _population()
    Person.objects.all().delete()
    demo.seed(offenders=300, seed=7, today=TODAY)
    assert _population() == first
    Person.objects.all().delete()
    demo.seed(offenders=300, seed=8, today=TODAY)
    assert _population() != first


def test_population_is_spread_over_every_crc_and_ldu_and_is_plausible():
    counts = demo.seed(offenders=4000, seed=1, today=TODAY)
    assert counts["people"] == Person.objects.count() == 4000
    ldus = Organisation.objects.ldus().count()
    assert Person.objects.values("ldu").distinct().count() == ldus
    providers = set(Person.objects.values_list("responsible_provider__code", flat=True))
    assert providers == {"NPS"} | {f"CRC{n:02d}" for n in range(1, 22)}
    # Every CRC-managed person lives in that CRC's own CPA.
    assert (
        not Person.objects.filter(responsible_provider__kind="CRC")
        .exclude(responsible_provider=F("ldu__crc"))
        .exists()
    )
    women = Person.objects.filter(gender="F").count()
    assert 0.05 < women / 4000 < 0.2
    assert Person.objects.filter(foreign_national=True).exclude(nationality="British").exists()
    for pnc in Person.objects.exclude(pnc_number=None).values_list("pnc_number", flat=True)[:500]:
        assert normalise_pnc(pnc) == pnc
    ages = [
        (TODAY - dob).days / 365.25
        for dob in Person.objects.values_list("date_of_birth", flat=True)
    ]
    assert min(ages) >= 18 and max(ages) <= 81
    assert User.objects.filter(username__startswith="om.").count() == counts["staff"] > 0


def test_demo_users_sign_in_with_the_documented_password_one_per_role():
    demo.seed(offenders=10, seed=1, today=TODAY)
    request = RequestFactory().post("/sign-in/")
    roles = set()
    for demo_user in demo.DEMO_USERS:
        user = authenticate(request, username=demo_user.username, password=demo.DEMO_PASSWORD)
        assert user is not None, demo_user.username
        roles |= {role.code for role in roles_of(user)}
    assert roles == {role.code for role in ROLES}


def test_seed_demo_command_refuses_to_seed_twice_and_is_audited():
    call_command("seed_demo", "--offenders", "20", "--seed", "1", verbosity=0)
    assert AuditEvent.objects.filter(action="IMPORT").count() == 1
    with pytest.raises(CommandError, match="already exist"):
        call_command("seed_demo", "--offenders", "20", verbosity=0)
    call_command("seed_demo", "--offenders", "20", "--if-empty", verbosity=0)
    assert Person.objects.count() == 20
    call_command("seed_demo", "--offenders", "5", "--append", "--seed", "2", verbosity=0)
    assert Person.objects.count() == 25


def test_every_seeded_person_has_one_current_offender_manager_of_their_provider():
    from probation.models import OffenderManagerAssignment

    demo.seed(offenders=500, seed=3, today=TODAY)
    current = OffenderManagerAssignment.objects.filter(ended_at__isnull=True)
    assert current.count() == Person.objects.count() == 500
    assert not current.exclude(provider=F("person__responsible_provider")).exists()
    assert not current.exclude(team__ldu=F("person__ldu")).exists()
    assert not current.exclude(offender_manager__team=F("team")).exists()
