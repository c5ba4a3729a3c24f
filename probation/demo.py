"""Demo and national-scale data: a realistic, reproducible population over every CRC and LDU.

Used by ``manage.py seed_demo``. Everything is drawn from one seeded random generator, so
the same ``--seed`` gives the same people; rows go in with ``bulk_create`` in batches, so
the national caseload (250,000 people) loads in minutes on two cores.
"""

import datetime
import itertools
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from faker import Faker

from probation import audit, services
from probation.models import (
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Person,
    Team,
    User,
    VettingRecord,
)
from probation.models.organisations import NPS_CODE
from probation.roles import ROLES_BY_CODE
from probation.rules import pnc_check_letter

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - documented in README.md; demo data only

# Shares of the caseload, as published for 2015-16 (roughly): the NPS manages about a third
# (high risk and the other retained cases), most people on probation are men, a minority
# are foreign nationals. Demo figures only; no rule depends on them.
NPS_SHARE = 0.30
FEMALE_SHARE = 0.11
FOREIGN_NATIONAL_SHARE = 0.08
PNC_KNOWN_SHARE = 0.9
CASELOAD_PER_CRC_OFFENDER_MANAGER = 45
CASELOAD_PER_NPS_OFFENDER_MANAGER = 30
BATCH = 5000

NATIONALITIES = [
    "Polish",
    "Romanian",
    "Irish",
    "Lithuanian",
    "Jamaican",
    "Pakistani",
    "Indian",
    "Somali",
    "Albanian",
    "Portuguese",
    "Nigerian",
    "Latvian",
    "Vietnamese",
    "Iraqi",
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    organisation: str
    first_name: str
    last_name: str
    vetted: bool = True
    is_staff: bool = False


DEMO_USERS = (
    DemoUser("nps.court", "NPS_COURT_OFFICER", "NPS-WAL", "Catrin", "Hughes"),
    DemoUser("nps.allocation", "NPS_ALLOCATION_OFFICER", "NPS-WAL", "Gareth", "Lloyd"),
    DemoUser("nps.om", "NPS_OFFENDER_MANAGER", "NPS-WAL", "Sian", "Roberts"),
    DemoUser("nps.enforcement", "NPS_ENFORCEMENT_OFFICER", "NPS-WAL", "Owen", "Price"),
    DemoUser("nps.senior", "NPS_SENIOR_MANAGER", "NPS-WAL", "Megan", "Davies"),
    DemoUser("crc.om.11", "CRC_OFFENDER_MANAGER", "CRC11", "Rhian", "Evans"),
    DemoUser("crc.manager.11", "CRC_MANAGER", "CRC11", "Huw", "Thomas"),
    DemoUser("crc.resettlement.11", "PRISON_RESETTLEMENT_WORKER", "CRC11", "Nia", "Jenkins"),
    DemoUser("crc.om.20", "CRC_OFFENDER_MANAGER", "CRC20", "Amara", "Okafor"),
    DemoUser("noms.contracts", "NOMS_CONTRACT_MANAGER", "NOMS", "Priya", "Shah"),
    DemoUser("noms.auditor", "NOMS_AUDITOR", "NOMS", "David", "Clarke"),
    DemoUser("ppcs.caseworker", "PPCS_CASEWORKER", "PPCS", "Helen", "Wright"),
    DemoUser("sysadmin", "SYSTEM_ADMINISTRATOR", "NOMS", "Sam", "Patel", is_staff=True),
    DemoUser("crc.unvetted.11", "CRC_OFFENDER_MANAGER", "CRC11", "Tom", "Baker", vetted=False),
)


def _vetting(user: User, today: datetime.date, rng: random.Random) -> VettingRecord:
    checked = today - datetime.timedelta(days=rng.randint(30, 900))
    return VettingRecord(
        user=user,
        baseline_check_date=checked - datetime.timedelta(days=rng.randint(0, 60)),
        dbs_check_date=checked,
        dbs_expiry_date=checked + datetime.timedelta(days=3 * 365),
    )


def create_demo_users(*, today: datetime.date) -> list[User]:
    """The documented demo sign-ins, one per role (idempotent)."""
    password = make_password(DEMO_PASSWORD)
    rng = random.Random(0)
    users = []
    for demo in DEMO_USERS:
        organisation = Organisation.objects.get(code=demo.organisation)
        team = None
        if organisation.kind in (OrganisationKind.CRC, OrganisationKind.NPS_DIVISION):
            ldus = (
                Organisation.objects.ldus().filter(crc=organisation)
                if organisation.is_crc
                else Organisation.objects.ldus().filter(division=organisation)
            )
            ldu = ldus.order_by("code").first()
            team, _ = Team.objects.get_or_create(
                organisation=organisation, ldu=ldu, name=f"{ldu.name} {organisation.provider_code}"
            )
        user, created = User.objects.update_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "organisation": organisation,
                "team": team,
                "password": password,
                "is_staff": demo.is_staff,
            },
        )
        user.groups.set([Group.objects.get(name=ROLES_BY_CODE[demo.role].group_name)])
        VettingRecord.objects.filter(user=user).delete()
        if demo.vetted:
            _vetting(user, today, rng).save()
        users.append(user)
    return users


