"""Actions on the core records: one function per action, keyword-only, the acting user as
``actor``, atomic, row-locked where two people can collide, audited (STYLE.md)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from probation import access, audit, clock
from probation.models import (
    CrnSequence,
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Person,
    PersonAlias,
    Team,
    User,
)
from probation.models.organisations import NPS_CODE
from probation.rules import crn_for, normalise_pnc

PERSON_OPTIONAL_FIELDS = (
    "pnc_number",
    "nationality",
    "foreign_national",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "no_fixed_abode",
    "prefers_female_offender_manager",
    "prefers_female_only_interviews",
    "no_all_male_placements",
)
PERSON_EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ldu",
    *PERSON_OPTIONAL_FIELDS,
)
FEMALE_PREFERENCES = (
    "prefers_female_offender_manager",
    "prefers_female_only_interviews",
    "no_all_male_placements",
)


def reserve_crns(count: int) -> list[str]:
    """Issue ``count`` consecutive CRNs under a row lock on the counter."""
    with transaction.atomic():
        CrnSequence.objects.get_or_create(pk=1)
        sequence = CrnSequence.objects.select_for_update().get(pk=1)
        first = sequence.last_value + 1
        sequence.last_value += count
        sequence.save(update_fields=["last_value"])
    letters = settings.CRN_PREFIX_LETTERS
    return [crn_for(n, letters) for n in range(first, first + count)]


def _clean_person_fields(fields: dict, *, person: Person | None = None) -> dict:
    errors = {}
    cleaned = dict(fields)
    if cleaned.get("pnc_number"):
        pnc = normalise_pnc(cleaned["pnc_number"])
        if pnc is None:
            errors["pnc_number"] = (
                "Enter a PNC number in the format 2004/0012345X with the right check letter"
            )
        else:
            cleaned["pnc_number"] = pnc
            clash = Person.objects.filter(pnc_number=pnc)
            if person is not None:
                clash = clash.exclude(pk=person.pk)
            if clash.exists():
                errors["pnc_number"] = "Another person already has this PNC number"
    elif "pnc_number" in cleaned:
        cleaned["pnc_number"] = None
    ldu = cleaned.get("ldu")
    if ldu is not None and ldu.kind != OrganisationKind.LDU:
        errors["ldu"] = "Choose a Local Delivery Unit"
    dob = cleaned.get("date_of_birth")
    if isinstance(dob, datetime.date) and dob > clock.today():
        errors["date_of_birth"] = "Date of birth must be in the past"
    for name in ("first_name", "last_name"):
        if name in cleaned and not (cleaned[name] or "").strip():
            errors[name] = f"Enter the {name.replace('_', ' ')}"
    gender = cleaned.get("gender", person.gender if person is not None else None)
    if gender != "F":
        for name in FEMALE_PREFERENCES:
            chosen = cleaned.get(name, getattr(person, name, False) if person else False)
            if chosen:
                errors[name] = "This choice is offered to women only (DOMAIN.md 3)"
    if cleaned.get("postcode"):
        cleaned["postcode"] = " ".join(cleaned["postcode"].upper().split())
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def person_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date,
    gender: str,
    ldu: Organisation,
    **details,
) -> Person:
    """Record a person at sentence. The responsible officer sits with the NPS from sentence
    until allocation (DOMAIN.md 3), so the NPS is the responsible provider."""
    if not access.can_add_people(actor):
        raise PermissionDenied("You cannot record new people on probation.")
    unknown = set(details) - set(PERSON_OPTIONAL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be set here"))
    fields = _clean_person_fields(
        {
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
            "ldu": ldu,
            **details,
        }
    )
    team = _court_team(actor, fields["ldu"])
    [crn] = reserve_crns(1)
    person = Person(crn=crn, responsible_provider=Organisation.objects.get(code=NPS_CODE), **fields)
    person._history_user = actor
    person.save()
    audit.record_create(actor=actor, instance=person)
    # The responsible officer sits with the NPS court team from sentence until allocation.
    _start_assignment(actor=actor, person=person, team=team, offender_manager=None, at=clock.now())
    return person


def _court_team(actor: User, ldu: Organisation) -> Team:
    """The NPS team that holds a new case: the recording officer's own, else the NPS team
    based in the person's LDU."""
    if actor.team_id and actor.team.organisation.is_nps:
        return actor.team
    team = Team.objects.filter(organisation=ldu.division, ldu=ldu).order_by("pk").first()
    if team is None:
        raise ValidationError(
            {"ldu": f"No NPS team is set up in {ldu.name} to hold the case until allocation"}
        )
    return team


