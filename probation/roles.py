"""Staff roles: Django groups, their permissions, who may hold them and what they do next.

The groups are created by a data migration from ``ROLES`` (``sync_roles``), so a role's
permissions are defined here and nowhere else. Provider scope (which people a role sees) is
decided in ``probation.access``; a role's permissions decide what it may do within it.
"""

from dataclasses import dataclass, field

from probation.models.organisations import NOMS_KINDS, NPS_KINDS, OrganisationKind


@dataclass(frozen=True)
class NextStep:
    text: str
    url_name: str = ""


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    organisation_kinds: tuple[str, ...]
    permissions: tuple[str, ...]
    summary: str
    next_steps: tuple[NextStep, ...] = field(default_factory=tuple)
    # NPS roles that also see every case in their division, whoever manages it
    # (allocation and enforcement work, DOMAIN.md 4 and 6).
    division_wide: bool = False
    # Reads every case and changes none (NOMS contract management, PPCS).
    national_read_only: bool = False

    @property
    def group_name(self) -> str:
        return self.name


VIEW_PERSON = "probation.view_person"
ADD_PERSON = "probation.add_person"
CHANGE_PERSON = "probation.change_person"
SEARCH_AUDIT = "probation.search_audit"
VIEW_ORGANISATION = "probation.view_organisation"

_FIND = NextStep("Find a person on probation by CRN, PNC number, name or date of birth", "people")
_STRUCTURE = NextStep("Browse the national structure of divisions, LDUs and CRCs", "organisations")
_ADD = NextStep("Record a newly sentenced person so the case can be allocated", "person-create")
_CASELOAD = NextStep(
    "See your caseload: next appointments, overdue contacts and risk of serious harm",
    "caseload",
)
VIEW_CONTRACT = "contracts.view_contract"
VIEW_LEDGER = "contracts.view_ledgerentry"
MANAGE_CONTRACTS = (
    "contracts.add_contract",
    "contracts.change_contract",
    VIEW_CONTRACT,
    VIEW_LEDGER,
    "contracts.add_ledgerentry",
    "contracts.add_paymentrun",
    "contracts.view_paymentrun",
    "contracts.add_reoffendingimport",
    "contracts.view_reoffendingimport",
    "contracts.add_ratecardorder",
    "contracts.add_delivery",
)
VIEW_PERFORMANCE = "performance.view_fact"
PUBLISH_TABLES = "performance.add_publishedtable"
_OWN_PERFORMANCE = NextStep(
    "See your performance: service levels, volumes and the cases behind each figure",
    "performance:mine",
)
_OWN_CONTRACT = NextStep("See your CRC's contract, payments and ledger", "contracts:contracts")
_NEEDS_ACTION = NextStep(
    "See what needs action: failures to decide, referrals, reviews and intelligence",
    "enforcement:needs-action",
)

