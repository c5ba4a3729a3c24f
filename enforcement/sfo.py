"""Serious further offences (DOMAIN.md 5; TOM 1.4): when a supervised person is charged with
a qualifying offence, the provider managing the case records it and NOMS is notified at
once; the provider's managers review their management of the case within
``SFO_REVIEW_BUSINESS_DAYS``. The charge's outcome is recorded once, whenever the court
decides. On conviction, if the victims opted into the Victim Contact Scheme, a Victim
Summary Report is due (``VSR_BUSINESS_DAYS``), then a senior representative shares it with
the victims at a meeting (``VSR_MEETING_BUSINESS_DAYS``). The tables are
``enforcement.workflows.SFO_REVIEW`` and ``VICTIM_SUMMARY_REPORT``.

The provider on the records is the CRC for a CRC case and, for an NPS case, the person's
NPS division: NPS staff belong to divisions, so the division is who reviews and writes
(the tables check the actor's organisation against it).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from enforcement.models import (
    SeriousFurtherOffence,
    SfoOutcome,
    SfoState,
    VictimSummaryReport,
    VsrState,
)
from enforcement.workflows import MANAGERS, RESPONSIBLE, SFO_REVIEW, VICTIM_SUMMARY_REPORT
from probation import access, audit, clock, documents
from probation.models import DocumentKind, NotificationKind, Organisation, Person, User
from probation.models.organisations import NOMS_CODE
from probation.notifications import notify


def provider_of(person: Person) -> int:
    """The organisation that reviews: the CRC, or the person's NPS division."""
    if person.responsible_provider.is_crc:
        return person.responsible_provider_id
    return person.ldu.division_id


def may_record(user: User, person: Person) -> bool:
    """The responsible officer, or a manager of the provider managing the case."""
    return access.can_change(user, person) and (
        access.is_responsible_officer(user, person)
        or access.acts_for(user, provider_of(person), MANAGERS)
    )


def may_record_outcome(user: User, sfo: SeriousFurtherOffence) -> bool:
    return access.acts_for(user, sfo.provider_id, RESPONSIBLE | MANAGERS)


# --- Reads -----------------------------------------------------------------------------------


def sfo_of(user: User, crn: str, sfo_id: int) -> SeriousFurtherOffence:
    sfo = access.record_of(
        user,
        crn,
        SeriousFurtherOffence.objects.select_related("provider", "reported_by", "reviewed_by"),
        sfo_id,
        missing="No serious further offence found for this person.",
    )
    return sfo


def vsr_of(user: User, crn: str, vsr_id: int) -> VictimSummaryReport:
    vsr = access.record_of(
        user,
        crn,
        VictimSummaryReport.objects.select_related("sfo", "provider", "document"),
        vsr_id,
        missing="No Victim Summary Report found for this person.",
    )
    vsr.sfo.person = vsr.person
    return vsr


def _locked(model, actor: User, crn: str, pk: int):
    """The record under the person's row lock, then its own (the order every service here
    takes), found under that person only."""
    person = access.person_for_view(actor, crn)
    Person.objects.select_for_update().get(pk=person.pk)
    record = model.objects.select_for_update(of=("self",)).filter(person=person, pk=pk).first()
    if record is None:
        raise Http404(f"No {model._meta.verbose_name} found for this person.")
    record.person = person
    return record


# --- Recording the charge -------------------------------------------------------------------


@transaction.atomic
def sfo_record(
    *, actor: User, crn: str, charged_on: datetime.date | None, offence: str
) -> SeriousFurtherOffence:
    """Record a charge for a serious further offence: NOMS is notified now and the
    management review is due (see the module docstring)."""
    person = access.person_for_change(actor, crn, lock=True)
    if not may_record(actor, person):
        raise PermissionDenied(
            "Only the responsible officer or a manager of the provider managing the case can "
            "record a serious further offence."
        )
    errors = {}
    offence = (offence or "").strip()
    if not offence:
        errors["offence"] = "Enter the offence charged"
    if charged_on is None:
        errors["charged_on"] = "Enter the date of the charge"
    elif charged_on > clock.today():
        errors["charged_on"] = "The date of the charge must be today or in the past"
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    sfo = SeriousFurtherOffence(
        person=person,
        provider_id=provider_of(person),
        charged_on=charged_on,
        offence=offence,
        reported_by=actor,
        noms_notified_at=now,
    )
    SFO_REVIEW.open(sfo, state=SfoState.REVIEW_DUE, actor=actor, at=now)
    notify(
        kind=NotificationKind.SERIOUS_FURTHER_OFFENCE,
        organisation=Organisation.objects.get(code=NOMS_CODE),
        person=person,
        title=f"Serious further offence: {person.full_name} ({person.crn}) charged with "
        f"{offence} on {charged_on:%-d %B %Y}",
        body=f"Recorded by {actor.display_name}, {actor.organisation.name}.",
        url=reverse("enforcement:sfo_review", args=[person.crn, sfo.pk]),
        key=f"sfo:{sfo.pk}:noms",
    )
    return sfo


