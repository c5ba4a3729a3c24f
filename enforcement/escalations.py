"""Risk escalation referrals from a CRC to the NPS (DOMAIN.md 5; TOM 1.4 "Risk Management
and Risk Escalation"): the services that raise, decide and withdraw them, and the reads the
pages share. The workflow's states, who may move them and the deadlines are the table
``enforcement.workflows.RISK_ESCALATION``.

- The responsible officer of a **CRC** case raises a referral with the new information, the
  CRC's view and the RoSH on the person's current plan (a case without a plan cannot be
  referred: the plan is where the RoSH is recorded, DOMAIN.md 5). One referral per person
  waits at a time. **Immediate risk** puts it in the same-day queue (the table's deadline)
  and lets the officer start a recall in parallel. A referral answers the risk review set
  at allocation (``enforcement.reviews``): the open review is marked referred.
- An NPS senior manager of the person's division decides. **High**: in one transaction the
  NPS becomes responsible, the case moves to the chosen NPS team (and officer), the CRC
  officers named for continued interventions get a per-object grant on the person, and any
  open risk review is cancelled. Every sentence's PbR cohort is left alone: an escalated
  case **stays in the CRC's PbR cohort** (DOMAIN.md 5). **Not high**: the CRC keeps the
  case and is told the NPS's reasons.
- A case at the NPS stays there when its risk falls: nothing here (or anywhere in the
  platform) moves a case back from the NPS, a new referral on an NPS case is refused, and
  the allocation rules keep an NPS-managed person with the NPS
  (``allocation.rules.Rule.EXISTING_NPS_CASE``, "a person the NPS already manages stays
  with the NPS").

Two senior managers deciding at once: both lock the person's row first, then the referral's,
so they are served one after the other; the second is told who decided and when.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from enforcement.models import EscalationState, ReviewState, RiskEscalation, RiskReview
from enforcement.workflows import RISK_ESCALATION, RISK_REVIEW
from probation import access, audit, clock, services, signals
from probation.models import (
    NotificationKind,
    OffenderManagerAssignment,
    Organisation,
    Person,
    PlanVersion,
    Sentence,
    SentenceStatus,
    SentenceType,
    Team,
    User,
)
from probation.models.organisations import NPS_CODE
from probation.notifications import notify

# The roles of the raising CRC that may keep delivering interventions after a transfer.
GRANTEE_ROLES = frozenset({"CRC_OFFENDER_MANAGER", "CRC_MANAGER"})

_RELATED = (
    "raised_by",
    "raised_by_organisation",
    "division",
    "decided_by",
    "nps_team",
    "nps_offender_manager",
    "risk_review",
)


# --- Reads -----------------------------------------------------------------------------------


def escalation_of(user: User, crn: str, escalation_id: int) -> RiskEscalation:
    """A referral of a person the user may see, found under that person only; 404
    otherwise (a referral of another person under a visible CRN is missing too)."""
    escalation = access.record_of(
        user,
        crn,
        RiskEscalation.objects.select_related(*_RELATED),
        escalation_id,
        missing="No risk escalation referral found for this person.",
    )
    return escalation


def current_rosh(person: Person) -> str | None:
    """The RoSH on the person's current plan (its newest version), or None without a plan."""
    return (
        PlanVersion.objects.filter(person=person)
        .order_by("-version")
        .values_list("rosh_level", flat=True)
        .first()
    )


def may_raise(user: User, person: Person) -> bool:
    """Whether the user may refer the person's case: the responsible officer of a CRC case."""
    return person.responsible_provider.is_crc and access.is_responsible_officer(user, person)


def on_licence(person: Person) -> bool:
    """Whether the person is on licence today (a recall request can run in parallel)."""
    today = clock.today()
    return (
        Sentence.objects.filter(
            person=person,
            status=SentenceStatus.ACTIVE,
            sentence_type=SentenceType.CUSTODIAL,
            licence_start_date__lte=today,
        )
        .exclude(licence_end_date__lt=today)
        .exists()
    )


def nps_teams(person: Person) -> list[Team]:
    """The teams of the person's NPS division, where a case decided high can go."""
    return list(Team.objects.filter(organisation_id=person.ldu.division_id).order_by("name"))


