"""Sentences: recording a court's sentence, the release facts that arrive later, the
requirements of community orders and suspended sentence orders, licences with their
conditions and post-sentence supervision requirements (DOMAIN.md 2 and 3).

Services are keyword-only with the acting user as ``actor``, atomic, run under a row lock
on the person (two officers recording sentences cannot take the same number) and audited.
The rules themselves live in ``probation.orders`` and ``probation.supervision``; this
module stores their answers. Selectors read in a constant number of queries.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from probation import access, audit, clock, orders, supervision
from probation.models import (
    ConditionKind,
    Contact,
    DiscretionaryCategory,
    Licence,
    LicenceCondition,
    Management,
    Organisation,
    OrganisationKind,
    Person,
    PssRequirement,
    PssRequirementCode,
    Requirement,
    RequirementStatus,
    Sentence,
    SentenceStatus,
    SentenceType,
    StandardCondition,
    User,
)
from probation.models.contacts import ATTENDED_OUTCOMES
from probation.models.sentences import COMMUNITY_SENTENCE_TYPES, PSS_DEFAULT_CODES

ONE_DAY = datetime.timedelta(days=1)
# PSS requirements 9 and 10 apply only when set; the database wants a reason on every
# requirement left out, so theirs says so (DOMAIN.md 3).
NOT_APPLIED_BY_DEFAULT = "Not applied by default: requirements 9 and 10 apply only when set"

# Parameters a requirement may carry (what the court set).
REQUIREMENT_PARAMETERS = (
    "unpaid_work_hours",
    "curfew_hours_per_day",
    "curfew_days",
    "rar_max_days",
    "length_months",
    "details",
)
_INTEGER_PARAMETERS = REQUIREMENT_PARAMETERS[:-1]

# The optional details of ``sentence_create``, by the sentence types they apply to.
DETAILS_BY_TYPE = {
    "requirements": COMMUNITY_SENTENCE_TYPES,
    "fine_imposed": COMMUNITY_SENTENCE_TYPES,
    "length_months": COMMUNITY_SENTENCE_TYPES,
    "length_days": COMMUNITY_SENTENCE_TYPES,
    "term_months": (SentenceType.SUSPENDED_SENTENCE_ORDER, SentenceType.CUSTODIAL),
    "term_days": (SentenceType.SUSPENDED_SENTENCE_ORDER, SentenceType.CUSTODIAL),
    "indeterminate": (SentenceType.CUSTODIAL,),
    "conditional_release_date": (SentenceType.CUSTODIAL,),
    "hdc_release_date": (SentenceType.CUSTODIAL,),
    "actual_release_date": (SentenceType.CUSTODIAL,),
    "release_prison": (SentenceType.CUSTODIAL,),
    "attendance_centre_hours": (SentenceType.SENIOR_ATTENDANCE_CENTRE,),
    "deferred_until": (SentenceType.DEFERRED,),
    "deferment_requirements": (SentenceType.DEFERRED,),
}
# Release facts come from the prison after sentence; descriptive fields may be corrected.
RELEASE_FIELDS = (
    "conditional_release_date",
    "hdc_release_date",
    "actual_release_date",
    "release_prison",
)
DESCRIPTIVE_FIELDS = ("offence_description", "court", "court_ldu")
SENTENCE_UPDATE_FIELDS = RELEASE_FIELDS + DESCRIPTIVE_FIELDS


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == () or value is False


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# Upper bounds that keep date arithmetic and integer columns in range: a century.
MAX_MONTHS = 1200
MAX_WHOLE_NUMBER = 36_600
TEXT_LIMITS = {"offence_description": 300, "court": 200, "release_prison": 200}


def _check_lengths(values: dict, errors: dict) -> None:
    for name, limit in TEXT_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value.strip()) > limit:
            errors[name] = (
                f"{name.replace('_', ' ').capitalize()} must be {limit} characters or fewer"
            )


def _positive_or_none(value, name: str, errors: dict, *, label: str):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = f"Enter the {label} as a whole number"
        return None
    if number < 0:
        errors[name] = f"The {label} cannot be negative"
        return None
    maximum = MAX_MONTHS if "months" in name else MAX_WHOLE_NUMBER
    if number > maximum:
        errors[name] = f"The {label} must be {maximum} or less"
        return None
    return number


# --- Audit of records below the person (they carry no ``person`` to name the CRN) ----------


def _audit_create(*, actor: User, instance, crn: str) -> None:
    snapshot = audit.snapshot(instance)
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.CREATE,
        instance=instance,
        person_crn=crn,
        changes={k: [None, v] for k, v in snapshot.items() if v not in (None, "")},
    )


def _audit_update(*, actor: User, instance, before: dict, crn: str) -> None:
    changes = audit.diff(before, audit.snapshot(instance))
    if changes:
        audit.record_event(
            actor=actor,
            action=audit.AuditAction.UPDATE,
            instance=instance,
            person_crn=crn,
            changes=changes,
        )


# --- Requirements and orders ---------------------------------------------------------------


def _clean_requirement(values: dict, errors: dict) -> dict:
    """One requirement's code and parameters, with integers checked (the ranges are the
    rules' business, in ``orders.validate_order``)."""
    unknown = set(values) - {"code", *REQUIREMENT_PARAMETERS}
    if unknown:
        errors.setdefault("requirements", []).append(
            f"Unknown requirement parameters: {', '.join(sorted(unknown))}"
        )
    code = values.get("code") or ""
    if code not in orders.RequirementCode.values:
        errors.setdefault("requirements", []).append("Select a requirement from the list")
    cleaned = {"code": code, "details": (values.get("details") or "").strip()}
    for name in _INTEGER_PARAMETERS:
        label = name.replace("_", " ").replace("rar", "RAR")
        cleaned[name] = _positive_or_none(values.get(name), name, errors, label=label)
    return cleaned


