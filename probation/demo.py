"""Demo and national-scale data: a realistic, reproducible population over every CRC and LDU.

Used by ``manage.py seed_demo``. Everything is drawn from one seeded random generator, so
the same ``--seed`` gives the same people; rows go in with ``bulk_create`` in batches, so
the national caseload (250,000 people) loads in minutes on two cores.
"""

import datetime
import io
import itertools
import json
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from faker import Faker

from probation import audit, calendar, orders, services
from probation.models import (
    Contact,
    ContactType,
    Licence,
    LicenceCondition,
    Management,
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Outcome,
    Person,
    PlanVersion,
    PssRequirement,
    Requirement,
    Sentence,
    SentenceType,
    Team,
    User,
    VettingRecord,
)
from probation.models.organisations import NPS_CODE
from probation.models.sentences import PSS_DEFAULT_CODES, StandardCondition
from probation.roles import ROLES_BY_CODE
from probation.rules import pnc_check_letter
from probation.supervision import CustodialFacts, supervision_periods

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
# People just sentenced and awaiting allocation, per NPS division (``--pending-allocations``):
# sentenced this many business days before the seed's day, most today or yesterday, so the
# allocation queue shows cases due today and tomorrow and a few overdue. Demo figures.
PENDING_ALLOCATIONS_PER_DIVISION = 10
PENDING_SENTENCED_BUSINESS_DAYS_AGO = ((0, 0.4), (1, 0.4), (2, 0.15), (3, 0.05))

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
    DemoUser("nps.allocation.manager", "NPS_ALLOCATION_MANAGER", "NPS-WAL", "Elin", "Morgan"),
    DemoUser("nps.om", "NPS_OFFENDER_MANAGER", "NPS-WAL", "Sian", "Roberts"),
    DemoUser("nps.enforcement", "NPS_ENFORCEMENT_OFFICER", "NPS-WAL", "Owen", "Price"),
    DemoUser("nps.senior", "NPS_SENIOR_MANAGER", "NPS-WAL", "Megan", "Davies"),
    DemoUser("crc.om.11", "CRC_OFFENDER_MANAGER", "CRC11", "Rhian", "Evans"),
    DemoUser("crc.manager.11", "CRC_MANAGER", "CRC11", "Huw", "Thomas"),
    DemoUser("crc.resettlement.11", "PRISON_RESETTLEMENT_WORKER", "CRC11", "Nia", "Jenkins"),
    DemoUser("crc.finance.11", "CRC_FINANCE_OFFICER", "CRC11", "Rhys", "Powell"),
    DemoUser("crc.om.20", "CRC_OFFENDER_MANAGER", "CRC20", "Amara", "Okafor"),
    DemoUser("noms.contracts", "NOMS_CONTRACT_MANAGER", "NOMS", "Priya", "Shah"),
    DemoUser("noms.auditor", "NOMS_AUDITOR", "NOMS", "David", "Clarke"),
    DemoUser("ppcs.caseworker", "PPCS_CASEWORKER", "PPCS", "Helen", "Wright"),
    DemoUser("sysadmin", "SYSTEM_ADMINISTRATOR", "NOMS", "Sam", "Patel", is_staff=True),
    DemoUser("crc.unvetted.11", "CRC_OFFENDER_MANAGER", "CRC11", "Tom", "Baker", vetted=False),
    # Prison staff at reception (resettlement.demo creates the prisons first).
    DemoUser("prison.cardiff", "PRISON_STAFF", "PRISON-CFI", "Dylan", "Rees"),
    DemoUser("prison.styal", "PRISON_STAFF", "PRISON-STI", "Joanne", "Walsh"),
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