def grantee_choices(escalation: RiskEscalation) -> list[User]:
    """CRC staff who may be named to keep delivering interventions: the officer who raised
    the referral and the members of the CRC team managing the case now."""
    team_ids = OffenderManagerAssignment.objects.filter(
        person_id=escalation.person_id,
        ended_at__isnull=True,
        provider_id=escalation.raised_by_organisation_id,
    ).values("team_id")
    users = User.objects.filter(
        organisation_id=escalation.raised_by_organisation_id,
        is_active=True,
        groups__name__in=[_group(code) for code in GRANTEE_ROLES],
    ).filter(team_id__in=team_ids).exclude(kind="API_CLIENT") | User.objects.filter(
        pk=escalation.raised_by_id
    )
    return list(users.distinct().order_by("last_name", "first_name", "pk"))


def _group(code: str) -> str:
    from probation.roles import ROLES_BY_CODE

    return ROLES_BY_CODE[code].group_name


# --- Raising ---------------------------------------------------------------------------------


def _locked_open_review(person: Person, review_id: int | None) -> RiskReview | None:
    reviews = RiskReview.objects.select_for_update(of=("self",)).filter(person=person)
    if review_id is not None:
        review = reviews.filter(pk=review_id).first()
        if review is None or review.state != ReviewState.OPEN:
            raise ValidationError(
                {"risk_review_id": "Choose a risk review of this person still waiting for you"}
            )
        return review
    return reviews.filter(state=ReviewState.OPEN).order_by("review_by", "pk").first()


@transaction.atomic
def escalation_raise(
    *,
    actor: User,
    crn: str,
    new_information: str,
    crc_view: str,
    immediate_risk: bool = False,
    immediate_action: str = "",
    risk_review_id: int | None = None,
) -> RiskEscalation:
    """Refer a CRC case to the NPS because its risk of serious harm may have risen to high
    (see the module docstring)."""
    person = access.person_for_change(actor, crn, lock=True)
    if not person.responsible_provider.is_crc:
        raise ValidationError(
            "The NPS manages this case: a risk escalation referral is made by the CRC managing "
            "a case, and a case at the NPS stays there even if its risk falls"
        )
    if not access.is_responsible_officer(actor, person):
        raise PermissionDenied(
            "Only the responsible officer of the CRC managing the case can refer it to the NPS."
        )
    errors = {}
    new_information, crc_view = (new_information or "").strip(), (crc_view or "").strip()
    immediate_action = (immediate_action or "").strip()
    if not new_information:
        errors["new_information"] = "Enter what has come to light or changed"
    if not crc_view:
        errors["crc_view"] = "Enter your view of the risk of serious harm now"
    if immediate_risk and not immediate_action:
        errors["immediate_action"] = (
            "Enter what you did at once about the immediate risk (police, health services ...)"
        )
    rosh = current_rosh(person)
    if rosh is None:
        errors["current_rosh"] = (
            "Record the person's plan with the current RoSH before referring the case"
        )
    review = _locked_open_review(person, risk_review_id)
    if errors:
        raise ValidationError(errors)
    waiting = (
        RiskEscalation.objects.select_related("raised_by")
        .filter(person=person, state=EscalationState.AWAITING_NPS)
        .first()
    )
    if waiting is not None:
        raise ValidationError(
            f"{waiting.raised_by.display_name} referred this case to the NPS on "
            f"{waiting.opened_at:%-d %B %Y}; the NPS has not decided yet. Nothing was changed"
        )
    escalation = RiskEscalation(
        person=person,
        raised_by=actor,
        raised_by_organisation_id=person.responsible_provider_id,
        division_id=person.ldu.division_id,
        new_information=new_information,
        current_rosh=rosh,
        crc_view=crc_view,
        immediate_risk=bool(immediate_risk),
        immediate_action=immediate_action if immediate_risk else "",
        risk_review=review,
    )
    try:
        with transaction.atomic():
            RISK_ESCALATION.open(escalation, state=EscalationState.AWAITING_NPS, actor=actor)
    except IntegrityError:
        raise ValidationError(
            "This case has just been referred to the NPS by someone else. Nothing was changed"
        ) from None
    if review is not None:
        RISK_REVIEW.advance(
            review, "refer", actor=actor, notes=f"Risk escalation referral {escalation.pk}"
        )
    _tell_the_division(escalation)
    return escalation


