"""Transfers of a case between Contract Package Areas (DOMAIN.md 6 "Transfers between
CPAs"): the sending side requests, the receiving provider assesses whether the new
location suits the case and accepts or rejects. NPS cases move between NPS LDUs and
divisions the same way.

On acceptance the person's LDU and responsible provider change and a new offender manager
assignment starts in a team of the receiving provider; the case counts in the receiving
CPA's volumes from then on, but every sentence stays in its original PbR cohort
(``Sentence.pbr_provider`` is never touched here, and the transfer keeps a snapshot).

Scope: the receiving provider reads the person while a transfer to it is open
(``access._people``); the decision is checked by ``access.transfer_for_decision``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from probation import access, audit, clock, services, signals
from probation.models import (
    CaseTransfer,
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Person,
    Team,
    TransferStatus,
    User,
)
from probation.models.sentences import SentenceStatus

# How many past transfers the case overview lists.
OVERVIEW_PAST_TRANSFERS = 5


def receiving_provider(person: Person, to_ldu: Organisation) -> Organisation:
    """The provider that would manage the person in ``to_ldu``: the NPS keeps its cases
    wherever they live; a CRC case goes to the CRC of the new LDU's CPA."""
    if person.responsible_provider.is_nps:
        return person.responsible_provider
    return to_ldu.crc


def _pbr_snapshot(person: Person) -> dict:
    sentences = person.sentences.filter(status=SentenceStatus.ACTIVE).select_related("pbr_provider")
    return {str(s.number): (s.pbr_provider.code if s.pbr_provider_id else None) for s in sentences}


def _has_open_transfer(person: Person) -> bool:
    return CaseTransfer.objects.filter(person=person, status=TransferStatus.REQUESTED).exists()


def _open_transfer_error():
    return ValidationError({"to_ldu": "A transfer of this case is already waiting for a decision"})


