"""The engine that runs the workflows between organisations: referrals, requests, reviews.

A workflow is declared once, as a table (``Workflow``): its states, for each state who must
act and the step's deadline in business days, and its transitions – which states each
action leaves, where it goes and who may take it. ``enforcement.workflows`` holds the
tables of the risk-escalation, serious-further-offence and enforcement workflows.

Services never set ``state`` themselves. They lock the record, call ``check`` (an action
the table does not allow from the current state is refused with a ``InvalidTransition``
naming both; someone the table does not allow gets ``PermissionDenied``), set their own
fields, then ``advance``: the state, the organisation now waited on and the new step's
deadline are set, the record saved, and a ``WorkflowEvent`` (who, when, from, to, and
whether the step just finished was in time) and an audit row are written in the same
transaction.

Deadlines: a step with ``business_days`` n is due ``add_business_days(start, n)`` where
``start`` is the local date the step began – n = 0 means the same business day (or the
next one if it began on a weekend or holiday). The calendar is ``probation.calendar``.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from probation import audit, clock
from probation.calendar import add_business_days
from probation.models import User
from probation.models.workflow import WorkflowEvent

REGISTRY: dict[str, "Workflow"] = {}
# The model of each workflow's records, by workflow name (``register_models``): the deadline
# jobs read every registered workflow, whichever app declares it.
MODELS: dict[str, type[models.Model]] = {}


class InvalidTransition(ValidationError):
    """An action the workflow does not allow from the record's current state."""


@dataclass(frozen=True)
class Step:
    """What a state means for the clock: who must act and by when. A state with neither is
    final or merely waiting on the outside world (a court hearing)."""

    # The id of the organisation that must act in this state.
    waiting_on: Callable[[models.Model], int | None] | None = None
    business_days: Callable[[models.Model], int | None] | None = None
    # Or a date fixed by the record itself (a review-by date set at allocation).
    due_on: Callable[[models.Model], datetime.date | None] | None = None
    final: bool = False
    # Where the deadline comes from, for people reading the table: "policy.X (default 5)".
    deadline_source: str = ""


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # what the action does, for messages: "record the enforcement officer's decision"
    sources: tuple[str, ...]
    target: str
    may: Callable[[User, models.Model], bool]
    who: str  # who may take it, for the refusal: "an NPS enforcement officer of the division"
    # A rule beyond the state, e.g. "a warning only if none in the last 12 months": returns
    # why the action is not allowed on this record now, or None.
    guard: Callable[[models.Model], str | None] | None = None


