"""The plan of a case (DOMAIN.md 5: "each CRC case needs a plan: current RoSH, how it is
managed, needs, likelihood of reoffending, how the sentence will be delivered; kept up to
date"; DOMAIN.md 11: "a written plan after sentence, reviewed").

Plans are never edited: every change is a new version, numbered under a row lock on the
person, so the plan as it stood on any date can be shown.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from probation import access, audit, clock
from probation.models import Need, Person, PlanVersion, ReoffendingLikelihood, RiskLevel, User

PLAN_FIELDS = (
    "rosh_level",
    "rosh_assessed_on",
    "rosh_assessor",
    "needs",
    "reoffending_likelihood",
    "objectives",
    "review_date",
    "risk_management",
    "sentence_delivery",
)


def _clean(values: dict, *, today: datetime.date) -> dict:
    errors = {}
    cleaned = dict(values)
    if values.get("rosh_level") not in RiskLevel.values:
        errors["rosh_level"] = "Select the risk of serious harm"
    if values.get("reoffending_likelihood") not in ReoffendingLikelihood.values:
        errors["reoffending_likelihood"] = "Select the likelihood of reoffending"
    for name, message in (
        ("rosh_assessor", "Enter who assessed the risk of serious harm"),
        ("objectives", "Enter the objectives of the plan"),
    ):
        cleaned[name] = (values.get(name) or "").strip()
        if not cleaned[name]:
            errors[name] = message
    for name in ("risk_management", "sentence_delivery"):
        cleaned[name] = (values.get(name) or "").strip()

    needs = values.get("needs")
    if needs is None:
        needs = []
    if isinstance(needs, str) or not all(isinstance(n, str) for n in needs):
        errors["needs"] = "Select the needs from the list"
    else:
        unknown = sorted(set(needs) - set(Need.values))
        if unknown:
            errors["needs"] = f"Not a need: {', '.join(unknown)}"
        # Stored once each, in the list's order, so versions compare cleanly.
        cleaned["needs"] = [need for need in Need.values if need in set(needs)]

    assessed = values.get("rosh_assessed_on")
    review = values.get("review_date")
    if not isinstance(assessed, datetime.date):
        errors["rosh_assessed_on"] = "Enter the date of the RoSH assessment"
    elif assessed > today:
        errors["rosh_assessed_on"] = "The RoSH assessment date must be today or in the past"
    if not isinstance(review, datetime.date):
        errors["review_date"] = "Enter the review date"
    elif review < today:
        errors["review_date"] = "The review date must be today or in the future"
    elif isinstance(assessed, datetime.date) and review <= assessed:
        errors["review_date"] = "The review date must be after the RoSH assessment"
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def plan_create(
    *,
    actor: User,
    crn: str,
    rosh_level: str,
    rosh_assessed_on: datetime.date,
    rosh_assessor: str,
    needs: list[str],
    reoffending_likelihood: str,
    objectives: str,
    review_date: datetime.date,
    risk_management: str = "",
    sentence_delivery: str = "",
) -> PlanVersion:
    """Write a new version of the person's plan, in force from now."""
    person = access.person_for_change(actor, crn, lock=True)
    fields = _clean(
        {
            "rosh_level": rosh_level,
            "rosh_assessed_on": rosh_assessed_on,
            "rosh_assessor": rosh_assessor,
            "needs": needs,
            "reoffending_likelihood": reoffending_likelihood,
            "objectives": objectives,
            "review_date": review_date,
            "risk_management": risk_management,
            "sentence_delivery": sentence_delivery,
        },
        today=clock.today(),
    )
    # The person's row lock (above) serialises version numbers for this person.
    latest = PlanVersion.objects.filter(person=person).aggregate(v=Max("version"))["v"] or 0
    plan = PlanVersion.objects.create(
        person=person,
        version=latest + 1,
        effective_from=clock.now(),
        created_by=actor,
        **fields,
    )
    audit.record_create(actor=actor, instance=plan)
    return plan


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in the service's time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )


def plan_as_at(person: Person, when: datetime.date | datetime.datetime) -> PlanVersion | None:
    """The version in force at ``when``: for a date, at the end of that day."""
    versions = PlanVersion.objects.filter(person=person).select_related("created_by")
    if isinstance(when, datetime.datetime):
        versions = versions.filter(effective_from__lte=when)
    else:
        versions = versions.filter(effective_from__lt=end_of_day(when))
    return versions.order_by("-effective_from", "-version").first()


def current_plan(person: Person) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(person=person)
        .select_related("created_by")
        .order_by("-version")
        .first()
    )


def plan_versions(*, user: User, crn: str):
    """Every version of a person's plan, newest first (the history)."""
    person = access.person_for_view(user, crn)
    return (
        PlanVersion.objects.filter(person=person).select_related("created_by").order_by("-version")
    )


def plan_version(*, user: User, crn: str, version: int) -> PlanVersion | None:
    return plan_versions(user=user, crn=crn).filter(version=version).first()


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows about the plan: the current version and whether its
    review is due (one query, after the scope check)."""
    plan = (
        access.records_visible_to(user, PlanVersion.objects.filter(person=person))
        .select_related("created_by")
        .order_by("-version")
        .first()
    )
    today = clock.today()
    return {
        "plan": plan,
        "plan_needs": need_labels(plan.needs) if plan else [],
        "plan_review_overdue": bool(plan and plan.review_date < today),
    }


def need_labels(needs: list[str]) -> list[str]:
    labels = dict(Need.choices)
    return [labels.get(need, need) for need in needs]
