"""The "needs action" list of a responsible officer (issue "Risk escalation, SFO and
enforcement", 6): a CRC offender manager's (or an NPS offender manager's, or a CRC
manager's) undecided failures to comply, breach referrals returned with advice, risk
reviews to refer back by their review-by date, intelligence to acknowledge, SFO reviews and
Victim Summary Reports due – everything waiting on their organisation – and, read-only,
the referrals their organisation made that await a reply (risk escalations, breach
referrals with the enforcement officer, recall requests awaiting endorsement or PPCS).

Scoped like every list (``probation.access.records_visible_to``). An offender manager sees
their own caseload's items (the people whose current offender manager they are); managers
may widen it to their team or their whole organisation. Read in one UNION query over the
workflows, ordered by deadline – overdue first – and paginated, then the people of one page
in one more query: a constant number of queries whatever the size.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.urls import NoReverseMatch, reverse

from enforcement import workflows as wf
from enforcement.models import (
    BreachReferral,
    BreachState,
    EscalationState,
    Failure,
    FailureState,
    Intelligence,
    IntelligenceState,
    RecallRequest,
    RecallState,
    ReviewState,
    RiskEscalation,
    RiskReview,
    SeriousFurtherOffence,
    SfoState,
    VictimSummaryReport,
    VsrState,
)
from probation import access, clock
from probation.models import OffenderManagerAssignment, Organisation, OrganisationKind, User
from probation.models.organisations import NPS_CODE
from probation.workflow import REGISTRY, business_days_left

MINE, TEAM, ORGANISATION = "mine", "team", "organisation"
SCOPES = {
    MINE: "My caseload",
    TEAM: "All of my team",
    ORGANISATION: "All of my organisation",
}
# Roles that may widen the list beyond their own caseload.
WIDENING_ROLES = frozenset({"CRC_MANAGER", "NPS_SENIOR_MANAGER"})

# What the officer must do: workflow, model, the states waiting on their organisation, and
# what to do in each.
TO_DO = (
    (wf.FAILURE, Failure, {FailureState.AWAITING_DECISION: "Decide on the failure to comply"}),
    (
        wf.BREACH_REFERRAL,
        BreachReferral,
        {BreachState.RETURNED: "Act on the enforcement officer's advice"},
    ),
    (wf.RISK_REVIEW, RiskReview, {ReviewState.OPEN: "Refer the case back for a risk review"}),
    (
        wf.INTELLIGENCE,
        Intelligence,
        {IntelligenceState.AWAITING_ACKNOWLEDGEMENT: "Acknowledge the intelligence"},
    ),
    (
        wf.SFO_REVIEW,
        SeriousFurtherOffence,
        {SfoState.REVIEW_DUE: "Complete the serious further offence review"},
    ),
    (
        wf.VICTIM_SUMMARY_REPORT,
        VictimSummaryReport,
        {
            VsrState.DUE: "Write the Victim Summary Report",
            VsrState.WRITTEN: "Share the Victim Summary Report with the victims",
        },
    ),
)
# The referrals the organisation made that wait on someone else: workflow, model, the field
# naming the organisation that made it, and the states that await a reply.
AWAITING_REPLY = (
    (
        wf.RISK_ESCALATION,
        RiskEscalation,
        "raised_by_organisation",
        {EscalationState.AWAITING_NPS: "Risk escalation: waiting for the NPS to decide"},
    ),
    (
        wf.BREACH_REFERRAL,
        BreachReferral,
        "referred_by_organisation",
        {BreachState.AWAITING_EO: "Breach referral: waiting for the enforcement officer"},
    ),
    (
        wf.RECALL_REQUEST,
        RecallRequest,
        "requested_by_organisation",
        {
            RecallState.AWAITING_ENDORSEMENT: "Recall request: waiting for NPS endorsement",
            RecallState.AWAITING_PPCS: "Recall request: waiting for PPCS to decide",
        },
    ),
)
_WHAT = {
    (workflow.name, state): text for workflow, _, states in TO_DO for state, text in states.items()
} | {
    (workflow.name, state): text
    for workflow, _, _, states in AWAITING_REPLY
    for state, text in states.items()
}


@dataclass(frozen=True)
class Item:
    workflow: str
    record_id: int
    person: object
    state: str
    what: str
    due_by: datetime.date | None
    days_left: int | None
    awaiting_reply: bool
    url: str

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_by(self) -> int:
        return -self.days_left if self.overdue else 0


def may_use(user: User) -> bool:
    return any(
        role.code in access.RESPONSIBLE_OFFICER_ROLES for role in access.effective_roles(user)
    )


def scopes_for(user: User) -> dict[str, str]:
    """The list's filters the user may choose: managers widen it to their team or
    organisation; an offender manager sees their own caseload."""
    roles = {role.code for role in access.effective_roles(user)}
    if roles & WIDENING_ROLES:
        return SCOPES
    return {MINE: SCOPES[MINE]}


def _ours(user: User) -> Q:
    """Records waiting on the user's organisation. A step of an NPS-managed case waits on
    the NPS as a whole: an NPS division's staff take those of people in their division."""
    organisation = user.organisation
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        nps = Organisation.objects.filter(code=NPS_CODE).values("pk")
        return Q(waiting_on=organisation) | Q(
            waiting_on__in=nps, person__ldu__division=organisation
        )
    return Q(waiting_on=organisation)