def escalation_url(escalation: RiskEscalation) -> str:
    return reverse("enforcement:risk_escalation", args=[escalation.person.crn, escalation.pk])


def _tell_the_division(escalation: RiskEscalation) -> None:
    person = escalation.person
    urgency = "IMMEDIATE RISK – decide today: " if escalation.immediate_risk else ""
    notify(
        kind=NotificationKind.RISK_ESCALATION,
        organisation=escalation.division,
        role="NPS_SENIOR_MANAGER",
        person=person,
        title=f"{urgency}Risk escalation referral: {person.full_name} ({person.crn}) from "
        f"{escalation.raised_by_organisation.name}",
        body=escalation.new_information,
        url=escalation_url(escalation),
        key=f"risk-escalation:{escalation.pk}:raised",
    )


# --- Deciding --------------------------------------------------------------------------------


def _locked(person: Person, escalation_id: int) -> RiskEscalation:
    escalation = (
        RiskEscalation.objects.select_for_update(of=("self",))
        .filter(person=person, pk=escalation_id)
        .first()
    )
    if escalation is None:
        raise Http404("No risk escalation referral found for this person.")
    escalation.person = person
    return escalation


@transaction.atomic
def escalation_decide(
    *,
    actor: User,
    crn: str,
    escalation_id: int,
    high: bool,
    decision_reason: str,
    nps_team: Team | None = None,
    nps_offender_manager: User | None = None,
    continued_interventions: str = "",
    crc_grantees=(),
) -> RiskEscalation:
    """The NPS's decision on a referral (see the module docstring). High needs the NPS team
    of the person's division (and optionally its officer); continued interventions need the
    CRC officers who deliver them, and they alone get the grant on the person."""
    person = access.person_for_change(actor, crn, lock=True)
    escalation = _locked(person, escalation_id)
    action = "decide_high" if high else "decide_not_high"
    RISK_ESCALATION.check(escalation, action, actor=actor)
    errors = {}
    decision_reason = (decision_reason or "").strip()
    continued_interventions = (continued_interventions or "").strip()
    grantees = list(crc_grantees or ())
    if not decision_reason:
        errors["decision_reason"] = "Enter the reasons for your decision"
    if high:
        if nps_team is None:
            errors["nps_team"] = "Choose the NPS team that will manage the case"
        elif nps_team.organisation_id != person.ldu.division_id:
            errors["nps_team"] = f"Choose a team of {person.ldu.division.name}"
        if continued_interventions and not grantees:
            errors["crc_grantees"] = "Choose the CRC officers who keep delivering interventions"
        if grantees and not continued_interventions:
            errors["continued_interventions"] = "Enter the interventions the CRC keeps delivering"
        for grantee in grantees:
            if (
                grantee.organisation_id != escalation.raised_by_organisation_id
                or not grantee.is_active
                or grantee.is_api_client
            ):
                errors["crc_grantees"] = (
                    f"Choose officers of {escalation.raised_by_organisation.name}"
                )
    if errors:
        raise ValidationError(errors)

    before = audit.snapshot(escalation)
    now = clock.now()
    escalation.decided_by, escalation.decided_at = actor, now
    escalation.decision_reason = decision_reason
    if high:
        escalation.nps_team, escalation.nps_offender_manager = nps_team, nps_offender_manager
        escalation.continued_interventions = continued_interventions
    RISK_ESCALATION.advance(escalation, action, actor=actor, at=now, before=before)
    _close_answered_review(actor=actor, escalation=escalation, action="answer")
    if high:
        _move_to_nps(actor=actor, person=person, team=nps_team, om=nps_offender_manager, at=now)
        for grantee in grantees:
            services.person_access_grant(
                actor=actor, crn=person.crn, grantee=grantee, permission="change_person"
            )
        _cancel_open_reviews(actor=actor, person=person, escalation=escalation)
    _tell_the_crc(escalation)
    return escalation