def _order_facts(*, sentence_type, sentence_date, offence_date, person, requirements, **rest):
    return orders.OrderFacts(
        order_type=sentence_type,
        sentence_date=sentence_date,
        offence_date=offence_date,
        date_of_birth=person.date_of_birth,
        requirements=tuple(
            orders.Requirement(
                code=r["code"],
                unpaid_work_hours=r.get("unpaid_work_hours"),
                curfew_hours_per_day=r.get("curfew_hours_per_day"),
                rar_max_days=r.get("rar_max_days"),
            )
            for r in requirements
        ),
        fine_imposed=bool(rest.get("fine_imposed")),
        supervision_months=rest.get("length_months") or 0,
        supervision_days=rest.get("length_days") or 0,
    )


def _validate_order(facts: orders.OrderFacts) -> orders.Management:
    """``orders.validate_order`` with its errors named after our fields (an SSO's
    supervision period is the sentence's length)."""
    try:
        orders.validate_order(facts)
    except ValidationError as error:
        messages = error.message_dict
        if "supervision_months" in messages:
            messages["length_months"] = messages.pop("supervision_months")
        raise ValidationError(messages) from None
    return orders.order_management(facts)


def _requirement_values(requirement: Requirement) -> dict:
    return {name: getattr(requirement, name) for name in ("code", *REQUIREMENT_PARAMETERS)}


def _apply_management(sentence: Sentence, decision: orders.Management) -> None:
    sentence.management = decision.code
    sentence.management_reason = decision.reason


# --- Custodial sentences ---------------------------------------------------------------------


