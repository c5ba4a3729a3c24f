"""THE scoping module: which people on probation a user or API client may see and change.

Every page, API endpoint, export and notification that touches case data starts here.
Anything outside scope answers 404 – "missing" and "not yours" look the same, so the
existence of a record does not leak (STYLE.md, Zulip's ``access_stream_by_id``).

The rules (issue "Foundation", DOMAIN.md 1 and 11):

- CRC staff see the people allocated to their CRC;
- NPS staff see the NPS's cases; allocation, enforcement, court and senior-manager roles
  also see every case in their division, whoever manages it;
- NOMS contract managers and PPCS caseworkers read every case and change none;
- system administrators and auditors see no case records;
- anyone may be given a per-object grant on one person through django-guardian
  (``view_person`` / ``change_person``), e.g. a CRC still delivering an intervention after
  the case moved to the NPS;
- while a transfer between CPAs is open, the receiving provider also reads (never
  changes) that person, to assess the new location (DOMAIN.md 6; ``transfers_addressed_to``);
- through the gate (DOMAIN.md 7), a CRC also reads the people in custody whose resettlement
  it writes, receives or leads, and prison staff read the people held in their prison now
  (``_in_custody_for``, ``_held_in``); neither changes the person's record;
- staff without current vetting open no record at all (``RecordsLocked``);
- an API client is scoped like staff of its organisation: a CRC's client like a CRC
  offender manager, an NPS division's like an NPS offender manager, a NOMS client like a
  contract manager.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from probation import clock
from probation.models import (
    CaseTransfer,
    Organisation,
    OrganisationKind,
    Person,
    TransferStatus,
    User,
    VettingRecord,
)
from probation.models.organisations import NPS_CODE
from probation.models.people import PersonGroupObjectPermission, PersonUserObjectPermission
from probation.roles import (
    CHANGE_PERSON,
    ROLES_BY_CODE,
    VIEW_PERSON,
    Role,
    roles_of,
)
from probation.rules import VettingStatus, vetting_status


class RecordsLocked(PermissionDenied):
    """The user may sign in but may not open offender records; ``status`` says why."""

    def __init__(self, status: VettingStatus):
        super().__init__(status.reason)
        self.status = status


# An API client acts with the role of a typical member of staff of its organisation.
_API_CLIENT_ROLE = {
    OrganisationKind.CRC: "CRC_OFFENDER_MANAGER",
    OrganisationKind.NPS_DIVISION: "NPS_OFFENDER_MANAGER",
    OrganisationKind.NOMS: "NOMS_CONTRACT_MANAGER",
    OrganisationKind.NOMS_UNIT: "PPCS_CASEWORKER",
    OrganisationKind.PRISON: "PRISON_STAFF",
}


def effective_roles(user: User) -> list[Role]:
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_api_client:
        code = _API_CLIENT_ROLE.get(user.organisation.kind) if user.organisation else None
        return [ROLES_BY_CODE[code]] if code else []
    return roles_of(user)


def vetting_of(user: User) -> VettingStatus:
    """Current vetting of a staff member. API clients are systems, vouched for by the
    organisation that holds the token, and are not vetted individually."""
    if not user.is_authenticated:
        return VettingStatus(False, "SIGNED_OUT", "Sign in to open offender records.")
    if user.is_api_client:
        return VettingStatus(True, "SYSTEM", "Partner systems are not vetted individually.")
    record = VettingRecord.objects.filter(user=user).first()
    return vetting_status(
        baseline_check_date=record.baseline_check_date if record else None,
        dbs_check_date=record.dbs_check_date if record else None,
        dbs_expiry_date=record.dbs_expiry_date if record else None,
        today=clock.today(),
    )


def require_vetting(user: User) -> None:
    status = vetting_of(user)
    if not status.current:
        raise RecordsLocked(status)


@dataclass(frozen=True)
class _Scope:
    everything: bool = False
    provider: Organisation | None = None
    division: Organisation | None = None
    prison: Organisation | None = None

    @property
    def empty(self):
        return not (self.everything or self.provider or self.division or self.prison)


def _provider_scope(user: User, *, permission: str) -> _Scope:
    roles = [r for r in effective_roles(user) if permission in r.permissions]
    if not roles or user.organisation is None:
        return _Scope()
    if permission == VIEW_PERSON and any(r.national_read_only for r in roles):
        return _Scope(everything=True)
    roles = [r for r in roles if not r.national_read_only]
    organisation = user.organisation
    if organisation.kind == OrganisationKind.CRC and roles:
        return _Scope(provider=organisation)
    if organisation.kind == OrganisationKind.NPS_DIVISION and roles:
        nps = Organisation.objects.get(code=NPS_CODE)
        division = organisation if any(r.division_wide for r in roles) else None
        return _Scope(provider=nps, division=division)
    if organisation.kind == OrganisationKind.PRISON and roles:
        return _Scope(prison=organisation)
    return _Scope()


def _granted(user: User, codename: str) -> Q:
    """People on whom the user (or one of their groups) holds a per-object grant."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    by_user = PersonUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")
    by_group = PersonGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=codename
    ).values("content_object_id")
    return Q(pk__in=by_user) | Q(pk__in=by_group)


