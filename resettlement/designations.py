"""Prisons and their resettlement designation: reading the designation in force on a day,
and NOMS recording a new one (pages and the CSV import both call ``designate``).

A designation is never edited: a new one from a date ends the one in force then (its
``Designation.effective_to``, the first day no longer in force, is the new one's first
day), so the designation of every past day can be read back – the designated-release
measure and the later contract figures depend on it.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet

from probation import access, audit, clock
from probation.models import Organisation, OrganisationKind, User
from resettlement import rules
from resettlement.models import (
    Designation,
    DesignationCrc,
    DesignationRole,
    Prison,
    PrisonKind,
)

NOMS_DESIGNATION_ROLES = frozenset({"NOMS_CONTRACT_MANAGER"})
PRISON_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class DesignationFacts:
    """A prison's designation on one day, as codes."""

    resettlement: bool
    host_lead_provider: str | None
    host_crcs: tuple[str, ...]
    designated_to: tuple[str, ...]  # every CRC whose CPA the prison is designated to

    @property
    def prison_facts(self) -> rules.PrisonFacts:
        return rules.PrisonFacts(
            resettlement=self.resettlement,
            host_lead_provider=self.host_lead_provider,
            host_crcs=self.host_crcs,
        )


NOT_DESIGNATED = DesignationFacts(False, None, (), ())


def in_force(day: datetime.date) -> Q:
    """Designations in force on ``day``."""
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gt=day))


def designations_on(day: datetime.date, prisons=None) -> QuerySet[Designation]:
    queryset = Designation.objects.filter(in_force(day)).prefetch_related(
        Prefetch(
            "crcs",
            queryset=DesignationCrc.objects.select_related("crc").order_by("crc__cpa_number"),
        )
    )
    if prisons is not None:
        queryset = queryset.filter(prison__in=prisons)
    return queryset


def facts_of(designation: Designation | None) -> DesignationFacts:
    if designation is None:
        return NOT_DESIGNATED
    rows = list(designation.crcs.all())
    lead = next((r.crc.code for r in rows if r.role == DesignationRole.LEAD), None)
    hosts = tuple(r.crc.code for r in rows if r.role == DesignationRole.HOST)
    return DesignationFacts(
        resettlement=designation.resettlement,
        host_lead_provider=lead,
        host_crcs=hosts,
        designated_to=tuple(r.crc.code for r in rows),
    )


def designation_facts(prison: Prison, day: datetime.date) -> DesignationFacts:
    """The prison's designation in force on ``day``; a prison never designated is not a
    resettlement prison."""
    return facts_of(designations_on(day, prisons=[prison]).first())


def may_designate(user: User) -> bool:
    return (
        user.is_authenticated
        and user.organisation is not None
        and access.acts_for(user, user.organisation_id, NOMS_DESIGNATION_ROLES)
    )


def host_limit(kind: str) -> int:
    """How many host CRCs (besides the host: lead provider) a shared resettlement prison of
    this kind may have. TOM 2.2: one other CRC in an adult male shared prison, up to three
    in women's and young-adult establishments (settings ``MAX_HOST_CRCS_*``).

    A dual-designated establishment holds young adults as well as adult men, and its young
    adults come from as wide a spread of home areas as a young offender institution's, so
    it takes the young-adult limit: the wider limit never refuses a designation the TOM
    allows for the young adults it holds."""
    if kind in (PrisonKind.WOMEN, PrisonKind.YOUNG_ADULT, PrisonKind.DUAL):
        return settings.MAX_HOST_CRCS_WOMEN_YOUNG_ADULT
    return settings.MAX_HOST_CRCS_ADULT_MALE


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def validate(
    *,
    prison: Prison,
    resettlement: bool,
    host_lead_provider: str | None,
    host_crcs: list[str],
    designated_to: list[str],
    crc_codes: set[str],
) -> dict[str, list[str]]:
    """Field errors of a designation (empty when valid): the rules' checks of the prison
    facts, the host-CRC limit of the prison's kind, and known designated CPAs."""
    errors: dict[str, list[str]] = {}
    facts = rules.Facts(
        prison=rules.PrisonFacts(resettlement, host_lead_provider or None, tuple(host_crcs)),
        custody_status=rules.CustodyStatus.REMAND,
        allocated_to=None,
        home_crc=None,
        reception_date=datetime.date(2000, 1, 1),
    )
    try:
        rules.validate(facts, crc_codes=crc_codes)
    except rules.InvalidFacts as invalid:
        for name, messages in invalid.errors.items():
            errors.setdefault(name.removeprefix("prison."), []).extend(messages)
    limit = host_limit(prison.kind)
    if resettlement and len(host_crcs) > limit:
        # The kind's limit says more than the rules' general one: show only it.
        errors["host_crcs"] = [
            m for m in errors.get("host_crcs", []) if not m.startswith("A prison has at most")
        ]
        errors["host_crcs"].append(
            f"{_article(prison.get_kind_display())} {prison.get_kind_display().lower()} prison "
            f"has at most {limit} host "
            f"CRC{'s' if limit != 1 else ''} besides its lead provider."
        )
    for code in designated_to:
        if code not in crc_codes:
            errors.setdefault("designated_to", []).append(f"{code} is not a CRC code.")
    if not resettlement and designated_to:
        errors.setdefault("designated_to", []).append(
            "A prison that is not a resettlement prison is designated to no CPA."
        )
    return errors


