"""``GET /api/v1/referrals/`` and ``GET /api/v1/referrals/{workflow}/{record_id}``: the
referrals between organisations and their states, for the partner systems of the
organisations involved (issue "Risk escalation, SFO and enforcement", 8) – so a CRC's own
case system can follow its risk escalations, breach referrals, recall requests and failures
to comply.

Who reads what (``probation.access.records_involving``): the records about people the
caller may see, and those their organisation raised or must answer – a CRC follows its risk
escalation after the case went to the NPS, an NPS division reads the referrals addressed to
it, PPCS every recall. The person's name and date of birth come only with a person the
caller may see now; otherwise the CRN alone.

The list is ordered by the time the record last moved (``updated_at``: when its current
step began), then workflow and id, oldest first, so a partner polls forward: follow
``next`` until it is null and keep the last ``updated_at`` for ``?since=``. One UNION query
finds a page, then one query per workflow on the page, one for the events and one for the
visible people: a constant number whatever the size.
"""

import base64
import binascii
import datetime
import json

from django.db.models import CharField, F, Q, Value
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from enforcement import workflows as wf
from enforcement.models import BreachReferral, Failure, RecallRequest, RiskEscalation
from probation import access
from probation.models.workflow import WorkflowEvent

# The workflows partners follow, each with its model, the organisations involved (raised it,
# must answer it) and the field naming the organisation that raised it.
REFERRALS = {
    wf.RISK_ESCALATION.name: (
        wf.RISK_ESCALATION,
        RiskEscalation,
        ("raised_by_organisation", "division", "waiting_on"),
        "raised_by_organisation",
    ),
    wf.BREACH_REFERRAL.name: (
        wf.BREACH_REFERRAL,
        BreachReferral,
        ("referred_by_organisation", "division", "waiting_on"),
        "referred_by_organisation",
    ),
    wf.RECALL_REQUEST.name: (
        wf.RECALL_REQUEST,
        RecallRequest,
        ("requested_by_organisation", "division", "waiting_on"),
        "requested_by_organisation",
    ),
    wf.FAILURE.name: (wf.FAILURE, Failure, ("provider", "waiting_on"), "provider"),
}
_STATES = sorted({state for w, *_ in REFERRALS.values() for state in w.states.values})
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 500


# --- Input -------------------------------------------------------------------------------------


class ReferralQuery(serializers.Serializer):
    workflow = serializers.ChoiceField(choices=sorted(REFERRALS), required=False)
    state = serializers.ChoiceField(choices=_STATES, required=False)
    since = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )

    def validate_cursor(self, value):
        try:
            at, workflow, record_id = json.loads(base64.urlsafe_b64decode(value.encode()))
            position = (datetime.datetime.fromisoformat(at), str(workflow), int(record_id))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
            raise serializers.ValidationError("Not a cursor this list gave.") from error
        if position[0].tzinfo is None or position[1] not in REFERRALS:
            raise serializers.ValidationError("Not a cursor this list gave.")
        return position

    def validate(self, data):
        workflow, state = data.get("workflow"), data.get("state")
        if workflow and state and state not in REFERRALS[workflow][0].states.values:
            raise serializers.ValidationError(
                {"state": [f"A {REFERRALS[workflow][0].label} has no state {state}."]}
            )
        return data


def _cursor(at: datetime.datetime, workflow: str, record_id: int) -> str:
    raw = json.dumps([at.isoformat(), workflow, record_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


# --- Output ------------------------------------------------------------------------------------


class ReferralStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ReferralPersonSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()


class ReferralEventSerializer(serializers.Serializer):
    action = serializers.CharField(help_text='"open" for the first event')
    from_state = serializers.CharField(allow_blank=True, help_text="Empty when opened")
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    actor_organisation = serializers.CharField(
        allow_null=True, help_text="Code of the organisation that acted; null for the system"
    )
    within_deadline = serializers.BooleanField(
        allow_null=True, help_text="The step it ended was done by its deadline; null if none"
    )


class ReferralSerializer(serializers.Serializer):
    workflow = serializers.ChoiceField(choices=sorted(REFERRALS))
    id = serializers.IntegerField()
    crn = serializers.CharField()
    person = ReferralPersonSerializer(
        allow_null=True, help_text="Only when the caller may see the person now"
    )
    raised_by = serializers.CharField(help_text="Code of the organisation that raised it")
    state = ReferralStateSerializer()
    waiting_on = serializers.CharField(
        allow_null=True, help_text="Code of the organisation that must act; null when closed"
    )
    due_by = serializers.DateField(allow_null=True, help_text="The current step's deadline")
    opened_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="When the current step began")
    closed_at = serializers.DateTimeField(allow_null=True)
    events = ReferralEventSerializer(many=True)


class ReferralPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True, help_text="Always null: poll forward")
    results = ReferralSerializer(many=True)


# --- Reading ------------------------------------------------------------------------------------


def _involving(user, name):
    _, model, fields, raised_by = REFERRALS[name]
    return access.records_involving(user, model.objects.all(), *fields)