def _people(user: User, *, permission: str) -> QuerySet[Person]:
    require_vetting(user)
    scope = _provider_scope(user, permission=permission)
    people = Person.objects.all()
    if scope.everything:
        return people
    condition = _granted(user, permission.split(".")[1])
    if scope.provider is not None:
        condition |= Q(responsible_provider=scope.provider)
        if permission == VIEW_PERSON:
            # The receiving provider reads a case while a transfer to it is open, to assess
            # the new location (DOMAIN.md 6); it changes nothing until it accepts.
            condition |= Q(pk__in=_open_transfers_to(scope.provider).values("person_id"))
            # Through the Gate: a CRC writing, receiving or leading the resettlement of a
            # prisoner it does not manage reads the person while in custody (DOMAIN.md 7).
            condition |= Q(pk__in=_in_custody_for(scope.provider).values("person_id"))
    if scope.division is not None:
        condition |= Q(ldu__division=scope.division)
    if scope.prison is not None and permission == VIEW_PERSON:
        # Prison staff read the people held in their prison now (DOMAIN.md 7).
        condition |= Q(pk__in=_held_in(scope.prison).values("person_id"))
    return people.filter(condition)


def _custody_episodes():
    from django.apps import apps

    return apps.get_model("resettlement", "CustodyEpisode").objects.filter(released_on__isnull=True)


def _in_custody_for(provider: Organisation) -> QuerySet:
    """Open custody episodes whose resettlement involves the provider: it writes the plan,
    receives it, leads before release or owns accommodation and employment."""
    return _custody_episodes().filter(
        Q(plan_writer=provider)
        | Q(share_with=provider)
        | Q(pre_release_lead=provider)
        | Q(accommodation_employment_by=provider)
    )


def _held_in(prison: Organisation) -> QuerySet:
    return _custody_episodes().filter(prison__organisation=prison)


def _open_transfers_to(provider: Organisation) -> QuerySet[CaseTransfer]:
    return CaseTransfer.objects.filter(status=TransferStatus.REQUESTED, to_provider=provider)


def people_visible_to(user: User) -> QuerySet[Person]:
    """Every person the user may see. Raises ``RecordsLocked`` for unvetted staff."""
    return _people(user, permission=VIEW_PERSON)


def people_changeable_by(user: User) -> QuerySet[Person]:
    """Every person whose record the user may change."""
    return _people(user, permission=CHANGE_PERSON)


def records_visible_to(user: User, queryset: QuerySet) -> QuerySet:
    """Rows of a case-data model with a ``person`` foreign key (sentences, contacts,
    plans, transfers ...) that belong to people the user may see."""
    return queryset.filter(person__in=people_visible_to(user))


def person_for_view(user: User, crn: str, *, queryset: QuerySet[Person] | None = None) -> Person:
    """The person with this CRN if the user may see them; 404 otherwise."""
    people = people_visible_to(user)
    if queryset is not None:
        people = queryset & people
    try:
        return people.get(crn=crn)
    except Person.DoesNotExist:
        raise Http404("No person found with that CRN.") from None


def person_for_change(user: User, crn: str, *, lock: bool = False) -> Person:
    """The person with this CRN if the user may change them.

    404 when the user cannot see the person at all; 403 when they can see but not change
    (a NOMS contract manager reading a case). ``lock`` takes a row lock for the
    surrounding transaction.
    """
    visible = person_for_view(user, crn)
    people = people_changeable_by(user).filter(pk=visible.pk)
    if lock:
        people = people.select_for_update(of=("self",))
    person = people.first()
    if person is None:
        raise PermissionDenied("You can read this case but not change it.")
    return person


def can_add_people(user: User) -> bool:
    """Whether the user may record new people (NPS court and allocation officers)."""
    if not vetting_of(user).current:
        return False
    return any("probation.add_person" in r.permissions for r in effective_roles(user))


def can_change(user: User, person: Person) -> bool:
    try:
        return people_changeable_by(user).filter(pk=person.pk).exists()
    except RecordsLocked:
        return False


# --- Transfers between CPAs (DOMAIN.md 6) ---------------------------------------------------
# The receiving provider sees a person only while a transfer to it is open: ``_people``
# adds those people to its read scope (never to its change scope). Who decides is here too.