# CRCs' first-appointment reporting instructions (allocation.instructions): every CRC a
# default, and the LDUs of the demo offender managers' teams their own. Telephone numbers
# are from Ofcom's range reserved for drama (0113 496 0000-0999), so none rings anyone.
DEMO_INSTRUCTION_LDUS = ("LDU1101", "LDU1102", "LDU2001")
DEMO_REPORTING_INSTRUCTIONS = (
    "Bring this letter and photo identification (a passport, driving licence or bank card). "
    "Ask at reception for the duty officer.\n"
    "Your first appointment takes about an hour: your offender manager explains your order, "
    "what you must do and what happens if you do not.\n"
    "If you need an interpreter or have a disability, telephone the office before you come."
)


def seed_reporting_instructions() -> int:
    """Give every CRC a default set of reporting instructions and a few LDUs their own
    (idempotent: instructions already there, perhaps edited in the admin, are kept).
    Returns how many were created."""
    from allocation.models import ReportingInstruction  # the allocation app's model

    created = 0
    for crc in Organisation.objects.crcs():
        first_ldu = Organisation.objects.ldus().filter(crc=crc).order_by("code").first()
        _, new = ReportingInstruction.objects.get_or_create(
            crc=crc,
            ldu=None,
            defaults={
                "office": f"{crc.name} reporting centre, {first_ldu.name}",
                "address": f"Probation Office\n1 Court Street\n{first_ldu.name}",
                "telephone": f"0113 496 0{crc.cpa_number:02d}0",
                "instructions": DEMO_REPORTING_INSTRUCTIONS,
            },
        )
        created += new
    for number, ldu in enumerate(
        Organisation.objects.ldus().filter(code__in=DEMO_INSTRUCTION_LDUS).select_related("crc"),
        start=1,
    ):
        _, new = ReportingInstruction.objects.get_or_create(
            crc=ldu.crc,
            ldu=ldu,
            defaults={
                "office": f"{ldu.name} probation office",
                "address": f"Probation Office\n{number} Station Road\n{ldu.name}",
                "telephone": f"0113 496 0{ldu.crc.cpa_number:02d}{number}",
                "instructions": DEMO_REPORTING_INSTRUCTIONS
                + f"\nThe {ldu.name} office is open 9am to 5pm, Monday to Friday.",
            },
        )
        created += new
    return created


def _date_of_birth(rng: random.Random, today: datetime.date) -> datetime.date:
    # Ages 18-80, most in their twenties and thirties.
    age_days = int(18 * 365.25 + min(rng.gammavariate(2.0, 7.0), 62) * 365.25)
    return today - datetime.timedelta(days=age_days + rng.randint(0, 364))