def _apply_custodial_periods(sentence: Sentence, person: Person, *, crd_given) -> None:
    """Derive the expiry, release, licence and PSS dates and the management decision of a
    custodial sentence from its stored facts (``supervision.supervision_periods``)."""
    if sentence.indeterminate:
        sentence.sentence_expiry_date = None
        sentence.conditional_release_date = None
        sentence.crd_estimated = False
        sentence.licence_start_date = sentence.actual_release_date
        sentence.licence_end_date = None
        sentence.pss_start_date = sentence.pss_end_date = None
        sentence.supervision_end_date = None
        sentence.supervision_rule = "INDETERMINATE"
        sentence.management = Management.MANAGED
        sentence.management_reason = (
            "Indeterminate sentence: on licence from release, with no end date (the Parole "
            "Board sets the licence)."
        )
        return
    facts = supervision.CustodialFacts(
        sentence_date=sentence.sentence_date,
        offence_date=sentence.offence_date,
        date_of_birth=person.date_of_birth,
        term_months=sentence.term_months or 0,
        term_days=sentence.term_days or 0,
        conditional_release_date=crd_given,
        hdc_release_date=sentence.hdc_release_date,
    )
    periods = supervision.supervision_periods(facts)
    actual = sentence.actual_release_date
    if actual is not None and not (
        sentence.sentence_date <= actual <= periods.sentence_expiry_date
    ):
        raise ValidationError(
            {
                "actual_release_date": "The release date must fall between the sentence date "
                "and the sentence expiry date"
            }
        )
    sentence.sentence_expiry_date = periods.sentence_expiry_date
    sentence.conditional_release_date = periods.conditional_release_date
    sentence.crd_estimated = crd_given is None
    sentence.licence_start_date = periods.licence_start_date
    if periods.licence_start_date is not None and actual is not None:
        # The licence runs from the day the person actually walked out.
        sentence.licence_start_date = actual
    sentence.licence_end_date = periods.licence_end_date
    sentence.pss_start_date = periods.pss_start_date
    sentence.pss_end_date = periods.pss_end_date
    sentence.supervision_end_date = periods.supervision_end_date
    sentence.supervision_rule = periods.rule
    sentence.management_reason = periods.reason[:300]
    if periods.managed:
        sentence.management = Management.MANAGED
    elif periods.rule == "UNDER_18_ON_RELEASE":
        sentence.management = Management.UNDER_18
    else:
        sentence.management = Management.NOT_MANAGED_CUSTODY


def _has_licence_period(sentence: Sentence) -> bool:
    return sentence.is_managed and (
        sentence.licence_start_date is not None
        or sentence.pss_start_date is not None
        or sentence.indeterminate
    )


def _ensure_licence(*, actor: User, sentence: Sentence) -> Licence | None:
    """Create the licence (six standard conditions) of a managed sentence with a licence or
    PSS period, and the ten PSS requirement rows when there is a PSS period (1-8 applied by
    default, 9-10 not: DOMAIN.md 3). Existing rows are left as they are."""
    if not _has_licence_period(sentence):
        return None
    licence = Licence.objects.filter(sentence=sentence).first()
    created = []
    if licence is None:
        licence = Licence(
            sentence=sentence,
            issued_by="PAROLE_BOARD" if sentence.indeterminate else "GOVERNOR",
        )
        licence._history_user = actor
        licence.save()
        for code in StandardCondition.values:
            condition = LicenceCondition(licence=licence, kind=ConditionKind.STANDARD, code=code)
            condition._history_user = actor
            condition.save()
        created.append("standard conditions")
    if sentence.pss_start_date is not None and not licence.pss_requirements.exists():
        for code in PssRequirementCode.values:
            applied = code in PSS_DEFAULT_CODES
            row = PssRequirement(
                licence=licence,
                code=code,
                applied=applied,
                reason_not_applied="" if applied else NOT_APPLIED_BY_DEFAULT,
            )
            row._history_user = actor
            row.save()
        created.append("post-sentence supervision requirements")
    if created:
        audit.record_event(
            actor=actor,
            action=audit.AuditAction.CREATE,
            instance=licence,
            person_crn=sentence.person.crn,
            changes={"created": [None, created]},
        )
    return licence


# --- Services ---------------------------------------------------------------------------------


def _check_common(
    *, sentence_type, sentence_date, offence_date, offence_description, court, court_ldu
):
    errors = {}
    if sentence_type not in SentenceType.values:
        errors["sentence_type"] = "Select the type of sentence"
    if not isinstance(sentence_date, datetime.date):
        errors["sentence_date"] = "Enter the sentence date"
    elif sentence_date > clock.today():
        errors["sentence_date"] = "The sentence date must be today or in the past"
    if not isinstance(offence_date, datetime.date):
        errors["offence_date"] = "Enter the offence date"
    elif isinstance(sentence_date, datetime.date) and offence_date > sentence_date:
        errors["offence_date"] = "The offence date must be on or before the sentence date"
    if not (offence_description or "").strip():
        errors["offence_description"] = "Enter the offence"
    if not (court or "").strip():
        errors["court"] = "Enter the sentencing court"
    if court_ldu is not None and (
        not isinstance(court_ldu, Organisation) or court_ldu.kind != OrganisationKind.LDU
    ):
        errors["court_ldu"] = "Choose a Local Delivery Unit"
    _check_lengths({"offence_description": offence_description, "court": court}, errors)
    _raise(errors)