# Roles of the receiving provider that may accept or reject a transfer.
TRANSFER_DECIDING_ROLES = frozenset(
    {
        "CRC_OFFENDER_MANAGER",
        "CRC_MANAGER",
        "NPS_OFFENDER_MANAGER",
        "NPS_ALLOCATION_OFFICER",
        "NPS_ALLOCATION_MANAGER",
        "NPS_SENIOR_MANAGER",
    }
)


def transfers_addressed_to(user: User) -> QuerySet[CaseTransfer]:
    """Transfers addressed to the user's organisation, in any status: to their CRC for CRC
    staff; into an LDU of their division for NPS staff. Not filtered by visibility: lists
    combine it with ``records_visible_to`` (a rejected transfer's person is not theirs)."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return CaseTransfer.objects.none()
    if organisation.kind == OrganisationKind.CRC:
        return CaseTransfer.objects.filter(to_provider=organisation)
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return CaseTransfer.objects.filter(
            to_provider__code=NPS_CODE, to_ldu__division=organisation
        )
    return CaseTransfer.objects.none()


def may_decide_transfer(user: User, transfer: CaseTransfer) -> bool:
    """Whether the user is staff (or the API client) of the transfer's receiving provider
    in a role that decides transfers: a CRC offender manager or manager of the receiving
    CRC; for the NPS, NPS staff of the receiving LDU's division."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or not vetting_of(user).current:
        return False
    if not any(role.code in TRANSFER_DECIDING_ROLES for role in effective_roles(user)):
        return False
    if transfer.to_provider.kind == OrganisationKind.CRC:
        return organisation.pk == transfer.to_provider_id
    return organisation.pk == transfer.to_ldu.division_id