def seed(
    *,
    offenders: int,
    seed: int,
    today: datetime.date,
    progress=None,
    pending_allocations: int = PENDING_ALLOCATIONS_PER_DIVISION,
) -> dict:
    """Create ``offenders`` people and the staff to manage them. Returns counts.

    Every managed sentence is allocated to the person's provider (``allocation.demo``)
    except, in each NPS division, up to ``pending_allocations`` people just sentenced, held
    by the NPS court team: the allocation queue's cases."""
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

    # Case records draw from their own generator, so the people of a seed stay the same.
    cases_rng = random.Random(seed + 1_000_003)
    now = datetime.datetime.combine(today, datetime.time(10, 0), tzinfo=datetime.UTC)
    with transaction.atomic():
        # The prisons first: their staff are among the demo users.
        from resettlement.demo import seed_prisons

        seed_prisons()
        demo_users = create_demo_users(today=today)
        teams = _teams()
        seed_reporting_instructions()
        crns = services.reserve_crns(offenders)
        pinned = _demo_caseload_homes(demo_users, offenders=offenders, nps=nps)
        created = 0
        per_ldu: dict[int, dict[str, int]] = {}
        # (person id, LDU id, "NPS" or "CRC", on a caseload: has an active managed sentence)
        managed: list[tuple[int, int, str, bool]] = []
        awaiting = dict.fromkeys({ldu.division_id for ldu in ldus}, pending_allocations)
        pending_people: list[int] = []
        first_person = last_person = None
        for start in range(0, offenders, BATCH):
            batch = []
            for index in range(start, min(start + BATCH, offenders)):
                ldu = rng.choices(ldus, cum_weights=cumulative)[0]
                female_person = rng.random() < FEMALE_SHARE
                foreign = rng.random() < FOREIGN_NATIONAL_SHARE
                provider = nps if rng.random() < NPS_SHARE else ldu.crc
                if index < len(pinned):  # the demo offender managers' own caseloads
                    ldu, provider = pinned[index]
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
                # Just sentenced, held by the NPS court team until allocation.
                batch[-1].newly_sentenced = (
                    provider is nps and index >= len(pinned) and awaiting[ldu.division_id] > 0
                )
                awaiting[ldu.division_id] -= batch[-1].newly_sentenced
                counts = per_ldu.setdefault(ldu.pk, {"NPS": 0, "CRC": 0})
                counts["NPS" if provider is nps else "CRC"] += 1
            people = Person.objects.bulk_create(batch)
            for person in people:
                person.crc_case = person.responsible_provider_id != nps.pk
            first_person, last_person = first_person or people[0].pk, people[-1].pk
            pending_people += [p.pk for p in people if p.newly_sentenced]
            on_caseload = _create_sentences(people, rng=cases_rng, today=today, now=now)
            managed += [
                (p.pk, p.ldu_id, "CRC" if p.crc_case else "NPS", listed)
                for p, listed in zip(people, on_caseload, strict=True)
            ]
            Person.history.bulk_history_create(people, default_change_reason="Demo data")
            created += len(people)
            if progress:
                progress(len(people))
        members = _create_caseload_staff(
            per_ldu, teams, today=today, rng=rng, names=(male + female, surnames)
        )
        staff = sum(len(ids) for ids in members.values())
        demo_officers = [
            u for u in demo_users if u.username in DEMO_OFFENDER_MANAGERS and u.team_id
        ]
        _assign_offender_managers(
            managed,
            teams,
            members,
            nps=nps,
            today=today,
            demo_officers=demo_officers,
            rng=cases_rng,
        )
        _add_licence_conditions()
        allocations = enforcement_records = custody_episodes = contracts = 0
        if created:
            # The allocation app records its decisions (imported here: probation's models
            # never depend on it; only the demo, which seeds every part, does).
            from allocation.demo import allocate_seeded_sentences

            allocations = allocate_seeded_sentences(
                first_person=first_person,
                last_person=last_person,
                pending_people=pending_people,
                decided_by=next(u for u in demo_users if u.username == "nps.allocation"),
            )
            from enforcement.demo import seed_enforcement

            enforcement_records = seed_enforcement({u.username: u for u in demo_users})
            from resettlement.demo import seed_custody

            custody_episodes = seed_custody(
                {u.username: u for u in demo_users}, seed=seed, today=today
            )
            from contracts.demo import seed_contracts

            contracts = seed_contracts({u.username: u for u in demo_users}, seed=seed, today=today)
        audit.record_import(
            actor=None,
            instance=nps,
            summary={
                "people": created,
                "staff": staff,
                "seed": seed,
                "allocations": allocations,
                "awaiting_allocation": len(pending_people),
                "enforcement_records": enforcement_records,
                "custody_episodes": custody_episodes,
                "contracts": contracts,
            },
        )
        if created:
            # The dashboards' monthly facts, after everything else (and after the import's
            # audit event, so the next nightly run does not count the seeding as a change).
            from performance.demo import seed as seed_performance

            seed_performance(today=today)
    return {
        "people": created,
        "staff": staff,
        "demo_users": len(demo_users),
        "allocations": allocations,
        "awaiting_allocation": len(pending_people),
    }


