"""Factories for the core records. Organisations come from the Annex D reference data."""

import datetime

import factory
from django.contrib.auth.models import Group

from probation.models import (
    ApiToken,
    Organisation,
    Person,
    Team,
    User,
    UserKind,
    VettingRecord,
)
from probation.roles import ROLES_BY_CODE


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organisation = factory.LazyFunction(lambda: org("CRC11"))
    team = factory.LazyAttribute(lambda u: team_of(u.organisation))

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=ROLES_BY_CODE[extracted].group_name))

    @factory.post_generation
    def vetted(self, create, extracted, **kwargs):
        if extracted is False or self.kind == UserKind.API_CLIENT:
            return
        today = datetime.date.today()
        VettingRecord.objects.create(
            user=self,
            # Checked years ago and valid for years to come, so tests that stop the clock
            # at a fixed date find staff vetted whenever the suite runs.
            baseline_check_date=today - datetime.timedelta(days=3650),
            dbs_check_date=today - datetime.timedelta(days=1500),
            dbs_expiry_date=today + datetime.timedelta(days=900),
        )


def team_of(organisation: Organisation) -> Team | None:
    """A team of a CRC or NPS division, based in its first LDU (created once)."""
    if organisation.kind == "CRC":
        ldu = Organisation.objects.filter(kind="LDU", crc=organisation).order_by("code").first()
    elif organisation.kind == "NPS_DIVISION":
        ldu = (
            Organisation.objects.filter(kind="LDU", division=organisation).order_by("code").first()
        )
    else:
        return None
    team, _ = Team.objects.get_or_create(
        organisation=organisation, ldu=ldu, name=f"{ldu.name} {organisation.provider_code}"
    )
    return team


def staff(role: str, organisation: str, **kwargs) -> User:
    return UserFactory(role=role, organisation=org(organisation), **kwargs)


def api_client(organisation: str) -> tuple[User, str]:
    client = UserFactory(kind=UserKind.API_CLIENT, organisation=org(organisation))
    _, key = ApiToken.issue(user=client)
    return client, key


def token_api(organisation: str):
    """A REST client calling as ``organisation``'s API client, with its token."""
    from rest_framework.test import APIClient

    _, key = api_client(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in_api(role: str, organisation: str):
    """A REST client signed in as a new member of staff (``client.user``)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.user = staff(role, organisation)
    client.force_login(client.user)
    return client


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    crn = factory.Sequence(lambda n: f"T{n:06d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    gender = "M"
    ldu = factory.LazyFunction(lambda: Organisation.objects.filter(crc__code="CRC11").first())
    responsible_provider = factory.LazyAttribute(lambda p: p.ldu.crc)


def person_of(provider: str, *, ldu_crc: str | None = None, **kwargs) -> Person:
    """A person managed by ``provider`` (``NPS`` or a CRC code), living in an LDU of
    ``ldu_crc`` (default: the provider's own CPA, or CRC11's for the NPS)."""
    home = ldu_crc or (provider if provider.startswith("CRC") else "CRC11")
    ldu = Organisation.objects.filter(kind="LDU", crc__code=home).order_by("code").first()
    return PersonFactory(ldu=ldu, responsible_provider=org(provider), **kwargs)


def recorded_person(officer: User, **changes) -> Person:
    """A person recorded at court through the service, as an NPS officer would."""
    from probation import services

    fields = dict(
        first_name="Ann",
        last_name="Jones",
        date_of_birth="1990-05-01",
        gender="F",
        ldu=org("LDU1101"),
    )
    return services.person_create(actor=officer, **{**fields, **changes})


def sentence_of(person: Person, sentence_type: str = "COMMUNITY_ORDER", **fields):
    """A sentence written straight to the database (no rules run): for tests of what reads
    sentences. Tests of the rules go through ``probation.sentences``."""
    from probation.models import Management, Sentence

    today = datetime.date.today()
    number = (
        person.sentences.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    defaults = dict(
        number=number,
        sentence_type=sentence_type,
        sentence_date=today - datetime.timedelta(days=30),
        offence_date=today - datetime.timedelta(days=90),
        offence_description="Theft from a shop",
        court="Cardiff Magistrates' Court",
        management=Management.MANAGED,
        management_reason="Probation manages this order.",
    )
    return Sentence.objects.create(person=person, **{**defaults, **fields})


def requirement_of(sentence, code: str = "UNPAID_WORK", **fields):
    from probation.models import Requirement

    if code == "UNPAID_WORK":
        fields.setdefault("unpaid_work_hours", 100)
    if code == "REHABILITATION_ACTIVITY":
        fields.setdefault("rar_max_days", 20)
    return Requirement.objects.create(sentence=sentence, code=code, **fields)


def contact_of(person: Person, recorded_by: User, **fields):
    from django.utils import timezone

    from probation.models import Contact

    defaults = dict(
        contact_type="OFFICE_APPOINTMENT",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        location="Probation office",
        staff=recorded_by,
    )
    return Contact.objects.create(person=person, recorded_by=recorded_by, **{**defaults, **fields})


def plan_of(person: Person, created_by: User, **fields):
    from django.utils import timezone

    from probation.models import PlanVersion

    version = (
        person.plan_versions.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    defaults = dict(
        version=version,
        effective_from=timezone.now(),
        rosh_level="MEDIUM",
        rosh_assessed_on=datetime.date.today(),
        rosh_assessor="OASys, J. Smith",
        needs=["ACCOMMODATION"],
        reoffending_likelihood="MEDIUM",
        objectives="Find settled accommodation",
        review_date=datetime.date.today() + datetime.timedelta(days=90),
    )
    return PlanVersion.objects.create(
        person=person, created_by=created_by, **{**defaults, **fields}
    )