def transfer_of(user: User, crn: str, transfer_id: int) -> CaseTransfer:
    """A transfer of a person the user may see, found under that person only; 404
    otherwise (a transfer of another person under a visible CRN is missing too)."""
    person = person_for_view(user, crn)
    transfer = (
        CaseTransfer.objects.select_related(
            "from_provider", "to_provider", "from_ldu", "to_ldu", "requested_by", "decided_by"
        )
        .filter(person=person, pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise Http404("No transfer found for this person.")
    transfer.person = person
    return transfer


def transfer_for_decision(user: User, crn: str, transfer_id: int) -> CaseTransfer:
    """The transfer if the user may decide it; 404 when they cannot see it, 403 when they
    can (the sending side) but are not the receiving provider."""
    transfer = transfer_of(user, crn, transfer_id)
    if not may_decide_transfer(user, transfer):
        raise PermissionDenied("Only the receiving provider can accept or reject this transfer.")
    return transfer


# --- Acting in the workflows between organisations (enforcement.workflows) -----------------
# A workflow record is found through the person (``person_for_view``); these say who may act
# on it once found. Who may take each step is declared in the workflow's table.

# The roles that manage cases: the responsible officer of an order, the supervising officer
# of a licence, the supervisor of post-sentence supervision (TOM 1.4 "Enforcement").
RESPONSIBLE_OFFICER_ROLES = frozenset(
    {"CRC_OFFENDER_MANAGER", "CRC_MANAGER", "NPS_OFFENDER_MANAGER"}
)


def acts_for(user: User, organisation_id: int | None, roles) -> bool:
    """Whether the user is vetted staff (or the API client) of that organisation and holds
    one of ``roles``."""
    if organisation_id is None or not user.is_authenticated:
        return False
    if user.organisation_id != organisation_id or not vetting_of(user).current:
        return False
    return any(role.code in roles for role in effective_roles(user))


def is_responsible_officer(user: User, person: Person) -> bool:
    """Whether the user manages cases for the provider responsible for the person now (a
    CRC's staff for its cases; NPS staff for the NPS's) and may change the case."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return False
    if organisation.kind == OrganisationKind.CRC:
        ours = person.responsible_provider_id == organisation.pk
    elif organisation.kind == OrganisationKind.NPS_DIVISION:
        ours = person.responsible_provider_id == _nps_id()
    else:
        ours = False
    return (
        ours
        and any(role.code in RESPONSIBLE_OFFICER_ROLES for role in effective_roles(user))
        and can_change(user, person)
    )


def _nps_id() -> int:
    return Organisation.objects.only("pk").get(code=NPS_CODE).pk


def records_involving(user: User, queryset: QuerySet, *organisation_fields: str) -> QuerySet:
    """Workflow records the user may follow: those about people the user may see, and those
    their organisation raised or must answer (``organisation_fields``), even after the
    person left their scope – a CRC follows its risk escalation after the case went to the
    NPS. Callers show such rows without the person's details (``person_visible``)."""
    condition = Q(person__in=people_visible_to(user))
    if user.is_authenticated and user.organisation_id is not None:
        for name in organisation_fields:
            condition |= Q(**{f"{name}_id": user.organisation_id})
    return queryset.filter(condition)


def record_of(user: User, crn: str, queryset: QuerySet, pk: int, *, missing: str):
    """One record (a workflow record, a document ...) of the person with this CRN, if the
    user may see the person; 404 otherwise – a record of another person under a visible CRN
    is missing too. ``queryset`` carries the caller's ``select_related``."""
    person = person_for_view(user, crn)
    record = queryset.filter(person=person, pk=pk).first()
    if record is None:
        raise Http404(missing)
    record.person = person
    return record


# --- Contracts and payment (DOMAIN.md 9, 11) ------------------------------------------------
# NOMS contract managers see and manage every contract; a CRC's managers, finance officers
# and API client read their own CRC's contracts and ledger, never another CRC's. Nobody else
# sees contracts. A contract outside scope answers 404, like a missing one.

VIEW_CONTRACT = "contracts.view_contract"


def contracts_visible_to(user: User) -> QuerySet:
    from contracts.models import Contract

    contracts = Contract.objects.all()
    if not user.is_authenticated or user.organisation is None:
        return contracts.none()
    require_vetting(user)
    roles = [r for r in effective_roles(user) if VIEW_CONTRACT in r.permissions]
    if any(r.national_read_only for r in roles):
        return contracts
    if user.organisation.kind == OrganisationKind.CRC and (roles or user.is_api_client):
        return contracts.filter(crc=user.organisation)
    return contracts.none()


def may_manage_contracts(user: User) -> bool:
    """NOMS contract managers (and NOMS's API client) enter contracts and run payments."""
    if not user.is_authenticated or not vetting_of(user).current:
        return False
    return any("contracts.change_contract" in r.permissions for r in effective_roles(user))


def contract_for_view(user: User, contract_id: int, *, queryset: QuerySet | None = None):
    """The contract if the user may see it; 404 otherwise."""
    contracts = contracts_visible_to(user)
    if queryset is not None:
        contracts = queryset & contracts
    contract = contracts.filter(pk=contract_id).first()
    if contract is None:
        raise Http404("No contract found.")
    return contract


def ledger_visible_to(user: User) -> QuerySet:
    """Ledger lines of the contracts the user may see."""
    from contracts.models import LedgerEntry

    return LedgerEntry.objects.filter(contract__in=contracts_visible_to(user))


# --- Performance dashboards (issue 9; DOMAIN.md 10) ----------------------------------------
# Whose performance a user sees: NOMS (contract managers and NOMS's API client) every CRC,
# the NPS, every NPS division and LDU; a CRC's managers and API client their own CRC; an NPS
# senior manager (a division head) and a division's API client their own division. Anybody
# else none. An organisation
# outside scope answers 404, like a missing one. The cases behind a figure are listed only
# for organisations in scope, each person named only when the user may see the person.

VIEW_PERFORMANCE = "performance.view_fact"
PUBLISH_TABLES = "performance.add_publishedtable"
PERFORMANCE_KINDS = (
    OrganisationKind.CRC,
    OrganisationKind.NPS,
    OrganisationKind.NPS_DIVISION,
    OrganisationKind.LDU,
)


def _performance_roles(user: User) -> list:
    return [r for r in effective_roles(user) if VIEW_PERFORMANCE in r.permissions]


def sees_national_performance(user: User) -> bool:
    """NOMS: every organisation, the national overview and the funnel plots."""
    if not user.is_authenticated or not vetting_of(user).current:
        return False
    return any(r.national_read_only for r in _performance_roles(user))


def performance_organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """The organisations whose figures the user may see (CRCs, the NPS, NPS divisions,
    LDUs)."""
    organisations = Organisation.objects.filter(kind__in=PERFORMANCE_KINDS)
    if not user.is_authenticated or user.organisation is None:
        return organisations.none()
    require_vetting(user)
    roles = _performance_roles(user)
    if any(r.national_read_only for r in roles):
        return organisations
    own = user.organisation.kind in (OrganisationKind.CRC, OrganisationKind.NPS_DIVISION)
    if own and (roles or user.is_api_client):
        return organisations.filter(pk=user.organisation_id)
    return organisations.none()


def performance_organisation_for_view(user: User, code: str) -> Organisation:
    """The organisation by code if the user may see its performance; 404 otherwise."""
    organisation = performance_organisations_visible_to(user).filter(code=code).first()
    if organisation is None:
        raise Http404("No organisation found.")
    return organisation


def facts_visible_to(user: User) -> QuerySet:
    from performance.models import Fact

    return Fact.objects.filter(organisation__in=performance_organisations_visible_to(user))


def may_publish_tables(user: User) -> bool:
    """NOMS contract managers publish the open-data performance tables."""
    if not user.is_authenticated or not vetting_of(user).current:
        return False
    return any(PUBLISH_TABLES in r.permissions for r in effective_roles(user))