@transaction.atomic
def designate(
    *,
    actor: User,
    prison: Prison,
    effective_from: datetime.date,
    resettlement: bool,
    host_lead_provider: str | None = None,
    host_crcs: list[str] | tuple[str, ...] = (),
    designated_to: list[str] | tuple[str, ...] = (),
    source: str = "",
    check_actor: bool = True,
) -> Designation:
    """Record the prison's designation from ``effective_from``. The lead provider and the
    host CRCs are designated CPAs too; ``designated_to`` adds CPAs whose CRC provides no
    services there (an open prison's other areas). The designation in force before it is
    ended on that date (``effective_to`` is its first day no longer in force); a later one
    already recorded is refused (correct it from its own date instead)."""
    if check_actor and not may_designate(actor):
        raise PermissionDenied("Only NOMS contract managers can designate resettlement prisons.")
    crcs = {o.code: o for o in Organisation.objects.crcs()}
    host_crcs = [c for c in host_crcs if c]
    designated_to = [
        c for c in designated_to if c and c != host_lead_provider and c not in host_crcs
    ]
    errors = validate(
        prison=prison,
        resettlement=resettlement,
        host_lead_provider=host_lead_provider,
        host_crcs=host_crcs,
        designated_to=designated_to,
        crc_codes=set(crcs),
    )
    Prison.objects.select_for_update().get(pk=prison.pk)
    if Designation.objects.filter(prison=prison, effective_from__gte=effective_from).exists():
        errors.setdefault("effective_from", []).append(
            "A designation from this date or later is already recorded for this prison."
        )
    if errors:
        raise ValidationError(errors)
    current = Designation.objects.filter(prison=prison, effective_to__isnull=True).first()
    if current is not None:
        before = audit.snapshot(current)
        current.effective_to = effective_from
        current.save(update_fields=["effective_to"])
        audit.record_update(actor=actor, instance=current, before=before)
    designation = Designation.objects.create(
        prison=prison,
        effective_from=effective_from,
        resettlement=resettlement,
        recorded_by=actor if actor and actor.pk else None,
        recorded_at=clock.now(),
        source=source[:200],
    )
    rows = []
    if resettlement:
        rows.append(
            DesignationCrc(
                designation=designation, crc=crcs[host_lead_provider], role=DesignationRole.LEAD
            )
        )
        rows += [
            DesignationCrc(designation=designation, crc=crcs[c], role=DesignationRole.HOST)
            for c in host_crcs
        ]
        rows += [
            DesignationCrc(designation=designation, crc=crcs[c], role=DesignationRole.DESIGNATED)
            for c in designated_to
        ]
    DesignationCrc.objects.bulk_create(rows)
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.CREATE,
        instance=designation,
        person_crn="",
        changes={
            "designation": [
                None,
                {
                    "prison": prison.code,
                    "effective_from": effective_from.isoformat(),
                    "resettlement": resettlement,
                    "host_lead_provider": host_lead_provider if resettlement else None,
                    "host_crcs": host_crcs if resettlement else [],
                    "designated_to": designated_to if resettlement else [],
                },
            ]
        },
    )
    return designation


def prison_errors(*, code: str, name: str, kind: str, ldu: Organisation | None) -> dict:
    """Field errors of a new prison (empty when it can be created)."""
    errors: dict[str, list[str]] = {}
    if not PRISON_CODE.match(code or ""):
        errors["code"] = ["Enter the establishment code: three capital letters, like CFI."]
    elif Prison.objects.filter(code=code).exists() or (
        Organisation.objects.filter(code=f"PRISON-{code}").exists()
    ):
        errors["code"] = [f"A prison with code {code} already exists."]
    if not (name or "").strip():
        errors["name"] = ["Enter the prison's name."]
    if kind not in PrisonKind.values:
        errors["kind"] = ["Select the kind of prison."]
    if ldu is None or ldu.kind != OrganisationKind.LDU:
        errors["ldu"] = ["Select the LDU the prison stands in."]
    return errors


@transaction.atomic
def prison_create(
    *, actor: User | None, code: str, name: str, kind: str, contracted: bool, ldu: Organisation
) -> Prison:
    """A new prison and the organisation its staff belong to (kind PRISON, code
    ``PRISON-<code>``). Not designated until ``designate``. The code is three capital
    letters (the establishment code) and unique."""
    errors = prison_errors(code=code, name=name, kind=kind, ldu=ldu)
    if errors:
        raise ValidationError(errors)
    name = name.strip()
    try:
        # A savepoint: two NOMS users adding the same code at once meet the unique
        # constraint, and the second is told so rather than getting a server error.
        with transaction.atomic():
            organisation = Organisation.objects.create(
                code=f"PRISON-{code}", name=name, kind=OrganisationKind.PRISON
            )
            prison = Prison.objects.create(
                code=code,
                name=name,
                kind=kind,
                contracted=contracted,
                ldu=ldu,
                organisation=organisation,
            )
    except IntegrityError:
        raise ValidationError({"code": f"A prison with code {code} already exists."}) from None
    if actor is not None:
        audit.record_create(actor=actor, instance=prison)
    return prison