def _demo_caseload_homes(demo_users, *, offenders, nps) -> list[tuple[Organisation, Organisation]]:
    """(LDU, provider) of the first people seeded: enough in each demo offender manager's
    LDU and provider for their own caseload (a share of small populations)."""
    per_officer = min(CASELOAD_PER_DEMO_OFFENDER_MANAGER + 5, offenders // 20)
    homes = []
    for user in demo_users:
        if user.username in DEMO_OFFENDER_MANAGERS and user.team_id:
            provider = user.organisation if user.organisation.is_crc else nps
            homes += [(user.team.ldu, provider)] * per_officer
    return homes


def _assign_offender_managers(
    managed, teams, members, *, nps, today, demo_officers=(), rng=None
) -> None:
    """Every seeded person gets one current offender manager in their LDU's team of the
    provider managing them, shared out in turn; the demo offender managers first take a
    caseload of their own. Each person's plan and contacts are held by that officer."""
    started = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=datetime.UTC)
    now = datetime.datetime.combine(today, datetime.time(10, 0), tzinfo=datetime.UTC)
    rng = rng or random.Random(0)
    quota = {u.team_id: [u.pk, CASELOAD_PER_DEMO_OFFENDER_MANAGER] for u in demo_officers}
    turn: dict[int, int] = {}
    rows, plans, contacts = [], [], []

    def flush():
        OffenderManagerAssignment.objects.bulk_create(rows)
        _copy_rows(PlanVersion, plans, now=now)
        _copy_rows(Contact, contacts, now=now)
        for items in (rows, plans, contacts):
            items.clear()

    for person_id, ldu_id, kind, on_caseload in managed:
        team = teams[ldu_id][kind]
        demo = quota.get(team.pk)
        if on_caseload and demo and demo[1] > 0:
            officer_id = demo[0]
            demo[1] -= 1
        else:
            staff_ids = members[team.pk]
            index = turn.get(team.pk, 0)
            turn[team.pk] = index + 1
            officer_id = staff_ids[index % len(staff_ids)]
        rows.append(
            OffenderManagerAssignment(
                person_id=person_id,
                provider_id=nps.pk if kind == "NPS" else team.organisation_id,
                team=team,
                offender_manager_id=officer_id,
                started_at=started,
            )
        )
        plan, person_contacts = _case_records(
            person_id, officer_id, kind, rng=rng, now=now, today=today
        )
        plans.append(plan)
        contacts += person_contacts
        if len(contacts) >= BATCH:
            flush()
    flush()


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