@transaction.atomic
def sentence_create(
    *,
    actor: User,
    crn: str,
    sentence_type: str,
    sentence_date: datetime.date,
    offence_date: datetime.date,
    offence_description: str,
    court: str,
    court_ldu: Organisation | None = None,
    **details,
) -> Sentence:
    """Record a sentence of the court, with what the rules decide about it: the order's
    validity and management (CO/SSO), the release and supervision periods and the licence
    (custodial), attendance only (SAC), NPS supervision until sentence (deferred)."""
    person = access.person_for_change(actor, crn, lock=True)
    _check_common(
        sentence_type=sentence_type,
        sentence_date=sentence_date,
        offence_date=offence_date,
        offence_description=offence_description,
        court=court,
        court_ldu=court_ldu,
    )
    errors = {}
    for name, value in details.items():
        applies = DETAILS_BY_TYPE.get(name)
        if applies is None:
            errors[name] = "This field cannot be set here"
        elif sentence_type not in applies and not _empty(value):
            errors[name] = f"This does not apply to a {SentenceType(sentence_type).label}"
    _check_lengths(details, errors)
    _raise(errors)

    sentence = Sentence(
        person=person,
        sentence_type=sentence_type,
        sentence_date=sentence_date,
        offence_date=offence_date,
        offence_description=offence_description.strip(),
        court=court.strip(),
        court_ldu=court_ldu,
    )
    requirements = []
    if sentence_type in COMMUNITY_SENTENCE_TYPES:
        requirements = _community_order(sentence, person, details)
    elif sentence_type == SentenceType.CUSTODIAL:
        _custodial(sentence, person, details)
    elif sentence_type == SentenceType.SENIOR_ATTENDANCE_CENTRE:
        _attendance_centre(sentence, details)
    else:
        _deferred(sentence, details)

    last = person.sentences.order_by("-number").values_list("number", flat=True).first()
    sentence.number = (last or 0) + 1
    sentence._history_user = actor
    sentence.save()
    audit.record_create(actor=actor, instance=sentence)
    for values in requirements:
        requirement = Requirement(sentence=sentence, **values)
        requirement._history_user = actor
        requirement.save()
        _audit_create(actor=actor, instance=requirement, crn=person.crn)
    if sentence_type == SentenceType.CUSTODIAL:
        _ensure_licence(actor=actor, sentence=sentence)
    return sentence


def _community_order(sentence: Sentence, person: Person, details: dict) -> list[dict]:
    errors = {}
    requirements = [
        _clean_requirement(dict(values), errors) for values in details.get("requirements") or []
    ]
    sentence.fine_imposed = bool(details.get("fine_imposed"))
    for name, label in (("length_months", "length in months"), ("length_days", "length in days")):
        setattr(sentence, name, _positive_or_none(details.get(name), name, errors, label=label))
    if not (sentence.length_months or sentence.length_days) and "length_months" not in errors:
        errors["length_months"] = (
            "Enter the length of the order"
            if sentence.sentence_type == SentenceType.COMMUNITY_ORDER
            else "Enter the supervision period"
        )
    if sentence.sentence_type == SentenceType.SUSPENDED_SENTENCE_ORDER:
        for name, label in (("term_months", "term in months"), ("term_days", "term in days")):
            setattr(sentence, name, _positive_or_none(details.get(name), name, errors, label=label))
        if not (sentence.term_months or sentence.term_days) and "term_months" not in errors:
            errors["term_months"] = "Enter the suspended custodial term"
    _raise(errors)
    facts = _order_facts(
        sentence_type=sentence.sentence_type,
        sentence_date=sentence.sentence_date,
        offence_date=sentence.offence_date,
        person=person,
        requirements=requirements,
        fine_imposed=sentence.fine_imposed,
        length_months=sentence.length_months,
        length_days=sentence.length_days,
    )
    _apply_management(sentence, _validate_order(facts))
    _set_order_end(sentence)
    return requirements