def _teams() -> dict[int, dict[str, Team]]:
    """One NPS team and one CRC team in every LDU (created once)."""
    ldus = list(Organisation.objects.ldus().select_related("crc", "division"))
    existing = {(t.organisation_id, t.ldu_id): t for t in Team.objects.all()}
    new = []
    for ldu in ldus:
        for organisation, label in ((ldu.division, "NPS"), (ldu.crc, "CRC")):
            if (organisation.pk, ldu.pk) not in existing:
                new.append(Team(organisation=organisation, ldu=ldu, name=f"{ldu.name} {label}"))
    Team.objects.bulk_create(new, ignore_conflicts=True)
    teams: dict[int, dict[str, Team]] = {}
    for team in Team.objects.select_related("organisation"):
        kind = "NPS" if team.organisation.kind == OrganisationKind.NPS_DIVISION else "CRC"
        teams.setdefault(team.ldu_id, {})[kind] = team
    return teams


def _date_of_birth(rng: random.Random, today: datetime.date) -> datetime.date:
    # Ages 18-80, most in their twenties and thirties.
    age_days = int(18 * 365.25 + min(rng.gammavariate(2.0, 7.0), 62) * 365.25)
    return today - datetime.timedelta(days=age_days + rng.randint(0, 364))


def seed(*, offenders: int, seed: int, today: datetime.date, progress=None) -> dict:
    """Create ``offenders`` people and the staff to manage them. Returns counts."""
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    male = [fake.first_name_male() for _ in range(1500)]
    female = [fake.first_name_female() for _ in range(1500)]
    surnames = [fake.last_name() for _ in range(4000)]

    ldus = list(Organisation.objects.ldus().select_related("crc", "division").order_by("code"))
    # Unequal LDU sizes, as in life: weights drawn once from the seed.
    cumulative = list(itertools.accumulate(rng.uniform(0.4, 1.6) for _ in ldus))
    nps = Organisation.objects.get(code=NPS_CODE)

    with transaction.atomic():
        demo_users = create_demo_users(today=today)
        teams = _teams()
        crns = services.reserve_crns(offenders)
        created = 0
        per_ldu: dict[int, dict[str, int]] = {}
        managed: list[tuple[int, int, str]] = []  # (person id, LDU id, "NPS" or "CRC")
        for start in range(0, offenders, BATCH):
            batch = []
            for index in range(start, min(start + BATCH, offenders)):
                ldu = rng.choices(ldus, cum_weights=cumulative)[0]
                female_person = rng.random() < FEMALE_SHARE
                foreign = rng.random() < FOREIGN_NATIONAL_SHARE
                provider = nps if rng.random() < NPS_SHARE else ldu.crc
                pnc = None
                if rng.random() < PNC_KNOWN_SHARE:
                    year = rng.randint(1985, 2015)
                    serial = index + 1  # unique per person, so PNC numbers never clash
                    pnc = f"{year:04d}/{serial:07d}{pnc_check_letter(year, serial)}"
                batch.append(
                    Person(
                        crn=crns[index],
                        pnc_number=pnc,
                        first_name=rng.choice(female if female_person else male),
                        last_name=rng.choice(surnames),
                        date_of_birth=_date_of_birth(rng, today),
                        gender="F" if female_person else "M",
                        nationality=rng.choice(NATIONALITIES) if foreign else "British",
                        foreign_national=foreign,
                        ldu=ldu,
                        responsible_provider=provider,
                    )
                )
                counts = per_ldu.setdefault(ldu.pk, {"NPS": 0, "CRC": 0})
                counts["NPS" if provider is nps else "CRC"] += 1
            people = Person.objects.bulk_create(batch)
            managed += [
                (p.pk, p.ldu_id, "NPS" if p.responsible_provider_id == nps.pk else "CRC")
                for p in people
            ]
            Person.history.bulk_history_create(people, default_change_reason="Demo data")
            created += len(people)
            if progress:
                progress(len(people))
        members = _create_caseload_staff(
            per_ldu, teams, today=today, rng=rng, names=(male + female, surnames)
        )
        staff = sum(len(ids) for ids in members.values())
        _assign_offender_managers(managed, teams, members, nps=nps, today=today)
        audit.record_import(
            actor=None,
            instance=nps,
            summary={"people": created, "staff": staff, "seed": seed},
        )
    return {"people": created, "staff": staff, "demo_users": len(demo_users)}


