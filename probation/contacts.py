"""Contacts with and about a person on probation (DOMAIN.md 11: "simple records of every
contact with or about the offender and of compliance"): recording appointments and their
outcomes, crediting unpaid work hours and rehabilitation activity (RAR) days, the first
appointment after sentence or release, and the reads the case pages need.

Services take the acting user as ``actor``, run in one transaction, lock the requirement
row when crediting it, and write the audit row with the change.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from probation import access, audit, calendar, clock
from probation.models import (
    APPOINTMENT_TYPES,
    Contact,
    ContactType,
    Outcome,
    Person,
    Requirement,
    Sentence,
    User,
    UserKind,
)
from probation.models.contacts import ATTENDED_OUTCOMES
from probation.models.sentences import Management, SentenceType
from probation.orders import RequirementCode

CONTACT_FIELDS = (
    "contact_type",
    "starts_at",
    "location",
    "staff",
    "sentence_number",
    "requirement_id",
    "notes",
    "outcome",
    "absence_reason",
    "unpaid_work_hours",
    "counts_as_rar_day",
)
# How many contacts the case overview shows.
OVERVIEW_RECENT_CONTACTS = 10


def _values_of(contact: Contact) -> dict:
    return {
        "contact_type": contact.contact_type,
        "starts_at": contact.starts_at,
        "location": contact.location,
        "staff": contact.staff,
        "sentence_number": contact.sentence.number if contact.sentence_id else None,
        "requirement_id": contact.requirement_id,
        "notes": contact.notes,
        "outcome": contact.outcome,
        "absence_reason": contact.absence_reason,
        "unpaid_work_hours": contact.unpaid_work_hours,
        "counts_as_rar_day": contact.counts_as_rar_day,
    }


def _clean(person: Person, values: dict, *, contact: Contact | None = None) -> dict:
    """Check a contact's values against the rules; return the model fields to save.

    Raises ``ValidationError`` with every problem found, keyed by field name.
    """
    errors: dict[str, str] = {}
    cleaned = {
        "location": (values.get("location") or "").strip(),
        "notes": values.get("notes") or "",
        "absence_reason": (values.get("absence_reason") or "").strip(),
        "counts_as_rar_day": bool(values.get("counts_as_rar_day")),
    }

    contact_type = values.get("contact_type")
    if contact_type not in ContactType.values:
        errors["contact_type"] = "Select the type of contact"
    cleaned["contact_type"] = contact_type

    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime.datetime):
        errors["starts_at"] = "Enter the date and time of the contact"
        starts_at = None
    elif timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    cleaned["starts_at"] = starts_at

    outcome = values.get("outcome") or ""
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = "Select a valid outcome"
    elif outcome and contact_type in ContactType.values and contact_type not in APPOINTMENT_TYPES:
        errors["outcome"] = "Only appointments have an outcome"
    elif outcome and starts_at is not None and starts_at > clock.now():
        errors["outcome"] = "You cannot record an outcome for a contact in the future"
    cleaned["outcome"] = outcome
    attended = outcome in ATTENDED_OUTCOMES

    if outcome == Outcome.ACCEPTABLE_ABSENCE and not cleaned["absence_reason"]:
        errors["absence_reason"] = "Enter why the absence was acceptable"
    elif outcome != Outcome.ACCEPTABLE_ABSENCE and cleaned["absence_reason"]:
        errors["absence_reason"] = "Give a reason only for an acceptable absence"

    staff = values.get("staff")
    if staff is not None and not (
        isinstance(staff, User) and staff.is_active and staff.kind == UserKind.STAFF
    ):
        errors["staff"] = "Select an active member of staff"
    cleaned["staff"] = staff

    sentence = None
    number = values.get("sentence_number")
    if number not in (None, ""):
        sentence = Sentence.objects.filter(person=person, number=number).first()
        if sentence is None:
            errors["sentence_number"] = "Select one of this person's sentences"
    requirement = None
    requirement_id = values.get("requirement_id")
    if requirement_id not in (None, ""):
        # Locked: the days and hours credited to it are counted below, and two officers
        # crediting the same requirement must not overshoot its maximum.
        requirement = (
            Requirement.objects.select_for_update(of=("self",))
            .select_related("sentence")
            .filter(pk=requirement_id, sentence__person=person)
            .first()
        )
        if requirement is None:
            errors["requirement_id"] = "Select one of this person's requirements"
        elif sentence is not None and requirement.sentence_id != sentence.pk:
            errors["requirement_id"] = "Select a requirement of the chosen sentence"
        else:
            sentence = requirement.sentence
    cleaned["sentence"] = sentence
    cleaned["requirement"] = requirement
    others = Contact.objects.filter(requirement=requirement)
    if contact is not None:
        others = others.exclude(pk=contact.pk)

    hours = values.get("unpaid_work_hours")
    if hours in ("",):
        hours = None
    if hours is not None:
        try:
            hours = Decimal(str(hours))
        except InvalidOperation:
            hours = None
            errors["unpaid_work_hours"] = "Enter the hours as a number, like 6 or 7.5"
    cleaned["unpaid_work_hours"] = hours
    if hours is not None and "unpaid_work_hours" not in errors:
        maximum = settings.UNPAID_WORK_MAX_HOURS_PER_SESSION
        if requirement is None or requirement.code != RequirementCode.UNPAID_WORK:
            errors["unpaid_work_hours"] = "Hours can only be credited to an unpaid work requirement"
        elif not attended:
            errors["unpaid_work_hours"] = "Hours can only be credited when the person attended"
        elif not (0 < hours <= maximum):
            errors["unpaid_work_hours"] = f"Enter between 0 and {maximum} hours for one session"
        elif requirement.unpaid_work_hours is not None:
            credited = others.aggregate(total=Sum("unpaid_work_hours"))["total"] or Decimal(0)
            if credited + hours > requirement.unpaid_work_hours:
                left = requirement.unpaid_work_hours - credited
                errors["unpaid_work_hours"] = (
                    f"Only {left:g} of the {requirement.unpaid_work_hours} hours ordered are left"
                )

    if cleaned["counts_as_rar_day"]:
        if requirement is None or requirement.code != RequirementCode.REHABILITATION_ACTIVITY:
            errors["counts_as_rar_day"] = "Only a rehabilitation activity requirement has RAR days"
        elif not attended:
            errors["counts_as_rar_day"] = "A RAR day counts only when the person attended"
        elif requirement.rar_max_days is not None:
            used = others.filter(counts_as_rar_day=True).count()
            if used + 1 > requirement.rar_max_days:
                errors["counts_as_rar_day"] = (
                    f"All {requirement.rar_max_days} RAR days set by the court are used"
                )

    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def contact_create(
    *,
    actor: User,
    crn: str,
    contact_type: str,
    starts_at: datetime.datetime,
    location: str = "",
    staff: User | None = None,
    sentence_number: int | None = None,
    requirement_id: int | None = None,
    notes: str = "",
    outcome: str = "",
    absence_reason: str = "",
    unpaid_work_hours=None,
    counts_as_rar_day: bool = False,
) -> Contact:
    """Record a contact or book an appointment, with its outcome if it has happened."""
    person = access.person_for_change(actor, crn)
    fields = _clean(
        person,
        {
            "contact_type": contact_type,
            "starts_at": starts_at,
            "location": location,
            "staff": staff,
            "sentence_number": sentence_number,
            "requirement_id": requirement_id,
            "notes": notes,
            "outcome": outcome,
            "absence_reason": absence_reason,
            "unpaid_work_hours": unpaid_work_hours,
            "counts_as_rar_day": counts_as_rar_day,
        },
    )
    contact = Contact(person=person, recorded_by=actor, **fields)
    contact._history_user = actor
    contact.save()
    audit.record_create(actor=actor, instance=contact)
    _enforcement(actor, contact, previous_outcome="")
    return contact


@transaction.atomic
def contact_update(*, actor: User, crn: str, contact_id: int, **changes) -> Contact:
    """Record or change a contact's outcome, notes, time ... Only the fields given change;
    the whole contact is checked again."""
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here"))
    person = access.person_for_change(actor, crn)
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("sentence", "staff")
        .filter(person=person, pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404("No contact found with that id for this person.")
    before = audit.snapshot(contact)
    previous_outcome = contact.outcome
    fields = _clean(person, {**_values_of(contact), **changes}, contact=contact)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact._history_user = actor
    contact.save()
    audit.record_update(actor=actor, instance=contact, before=before)
    contact.person = person
    _enforcement(actor, contact, previous_outcome=previous_outcome)
    return contact


def _enforcement(actor: User, contact: Contact, *, previous_outcome: str) -> None:
    """An outcome of unacceptable absence or failed to comply opens a failure to comply
    for the responsible officer's decision; one changed away from those closes it while
    undecided (``enforcement.failures.contact_outcome_recorded``)."""
    # Imported here: the enforcement app builds on probation, and this is the one place
    # where a core record starts one of its workflows.
    from enforcement.failures import contact_outcome_recorded

    contact_outcome_recorded(actor=actor, contact=contact, previous_outcome=previous_outcome)


# --- Reads ---------------------------------------------------------------------------------


def _contacts(queryset: QuerySet) -> QuerySet[Contact]:
    return queryset.select_related("staff", "recorded_by", "sentence", "requirement").order_by(
        "-starts_at", "-pk"
    )


def contact_list(*, user: User, crn: str, filters: dict | None = None) -> QuerySet[Contact]:
    """The timeline of one person, newest first. ``filters``: ``contact_type`` and
    ``outcome`` (an Outcome value, or ``"OUTSTANDING"`` for none recorded yet)."""
    person = access.person_for_view(user, crn)
    contacts = _contacts(Contact.objects.filter(person=person))
    filters = filters or {}
    if filters.get("contact_type"):
        contacts = contacts.filter(contact_type=filters["contact_type"])
    if filters.get("outcome") == "OUTSTANDING":
        contacts = contacts.filter(outcome="")
    elif filters.get("outcome"):
        contacts = contacts.filter(outcome=filters["outcome"])
    return contacts


def contact_detail(*, user: User, crn: str, contact_id: int) -> Contact:
    person = access.person_for_view(user, crn)
    contact = _contacts(Contact.objects.filter(person=person, pk=contact_id)).first()
    if contact is None:
        raise Http404("No contact found with that id for this person.")
    return contact


def sentence_start(sentence: Sentence) -> datetime.date | None:
    """When supervision of a sentence starts, for the first-appointment clock: the date of
    sentence for community sentences; release for custodial ones (the actual release date,
    else the HDC or conditional release date); None while no release date is known."""
    if sentence.sentence_type == SentenceType.CUSTODIAL:
        return (
            sentence.actual_release_date
            or sentence.hdc_release_date
            or sentence.conditional_release_date
        )
    return sentence.sentence_date


def first_appointment_due(sentence: Sentence) -> datetime.date | None:
    """The date the first appointment of a sentence is due by: ``FIRST_APPOINTMENT_WITHIN_
    BUSINESS_DAYS`` business days after supervision starts (``sentence_start``); None while
    a custodial sentence has no release date. No query: the allocation page, the printed
    reporting instructions and the allocations feed all give this date."""
    start = sentence_start(sentence)
    if start is None:
        return None
    return calendar.add_business_days(start, settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS)


class FirstAppointmentStatus:
    MET = "met"
    LATE = "late"
    OVERDUE = "overdue"
    DUE = "due"
    AWAITING_RELEASE = "awaiting_release"


def first_appointment(person: Person, *, today: datetime.date | None = None) -> dict:
    """For each managed sentence of the person (keyed by its number): the first attended
    appointment on or after supervision starts, when it was due, and a status – "met"
    (on time), "late", "overdue" (none yet and the due date has passed), "due" (none yet,
    still in time) or "awaiting_release" (custodial, no release date known).

    The due date is ``FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS`` business days after the
    start (probation.calendar). Two queries, however many sentences and contacts."""
    today = today or clock.today()
    sentences = list(
        Sentence.objects.filter(person=person, management=Management.MANAGED).order_by("number")
    )
    dates = sorted(
        timezone.localdate(starts_at)
        for starts_at in Contact.objects.filter(
            person=person, contact_type__in=APPOINTMENT_TYPES, outcome__in=ATTENDED_OUTCOMES
        ).values_list("starts_at", flat=True)
    )
    result = {}
    for sentence in sentences:
        start = sentence_start(sentence)
        entry = {"sentence": sentence, "start": start, "due": None, "date": None}
        if start is None:
            entry["status"] = FirstAppointmentStatus.AWAITING_RELEASE
            result[sentence.number] = entry
            continue
        due = first_appointment_due(sentence)
        seen = next((d for d in dates if d >= start), None)
        entry.update(due=due, date=seen)
        if seen is not None:
            entry["status"] = (
                FirstAppointmentStatus.MET if seen <= due else FirstAppointmentStatus.LATE
            )
        else:
            entry["status"] = (
                FirstAppointmentStatus.OVERDUE if today > due else FirstAppointmentStatus.DUE
            )
        result[sentence.number] = entry
    return result


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows about contacts, in a constant number of queries:
    upcoming appointments, past appointments whose outcome needs recording, the latest
    contacts, and the first appointment of each managed sentence."""
    now = clock.now()
    visible = access.records_visible_to(user, Contact.objects.filter(person=person))
    outstanding = _contacts(visible.filter(outcome="", contact_type__in=APPOINTMENT_TYPES))
    return {
        "upcoming_appointments": list(outstanding.filter(starts_at__gt=now).reverse()[:10]),
        "outcomes_to_record": list(outstanding.filter(starts_at__lte=now)[:10]),
        "recent_contacts": list(_contacts(visible)[:OVERVIEW_RECENT_CONTACTS]),
        "first_appointments": list(first_appointment(person).values()),
    }