# --- Case records: sentences, requirements, licences, plans, contacts ---------------------
# Shares of sentence types among managed people, as caseloads looked in 2015-16 (roughly);
# demo figures only, no rule depends on them.
SENTENCE_MIX = (
    (SentenceType.COMMUNITY_ORDER, 0.55),
    (SentenceType.SUSPENDED_SENTENCE_ORDER, 0.20),
    (SentenceType.CUSTODIAL, 0.25),
)
SECOND_SENTENCE_SHARE = 0.2
# People whose only order goes to the EM provider or is an SSO without requirements: on
# no caseload (DOMAIN.md 2).
UNMANAGED_SHARE = 0.03
# Each demo offender manager's own caseload (the rest of their team is shared by om.*).
CASELOAD_PER_DEMO_OFFENDER_MANAGER = 50
DEMO_OFFENDER_MANAGERS = ("crc.om.11", "crc.om.20", "nps.om")
ROSH_SHARES = {
    "CRC": (("LOW", 0.6), ("MEDIUM", 0.4)),
    "NPS": (("LOW", 0.1), ("MEDIUM", 0.45), ("HIGH", 0.38), ("VERY_HIGH", 0.07)),
}
CUSTODIAL_TERM_MONTHS = (3, 4, 6, 8, 10, 12, 16, 18, 24, 30, 36, 48)
OFFENCES = (
    "Theft from a shop",
    "Burglary of a dwelling",
    "Assault occasioning actual bodily harm",
    "Common assault",
    "Possession of a class A drug with intent to supply",
    "Driving while disqualified",
    "Criminal damage",
    "Fraud by false representation",
    "Handling stolen goods",
    "Harassment",
    "Possession of an offensive weapon",
    "Affray",
)
COURTS = (
    "Cardiff Magistrates' Court",
    "Swansea Crown Court",
    "Westminster Magistrates' Court",
    "Manchester Crown Court",
    "Leeds Magistrates' Court",
    "Birmingham Crown Court",
    "Bristol Magistrates' Court",
    "Newcastle Crown Court",
)
PRISONS = ("HMP Cardiff", "HMP Swansea", "HMP Pentonville", "HMP Manchester", "HMP Leeds")
# Requirements a court adds beside the punitive one.
REHABILITATIVE_CODES = (
    "REHABILITATION_ACTIVITY",
    "PROGRAMME",
    "DRUG_REHABILITATION",
    "ALCOHOL_TREATMENT",
    "MENTAL_HEALTH_TREATMENT",
    "PROHIBITED_ACTIVITY",
    "RESIDENCE",
)
PAST_OUTCOMES = (
    (Outcome.ATTENDED_COMPLIED, 0.78),
    (Outcome.ACCEPTABLE_ABSENCE, 0.08),
    (Outcome.UNACCEPTABLE_ABSENCE, 0.07),
    (Outcome.ATTENDED_FAILED_TO_COMPLY, 0.02),
    (Outcome.RESCHEDULED, 0.05),
)
OVERDUE_SHARE = 0.2
FUTURE_APPOINTMENT_SHARE = 0.85
APPOINTMENT_CHOICES = (
    ContactType.OFFICE_APPOINTMENT,
    ContactType.OFFICE_APPOINTMENT,
    ContactType.HOME_VISIT,
    ContactType.VIDEO_CALL,
    ContactType.UNPAID_WORK_SESSION,
    ContactType.RAR_SESSION,
)


def _pick(rng: random.Random, shares):
    values, weights = zip(*shares, strict=True)
    return rng.choices(values, weights=weights)[0]


def _requirements(rng: random.Random, *, em_only: bool = False) -> list[orders.Requirement]:
    """A lawful set of requirements: one punitive (unpaid work or a curfew) and 0-2 others."""
    if em_only:
        return [orders.Requirement("CURFEW_EM", curfew_hours_per_day=rng.randint(8, 12))]
    punitive = rng.choice(("UNPAID_WORK", "UNPAID_WORK", "CURFEW"))
    chosen = [punitive, *rng.sample(REHABILITATIVE_CODES, rng.choice((0, 1, 1, 2)))]
    return [
        orders.Requirement(
            code,
            unpaid_work_hours=rng.choice((40, 60, 80, 100, 120, 150, 200, 250, 300))
            if code == "UNPAID_WORK"
            else None,
            curfew_hours_per_day=rng.randint(6, 12) if code == "CURFEW" else None,
            rar_max_days=rng.choice((5, 10, 15, 20, 25, 30, 40, 60))
            if code == "REHABILITATION_ACTIVITY"
            else None,
        )
        for code in chosen
    ]