def _set_order_end(sentence: Sentence) -> None:
    end = sentence.sentence_date + relativedelta(
        months=sentence.length_months or 0, days=sentence.length_days or 0
    )
    sentence.supervision_end_date = end - ONE_DAY


def _custodial(sentence: Sentence, person: Person, details: dict) -> None:
    errors = {}
    sentence.indeterminate = bool(details.get("indeterminate"))
    for name, label in (("term_months", "term in months"), ("term_days", "term in days")):
        setattr(sentence, name, _positive_or_none(details.get(name), name, errors, label=label))
    if sentence.indeterminate:
        for name in ("term_months", "term_days", "conditional_release_date", "hdc_release_date"):
            if not _empty(details.get(name)):
                errors[name] = "An indeterminate sentence has no term or release dates to enter"
    for name in ("conditional_release_date", "hdc_release_date", "actual_release_date"):
        value = details.get(name)
        if value is not None and not isinstance(value, datetime.date):
            errors[name] = "Enter a real date"
    _raise(errors)
    sentence.hdc_release_date = details.get("hdc_release_date")
    sentence.actual_release_date = details.get("actual_release_date")
    sentence.release_prison = (details.get("release_prison") or "").strip()
    _apply_custodial_periods(sentence, person, crd_given=details.get("conditional_release_date"))


def _attendance_centre(sentence: Sentence, details: dict) -> None:
    errors = {}
    hours = _positive_or_none(
        details.get("attendance_centre_hours"), "attendance_centre_hours", errors, label="hours"
    )
    if not hours and "attendance_centre_hours" not in errors:
        errors["attendance_centre_hours"] = "Enter the number of attendance centre hours"
    _raise(errors)
    sentence.attendance_centre_hours = hours
    sentence.management = Management.ATTENDANCE_ONLY
    sentence.management_reason = (
        "Senior Attendance Centre order of a fine defaulter: the CRC delivers the attendance "
        "order only, with no offender management, outside the PbR cohort."
    )


def _deferred(sentence: Sentence, details: dict) -> None:
    until = details.get("deferred_until")
    longest = sentence.sentence_date + relativedelta(months=settings.DEFERMENT_MAX_MONTHS)
    if not isinstance(until, datetime.date):
        raise ValidationError({"deferred_until": "Enter the date sentence is deferred until"})
    if until <= sentence.sentence_date:
        raise ValidationError(
            {"deferred_until": "The deferment must end after the date of deferment"}
        )
    if until > longest:
        raise ValidationError(
            {
                "deferred_until": "Sentence can be deferred for at most "
                f"{settings.DEFERMENT_MAX_MONTHS} months (until {longest:%-d %B %Y})"
            }
        )
    sentence.deferred_until = until
    sentence.deferment_requirements = (details.get("deferment_requirements") or "").strip()
    sentence.supervision_end_date = until
    sentence.management = Management.MANAGED
    sentence.management_reason = "Deferred sentence: the NPS supervises until sentence."


def _sentence_for_change(actor: User, crn: str, number: int) -> tuple[Person, Sentence]:
    person = access.person_for_change(actor, crn, lock=True)
    sentence = Sentence.objects.select_for_update().filter(person=person, number=number).first()
    if sentence is None:
        raise Http404("No sentence with that number for this person.")
    sentence.person = person
    if sentence.status != SentenceStatus.ACTIVE:
        raise ValidationError("This sentence has been terminated and can no longer be changed")
    return person, sentence