def _caseload(user: User, scope: str) -> Q:
    if scope == ORGANISATION:
        return Q()
    current = OffenderManagerAssignment.objects.filter(
        person=OuterRef("person"), ended_at__isnull=True
    )
    if scope == TEAM:
        current = current.filter(team_id=user.team_id)
    else:
        current = current.filter(offender_manager=user)
    return Q(Exists(current))


def _rows(queryset: QuerySet, workflow, *, reply: bool) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(
            item_workflow=Value(workflow.name, output_field=CharField()),
            item_id=F("pk"),
            item_person=F("person_id"),
            item_state=F("state"),
            item_due=F("due_by"),
            item_reply=Value(reply, output_field=BooleanField()),
        )
        .values_list(
            "item_workflow", "item_id", "item_person", "item_state", "item_due", "item_reply"
        )
    )


def needs_action(*, user: User, scope: str = MINE) -> QuerySet:
    """The rows of the user's list (see the module docstring) as one UNION query of
    ``(workflow, record id, person id, state, due_by, awaiting reply)``, soonest due first
    (overdue first). Slice it, then ``items(rows)`` for what a page shows."""
    if user.organisation is None or not may_use(user):
        raise PermissionDenied("Only offender managers and their managers have this list.")
    if scope not in scopes_for(user):
        scope = MINE
    caseload = _caseload(user, scope)
    # People the user may see, as one subquery (``access.records_visible_to`` for each part,
    # vetting checked once).
    visible = Q(person__in=access.people_visible_to(user))
    parts = []
    for workflow, model, states in TO_DO:
        records = model.objects.filter(visible, _ours(user), caseload, state__in=list(states))
        parts.append(_rows(records, workflow, reply=False))
    for workflow, model, field, states in AWAITING_REPLY:
        records = model.objects.filter(
            visible, caseload, **{f"{field}_id": user.organisation_id}, state__in=list(states)
        )
        parts.append(_rows(records, workflow, reply=True))
    first, *rest = parts
    return first.union(*rest, all=True).order_by(
        "item_due", "item_reply", "item_workflow", "item_id"
    )