def _assign_offender_managers(managed, teams, members, *, nps, today) -> None:
    """Every seeded person gets one current offender manager in their LDU's team of the
    provider managing them, shared out in turn."""
    started = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=datetime.UTC)
    turn: dict[int, int] = {}
    rows = []
    for person_id, ldu_id, kind in managed:
        team = teams[ldu_id][kind]
        staff_ids = members[team.pk]
        index = turn.get(team.pk, 0)
        turn[team.pk] = index + 1
        rows.append(
            OffenderManagerAssignment(
                person_id=person_id,
                provider_id=nps.pk if kind == "NPS" else team.organisation_id,
                team=team,
                offender_manager_id=staff_ids[index % len(staff_ids)],
                started_at=started,
            )
        )
        if len(rows) >= BATCH:
            OffenderManagerAssignment.objects.bulk_create(rows)
            rows = []
    OffenderManagerAssignment.objects.bulk_create(rows)


def _create_caseload_staff(per_ldu, teams, *, today, rng, names) -> dict[int, list[int]]:
    """Offender managers in every team, enough for the team's caseload. Returns each
    team's new members' ids."""
    password = "!" + "demo-unusable"  # staff beyond the demo users cannot sign in
    om_groups = {
        "CRC": Group.objects.get(name=ROLES_BY_CODE["CRC_OFFENDER_MANAGER"].group_name),
        "NPS": Group.objects.get(name=ROLES_BY_CODE["NPS_OFFENDER_MANAGER"].group_name),
    }
    caseload = {"CRC": CASELOAD_PER_CRC_OFFENDER_MANAGER, "NPS": CASELOAD_PER_NPS_OFFENDER_MANAGER}
    start = User.objects.filter(username__startswith="om.").count()
    users, kinds = [], []
    for ldu_id, counts in sorted(per_ldu.items()):
        for kind in ("NPS", "CRC"):
            team = teams[ldu_id][kind]
            needed = max(1, -(-counts[kind] // caseload[kind]))
            for _ in range(needed):
                start += 1
                users.append(
                    User(
                        username=f"om.{start:06d}",
                        first_name=rng.choice(names[0]),
                        last_name=rng.choice(names[1]),
                        organisation_id=team.organisation_id,
                        team=team,
                        password=password,
                    )
                )
                kinds.append(kind)
    users = User.objects.bulk_create(users, batch_size=BATCH)
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=u.pk, group_id=om_groups[k].pk)
            for u, k in zip(users, kinds, strict=True)
        ],
        batch_size=BATCH,
    )
    VettingRecord.objects.bulk_create([_vetting(u, today, rng) for u in users], batch_size=BATCH)
    members: dict[int, list[int]] = {}
    for user in users:
        members.setdefault(user.team_id, []).append(user.pk)
    return members