@transaction.atomic
def sentence_update(*, actor: User, crn: str, number: int, **changes) -> Sentence:
    """Record the release facts the prison gives after sentence (CRD, HDC, actual release,
    releasing prison) or correct the descriptive fields; the derived periods are
    recomputed and the licence created if the sentence now needs one."""
    unknown = set(changes) - set(SENTENCE_UPDATE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here"))
    person, sentence = _sentence_for_change(actor, crn, number)
    custodial = sentence.sentence_type == SentenceType.CUSTODIAL
    errors = {}
    for name in RELEASE_FIELDS:
        if name not in changes or _empty(changes[name]):
            continue
        if not custodial:
            errors[name] = "Release dates apply to custodial sentences only"
        elif sentence.indeterminate and name in ("conditional_release_date", "hdc_release_date"):
            errors[name] = "An indeterminate sentence has no conditional or HDC release date"
    for name, message in (
        ("offence_description", "Enter the offence"),
        ("court", "Enter the court"),
    ):
        if name in changes and not (changes[name] or "").strip():
            errors[name] = message
    if "court_ldu" in changes and changes["court_ldu"] is not None:
        ldu = changes["court_ldu"]
        if not isinstance(ldu, Organisation) or ldu.kind != OrganisationKind.LDU:
            errors["court_ldu"] = "Choose a Local Delivery Unit"
    _check_lengths(changes, errors)
    _raise(errors)

    before = audit.snapshot(sentence)
    crd_given = None if sentence.crd_estimated else sentence.conditional_release_date
    if "conditional_release_date" in changes:
        crd_given = changes["conditional_release_date"]
    for name, value in changes.items():
        if name == "conditional_release_date":
            continue
        if name in ("offence_description", "court", "release_prison"):
            value = (value or "").strip()
        setattr(sentence, name, value)
    if custodial:
        _apply_custodial_periods(sentence, person, crd_given=crd_given)
    sentence._history_user = actor
    sentence.save()
    audit.record_update(actor=actor, instance=sentence, before=before)
    if custodial:
        _ensure_licence(actor=actor, sentence=sentence)
    return sentence


def record_release(
    *, actor: User, sentence: Sentence, person: Person, released_on, prison_name: str
) -> Sentence:
    """Record the day a custodial sentence's prisoner walked out and the releasing prison,
    as the prison confirms it (``resettlement.custody``): the licence and post-sentence
    supervision start there. The caller has checked the actor's authority (prison staff
    change no other part of the case) and holds the person's row lock."""
    if sentence.sentence_type != SentenceType.CUSTODIAL:
        raise ValidationError({"sentence": "Release dates apply to custodial sentences only"})
    before = audit.snapshot(sentence)
    crd_given = None if sentence.crd_estimated else sentence.conditional_release_date
    sentence.actual_release_date = released_on
    sentence.release_prison = prison_name[:200]
    _apply_custodial_periods(sentence, person, crd_given=crd_given)
    sentence._history_user = actor
    sentence.save()
    audit.record_update(actor=actor, instance=sentence, before=before)
    _ensure_licence(actor=actor, sentence=sentence)
    return sentence


def _revalidate(sentence: Sentence, person: Person, requirements: list[dict]) -> None:
    facts = _order_facts(
        sentence_type=sentence.sentence_type,
        sentence_date=sentence.sentence_date,
        offence_date=sentence.offence_date,
        person=person,
        requirements=requirements,
        fine_imposed=sentence.fine_imposed,
        length_months=sentence.length_months,
        length_days=sentence.length_days,
    )
    _apply_management(sentence, _validate_order(facts))


def _save_management(*, actor: User, sentence: Sentence, before: dict) -> None:
    sentence._history_user = actor
    sentence.save()
    audit.record_update(actor=actor, instance=sentence, before=before)


@transaction.atomic
def requirement_add(*, actor: User, crn: str, number: int, code: str, **params) -> Requirement:
    """Add a requirement to a Community Order or SSO (an amendment by the court): the whole
    order is validated again with it, and who manages the order is decided again."""
    person, sentence = _sentence_for_change(actor, crn, number)
    if sentence.sentence_type not in COMMUNITY_SENTENCE_TYPES:
        raise ValidationError(
            {"code": "Requirements belong to Community Orders and Suspended Sentence Orders"}
        )
    errors = {}
    values = _clean_requirement({"code": code, **params}, errors)
    if "requirements" in errors:
        errors["code"] = errors.pop("requirements")
    _raise(errors)
    existing = [_requirement_values(r) for r in sentence.requirements.all()]
    if any(r["code"] == values["code"] for r in existing):
        raise ValidationError({"code": "This order already has this requirement"})
    before = audit.snapshot(sentence)
    _revalidate(sentence, person, [*existing, values])
    requirement = Requirement(sentence=sentence, **values)
    requirement._history_user = actor
    requirement.save()
    _audit_create(actor=actor, instance=requirement, crn=person.crn)
    _save_management(actor=actor, sentence=sentence, before=before)
    return requirement


@transaction.atomic
def requirement_update(
    *, actor: User, crn: str, number: int, requirement_id: int, **changes
) -> Requirement:
    """Change a requirement's parameters (as the court amended them) or its status
    (completed, terminated early); the order is validated again."""
    unknown = set(changes) - {*REQUIREMENT_PARAMETERS, "status"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here"))
    person, sentence = _sentence_for_change(actor, crn, number)
    requirements = list(sentence.requirements.select_for_update())
    requirement = next((r for r in requirements if r.pk == requirement_id), None)
    if requirement is None:
        raise Http404("No requirement with that id on this sentence.")
    errors = {}
    status = changes.pop("status", requirement.status)
    if status not in RequirementStatus.values:
        errors["status"] = "Select the status of the requirement"
    values = _clean_requirement({**_requirement_values(requirement), **changes}, errors)
    _raise(errors)
    others = [_requirement_values(r) for r in requirements if r.pk != requirement.pk]
    sentence_before = audit.snapshot(sentence)
    _revalidate(sentence, person, [*others, values])
    before = audit.snapshot(requirement)
    for name, value in values.items():
        setattr(requirement, name, value)
    requirement.status = status
    requirement._history_user = actor
    requirement.save()
    _audit_update(actor=actor, instance=requirement, before=before, crn=person.crn)
    _save_management(actor=actor, sentence=sentence, before=sentence_before)
    return requirement


def _conditions_summary(licence: Licence) -> list:
    return [
        [c.kind, c.code, c.details]
        for c in licence.conditions.exclude(kind=ConditionKind.STANDARD).order_by("pk")
    ]


def _pss_summary(licence: Licence) -> list:
    return [
        [r.code, r.applied, r.reason_not_applied, r.details]
        for r in licence.pss_requirements.order_by("pk")
    ]


@transaction.atomic
def licence_update(
    *,
    actor: User,
    crn: str,
    number: int,
    issued_on: datetime.date | None = None,
    issued_by: str = "GOVERNOR",
    discretionary=(),
    bespoke=(),
    pss: dict | None = None,
) -> Licence:
    """Record the licence as issued: who issued it and when, its discretionary and bespoke
    conditions (replacing those recorded before) and which PSS requirements apply.

    Requirements 1-8 apply by default: one may be left out only with a reason. Requirements
    9 and 10 (drug testing, drug appointment) may be applied, with details (DOMAIN.md 3).
    """
    _, sentence = _sentence_for_change(actor, crn, number)
    licence = Licence.objects.select_for_update().filter(sentence=sentence).first()
    if licence is None:
        raise ValidationError("This sentence has no licence")
    errors = {}
    if issued_by not in ("GOVERNOR", "PAROLE_BOARD"):
        errors["issued_by"] = "Select who issued the licence"
    if issued_on is not None and issued_on < sentence.sentence_date:
        errors["issued_on"] = "The licence cannot be issued before the sentence date"
    new_conditions = []
    for item in discretionary or ():
        category = (item or {}).get("category")
        if category not in DiscretionaryCategory.values:
            errors["discretionary"] = "Select a category for each discretionary condition"
            continue
        details = ((item or {}).get("details") or "").strip()
        new_conditions.append((ConditionKind.DISCRETIONARY, category, details))
    for details in bespoke or ():
        details = (details or "").strip()
        if not details:
            errors["bespoke"] = "Enter the wording of each bespoke condition"
            continue
        new_conditions.append((ConditionKind.BESPOKE, "", details))
    rows = {row.code: row for row in licence.pss_requirements.select_for_update()}
    pss = pss or {}
    if pss and not rows:
        errors["pss"] = "This licence has no post-sentence supervision"
    pss_changes = {}
    for code, values in pss.items():
        if rows and code not in rows:
            errors["pss"] = f"Unknown post-sentence supervision requirement: {code}"
            continue
        values = values or {}
        applied = bool(values.get("applied"))
        reason = (values.get("reason_not_applied") or "").strip()
        if code in PSS_DEFAULT_CODES and not applied and not reason:
            label = PssRequirementCode(code).label
            errors[f"pss_{code}"] = f"Enter why requirement {label} is not applied"
        if not applied and not reason:
            reason = NOT_APPLIED_BY_DEFAULT
        pss_changes[code] = {
            "applied": applied,
            "reason_not_applied": "" if applied else reason,
            "details": (values.get("details") or "").strip(),
        }
    _raise(errors)

    before = audit.snapshot(licence)
    before_conditions, before_pss = _conditions_summary(licence), _pss_summary(licence)
    licence.issued_on, licence.issued_by = issued_on, issued_by
    licence._history_user = actor
    licence.save()
    for condition in licence.conditions.exclude(kind=ConditionKind.STANDARD):
        condition._history_user = actor
        condition.delete()
    for kind, code, details in new_conditions:
        condition = LicenceCondition(licence=licence, kind=kind, code=code, details=details)
        condition._history_user = actor
        condition.save()
    for code, values in pss_changes.items():
        row = rows[code]
        for name, value in values.items():
            setattr(row, name, value)
        row._history_user = actor
        row.save()
    _audit_update(actor=actor, instance=licence, before=before, crn=sentence.person.crn)
    after_conditions, after_pss = _conditions_summary(licence), _pss_summary(licence)
    changes = {}
    if after_conditions != before_conditions:
        changes["conditions"] = [before_conditions, after_conditions]
    if after_pss != before_pss:
        changes["pss_requirements"] = [before_pss, after_pss]
    if changes:
        audit.record_event(
            actor=actor,
            action=audit.AuditAction.UPDATE,
            instance=licence,
            person_crn=sentence.person.crn,
            changes=changes,
        )
    return licence


# --- Selectors ---------------------------------------------------------------------------------


def requirement_progress(requirements: QuerySet[Requirement]) -> QuerySet[Requirement]:
    """The requirements annotated with ``hours_worked`` (unpaid work hours credited by
    attended contacts) and ``rar_days_used`` (attended contacts counted as RAR days): one
    query for any number of requirements."""
    credited = Contact.objects.filter(requirement=OuterRef("pk"), outcome__in=ATTENDED_OUTCOMES)
    hours = (
        credited.order_by()
        .values("requirement")
        .annotate(total=Sum("unpaid_work_hours"))
        .values("total")
    )
    days = (
        credited.filter(counts_as_rar_day=True)
        .order_by()
        .values("requirement")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return requirements.annotate(
        hours_worked=Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=2)),
            Value(0),
            output_field=DecimalField(max_digits=8, decimal_places=2),
        ),
        rar_days_used=Coalesce(
            Subquery(days, output_field=IntegerField()), Value(0), output_field=IntegerField()
        ),
    )


