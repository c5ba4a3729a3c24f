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
            baseline_check_date=today - datetime.timedelta(days=400),
            dbs_check_date=today - datetime.timedelta(days=100),
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