def _move_to_nps(*, actor: User, person: Person, team: Team, om: User | None, at) -> None:
    """The NPS becomes responsible and the case moves to its team, ending the CRC's
    assignment (as ``probation.transfers._move_case``). The sentences' ``pbr_provider`` is
    not touched: the case stays in the CRC's PbR cohort (DOMAIN.md 5)."""
    before = audit.snapshot(person)
    person.responsible_provider = Organisation.objects.get(code=NPS_CODE)
    services._check_assignment(person, team, om)
    person._history_user = actor
    person.save(update_fields=["responsible_provider", "updated_at"])
    audit.record_update(actor=actor, instance=person, before=before)
    signals.provider_changed.send(sender=Person, actor=actor, person=person, at=at)
    current = (
        OffenderManagerAssignment.objects.select_for_update(of=("self",))
        .select_related("team", "offender_manager")
        .filter(person=person, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        current.ended_at = at
        current.save(update_fields=["ended_at"])
    assignment = services._start_assignment(
        actor=actor, person=person, team=team, offender_manager=om, at=at
    )
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=person,
        changes={"offender_manager": [services._describe(current), services._describe(assignment)]},
    )


def _cancel_open_reviews(*, actor: User, person: Person, escalation: RiskEscalation) -> None:
    """A case the NPS took has no review left for the CRC to answer."""
    reviews = RiskReview.objects.select_for_update(of=("self",)).filter(
        person=person, state=ReviewState.OPEN
    )
    for review in reviews:
        before = audit.snapshot(review)
        review.cancelled_reason = (
            f"The NPS took the case on risk escalation referral {escalation.pk}"
        )
        RISK_REVIEW.advance(review, "cancel", actor=actor, before=before, system=True)


def _tell_the_crc(escalation: RiskEscalation) -> None:
    """Tell the CRC that referred the case what the NPS decided. After a transfer the CRC
    can no longer open the case (unless granted), so the notice then names only the CRN."""
    crc, person = escalation.raised_by_organisation, escalation.person
    team = escalation.raised_by.team if escalation.raised_by.team_id else None
    if team is not None and team.organisation_id != crc.pk:
        team = None
    high = escalation.state == EscalationState.HIGH
    notify(
        kind=NotificationKind.RISK_ESCALATION,
        organisation=crc,
        team=team,
        person=None if high else person,
        title=(
            f"Risk escalation of {person.crn}: decided high, the case has moved to the NPS"
            if high
            else f"Risk escalation of {person.full_name} ({person.crn}): not high, the case "
            "stays with you"
        ),
        body="" if high else escalation.decision_reason,
        url="" if high else escalation_url(escalation),
        key=f"risk-escalation:{escalation.pk}:decided",
    )


# --- Withdrawing -----------------------------------------------------------------------------


@transaction.atomic
def escalation_withdraw(*, actor: User, crn: str, escalation_id: int, reason: str = ""):
    """The CRC that raised a referral withdraws it while the NPS has not decided."""
    person = access.person_for_change(actor, crn, lock=True)
    escalation = _locked(person, escalation_id)
    RISK_ESCALATION.check(escalation, "withdraw", actor=actor)
    RISK_ESCALATION.advance(escalation, "withdraw", actor=actor, notes=(reason or "").strip())
    # The CRC still owes the review the withdrawn referral answered: it is open again.
    _close_answered_review(actor=actor, escalation=escalation, action="reopen")
    return escalation


def _close_answered_review(*, actor: User, escalation: RiskEscalation, action: str) -> None:
    """The review this referral answered: ``answer`` once the NPS decides, ``reopen`` when
    the referral is withdrawn (due again on its review-by date)."""
    if escalation.risk_review_id is None:
        return
    review = RiskReview.objects.select_for_update(of=("self",)).get(pk=escalation.risk_review_id)
    if review.state == ReviewState.REFERRED:
        RISK_REVIEW.advance(
            review, action, actor=actor, system=True, notes=f"Risk escalation {escalation.pk}"
        )


# --- The senior managers' queue ----------------------------------------------------------------


def escalation_queue(*, user: User):
    """Referrals waiting on the user's organisation (an NPS division), of people the user may
    see: immediate risk first (the same-day queue), then by deadline – so overdue referrals
    come before those due later – then oldest first."""
    if not user.is_authenticated or user.organisation_id is None:
        return RiskEscalation.objects.none()
    waiting = RiskEscalation.objects.filter(
        state=EscalationState.AWAITING_NPS, waiting_on_id=user.organisation_id
    )
    return (
        access.records_visible_to(user, waiting)
        .select_related("person", "raised_by", "raised_by_organisation")
        .order_by("-immediate_risk", "due_by", "opened_at", "pk")
    )
