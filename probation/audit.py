"""The audit writer and reader (DOMAIN.md 11).

Services call ``record_change`` inside their transaction, so a change and its audit row
commit or roll back together; views of an offender record call ``record_view``. The
channel (web, api, command, task) and the client address come from ``channel()``, set once
per request by ``AuditChannelMiddleware`` and by commands and tasks.
"""

import contextlib
import contextvars
import datetime
import decimal
import uuid
from dataclasses import dataclass

from django.db import models

from probation import clock
from probation.models.audit import AuditAction, AuditEvent


@dataclass(frozen=True)
class Channel:
    via: str = "system"
    ip_address: str | None = None


_channel: contextvars.ContextVar[Channel] = contextvars.ContextVar(
    "audit_channel",
    default=Channel(),  # noqa: B039 - a frozen dataclass, immutable
)


@contextlib.contextmanager
def channel(via: str, ip_address: str | None = None):
    token = _channel.set(Channel(via, ip_address))
    try:
        yield
    finally:
        _channel.reset(token)


class AuditChannelMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "api" if request.path.startswith("/api/") else "web"
        with channel(via, request.META.get("REMOTE_ADDR")):
            return self.get_response(request)


def _json_value(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


# Secrets never enter the audit trail.
_NEVER_RECORDED = {"password", "digest"}


def snapshot(instance: models.Model) -> dict:
    """The instance's concrete field values, JSON-ready (foreign keys as ids)."""
    return {
        field.attname: _json_value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in _NEVER_RECORDED
    }


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose values differ."""
    ignored = {"updated_at"}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key not in ignored and before.get(key) != after.get(key)
    }


def _crn_of(instance) -> str:
    crn = getattr(instance, "crn", None)
    if crn:
        return crn
    person = getattr(instance, "person", None)
    return getattr(person, "crn", "") or ""


def record_event(
    *, actor, action, instance, changes=None, person_crn=None, object_repr=None, object_id=None
):
    current = _channel.get()
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        actor_organisation_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(object_id if object_id is not None else instance.pk),
        object_repr=(object_repr or str(instance))[:200],
        person_crn=person_crn if person_crn is not None else _crn_of(instance),
        changes=changes or {},
        via=current.via,
        ip_address=current.ip_address,
    )


def record_view(*, actor, instance) -> AuditEvent:
    return record_event(actor=actor, action=AuditAction.VIEW, instance=instance)


def record_create(*, actor, instance) -> AuditEvent:
    return record_event(
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changes={k: [None, v] for k, v in snapshot(instance).items() if v not in (None, "")},
    )


def record_update(*, actor, instance, before: dict) -> AuditEvent | None:
    """Audit the change from ``before`` (a ``snapshot``) to the instance as it is now.
    Nothing is written when nothing changed."""
    changes = diff(before, snapshot(instance))
    if not changes:
        return None
    return record_event(actor=actor, action=AuditAction.UPDATE, instance=instance, changes=changes)


def record_delete(*, actor, instance, pk) -> AuditEvent:
    """Audit a deletion; ``pk`` is the id the instance had before it was deleted."""
    return record_event(
        actor=actor,
        action=AuditAction.DELETE,
        instance=instance,
        changes={k: [v, None] for k, v in snapshot(instance).items()},
        object_id=pk,
    )


def record_import(*, actor, instance, summary: dict) -> AuditEvent:
    """One row for a bulk load (demo data, reference data), with what it loaded."""
    return record_event(
        actor=actor,
        action=AuditAction.IMPORT,
        instance=instance,
        changes={"summary": [None, summary]},
        person_crn="",
    )


def events_for(*, person_crn: str = "", username: str = "", date_from=None, date_to=None):
    """Audit events matching the auditor's search, newest first."""
    events = AuditEvent.objects.select_related("actor_organisation")
    if person_crn:
        events = events.filter(person_crn=person_crn.strip().upper())
    if username:
        events = events.filter(actor_username__iexact=username.strip())
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events