@transaction.atomic
def transfer_request(*, actor: User, crn: str, to_ldu: Organisation, reason: str) -> CaseTransfer:
    """Ask the provider of ``to_ldu`` to take the case over. By someone who may change the
    case; under a row lock on the person. One open transfer per person (checked here and
    by the ``one_open_transfer_per_person`` constraint for concurrent requests)."""
    person = access.person_for_change(actor, crn, lock=True)
    person = Person.objects.select_related("ldu", "responsible_provider").get(pk=person.pk)
    errors = {}
    if to_ldu is None or to_ldu.kind != OrganisationKind.LDU:
        errors["to_ldu"] = "Select the Local Delivery Unit of the new address"
    elif to_ldu.pk == person.ldu_id:
        errors["to_ldu"] = "Select an LDU other than the one the case belongs to now"
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for the transfer"
    if errors:
        raise ValidationError(errors)
    if _has_open_transfer(person):
        raise _open_transfer_error()
    transfer = CaseTransfer(
        person=person,
        from_provider=person.responsible_provider,
        to_provider=receiving_provider(person, to_ldu),
        from_ldu=person.ldu,
        to_ldu=to_ldu,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=clock.now(),
        pbr_providers=_pbr_snapshot(person),
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise _open_transfer_error() from None
    audit.record_create(actor=actor, instance=transfer)
    return transfer


def _locked_open_transfer(person: Person, transfer_id: int) -> CaseTransfer:
    transfer = (
        CaseTransfer.objects.select_for_update(of=("self",))
        .select_related("from_provider", "to_provider", "from_ldu", "to_ldu")
        .get(person=person, pk=transfer_id)
    )
    if transfer.status != TransferStatus.REQUESTED:
        raise ValidationError(f"This transfer is already {transfer.get_status_display().lower()}")
    transfer.person = person
    return transfer


@transaction.atomic
def transfer_decide(
    *,
    actor: User,
    crn: str,
    transfer_id: int,
    accept: bool,
    location_suitability: str,
    decision_reason: str = "",
    team: Team | None = None,
    offender_manager: User | None = None,
) -> CaseTransfer:
    """The receiving provider accepts or rejects a transfer.

    ``location_suitability`` (its assessment of the new location) is always required; a
    rejection needs a ``decision_reason``; an acceptance needs the receiving ``team`` (and
    optionally the offender manager). On acceptance, atomically under row locks on the
    person and the transfer: the person's LDU and responsible provider change, the current
    offender manager assignment ends and one in the receiving team starts. Sentences keep
    their PbR cohort. On rejection nothing but the transfer changes.
    """
    visible = access.transfer_for_decision(actor, crn, transfer_id)
    # No joins in the locking query: PostgreSQL re-checks a row updated by a concurrent
    # decision against the joined rows of the old version and would drop it.
    person = Person.objects.select_for_update().get(pk=visible.person_id)
    transfer = _locked_open_transfer(person, transfer_id)
    errors = {}
    if not (location_suitability or "").strip():
        errors["location_suitability"] = "Enter your assessment of the new location"
    if not accept and not (decision_reason or "").strip():
        errors["decision_reason"] = "Enter the reason for rejecting the transfer"
    if accept and team is None:
        errors["team"] = "Select the team that will manage the case"
    if errors:
        raise ValidationError(errors)
    if accept and (
        person.responsible_provider_id != transfer.from_provider_id
        or person.ldu_id != transfer.from_ldu_id
    ):
        raise ValidationError(
            "The case has moved since the transfer was requested: reject it and ask the "
            "sending side to request again"
        )

    before = audit.snapshot(transfer)
    transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.REJECTED
    transfer.location_suitability = location_suitability.strip()
    transfer.decision_reason = (decision_reason or "").strip()
    transfer.decided_by = actor
    transfer.decided_at = clock.now()
    if accept:
        _move_case(actor=actor, person=person, transfer=transfer, team=team, om=offender_manager)
    transfer.save()
    audit.record_update(actor=actor, instance=transfer, before=before)
    return transfer


def _move_case(*, actor, person, transfer, team, om) -> None:
    """The person joins the receiving provider: new LDU, new responsible provider, a new
    offender manager assignment (the one-open-assignment rule of
    ``services.offender_manager_change``)."""
    before = audit.snapshot(person)
    person.ldu = transfer.to_ldu
    person.responsible_provider = transfer.to_provider
    services._check_assignment(person, team, om)
    person._history_user = actor
    person.save(update_fields=["ldu", "responsible_provider", "updated_at"])
    audit.record_update(actor=actor, instance=person, before=before)
    signals.provider_changed.send(sender=Person, actor=actor, person=person, at=clock.now())
    current = (
        OffenderManagerAssignment.objects.select_for_update(of=("self",))
        .select_related("team", "offender_manager")
        .filter(person=person, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        current.ended_at = transfer.decided_at
        current.save(update_fields=["ended_at"])
    assignment = services._start_assignment(
        actor=actor, person=person, team=team, offender_manager=om, at=transfer.decided_at
    )
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=person,
        changes={"offender_manager": [services._describe(current), services._describe(assignment)]},
    )


@transaction.atomic
def transfer_withdraw(*, actor: User, crn: str, transfer_id: int) -> CaseTransfer:
    """The sending side withdraws a transfer still waiting for a decision."""
    person = access.person_for_change(actor, crn, lock=True)
    transfer = _locked_open_transfer(person, transfer_id)
    if person.responsible_provider_id != transfer.from_provider_id:
        raise PermissionDenied("Only the sending provider can withdraw this transfer.")
    before = audit.snapshot(transfer)
    transfer.status = TransferStatus.WITHDRAWN
    transfer.decided_by = actor
    transfer.decided_at = clock.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record_update(actor=actor, instance=transfer, before=before)
    return transfer


def _with_related(queryset):
    return queryset.select_related(
        "person",
        "from_provider",
        "to_provider",
        "from_ldu",
        "to_ldu",
        "requested_by",
        "decided_by",
    )


def transfer_queue(*, user: User):
    """The receiving provider's queue: open transfers addressed to the user's organisation
    (oldest first), and its decisions on people it can still see (a rejected transfer's
    person is not its case, so it drops out of the list)."""
    addressed = access.records_visible_to(user, access.transfers_addressed_to(user))
    return (
        _with_related(addressed.filter(status=TransferStatus.REQUESTED)).order_by(
            "requested_at", "pk"
        ),
        _with_related(addressed.exclude(status=TransferStatus.REQUESTED)).order_by(
            "-decided_at", "-pk"
        ),
    )


def transfer_list(*, user: User, crn: str):
    """A person's transfers, newest first (404 outside scope)."""
    person = access.person_for_view(user, crn)
    return person, _with_related(CaseTransfer.objects.filter(person=person)).order_by(
        "-requested_at", "-pk"
    )


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows about transfers, in constant queries: the open transfer (if
    any), the latest past ones, and whether the user may decide the open one."""
    visible = access.records_visible_to(user, CaseTransfer.objects.filter(person=person))
    transfers = list(
        _with_related(visible).order_by("-requested_at", "-pk")[: OVERVIEW_PAST_TRANSFERS + 1]
    )
    open_transfer = next((t for t in transfers if t.status == TransferStatus.REQUESTED), None)
    return {
        "open_transfer": open_transfer,
        "past_transfers": [t for t in transfers if t is not open_transfer][
            :OVERVIEW_PAST_TRANSFERS
        ],
        "can_decide_transfer": bool(
            open_transfer and access.may_decide_transfer(user, open_transfer)
        ),
    }