@transaction.atomic
def sfo_review_complete(
    *, actor: User, crn: str, sfo_id: int, findings: str
) -> SeriousFurtherOffence:
    """A manager of the provider records the management review's findings. Once only."""
    sfo = _locked(SeriousFurtherOffence, actor, crn, sfo_id)
    SFO_REVIEW.check(sfo, "complete_review", actor=actor)
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": "Enter the findings of the management review"})
    before = audit.snapshot(sfo)
    sfo.review_findings, sfo.reviewed_by = findings, actor
    return SFO_REVIEW.advance(sfo, "complete_review", actor=actor, before=before)


@transaction.atomic
def sfo_outcome(
    *,
    actor: User,
    crn: str,
    sfo_id: int,
    outcome: str,
    outcome_on: datetime.date | None,
    victims_opted_in: bool | None,
) -> SeriousFurtherOffence:
    """Record the outcome of the charge, once. A conviction whose victims opted into the
    Victim Contact Scheme opens the Victim Summary Report."""
    sfo = _locked(SeriousFurtherOffence, actor, crn, sfo_id)
    if not may_record_outcome(actor, sfo):
        raise PermissionDenied(
            "Only the provider that managed the case can record the outcome of the charge."
        )
    if sfo.outcome != SfoOutcome.AWAITING_TRIAL:
        raise ValidationError(
            f"The outcome was recorded already: {sfo.get_outcome_display().lower()} on "
            f"{sfo.outcome_on:%-d %B %Y}. Nothing was changed"
        )
    errors = {}
    if outcome not in (SfoOutcome.CONVICTED, SfoOutcome.NOT_CONVICTED):
        errors["outcome"] = "Select convicted or not convicted"
    if outcome_on is None:
        errors["outcome_on"] = "Enter the date of the outcome"
    elif outcome_on > clock.today():
        errors["outcome_on"] = "The date of the outcome must be today or in the past"
    elif outcome_on < sfo.charged_on:
        errors["outcome_on"] = "The date of the outcome must be on or after the charge"
    if outcome == SfoOutcome.CONVICTED and victims_opted_in is None:
        errors["victims_opted_in"] = (
            "Select whether the victims opted into the Victim Contact Scheme"
        )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(sfo)
    sfo.outcome, sfo.outcome_on = outcome, outcome_on
    sfo.victims_opted_in = bool(victims_opted_in) if outcome == SfoOutcome.CONVICTED else None
    sfo.save(update_fields=["outcome", "outcome_on", "victims_opted_in"])
    audit.record_update(actor=actor, instance=sfo, before=before)
    if sfo.outcome == SfoOutcome.CONVICTED and sfo.victims_opted_in:
        vsr = VictimSummaryReport(person=sfo.person, sfo=sfo, provider_id=sfo.provider_id)
        VICTIM_SUMMARY_REPORT.open(vsr, state=VsrState.DUE, actor=actor)
    return sfo


# --- The Victim Summary Report ------------------------------------------------------------------


@transaction.atomic
def vsr_write(*, actor: User, crn: str, vsr_id: int, summary: str) -> VictimSummaryReport:
    """Write the report: stored with the case as a document (printable), once."""
    vsr = _locked(VictimSummaryReport, actor, crn, vsr_id)
    VICTIM_SUMMARY_REPORT.check(vsr, "write", actor=actor)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Enter the summary for the victims"})
    sfo = SeriousFurtherOffence.objects.get(pk=vsr.sfo_id)
    before = audit.snapshot(vsr)
    vsr.summary = summary
    vsr.document = documents.document_create(
        actor=actor,
        person=vsr.person,
        kind=DocumentKind.VICTIM_SUMMARY_REPORT,
        title=f"Victim Summary Report: {sfo.offence}",
        template="enforcement/documents/victim_summary_report.html",
        context={"vsr": vsr, "sfo": sfo, "summary": summary, "provider": vsr.provider},
        workflow=VICTIM_SUMMARY_REPORT.name,
        record_id=vsr.pk,
    )
    return VICTIM_SUMMARY_REPORT.advance(vsr, "write", actor=actor, before=before)


@transaction.atomic
def vsr_record_meeting(
    *,
    actor: User,
    crn: str,
    vsr_id: int,
    meeting_on: datetime.date | None,
    senior_representative: str,
    victim_liaison_officer: str,
    notes: str = "",
) -> VictimSummaryReport:
    """Record the meeting at which a senior representative shared the report with the
    victims and their Victim Liaison Service officer."""
    vsr = _locked(VictimSummaryReport, actor, crn, vsr_id)
    VICTIM_SUMMARY_REPORT.check(vsr, "record_meeting", actor=actor)
    errors = {}
    senior_representative = (senior_representative or "").strip()
    victim_liaison_officer = (victim_liaison_officer or "").strip()
    if meeting_on is None:
        errors["meeting_on"] = "Enter the date of the meeting"
    elif meeting_on > clock.today():
        errors["meeting_on"] = "The date of the meeting must be today or in the past"
    if not senior_representative:
        errors["senior_representative"] = "Enter the senior representative who met the victims"
    if not victim_liaison_officer:
        errors["victim_liaison_officer"] = "Enter the victims' Victim Liaison Service officer"
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(vsr)
    vsr.meeting_on = meeting_on
    vsr.senior_representative = senior_representative
    vsr.victim_liaison_officer = victim_liaison_officer
    vsr.meeting_notes = (notes or "").strip()
    return VICTIM_SUMMARY_REPORT.advance(vsr, "record_meeting", actor=actor, before=before)