ROLES: tuple[Role, ...] = (
    Role(
        "NPS_COURT_OFFICER",
        "NPS court officer",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, ADD_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You advise the court and record people at sentence, ready for allocation.",
        (_ADD, _FIND, _STRUCTURE),
        division_wide=True,
    ),
    Role(
        "NPS_ALLOCATION_OFFICER",
        "NPS allocation officer",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, ADD_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You decide within one business day of sentence whether the NPS or a CRC manages "
        "each new case in your division.",
        (
            NextStep(
                "Allocate the cases awaiting allocation, soonest due first", "allocation:queue"
            ),
            _FIND,
            _ADD,
            _STRUCTURE,
        ),
        division_wide=True,
    ),
    Role(
        "NPS_ALLOCATION_MANAGER",
        "NPS allocation manager",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, ADD_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You lead your division's allocation: you allocate, decide on cases flagged as "
        "allocated in error, and are told each business morning of allocations past their "
        "deadline.",
        (
            NextStep("Read the allocations past their deadline and other notices", "notifications"),
            NextStep(
                "Allocate the cases awaiting allocation, soonest due first", "allocation:queue"
            ),
            _FIND,
            _STRUCTURE,
        ),
        division_wide=True,
    ),
    Role(
        "NPS_OFFENDER_MANAGER",
        "NPS offender manager",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You manage the NPS's own cases: high risk of serious harm, MAPPA and the others "
        "the NPS retains.",
        (_CASELOAD, _NEEDS_ACTION, _FIND, _STRUCTURE),
    ),
    Role(
        "NPS_ENFORCEMENT_OFFICER",
        "NPS enforcement officer",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You decide on breach referrals from CRCs and the NPS and take cases to court.",
        (
            NextStep(
                "Decide the breach referrals waiting for you, overdue first",
                "enforcement:eo-queue",
            ),
            _FIND,
            _STRUCTURE,
        ),
        division_wide=True,
    ),
    Role(
        "NPS_SENIOR_MANAGER",
        "NPS senior manager",
        (OrganisationKind.NPS_DIVISION,),
        (VIEW_PERSON, CHANGE_PERSON, VIEW_ORGANISATION, VIEW_PERFORMANCE),
        "You head your division: you decide risk escalations, endorse recall requests and "
        "follow your division's performance.",
        (
            NextStep(
                "Decide the risk escalation referrals, immediate risks first",
                "enforcement:escalation-queue",
            ),
            NextStep(
                "Endorse the recall requests waiting for you", "enforcement:endorsement-queue"
            ),
            _OWN_PERFORMANCE,
            _FIND,
            _STRUCTURE,
        ),
        division_wide=True,
    ),
    Role(
        "CRC_OFFENDER_MANAGER",
        "CRC offender manager",
        (OrganisationKind.CRC,),
        (VIEW_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You manage your CRC's caseload: plans, contacts, warnings, breach referrals and "
        "risk escalations.",
        (_CASELOAD, _NEEDS_ACTION, _FIND, _STRUCTURE),
    ),
    Role(
        "CRC_MANAGER",
        "CRC manager",
        (OrganisationKind.CRC,),
        (
            VIEW_PERSON,
            CHANGE_PERSON,
            VIEW_ORGANISATION,
            VIEW_CONTRACT,
            VIEW_LEDGER,
            VIEW_PERFORMANCE,
        ),
        "You manage your CRC's teams and caseloads and act as duty manager.",
        (_CASELOAD, _NEEDS_ACTION, _FIND, _STRUCTURE, _OWN_CONTRACT, _OWN_PERFORMANCE),
    ),
    Role(
        "CRC_FINANCE_OFFICER",
        "CRC finance officer",
        (OrganisationKind.CRC,),
        (VIEW_ORGANISATION, VIEW_CONTRACT, VIEW_LEDGER),
        "You follow your CRC's contract and the payments NOMS makes under it: fee for "
        "service, service credits, payment by results and fee-for-use invoices.",
        (_OWN_CONTRACT,),
    ),
    Role(
        "PRISON_RESETTLEMENT_WORKER",
        "Prison resettlement worker",
        (OrganisationKind.CRC,),
        (VIEW_PERSON, CHANGE_PERSON, VIEW_ORGANISATION),
        "You complete part 2 of the custody screening and the resettlement plans your CRC "
        "writes in prison, share them on time, and lead pre-release work.",
        (
            NextStep(
                "Work your prisons' reception and resettlement queues", "resettlement:prisons"
            ),
            NextStep(
                "Read the resettlement plans shared with your CRC", "resettlement:plans-received"
            ),
            _FIND,
        ),
    ),
    Role(
        "PRISON_STAFF",
        "Prison staff",
        (OrganisationKind.PRISON,),
        (VIEW_PERSON, VIEW_ORGANISATION),
        "You record receptions, moves and releases, complete part 1 of the basic custody "
        "screening at induction, and ask for home circumstances reports and ROTL input. You "
        "see the people in your prison.",
        (NextStep("Work your prison's reception and resettlement queue", "resettlement:prisons"),),
    ),
    Role(
        "NOMS_CONTRACT_MANAGER",
        "NOMS contract manager",
        (OrganisationKind.NOMS,),
        (VIEW_PERSON, VIEW_ORGANISATION, *MANAGE_CONTRACTS, VIEW_PERFORMANCE, PUBLISH_TABLES),
        "You manage the CRC contracts, the NPS service level agreement and the designation "
        "of resettlement prisons. You can read every case and change none.",
        (
            NextStep(
                "Compare every CRC's and NPS division's performance this month",
                "performance:overview",
            ),
            NextStep("Manage the CRC contracts and pay them each month", "contracts:contracts"),
            NextStep("Manage the designation of resettlement prisons", "resettlement:prisons"),
            NextStep(
                "Find the prisoners nobody can write a resettlement plan for",
                "resettlement:exceptions",
            ),
            _STRUCTURE,
            _FIND,
        ),
        national_read_only=True,
    ),
    Role(
        "NOMS_AUDITOR",
        "NOMS auditor",
        NOMS_KINDS,
        (SEARCH_AUDIT, VIEW_ORGANISATION),
        "You search the audit trail of who viewed and changed case data.",
        (NextStep("Search the audit trail by person, staff member and date", "audit"),),
    ),
    Role(
        "PPCS_CASEWORKER",
        "PPCS caseworker",
        (OrganisationKind.NOMS_UNIT,),
        (VIEW_PERSON, VIEW_ORGANISATION),
        "You decide on licence recall requests for the Public Protection Casework Section.",
        (
            NextStep("Decide the recall requests, emergencies first", "enforcement:ppcs-queue"),
            _FIND,
            _STRUCTURE,
        ),
        national_read_only=True,
    ),
    Role(
        "SYSTEM_ADMINISTRATOR",
        "System administrator",
        NOMS_KINDS + NPS_KINDS + (OrganisationKind.CRC,),
        (
            "probation.add_user",
            "probation.change_user",
            "probation.view_user",
            "probation.add_vettingrecord",
            "probation.change_vettingrecord",
            "probation.view_vettingrecord",
            "probation.view_team",
            "probation.add_team",
            "probation.change_team",
            VIEW_ORGANISATION,
            # The CRCs' first-appointment reporting instructions (allocation.instructions).
            "allocation.add_reportinginstruction",
            "allocation.change_reportinginstruction",
            "allocation.delete_reportinginstruction",
            "allocation.view_reportinginstruction",
        ),
        "You manage staff accounts, teams, vetting records and the CRCs' reporting "
        "instructions. You do not see case records.",
        (
            _STRUCTURE,
            NextStep(
                "Set up the CRCs' first-appointment reporting instructions",
                "admin:allocation_reportinginstruction_changelist",
            ),
        ),
    ),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}
ROLES_BY_GROUP = {role.group_name: role for role in ROLES}


def roles_of(user) -> list[Role]:
    """The roles a user holds, from their groups (cached on the user for the request)."""
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = [g.name for g in user.groups.all()] if user.is_authenticated else []
        cached = [ROLES_BY_GROUP[n] for n in names if n in ROLES_BY_GROUP]
        user._roles_cache = cached
    return cached


def sync_roles(*, using: str = "default") -> None:
    """Create each role's group and give it exactly the role's permissions (idempotent).

    Roles hold permissions of the other apps too (``allocation``), whose permissions Django
    creates only after this app's post-migrate step; they are created here first."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.group_name)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