def _community_sentence(rng, person, number, today, *, kind, unmanaged=False, sentenced_on=None):
    """A Community Order or SSO still running today, with its requirements (unsaved);
    made on ``sentenced_on`` if given."""
    length = rng.choice((12, 12, 18, 24)) if kind == "CO" else rng.choice((6, 12, 12, 18, 24))
    days_long = length * 30
    sentence_date = sentenced_on or today - datetime.timedelta(
        days=rng.randint(7, max(8, days_long - 20))
    )
    offence_date = sentence_date - datetime.timedelta(days=rng.randint(14, 300))
    sso = kind == "SSO"
    requirements = []
    if not (sso and unmanaged):
        requirements = _requirements(rng, em_only=unmanaged)
    facts = orders.OrderFacts(
        order_type=SentenceType.SUSPENDED_SENTENCE_ORDER if sso else SentenceType.COMMUNITY_ORDER,
        sentence_date=sentence_date,
        offence_date=offence_date,
        date_of_birth=person.date_of_birth,
        requirements=tuple(requirements),
        supervision_months=length if sso else 0,
    )
    management = orders.order_management(facts)
    end = sentence_date + relativedelta(months=length) - datetime.timedelta(days=1)
    sentence = {
        "person_id": person.pk,
        "number": number,
        "sentence_type": facts.order_type,
        "sentence_date": sentence_date,
        "offence_date": offence_date,
        "offence_description": rng.choice(OFFENCES),
        "court": rng.choice(COURTS),
        "term_months": rng.choice((3, 6, 9, 12, 18, 24)) if sso else None,
        "length_months": length,
        "supervision_end_date": end if management.managed else None,
        "management": management.code,
        "management_reason": management.reason,
        "pbr_provider_id": person.responsible_provider_id if person.crc_case else None,
    }
    return sentence, requirements


def _custodial_sentence(rng, person, number, today):
    """A custodial sentence whose person is out on licence (or PSS) today, its periods
    derived by ``probation.supervision``; None when the rules give no supervision."""
    term = rng.choice(CUSTODIAL_TERM_MONTHS)
    released_days_ago = rng.randint(7, 200)
    sentence_date = today - datetime.timedelta(days=released_days_ago + term * 15)
    offence_date = sentence_date - datetime.timedelta(days=rng.randint(30, 300))
    facts = CustodialFacts(
        sentence_date=sentence_date,
        offence_date=offence_date,
        date_of_birth=person.date_of_birth,
        term_months=term,
    )
    if person.date_of_birth >= offence_date:
        return None
    periods = supervision_periods(facts)
    if not periods.managed or periods.supervision_end_date <= today:
        return None
    return {
        "person_id": person.pk,
        "number": number,
        "sentence_type": SentenceType.CUSTODIAL,
        "sentence_date": sentence_date,
        "offence_date": offence_date,
        "offence_description": rng.choice(OFFENCES),
        "court": rng.choice(COURTS),
        "term_months": term,
        "sentence_expiry_date": periods.sentence_expiry_date,
        "conditional_release_date": periods.conditional_release_date,
        "crd_estimated": True,
        "actual_release_date": periods.release_date,
        "release_prison": rng.choice(PRISONS),
        "licence_start_date": periods.licence_start_date,
        "licence_end_date": periods.licence_end_date,
        "pss_start_date": periods.pss_start_date,
        "pss_end_date": periods.pss_end_date,
        "supervision_end_date": periods.supervision_end_date,
        "supervision_rule": periods.rule,
        "management": Management.MANAGED,
        "management_reason": periods.reason,
        "pbr_provider_id": person.responsible_provider_id if person.crc_case else None,
    }


def _business_days_before(today: datetime.date, n: int) -> datetime.date:
    """The n-th business day before ``today`` (0: today, or the last business day)."""
    day = today
    while not calendar.is_business_day(day):
        day -= datetime.timedelta(days=1)
    for _ in range(n):
        day -= datetime.timedelta(days=1)
        while not calendar.is_business_day(day):
            day -= datetime.timedelta(days=1)
    return day