@transaction.atomic
def person_update(*, actor: User, crn: str, **changes) -> Person:
    """Change a person's details, under a row lock so two editors cannot interleave."""
    unknown = set(changes) - set(PERSON_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here"))
    person = access.person_for_change(actor, crn, lock=True)
    cleaned = _clean_person_fields(changes, person=person)
    before = audit.snapshot(person)
    for name, value in cleaned.items():
        setattr(person, name, value)
    person._history_user = actor
    person.save()
    audit.record_update(actor=actor, instance=person, before=before)
    return person


@transaction.atomic
def person_access_grant(*, actor: User, crn: str, grantee: User, permission: str) -> None:
    """Give ``grantee`` a per-object grant (``view_person`` or ``change_person``) on one
    person, e.g. a CRC still delivering an intervention after the case moved to the NPS.
    Only someone who may change the case can grant access to it."""
    if permission not in ("view_person", "change_person"):
        raise ValidationError({"permission": "Choose view_person or change_person"})
    person = access.person_for_change(actor, crn, lock=True)
    assign_perm(f"probation.{permission}", grantee, person)
    if permission == "change_person":
        assign_perm("probation.view_person", grantee, person)
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=person,
        changes={"access_granted": [None, {"user": grantee.username, "permission": permission}]},
    )


@transaction.atomic
def person_access_revoke(*, actor: User, crn: str, grantee: User) -> None:
    person = access.person_for_change(actor, crn, lock=True)
    for permission in ("view_person", "change_person"):
        remove_perm(f"probation.{permission}", grantee, person)
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=person,
        changes={"access_revoked": [{"user": grantee.username}, None]},
    )


def _check_assignment(person: Person, team: Team, offender_manager: User | None) -> None:
    errors = {}
    if team.organisation.provider_code != person.responsible_provider.provider_code:
        errors["team"] = (
            f"Choose a team of {person.responsible_provider.name}, which is responsible for "
            "this person"
        )
    if offender_manager is not None and (
        offender_manager.team_id != team.pk
        or not offender_manager.is_active
        or offender_manager.is_api_client
    ):
        errors["offender_manager"] = "Choose an active member of the team"
    if errors:
        raise ValidationError(errors)


def _start_assignment(*, actor, person, team, offender_manager, at):
    return OffenderManagerAssignment.objects.create(
        person=person,
        provider=person.responsible_provider,
        team=team,
        offender_manager=offender_manager,
        started_at=at,
        assigned_by=actor if actor is not None and actor.pk else None,
    )


def _describe(assignment: OffenderManagerAssignment | None):
    if assignment is None:
        return None
    manager = assignment.offender_manager
    return {"team": assignment.team.name, "offender_manager": manager.username if manager else None}


@transaction.atomic
def offender_manager_change(
    *, actor: User, crn: str, team: Team, offender_manager: User | None = None
) -> OffenderManagerAssignment:
    """End the current assignment and start the new one, atomically, under a row lock on
    the person: at every moment exactly one assignment is open (and a unique constraint
    refuses a second)."""
    person = access.person_for_change(actor, crn, lock=True)
    _check_assignment(person, team, offender_manager)
    current = (
        OffenderManagerAssignment.objects.select_for_update(of=("self",))
        .select_related("team", "offender_manager")
        .filter(person=person, ended_at__isnull=True)
        .first()
    )
    if (
        current is not None
        and current.team_id == team.pk
        and current.offender_manager_id == getattr(offender_manager, "pk", None)
    ):
        return current
    now = clock.now()
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    assignment = _start_assignment(
        actor=actor, person=person, team=team, offender_manager=offender_manager, at=now
    )
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=person,
        changes={"offender_manager": [_describe(current), _describe(assignment)]},
    )
    return assignment


@transaction.atomic
def person_alias_add(
    *,
    actor: User,
    crn: str,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date | None = None,
) -> PersonAlias:
    person = access.person_for_change(actor, crn, lock=True)
    errors = {
        name: f"Enter the alias's {name.replace('_', ' ')}"
        for name, value in (("first_name", first_name), ("last_name", last_name))
        if not (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    alias = PersonAlias.objects.create(
        person=person,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
    )
    audit.record_create(actor=actor, instance=alias)
    return alias


@transaction.atomic
def person_alias_remove(*, actor: User, crn: str, alias_id: int) -> None:
    person = access.person_for_change(actor, crn, lock=True)
    alias = PersonAlias.objects.filter(person=person, pk=alias_id).first()
    if alias is None:
        raise ValidationError({"alias": "No such alias on this person"})
    alias.delete()
    audit.record_delete(actor=actor, instance=alias, pk=alias_id)