def sentences_queryset(person: Person) -> QuerySet[Sentence]:
    """A person's sentences with their requirements and progress, licence conditions and
    PSS requirements: four queries however many there are."""
    return (
        Sentence.objects.filter(person=person)
        .select_related("licence", "court_ldu", "termination")
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=requirement_progress(Requirement.objects.order_by("code")),
            ),
            Prefetch("licence__conditions", queryset=LicenceCondition.objects.order_by("pk")),
            Prefetch("licence__pss_requirements", queryset=PssRequirement.objects.order_by("pk")),
        )
        .order_by("number")
    )


def attach(sentence: Sentence, person: Person) -> Sentence:
    """Set the person (already loaded) and ``licence_record`` (the licence or None)."""
    sentence.person = person
    try:
        sentence.licence_record = sentence.licence
    except Licence.DoesNotExist:
        sentence.licence_record = None
    return sentence


def sentences_of(person: Person) -> list[Sentence]:
    """Every sentence of the person (already scoped by the caller), newest number last,
    with ``licence_record`` (the licence or None)."""
    return [attach(sentence, person) for sentence in sentences_queryset(person)]


def sentence_detail(*, user: User, crn: str, number: int) -> Sentence:
    """One sentence of a person the user may see; 404 otherwise (a sentence is found under
    its own person only)."""
    person = access.person_for_view(user, crn)
    sentence = sentences_queryset(person).filter(number=number).first()
    if sentence is None:
        raise Http404("No sentence with that number for this person.")
    return attach(sentence, person)


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows of the sentences: each with its requirements and
    progress and its licence. A constant number of queries."""
    sentences = sentences_of(person)
    return {
        "sentences": sentences,
        "active_sentences": [s for s in sentences if s.status == SentenceStatus.ACTIVE],
        "sentences_can_change": access.can_change(user, person),
    }