def _create_sentences(people, *, rng, today, now) -> list[bool]:
    """Sentences (with requirements and licences) for a batch of saved people. Returns, per
    person, whether they have an active managed sentence (are on a caseload)."""
    sentences, requirements_of, managed = [], [], []
    for person in people:
        if getattr(person, "newly_sentenced", False):
            # One Community Order made in the last few business days, not yet allocated.
            days_ago = _pick(rng, PENDING_SENTENCED_BUSINESS_DAYS_AGO)
            sentenced_on = _business_days_before(today, days_ago)
            sentence, requirements = _community_sentence(
                rng, person, 1, today, kind="CO", sentenced_on=sentenced_on
            )
            sentences.append(sentence)
            requirements_of.append(requirements)
            managed.append(True)
            continue
        if rng.random() < UNMANAGED_SHARE:
            kind = rng.choice(("CO", "SSO"))
            sentence, requirements = _community_sentence(
                rng, person, 1, today, kind=kind, unmanaged=True
            )
            sentences.append(sentence)
            requirements_of.append(requirements)
            managed.append(False)
            continue
        count = 2 if rng.random() < SECOND_SENTENCE_SHARE else 1
        for number in range(1, count + 1):
            kind = _pick(rng, SENTENCE_MIX)
            sentence = None
            if kind == SentenceType.CUSTODIAL:
                sentence = _custodial_sentence(rng, person, number, today)
                requirements = []
            if sentence is None:
                kind = "SSO" if kind == SentenceType.SUSPENDED_SENTENCE_ORDER else "CO"
                sentence, requirements = _community_sentence(rng, person, number, today, kind=kind)
            sentences.append(sentence)
            requirements_of.append(requirements)
        managed.append(True)
    _copy_rows(Sentence, sentences, now=now)
    ids = {
        (person_id, number): pk
        for person_id, number, pk in Sentence.objects.filter(
            person_id__in=[p.pk for p in people]
        ).values_list("person_id", "number", "pk")
    }
    _copy_rows(
        Requirement,
        [
            {
                "sentence_id": ids[sentence["person_id"], sentence["number"]],
                "code": r.code,
                "unpaid_work_hours": r.unpaid_work_hours,
                "curfew_hours_per_day": r.curfew_hours_per_day,
                "curfew_days": rng.choice((60, 90, 120)) if r.curfew_hours_per_day else None,
                "rar_max_days": r.rar_max_days,
            }
            for sentence, requirements in zip(sentences, requirements_of, strict=True)
            for r in requirements
        ],
        now=now,
    )
    _copy_rows(
        Licence,
        [
            {
                "sentence_id": ids[s["person_id"], s["number"]],
                "issued_on": s["actual_release_date"],
            }
            for s in sentences
            if s["sentence_type"] == SentenceType.CUSTODIAL
        ],
        now=now,
    )
    return managed


def _add_licence_conditions() -> None:
    """The six standard conditions on every licence, and PSS requirements 1-8 (which apply
    by default, DOMAIN.md 3) where there is post-sentence supervision: set-wise in SQL."""
    licence = Licence._meta.db_table
    sentence = Sentence._meta.db_table
    condition = LicenceCondition._meta.db_table
    pss = PssRequirement._meta.db_table

    def codes(values):
        return " UNION ALL ".join(f"SELECT '{code}' AS code" for code in values)

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {condition} (licence_id, kind, code, details) "  # noqa: S608 - constants
            f"SELECT l.id, 'STANDARD', c.code, '' FROM {licence} l "
            f"CROSS JOIN ({codes(StandardCondition.values)}) c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {condition} x WHERE x.licence_id = l.id)"
        )
        cursor.execute(
            f"INSERT INTO {pss} (licence_id, code, applied, reason_not_applied, details) "  # noqa: S608
            f"SELECT l.id, c.code, TRUE, '', '' FROM {licence} l "
            f"JOIN {sentence} s ON s.id = l.sentence_id "
            f"CROSS JOIN ({codes(PSS_DEFAULT_CODES)}) c "
            f"WHERE s.pss_start_date IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {pss} x WHERE x.licence_id = l.id)"
        )