def items(rows, *, today: datetime.date | None = None) -> list[Item]:
    """What the page shows for some rows of ``needs_action``: the people in one query."""
    from probation.models import Person

    rows = list(rows)
    today = today or clock.today()
    people = Person.objects.only("crn", "first_name", "last_name").in_bulk({row[2] for row in rows})
    links: dict[str, bool] = {}
    result = []
    for name, record_id, person_id, state, due_by, reply in rows:
        person = people[person_id]
        result.append(
            Item(
                workflow=name,
                record_id=record_id,
                person=person,
                state=state,
                what=_WHAT[name, state],
                due_by=due_by,
                days_left=business_days_left(due_by, today=today),
                awaiting_reply=bool(reply),
                url=record_url(name, person.crn, record_id, links),
            )
        )
    return result


def record_url(workflow: str, crn: str, record_id: int, known: dict | None = None) -> str:
    """The record's page (``enforcement:<workflow>``), or "" while it does not exist."""
    if known is not None and known.get(workflow) is False:
        return ""
    try:
        url = reverse(f"enforcement:{workflow}", args=[crn, record_id])
    except NoReverseMatch:
        url = ""
    if known is not None:
        known[workflow] = bool(url)
    return url


# --- The case overview's panel (probation.views.people.person_detail) -----------------------

OVERVIEW_DOCUMENTS = 10
# Actions offered from the case, each a page of the enforcement app taking the CRN.
CASE_ACTIONS = (
    ("enforcement:failure-create", "Record a failure to comply"),
    ("enforcement:escalation-create", "Raise a risk escalation referral"),
    ("enforcement:recall-create", "Request a recall"),
    ("enforcement:sfo-create", "Record a serious further offence"),
)
NPS_CASE_ACTIONS = (("enforcement:intelligence-create", "Share intelligence with the CRC"),)


@dataclass(frozen=True)
class OpenRecord:
    workflow: str
    label: str
    record_id: int
    state_label: str
    waiting_on: str
    due_by: datetime.date | None
    days_left: int | None
    url: str

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def overview_context(*, user: User, person, can_change: bool | None = None) -> dict:
    """The person's open workflow records (every workflow, one UNION query) with their
    state, who they wait on and by when, the person's documents (one query), and the
    enforcement actions the user may start from the case. The caller has checked the user
    may see the person; ``can_change`` spares asking again whether they may change it."""
    from probation import documents

    parts = [
        model.objects.filter(person=person, closed_at__isnull=True)
        .order_by()
        .annotate(
            item_workflow=Value(workflow.name, output_field=CharField()),
            item_id=F("pk"),
            item_state=F("state"),
            item_waiting=F("waiting_on__name"),
            item_due=F("due_by"),
            item_opened=F("opened_at"),
        )
        .values_list(
            "item_workflow", "item_id", "item_state", "item_waiting", "item_due", "item_opened"
        )
        for workflow, model in wf.WORKFLOWS
    ]
    first, *rest = parts
    rows = first.union(*rest, all=True).order_by("item_due", "item_opened", "item_workflow")
    today = clock.today()
    links: dict[str, bool] = {}
    open_records = []
    for name, record_id, state, waiting_on, due_by, _ in rows:
        workflow = REGISTRY[name]
        open_records.append(
            OpenRecord(
                workflow=name,
                label=workflow.label,
                record_id=record_id,
                state_label=workflow.states(state).label,
                waiting_on=waiting_on or "",
                due_by=due_by,
                days_left=business_days_left(due_by, today=today),
                url=record_url(name, person.crn, record_id, links),
            )
        )
    actions = []
    if can_change is None:
        can_change = access.can_change(user, person)
    if can_change:
        offered = CASE_ACTIONS
        if user.organisation and user.organisation.kind == OrganisationKind.NPS_DIVISION:
            offered += NPS_CASE_ACTIONS
        for url_name, text in offered:
            try:
                actions.append((reverse(url_name, args=[person.crn]), text))
            except NoReverseMatch:  # that page is not there (yet)
                continue
    return {
        "open_workflow_records": open_records,
        "case_documents": list(documents.documents_of(person)[:OVERVIEW_DOCUMENTS]),
        "enforcement_actions": actions,
    }