def _page_rows(user, query: dict) -> list[tuple]:
    names = [query["workflow"]] if query.get("workflow") else sorted(REFERRALS)
    position = query.get("cursor")
    parts = []
    for name in names:
        workflow = REFERRALS[name][0]
        state = query.get("state")
        if state and state not in workflow.states.values:
            continue
        records = _involving(user, name)
        if state:
            records = records.filter(state=state)
        if query.get("since"):
            records = records.filter(step_started_at__gte=query["since"])
        if position:
            at, after_workflow, after_id = position
            later = Q(step_started_at__gt=at)
            if name > after_workflow:
                later |= Q(step_started_at=at)
            elif name == after_workflow:
                later |= Q(step_started_at=at, pk__gt=after_id)
            records = records.filter(later)
        parts.append(
            records.order_by()
            .annotate(
                item_at=F("step_started_at"),
                item_workflow=Value(name, output_field=CharField()),
                item_id=F("pk"),
            )
            .values_list("item_at", "item_workflow", "item_id")
        )
    if not parts:
        return []
    first, *rest = parts
    rows = first.union(*rest, all=True) if rest else first
    return list(rows.order_by("item_at", "item_workflow", "item_id")[: query["page_size"] + 1])


def _serialise(user, records: list) -> list[dict]:
    """The referrals as the API shows them, with their events and – for people the caller
    may see – the person: one query for each."""
    if not records:
        return []
    by_workflow: dict[str, list[int]] = {}
    for name, record in records:
        by_workflow.setdefault(name, []).append(record.pk)
    condition = Q(pk__in=[])
    for name, ids in by_workflow.items():
        condition |= Q(workflow=name, record_id__in=ids)
    events: dict[tuple[str, int], list[dict]] = {}
    for event in (
        WorkflowEvent.objects.filter(condition)
        .select_related("actor_organisation")
        .order_by("at", "pk")
    ):
        events.setdefault((event.workflow, event.record_id), []).append(
            {
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "at": event.at,
                "actor_organisation": (
                    event.actor_organisation.code if event.actor_organisation_id else None
                ),
                "within_deadline": event.within_deadline,
            }
        )
    visible = set(
        access.people_visible_to(user)
        .filter(pk__in={record.person_id for _, record in records})
        .values_list("pk", flat=True)
    )
    result = []
    for name, record in records:
        workflow, _, _, raised_by = REFERRALS[name]
        person = record.person
        result.append(
            {
                "workflow": name,
                "id": record.pk,
                "crn": person.crn,
                "person": (
                    {
                        "first_name": person.first_name,
                        "last_name": person.last_name,
                        "date_of_birth": person.date_of_birth,
                    }
                    if person.pk in visible
                    else None
                ),
                "raised_by": getattr(record, raised_by).code,
                "state": {"code": record.state, "label": workflow.states(record.state).label},
                "waiting_on": record.waiting_on.code if record.waiting_on_id else None,
                "due_by": record.due_by,
                "opened_at": record.opened_at,
                "updated_at": record.step_started_at,
                "closed_at": record.closed_at,
                "events": events.get((name, record.pk), []),
            }
        )
    return result


def _load(name: str, ids) -> dict[int, object]:
    _, model, _, raised_by = REFERRALS[name]
    return model.objects.select_related("person", "waiting_on", raised_by).in_bulk(ids)


# --- Views ---------------------------------------------------------------------------------------


class ReferralListView(APIView):
    """Risk escalations, breach referrals, recall requests and failures to comply that the
    caller's organisation is involved in, with their states and events (module
    docstring)."""

    @extend_schema(
        operation_id="list_referrals",
        summary="Referrals between organisations the caller is involved in, oldest move first",
        parameters=[
            OpenApiParameter("workflow", OpenApiTypes.STR, enum=sorted(REFERRALS)),
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=_STATES,
                description="Only records in this state (one of the workflow's)",
            ),
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Only records that moved at or after this instant (ISO 8601)",
            ),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`"),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE}, default 50"
            ),
        ],
        responses={200: ReferralPageSerializer},
    )
    def get(self, request):
        query = ReferralQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = _page_rows(request.user, data)
        more = len(rows) > data["page_size"]
        rows = rows[: data["page_size"]]
        loaded = {
            name: _load(name, [row[2] for row in rows if row[1] == name])
            for name in {row[1] for row in rows}
        }
        records = [(name, loaded[name][record_id]) for _, name, record_id in rows]
        next_url = None
        if more:
            at, name, record_id = rows[-1]
            if isinstance(at, str):  # SQLite returns a UNION's datetimes as text
                at = _parse_instant(at)
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", _cursor(at, name, record_id)
            )
        page = {"next": next_url, "previous": None, "results": _serialise(request.user, records)}
        return Response(ReferralPageSerializer(page).data)


def _parse_instant(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


class ReferralDetailView(APIView):
    """One referral the caller's organisation is involved in; 404 otherwise."""

    @extend_schema(
        operation_id="retrieve_referral",
        summary="One referral with its state and events",
        parameters=[
            OpenApiParameter(
                "workflow", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(REFERRALS)
            ),
            OpenApiParameter("record_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: ReferralSerializer},
    )
    def get(self, request, workflow: str, record_id: int):
        if workflow not in REFERRALS:
            raise Http404("No such referral.")
        _, _, _, raised_by = REFERRALS[workflow]
        record = (
            _involving(request.user, workflow)
            .select_related("person", "waiting_on", raised_by)
            .filter(pk=record_id)
            .first()
        )
        if record is None:
            raise Http404("No such referral.")
        [item] = _serialise(request.user, [(workflow, record)])
        return Response(ReferralSerializer(item).data)
