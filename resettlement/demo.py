"""Demo data for Through the Gate (``manage.py seed_demo``): a realistic set of prisons with
their resettlement designation for every Contract Package Area, and a modest number of
receptions, moves and releases made through ``resettlement.custody`` exactly as prison staff
would make them.

The prisons are real establishments with their three-letter codes (as at the start of
Transforming Rehabilitation, 2015): adult male local, category C and open prisons; shared
adult male prisons with one host CRC; women's prisons and young adult establishments with
up to three host CRCs; a dual-designated local prison; and the high security estate, which
is not designated for resettlement. Every CRC is the host: lead provider of at least one
resettlement prison in its own CPA. The designations are demo figures shaped like the
published lists, not a copy of them.

Custody: recalls of people on licence (the demo's custodial sentences are all past their
release), fixed-term or standard, into a resettlement prison serving their home area;
remands of people on orders; two remand prisoners of no fixed abode in high security
prisons, whose plans wait in NOMS's exceptions queue; a few moves on to category C and open
prisons, and a few releases at the end of remand. The plans then wait on each prison for
part 1 of the screening.

Everything is drawn from one generator seeded from ``--seed``, over people taken in a fixed
order, so the same seed gives the same custody episodes. A step a case does not fit is
skipped (the demo never fails because of one).
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from probation import clock
from probation.models import (
    Organisation,
    Person,
    Sentence,
    SentenceType,
    User,
    VettingRecord,
)
from probation.models.sentences import SentenceStatus
from probation.roles import ROLES_BY_CODE
from resettlement import custody, designations
from resettlement.models import CustodyEpisode, Designation, Prison, PrisonKind

# TR's resettlement prisons were designated for the CRCs' start on 1 May 2015.
DESIGNATED_FROM = datetime.date(2015, 5, 1)
SOURCE = "Demo data"

LOCAL, OPEN, CAT_C, WOMEN, YOUNG, DUAL = (
    PrisonKind.MALE_LOCAL,
    PrisonKind.MALE_OPEN,
    PrisonKind.MALE_TRAINING,
    PrisonKind.WOMEN,
    PrisonKind.YOUNG_ADULT,
    PrisonKind.DUAL,
)


@dataclass(frozen=True)
class DemoPrison:
    code: str
    name: str
    kind: str
    ldu: str
    lead: str | None  # host: lead provider; None: not a resettlement prison
    hosts: tuple[str, ...] = ()
    designated: tuple[str, ...] = ()  # further CPAs whose CRC provides no services there
    contracted: bool = False


def _crc(n: int) -> str:
    return f"CRC{n:02d}"


PRISONS = (
    # 1 Northumbria
    DemoPrison("NLI", "HMP Northumberland", CAT_C, "LDU0103", _crc(1), contracted=True),
    # 2 Cumbria and Lancashire
    DemoPrison("PNI", "HMP Preston", LOCAL, "LDU0203", _crc(2)),
    DemoPrison("LFI", "HMP Lancaster Farms", CAT_C, "LDU0203", _crc(2)),
    DemoPrison("HVI", "HMP Haverigg", CAT_C, "LDU0201", _crc(2)),
    # 3 Durham Tees Valley
    DemoPrison("DMI", "HMP Durham", LOCAL, "LDU0301", _crc(3), hosts=(_crc(1),)),
    DemoPrison("HHI", "HMP Holme House", LOCAL, "LDU0305", _crc(3)),
    DemoPrison("LNI", "HMP Low Newton", WOMEN, "LDU0301", _crc(3), hosts=(_crc(1), _crc(4))),
    DemoPrison("DTI", "HMYOI Deerbolt", YOUNG, "LDU0302", _crc(3), hosts=(_crc(1), _crc(4))),
    # 4 Humberside, Lincolnshire and North Yorkshire
    DemoPrison("HLI", "HMP Hull", LOCAL, "LDU0401", _crc(4)),
    DemoPrison("LII", "HMP Lincoln", LOCAL, "LDU0403", _crc(4)),
    DemoPrison("NSI", "HMP North Sea Camp", OPEN, "LDU0403", _crc(4), designated=(_crc(10),)),
    DemoPrison("AGI", "HMP Askham Grange", WOMEN, "LDU0405", _crc(4), hosts=(_crc(5),)),
    # 5 West Yorkshire
    DemoPrison("LEI", "HMP Leeds", LOCAL, "LDU0503", _crc(5)),
    DemoPrison("WEI", "HMP Wealstun", CAT_C, "LDU0503", _crc(5), hosts=(_crc(4),)),
    DemoPrison("NHI", "HMP New Hall", WOMEN, "LDU0504", _crc(5), hosts=(_crc(4), _crc(8))),
    # 6 Cheshire and Greater Manchester
    DemoPrison("MRI", "HMP Manchester", LOCAL, "LDU0606", _crc(6)),
    DemoPrison("FBI", "HMP Forest Bank", LOCAL, "LDU0608", _crc(6), contracted=True),
    DemoPrison("STI", "HMP Styal", WOMEN, "LDU0601", _crc(6), hosts=(_crc(7), _crc(2))),
    DemoPrison("HDI", "HMP Hindley", YOUNG, "LDU0613", _crc(6), hosts=(_crc(7), _crc(2))),
    # 7 Merseyside
    DemoPrison("LPI", "HMP Liverpool", LOCAL, "LDU0705", _crc(7)),
    DemoPrison("ACI", "HMP Altcourse", LOCAL, "LDU0705", _crc(7), contracted=True),
    # 8 South Yorkshire
    DemoPrison("DNI", "HMP Doncaster", LOCAL, "LDU0801", _crc(8), contracted=True),
    DemoPrison("MDI", "HMP Moorland", CAT_C, "LDU0801", _crc(8), hosts=(_crc(4),)),
    # 9 Staffordshire and West Midlands
    DemoPrison(
        "BMI", "HMP Birmingham", LOCAL, "LDU0901", _crc(9), hosts=(_crc(12),), contracted=True
    ),
    DemoPrison("OWI", "HMP Oakwood", CAT_C, "LDU0909", _crc(9), contracted=True),
    DemoPrison("DHI", "HMP Drake Hall", WOMEN, "LDU0909", _crc(9), hosts=(_crc(12), _crc(10))),
    DemoPrison("BFI", "HMYOI Brinsford", YOUNG, "LDU0909", _crc(9), hosts=(_crc(12),)),
    DemoPrison("SNI", "HMYOI Swinfen Hall", YOUNG, "LDU0909", _crc(9), hosts=(_crc(10), _crc(12))),
    # 10 Derbyshire, Leicestershire, Nottinghamshire and Rutland
    DemoPrison("NMI", "HMP Nottingham", LOCAL, "LDU1003", _crc(10)),
    DemoPrison("LCI", "HMP Leicester", LOCAL, "LDU1001", _crc(10)),
    DemoPrison("FHI", "HMP Foston Hall", WOMEN, "LDU1007", _crc(10), hosts=(_crc(9),)),
    # 11 Wales
    DemoPrison("CFI", "HMP Cardiff", LOCAL, "LDU1105", _crc(11)),
    DemoPrison("SWI", "HMP Swansea", LOCAL, "LDU1104", _crc(11)),
    DemoPrison("PRI", "HMP Parc", LOCAL, "LDU1104", _crc(11), contracted=True),
    DemoPrison("UKI", "HMP Usk", CAT_C, "LDU1103", _crc(11)),
    DemoPrison("UPI", "HMP Prescoed", OPEN, "LDU1103", _crc(11), designated=(_crc(13),)),
    # 12 Warwickshire and West Mercia
    DemoPrison("HEI", "HMP Hewell", LOCAL, "LDU1205", _crc(12)),
    # 13 Bristol, Gloucestershire, Somerset and Wiltshire
    DemoPrison("BLI", "HMP Bristol", LOCAL, "LDU1301", _crc(13)),
    DemoPrison("LYI", "HMP Leyhill", OPEN, "LDU1304", _crc(13), designated=(_crc(14), _crc(11))),
    DemoPrison("EWI", "HMP Eastwood Park", WOMEN, "LDU1304", _crc(13), hosts=(_crc(11), _crc(14))),
    # 14 Dorset, Devon and Cornwall
    DemoPrison("EXI", "HMP Exeter", LOCAL, "LDU1401", _crc(14)),
    DemoPrison("CWI", "HMP Channings Wood", CAT_C, "LDU1401", _crc(14)),
    DemoPrison("PDI", "HMYOI Portland", YOUNG, "LDU1406", _crc(14), hosts=(_crc(13), _crc(15))),
    # 15 Hampshire and Isle of Wight
    DemoPrison("WCI", "HMP Winchester", LOCAL, "LDU1501", _crc(15)),
    # 16 Thames Valley
    DemoPrison("BNI", "HMP Bullingdon", LOCAL, "LDU1605", _crc(16)),
    DemoPrison("AYI", "HMYOI Aylesbury", YOUNG, "LDU1603", _crc(16), hosts=(_crc(17), _crc(20))),
    # 17 Northamptonshire, Bedfordshire, Hertfordshire and Cambridgeshire
    DemoPrison("BDI", "HMP Bedford", LOCAL, "LDU1705", _crc(17)),
    DemoPrison("PBI", "HMP Peterborough", LOCAL, "LDU1709", _crc(17), contracted=True),
    DemoPrison(
        "PFI",
        "HMP Peterborough (women)",
        WOMEN,
        "LDU1709",
        _crc(17),
        hosts=(_crc(18), _crc(19), _crc(16)),
        contracted=True,
    ),
    DemoPrison("MTI", "HMP The Mount", CAT_C, "LDU1701", _crc(17), hosts=(_crc(16),)),
    # 18 Norfolk and Suffolk
    DemoPrison("NWI", "HMP Norwich", LOCAL, "LDU1802", _crc(18)),
    DemoPrison("HBI", "HMP Hollesley Bay", OPEN, "LDU1801", _crc(18), designated=(_crc(19),)),
    # 19 Essex
    DemoPrison("CDI", "HMP Chelmsford", DUAL, "LDU1901", _crc(19), hosts=(_crc(18),)),
    # 20 London
    DemoPrison("PVI", "HMP Pentonville", LOCAL, "LDU2009", _crc(20)),
    DemoPrison("WWI", "HMP Wandsworth", LOCAL, "LDU2004", _crc(20)),
    DemoPrison("BXI", "HMP Brixton", CAT_C, "LDU2003", _crc(20)),
    DemoPrison("TSI", "HMP Thameside", LOCAL, "LDU2001", _crc(20), contracted=True),
    DemoPrison("WSI", "HMP Wormwood Scrubs", LOCAL, "LDU2005", _crc(20)),
    DemoPrison("FMI", "HMYOI Feltham", YOUNG, "LDU2015", _crc(20), hosts=(_crc(21), _crc(19))),
    DemoPrison("ISI", "HMYOI Isis", YOUNG, "LDU2001", _crc(20)),
    DemoPrison(
        "BZI",
        "HMP Bronzefield",
        WOMEN,
        "LDU2101",
        _crc(20),
        hosts=(_crc(21), _crc(19), _crc(16)),
        contracted=True,
    ),
    DemoPrison("DWI", "HMP Downview", WOMEN, "LDU2101", _crc(20), hosts=(_crc(21),)),
    # 21 Kent, Surrey and Sussex
    DemoPrison("LWI", "HMP Lewes", LOCAL, "LDU2105", _crc(21)),
    DemoPrison("EYI", "HMP Elmley", LOCAL, "LDU2103", _crc(21)),
    DemoPrison("SDI", "HMP Send", WOMEN, "LDU2101", _crc(21), hosts=(_crc(20),)),
    DemoPrison(
        "ESI", "HMP East Sutton Park", WOMEN, "LDU2103", _crc(21), hosts=(_crc(20), _crc(19))
    ),
    # The high security estate: not resettlement prisons.
    DemoPrison("LLI", "HMP Long Lartin", CAT_C, "LDU1205", None),
    DemoPrison("FKI", "HMP Frankland", CAT_C, "LDU0301", None),
    DemoPrison("WDI", "HMP Wakefield", CAT_C, "LDU0504", None),
    DemoPrison("FSI", "HMP Full Sutton", CAT_C, "LDU0405", None),
    DemoPrison("WMI", "HMP Whitemoor", CAT_C, "LDU1709", None),
)

# A later change, so a designation page shows a history: Elmley shared with Essex's CRC
# from April 2016.
REDESIGNATIONS = (("EYI", datetime.date(2016, 4, 1), _crc(21), (_crc(19),), ()),)


def _ldu(code: str) -> Organisation:
    """The named LDU, or the first LDU of the CPA its code names (``LDU<cpa><nn>``)."""
    ldu = Organisation.objects.ldus().filter(code=code).first()
    if ldu is None:
        ldu = (
            Organisation.objects.ldus()
            .filter(crc__cpa_number=int(code[3:5]))
            .order_by("code")
            .first()
        )
    return ldu


def seed_prisons() -> int:
    """Create the demo prisons and designate them (idempotent: prisons already there are
    left as they are). Returns how many prisons were created."""
    created = 0
    for demo in PRISONS:
        if Prison.objects.filter(code=demo.code).exists():
            continue
        prison = designations.prison_create(
            actor=None,
            code=demo.code,
            name=demo.name,
            kind=demo.kind,
            contracted=demo.contracted,
            ldu=_ldu(demo.ldu),
        )
        designations.designate(
            actor=None,
            prison=prison,
            effective_from=DESIGNATED_FROM,
            resettlement=demo.lead is not None,
            host_lead_provider=demo.lead,
            host_crcs=list(demo.hosts),
            designated_to=list(demo.designated),
            source=SOURCE,
            check_actor=False,
        )
        created += 1
    for code, day, lead, hosts, designated in REDESIGNATIONS:
        prison = Prison.objects.get(code=code)
        if not Designation.objects.filter(prison=prison, effective_from__gte=day).exists():
            designations.designate(
                actor=None,
                prison=prison,
                effective_from=day,
                resettlement=True,
                host_lead_provider=lead,
                host_crcs=list(hosts),
                designated_to=list(designated),
                source=SOURCE,
                check_actor=False,
            )
    return created


# --- Custody ------------------------------------------------------------------------------

# How many of each, at most: a modest set so every queue has something to show. The demo's
# custodial sentences are all past their release (the people are on licence), so the
# custodial receptions are recalls of people on licence; remands are people on orders.
RECALLS = 28
FIXED_TERM_RECALL_DAYS = 28
FIXED_TERM_RECALL_SHARE = 0.6
REMANDS = 10
NO_FIXED_ABODE_REMANDS = 2  # into a high security prison: NOMS's exceptions queue
MOVES = 5
RELEASES = 4
WALES_FIRST = 10


def _staff_of(prison: Prison, users: dict[str, User], today: datetime.date) -> User:
    """The prison's reception officer: a documented demo user where there is one, else a
    member of its staff who cannot sign in (created once)."""
    for user in users.values():
        if user.organisation_id == prison.organisation_id:
            return user
    user, created = User.objects.get_or_create(
        username=f"reception.{prison.code.lower()}",
        defaults={
            "first_name": "Reception",
            "last_name": f"Officer ({prison.code})",
            "organisation": prison.organisation,
            "password": "!" + "demo-unusable",
        },
    )
    if created:
        user.groups.set([Group.objects.get(name=ROLES_BY_CODE["PRISON_STAFF"].group_name)])
        VettingRecord.objects.create(
            user=user,
            baseline_check_date=today - datetime.timedelta(days=400),
            dbs_check_date=today - datetime.timedelta(days=365),
            dbs_expiry_date=today + datetime.timedelta(days=2 * 365),
        )
    users[user.username] = user
    return user


def _designations_today(today):
    """Prison code -> (kind, resettlement, CRC codes providing services, designated CRCs)."""
    table = {}
    for designation in designations.designations_on(today).select_related("prison"):
        facts = designations.facts_of(designation)
        table[designation.prison.code] = (
            designation.prison.kind,
            facts.resettlement,
            {facts.host_lead_provider, *facts.host_crcs} - {None},
            set(facts.designated_to),
        )
    return table


def _prison_for(person: Person, table: dict, rng: random.Random, kinds, *, today) -> str | None:
    """A resettlement prison of one of ``kinds`` designated to the person's home CPA,
    preferring one whose lead or host CRC is the home CRC."""
    home = person.ldu.crc.code if person.ldu.crc_id else None
    options = sorted(
        code
        for code, (kind, resettlement, serving, designated) in table.items()
        if resettlement and kind in kinds and home in designated
    )
    serving = [c for c in options if home in table[c][2]]
    choice = serving or options
    return rng.choice(choice) if choice else None


def _age(person: Person, today: datetime.date) -> int:
    return (today - person.date_of_birth).days // 365


def _kinds_for(person: Person, today: datetime.date, *, local: bool = True):
    if person.gender == "F":
        return (PrisonKind.WOMEN,)
    if _age(person, today) < 21:
        return (PrisonKind.YOUNG_ADULT, PrisonKind.DUAL)
    return (PrisonKind.MALE_LOCAL, PrisonKind.DUAL) if local else (PrisonKind.MALE_TRAINING,)


def _attempt(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except (ValidationError, PermissionDenied, Http404):
        return None


def _business_days_back(rng, today: datetime.date, most: int) -> datetime.date:
    from probation.calendar import is_business_day

    day = today - datetime.timedelta(days=rng.randint(0, most))
    while not is_business_day(day):
        day -= datetime.timedelta(days=1)
    return day


def seed_custody(users: dict[str, User], *, seed: int, today: datetime.date) -> int:
    """Receptions (sentenced, recalled and remand), moves and releases through the custody
    services, over demo people taken in a fixed order. Returns how many episodes opened."""
    rng = random.Random(seed + 7_000_001)
    today = min(today, clock.today())  # the services refuse dates in the future
    table = _designations_today(today)
    if not table:
        return 0
    busy = set(
        CustodyEpisode.objects.filter(released_on__isnull=True).values_list("person_id", flat=True)
    )
    people = [
        p
        for p in Person.objects.select_related("ldu__crc", "responsible_provider").order_by("pk")
        if p.pk not in busy and p.ldu_id
    ]
    rng.shuffle(people)
    # A few from Wales first: the demo's CRC11 users and Cardiff's prison staff have a
    # queue to work; then the whole country.
    wales = [p for p in people if p.ldu.crc_id and p.ldu.crc.code == "CRC11"][:WALES_FIRST]
    people = wales + [p for p in people if p not in wales]
    on_licence = set(
        Sentence.objects.filter(
            sentence_type=SentenceType.CUSTODIAL,
            status=SentenceStatus.ACTIVE,
            licence_start_date__lte=today,
            licence_end_date__gte=today,
        ).values_list("person_id", flat=True)
    )
    opened = []
    counts = {"RECALLED": 0, "REMAND": 0, "NFA": 0}

    def receive(person, prison_code, status, received_on, **extra):
        prison = Prison.objects.select_related("organisation").get(code=prison_code)
        episode = _attempt(
            custody.reception_record,
            actor=_staff_of(prison, users, today),
            crn=person.crn,
            date_of_birth=person.date_of_birth,
            prison_code=prison_code,
            received_on=received_on,
            status=status,
            **extra,
        )
        if episode is not None:
            opened.append(episode)
        return episode

    for person in people:
        if all(
            (
                counts["RECALLED"] >= RECALLS,
                counts["REMAND"] >= REMANDS,
                counts["NFA"] >= NO_FIXED_ABODE_REMANDS,
            )
        ):
            break
        kinds = _kinds_for(person, today)
        if person.pk in on_licence and counts["RECALLED"] < RECALLS:
            sentence = (
                Sentence.objects.filter(
                    person=person, sentence_type=SentenceType.CUSTODIAL, status="ACTIVE"
                )
                .order_by("-sentence_date")
                .first()
            )
            code = _prison_for(person, table, rng, kinds, today=today)
            if person in wales and kinds[0] == PrisonKind.MALE_LOCAL and "CFI" in table:
                code = "CFI"  # the demo prison officer's own prison
            received_on = _business_days_back(rng, today, 30)
            if code and sentence and received_on >= sentence.sentence_date:
                # A fixed-term recall is 28 days; a standard recall runs to the sentence's
                # expiry (unless the Parole Board re-releases earlier).
                release = received_on + datetime.timedelta(days=FIXED_TERM_RECALL_DAYS)
                if rng.random() > FIXED_TERM_RECALL_SHARE and sentence.sentence_expiry_date:
                    release = max(release, sentence.sentence_expiry_date)
                episode = receive(
                    person,
                    code,
                    "RECALLED",
                    received_on,
                    sentence_number=sentence.number,
                    expected_release_on=release,
                )
                counts["RECALLED"] += episode is not None
            continue
        if counts["NFA"] < NO_FIXED_ABODE_REMANDS and person.responsible_provider.code == "NPS":
            holding = sorted(c for c, row in table.items() if not row[1])
            if holding and person.gender == "M":
                Person.objects.filter(pk=person.pk).update(no_fixed_abode=True)
                person.no_fixed_abode = True
                episode = receive(
                    person, rng.choice(holding), "REMAND", _business_days_back(rng, today, 6)
                )
                counts["NFA"] += episode is not None
                continue
        if counts["REMAND"] < REMANDS and rng.random() < 0.3:
            code = _prison_for(person, table, rng, kinds, today=today)
            if person in wales and kinds[0] == PrisonKind.MALE_LOCAL and "CFI" in table:
                code = "CFI"  # the demo prison officer's own prison
            if code:
                episode = receive(person, code, "REMAND", _business_days_back(rng, today, 20))
                counts["REMAND"] += episode is not None
            continue

    _moves(opened, table, rng, users, today)
    _releases(opened, rng, users, today)
    return len(opened)


def _moves(opened, table, rng, users, today) -> int:
    """Some recalled adult men move on from a local prison to a category C or open prison
    that serves their home area."""
    moved = 0
    for episode in opened:
        if moved >= MOVES:
            break
        person = episode.person
        if episode.prison.code == "CFI":  # the demo prison officer's queue keeps its own
            continue
        if episode.status == "REMAND" or _kinds_for(person, today)[0] != PrisonKind.MALE_LOCAL:
            continue
        code = _prison_for(
            person, table, rng, (PrisonKind.MALE_TRAINING, PrisonKind.MALE_OPEN), today=today
        )
        if code is None or code == episode.prison.code:
            continue
        moved_on = min(today, episode.received_on + datetime.timedelta(days=rng.randint(1, 5)))
        # The sending prison records it (the receiving prison cannot see the person yet).
        moved += bool(
            _attempt(
                custody.move_record,
                actor=_staff_of(episode.prison, users, today),
                crn=person.crn,
                episode_id=episode.pk,
                prison_code=code,
                moved_on=moved_on,
            )
        )
    return moved


def _releases(opened, rng, users, today) -> int:
    """Some remand prisoners are released at the end of their remand."""
    released = 0
    for episode in opened:
        if released >= RELEASES:
            break
        episode.refresh_from_db()
        if episode.status != "REMAND" or episode.person.no_fixed_abode or not episode.open:
            continue
        released_on = min(today, episode.received_on + datetime.timedelta(days=rng.randint(1, 7)))
        released += bool(
            _attempt(
                custody.release_record,
                actor=_staff_of(episode.prison, users, today),
                crn=episode.person.crn,
                episode_id=episode.pk,
                released_on=released_on,
                release_type="END_OF_REMAND",
            )
        )
    return released


def seed_resettlement(users: dict[str, User], *, seed: int, today: datetime.date) -> dict:
    """The prisons (if not there yet) and the custody work. Returns counts."""
    prisons = seed_prisons()
    episodes = seed_custody(users, seed=seed, today=today)
    return {"prisons": prisons, "custody_episodes": episodes}