def _case_records(person_id, officer_id, kind, *, rng, now, today):
    """One plan version and 3-6 contacts of a person, held by their offender manager."""
    rosh = _pick(rng, ROSH_SHARES[kind])
    assessed = today - datetime.timedelta(days=rng.randint(5, 150))
    plan = {
        "person_id": person_id,
        "version": 1,
        "effective_from": datetime.datetime.combine(
            assessed, datetime.time(12), tzinfo=datetime.UTC
        ),
        "rosh_level": rosh,
        "rosh_assessed_on": assessed,
        "rosh_assessor": "OASys",
        "needs": rng.sample(NEEDS, rng.randint(1, 3)),
        "reoffending_likelihood": rng.choice(("LOW", "MEDIUM", "MEDIUM", "HIGH")),
        "objectives": "Comply with the sentence and address the needs identified.",
        "review_date": assessed + datetime.timedelta(days=rng.choice((90, 120, 180))),
        "created_by_id": officer_id,
    }
    contacts = []

    def contact(days, contact_type, outcome=""):
        starts = now + datetime.timedelta(days=days, hours=rng.randint(-3, 3))
        return {
            "person_id": person_id,
            "contact_type": contact_type,
            "starts_at": starts.replace(
                minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0
            ),
            "location": "Probation office" if contact_type != ContactType.HOME_VISIT else "Home",
            "staff_id": officer_id,
            "outcome": outcome,
            "absence_reason": "Unwell, medical note provided"
            if outcome == Outcome.ACCEPTABLE_ABSENCE
            else "",
            "recorded_by_id": officer_id,
        }

    for _ in range(rng.randint(1, 3)):
        contact_type = rng.choice(APPOINTMENT_CHOICES)
        contacts.append(contact(-rng.randint(15, 120), contact_type, _pick(rng, PAST_OUTCOMES)))
    if rng.random() < 0.5:
        contacts.append(contact(-rng.randint(1, 60), ContactType.PHONE_CALL))
    if rng.random() < OVERDUE_SHARE:
        contacts.append(contact(-rng.randint(1, 14), ContactType.OFFICE_APPOINTMENT))
    if rng.random() < FUTURE_APPOINTMENT_SHARE:
        for _ in range(rng.randint(1, 2)):
            contacts.append(contact(rng.randint(1, 42), rng.choice(APPOINTMENT_CHOICES)))
    return plan, contacts


NEEDS = (
    "ACCOMMODATION",
    "EMPLOYMENT",
    "FINANCE",
    "RELATIONSHIPS",
    "LIFESTYLE",
    "DRUGS",
    "ALCOHOL",
    "THINKING",
    "ATTITUDES",
    "HEALTH",
)


_COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """Text in PostgreSQL's COPY text format."""
    return "\\N" if value is None else str(value).translate(_COPY_SPECIAL)


def _copy_converter(field):
    """A function writing one column's value in COPY text format, chosen once per field."""
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return lambda value: "t" if value else "f"
    if kind in ("DateField", "DateTimeField"):
        return lambda value: "\\N" if value is None else value.isoformat()
    if kind == "JSONField":
        return lambda value: _copy_text(json.dumps(value))
    if kind in ("CharField", "TextField"):
        return _copy_text
    return lambda value: "\\N" if value is None else str(value)


def _copy_rows(model, rows: list[dict], *, now: datetime.datetime) -> None:
    """Insert ``rows`` (field attname -> value) into ``model``'s table: COPY on PostgreSQL,
    executemany elsewhere. Fields left out take their default; ``auto_now`` fields ``now``.
    Much faster than ``bulk_create`` at national scale: no model instances are built."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()
    columns = [field.column for field in fields]
    names = [field.attname for field in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            buffer = io.StringIO()
            converters = [
                (n, defaults[n], _copy_converter(f)) for n, f in zip(names, fields, strict=True)
            ]
            for row in rows:
                buffer.write(
                    "\t".join(convert(row.get(n, default)) for n, default, convert in converters)
                )
                buffer.write("\n")
            buffer.seek(0)
            raw.copy_expert(f"COPY {table} ({column_list}) FROM STDIN", buffer)
            return
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",  # noqa: S608
            [
                [
                    field.get_db_prep_save(
                        row.get(field.attname, defaults[field.attname]), connection
                    )
                    for field in fields
                ]
                for row in rows
            ],
        )