@dataclass
class Workflow:
    name: str
    label: str  # "breach referral"
    states: type[models.TextChoices]
    steps: dict[str, Step]
    transitions: list[Transition] = field(default_factory=list)
    initial: tuple[str, ...] = ()

    def __post_init__(self):
        states = set(self.states.values)
        assert set(self.steps) == states, f"{self.name}: a Step for every state"
        actions = [t.action for t in self.transitions]
        assert len(actions) == len(set(actions)), f"{self.name}: actions are unique"
        for t in self.transitions:
            assert set(t.sources) <= states and t.target in states, f"{self.name}.{t.action}"
            assert not any(self.steps[s].final for s in t.sources), f"{self.name}.{t.action}"
        assert set(self.initial) <= states
        REGISTRY[self.name] = self

    # --- reading the table --------------------------------------------------------------

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise InvalidTransition(f"There is no action {action!r} on a {self.label}.")

    def allowed_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def actions_for(self, user: User, record) -> list[Transition]:
        """The actions this user may take on the record now (for the pages' buttons)."""
        return [
            t
            for t in self.allowed_from(record.state)
            if t.may(user, record) and not (t.guard and t.guard(record))
        ]

    def deadline_states(self) -> list[str]:
        return [s for s, step in self.steps.items() if step.business_days or step.due_on]

    # --- changing a record -------------------------------------------------------------------

    def check(self, record, action: str, *, actor: User) -> Transition:
        """The transition, if the table allows it from the record's state and to this actor;
        refused otherwise. Call with the record locked, before changing anything."""
        transition = self.transition(action)
        if record.state not in transition.sources:
            state = self.states(record.state).label.lower()
            raise InvalidTransition(
                f"This {self.label} is {state}{self._last_move(record)}: you cannot "
                f"{transition.label} now."
            )
        if not transition.may(actor, record):
            raise PermissionDenied(f"Only {transition.who} can {transition.label}.")
        refusal = transition.guard(record) if transition.guard else None
        if refusal:
            raise InvalidTransition(refusal)
        return transition

    def _last_move(self, record) -> str:
        last = (
            WorkflowEvent.objects.filter(workflow=self.name, record_id=record.pk)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        if last is None or last.actor is None:
            return ""
        when = timezone.localtime(last.at)
        name = last.actor.get_full_name() or last.actor.username
        return f" (by {name}, {when:%-d %B %Y at %H:%M})"

    def open(self, record, *, state: str, actor: User, at=None, notes: str = ""):
        """Save a new record in one of the workflow's initial states, with its first event."""
        assert state in self.initial, f"{self.name} cannot open in {state}"
        at = at or clock.now()
        record.opened_at = at
        self._enter(record, state, at)
        record.save()
        self._event(record, action="open", from_state="", at=at, actor=actor, notes=notes)
        audit.record_create(actor=actor, instance=record)
        return record

    def advance(
        self,
        record,
        action: str,
        *,
        actor: User | None,
        at=None,
        notes: str = "",
        before: dict | None = None,
        system: bool = False,
    ):
        """Move the record by ``action`` (checked again here), save it, and record the event
        and the audit row. ``before`` is the record's snapshot taken before the service set
        its own fields (so the audit row shows them too). ``system`` moves made by jobs skip
        the actor check."""
        if before is None:
            before = audit.snapshot(record)
        if system:
            transition = self.transition(action)
            if record.state not in transition.sources:
                raise InvalidTransition(f"{self.name}: {action} from {record.state}")
        else:
            transition = self.check(record, action, actor=actor)
        at = at or clock.now()
        previous = {
            "state": record.state,
            "waiting_on_id": record.waiting_on_id,
            "step_started_at": record.step_started_at,
            "due_by": record.due_by,
        }
        self._enter(record, transition.target, at)
        record.save()
        self._event(
            record,
            action=action,
            from_state=previous["state"],
            at=at,
            actor=actor,
            notes=notes,
            previous=previous,
        )
        audit.record_update(actor=actor, instance=record, before=before)
        return record

    def _enter(self, record, state: str, at: datetime.datetime) -> None:
        step = self.steps[state]
        record.state = state
        record.step_started_at = at
        record.waiting_on_id = step.waiting_on(record) if step.waiting_on else None
        days = step.business_days(record) if step.business_days else None
        if days is not None:
            record.due_by = add_business_days(timezone.localdate(at), days)
        else:
            record.due_by = step.due_on(record) if step.due_on else None
        record.closed_at = at if step.final else None

    def _event(self, record, *, action, from_state, at, actor, notes, previous=None):
        previous = previous or {}
        due_by = previous.get("due_by")
        WorkflowEvent.objects.create(
            workflow=self.name,
            record_id=record.pk,
            person_id=record.person_id,
            action=action,
            from_state=from_state,
            to_state=record.state,
            actor=actor if actor is not None and actor.pk else None,
            actor_organisation_id=getattr(actor, "organisation_id", None),
            at=at,
            step_organisation_id=previous.get("waiting_on_id"),
            step_started_at=previous.get("step_started_at"),
            due_by=due_by,
            within_deadline=(timezone.localdate(at) <= due_by) if due_by else None,
            notes=notes,
        )


def register_models(pairs) -> None:
    """Register ``(workflow, model)`` pairs for the deadline jobs (each app's workflows
    module calls it once, at import)."""
    for workflow, model in pairs:
        MODELS[workflow.name] = model


def with_models() -> list[tuple[Workflow, type[models.Model]]]:
    """Every registered workflow with its model, in registration order."""
    return [(REGISTRY[name], model) for name, model in MODELS.items()]


def events_of(workflow: Workflow, record) -> models.QuerySet[WorkflowEvent]:
    """The record's transitions, oldest first, with who made them."""
    return (
        WorkflowEvent.objects.filter(workflow=workflow.name, record_id=record.pk)
        .select_related("actor", "actor_organisation")
        .order_by("at", "pk")
    )


def history(workflow: Workflow, record) -> list[WorkflowEvent]:
    """The record's transitions for a page, oldest first, each with ``label``: what was done
    and the state it led to ("Decide on court action: court action: waiting for ...")."""
    events = list(events_of(workflow, record))
    for event in events:
        state = workflow.states(event.to_state).label.lower()
        if event.action == "open":
            event.label = f"Opened: {state}"
        else:
            done = workflow.transition(event.action).label
            event.label = f"{done[0].upper()}{done[1:]}: {state}"
    return events


def business_days_left(due_by: datetime.date | None, *, today: datetime.date | None = None):
    """Business days from today to the deadline: positive ahead, 0 today, negative overdue
    (counted in business days too). None when there is no deadline."""
    from probation.calendar import business_days_between

    if due_by is None:
        return None
    today = today or clock.today()
    if due_by >= today:
        return business_days_between(today, due_by)
    return -business_days_between(due_by, today)
