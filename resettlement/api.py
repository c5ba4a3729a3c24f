"""The resettlement API (DOMAIN.md 7; issue "Through the Gate resettlement", 3 and 10).

``POST /api/v1/calculations/resettlement-responsibility`` answers who writes the plan,
receives it and leads before release, and the clocks, from facts alone: no case data is
read or stored, so any signed-in user or API client may call it. It asks the same
``resettlement.rules.responsibility`` that reception, moves and allocation changes store on
the custody episode, so the endpoint and the pages cannot disagree.

Custody episodes: prisons and their systems post receptions (``resettlement.custody``
decides who may), moves and releases; every organisation reads the episodes of the people
``probation.access`` lets it see – the prison holding the person, the CRCs writing,
receiving or leading the resettlement, and the provider managing the case. Outside scope is
404 exactly like a missing CRN; a service's ``ValidationError`` is a 400 with the request's
field names; a caller who sees the person but may not act gets 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from probation import access, audit
from probation.api.pagination import Pagination
from probation.models import Organisation
from resettlement import api_shapes as shapes
from resettlement import custody, rules
from resettlement.models import (
    CustodyEpisode,
)
from resettlement.serializers import (
    EpisodeDetailSerializer,
    EpisodeListQuery,
    EpisodePageSerializer,
    EpisodeSummarySerializer,
    MoveRequest,
    ReceptionRequest,
    ReleaseRequest,
    ReleaseSerializer,
    ResponsibilityRequest,
    ResponsibilityResponse,
    SentenceRequest,
    StaySerializer,
)

CRN = OpenApiParameter(
    "crn", str, OpenApiParameter.PATH, description="Case Reference Number, e.g. X123456"
)
EPISODE_ID = OpenApiParameter(
    "episode_id", int, OpenApiParameter.PATH, description="Custody episode id"
)


# --- The responsibility calculation -----------------------------------------------------------


def _nested(errors: dict[str, list[str]]) -> dict:
    """``{"prison.host_crcs": [...]}`` as DRF nests it (``{"prison": {"host_crcs": [...]}}``),
    so the error body names the field ``prison.host_crcs`` like a serializer's own error."""
    nested: dict = {}
    for path, messages in errors.items():
        *parents, leaf = path.split(".")
        node = nested
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = list(messages)
    return nested


def facts_from(data: dict) -> rules.Facts:
    prison = data["prison"]
    return rules.Facts(
        prison=rules.PrisonFacts(
            resettlement=prison["resettlement"],
            host_lead_provider=prison["host_lead_provider"],
            host_crcs=tuple(prison["host_crcs"]),
        ),
        custody_status=data["custody_status"],
        allocated_to=data["allocated_to"],
        home_crc=data["home_crc"],
        reception_date=data["reception_date"],
        release_date=data["release_date"],
    )


class ResettlementResponsibilityView(APIView):
    """Who does what in Through the Gate, and by when, for facts given (``resettlement.rules``;
    TOM 2.1, 2.2)."""

    @extend_schema(
        operation_id="calculate_resettlement_responsibility",
        summary="Who writes, receives and leads a prisoner's resettlement, and the clocks",
        description=(
            "The plan writer (the host: lead provider; in a shared prison a host CRC for its "
            "own allocated persons and remand prisoners of its own CPA; in a prison that is "
            "not a resettlement prison the home CRC), whom the plan is shared with, the "
            "pre-release lead, who owns accommodation and employment on release, and the "
            "clocks: part 1 within 3 calendar days of reception, part 2 and the plan within "
            "5 business days, the pre-release window 84 days before release. Facts the "
            "operating model does not allow (a resettlement prison without a host: lead "
            "provider, a host CRC that is also the lead, a remand prisoner with an "
            "allocation, a sentenced or recalled one without, an unknown organisation code, "
            "a release before reception) are a 400 naming the field."
        ),
        request=ResponsibilityRequest,
        responses={200: ResponsibilityResponse},
        examples=[
            OpenApiExample(
                "Sentenced, shared prison, allocated to the other host CRC",
                value={
                    "prison": {
                        "resettlement": True,
                        "host_lead_provider": "CRC11",
                        "host_crcs": ["CRC12"],
                    },
                    "custody_status": "SENTENCED",
                    "allocated_to": "CRC12",
                    "home_crc": "CRC12",
                    "reception_date": "2026-12-23",
                    "release_date": "2027-06-30",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Remand in a prison that is not a resettlement prison",
                value={
                    "prison": {"resettlement": False, "host_lead_provider": None, "host_crcs": []},
                    "custody_status": "REMAND",
                    "allocated_to": None,
                    "home_crc": "CRC20",
                    "reception_date": "2026-12-23",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Answer",
                value={
                    "plan_writer": "CRC12",
                    "share_with": None,
                    "pre_release_lead": "CRC12",
                    "accommodation_employment_by": "CRC12",
                    "screening_access_by": "2026-12-26",
                    "plan_due_by": "2027-01-04",
                    "pre_release_from": "2027-04-07",
                    "reasons": [
                        "Shared prison: CRC12 is a host CRC there and writes the plans of its "
                        "own allocated persons."
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        given = ResponsibilityRequest(data=request.data)
        given.is_valid(raise_exception=True)
        facts = facts_from(given.validated_data)
        crc_codes = Organisation.objects.crcs().values_list("code", flat=True)
        try:
            rules.validate(facts, crc_codes=crc_codes)
        except rules.InvalidFacts as invalid:
            raise exceptions.ValidationError(_nested(invalid.errors)) from invalid
        answer = rules.responsibility(facts)
        return Response(
            ResponsibilityResponse(
                {
                    "plan_writer": answer.plan_writer,
                    "share_with": answer.share_with,
                    "pre_release_lead": answer.pre_release_lead,
                    "accommodation_employment_by": answer.accommodation_employment_by,
                    "screening_access_by": answer.screening_access_by,
                    "plan_due_by": answer.plan_due_by,
                    "pre_release_from": answer.pre_release_from,
                    "reasons": answer.reasons,
                }
            ).data
        )


_RECEPTION_FIELDS = {"home_crc_code": "home_crc", "prison_code": "prison"}
_EPISODE_FIELDS = {"episode": "non_field_errors", "prison_code": "prison"}


def _service(call, renamed: dict[str, str], **kwargs):
    """Run a service; its ``ValidationError`` becomes a 400 naming the request's fields."""
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            errors.setdefault(renamed.get(name, name), []).extend(messages)
        raise exceptions.ValidationError(errors) from error


def _record(request, crn, episode_id, request_class, service, arguments=dict, answer=None):
    """Record a fact of an episode (a move, a sentence, a release): validate the body, run
    the custody service as the caller, and answer 201 with the episode as it now stands
    (``answer`` shapes it; by default the episode's detail)."""
    given = request_class(data=request.data)
    given.is_valid(raise_exception=True)
    episode = _service(
        service,
        _EPISODE_FIELDS,
        actor=request.user,
        crn=crn,
        episode_id=episode_id,
        **arguments(given.validated_data),
    )
    episode = shapes.reloaded(episode)
    if answer is None:
        body = EpisodeDetailSerializer(shapes.detail(episode)).data
    else:
        body = answer(episode)
    return Response(body, status=status.HTTP_201_CREATED)


# --- Custody episode views -------------------------------------------------------------------


class ByReception(Pagination):
    ordering = ("-received_on", "-id")


class CustodyEpisodeListView(generics.GenericAPIView):
    """Custody episodes of the people the caller may see, newest reception first; a prison
    records a reception."""

    pagination_class = ByReception
    serializer_class = EpisodeSummarySerializer
    queryset = CustodyEpisode.objects.none()  # schema only: rows come from probation.access

    @extend_schema(
        operation_id="list_custody_episodes",
        summary="Custody episodes of the people the caller may see, newest reception first",
        parameters=[
            OpenApiParameter("prison", OpenApiTypes.STR, description="Prison code, e.g. CFI"),
            OpenApiParameter(
                "open", OpenApiTypes.BOOL, description="true: in custody now; false: released"
            ),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["REMAND", "SENTENCED", "RECALLED"]),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500, default 50"),
        ],
        responses={200: EpisodePageSerializer},
    )
    def get(self, request):
        query = EpisodeListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        episodes = access.records_visible_to(
            request.user, CustodyEpisode.objects.select_related(*shapes.EPISODE_RELATED)
        )
        if filters.get("prison"):
            episodes = episodes.filter(prison__code=filters["prison"].upper())
        if filters.get("open") is not None:
            episodes = episodes.filter(released_on__isnull=filters["open"])
        if filters.get("status"):
            episodes = episodes.filter(status=filters["status"])
        page = self.paginate_queryset(episodes)
        return self.get_paginated_response(
            EpisodeSummarySerializer([shapes.summary(e) for e in page], many=True).data
        )

    @extend_schema(
        operation_id="create_custody_episode",
        summary="Record a reception into the caller's prison",
        description=(
            "Prison staff, or the prison's own system, record a reception: the person is "
            "found by CRN and date of birth together. Opens the episode, its first stay, the "
            "screening and the resettlement plan with who does what from the rules. Staff "
            "of another organisation get 403."
        ),
        request=ReceptionRequest,
        responses={201: EpisodeDetailSerializer},
        examples=[
            OpenApiExample(
                "Sentenced reception",
                value={
                    "crn": "X123456",
                    "date_of_birth": "1990-05-01",
                    "prison": "CFI",
                    "received_on": "2026-12-23",
                    "status": "SENTENCED",
                    "sentence_number": 1,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = ReceptionRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        episode = _service(
            custody.reception_record,
            _RECEPTION_FIELDS,
            actor=request.user,
            crn=data["crn"],
            date_of_birth=data["date_of_birth"],
            prison_code=data["prison"].upper(),
            received_on=data["received_on"],
            status=data["status"],
            sentence_number=data["sentence_number"],
            home_crc_code=data["home_crc"],
            expected_release_on=data["expected_release_on"],
        )
        return Response(
            EpisodeDetailSerializer(shapes.detail(shapes.reloaded(episode))).data,
            status=status.HTTP_201_CREATED,
        )


class PersonCustodyEpisodeListView(generics.GenericAPIView):
    """A person's custody episodes, newest reception first."""

    pagination_class = ByReception
    serializer_class = EpisodeSummarySerializer
    queryset = CustodyEpisode.objects.none()

    @extend_schema(
        operation_id="list_person_custody_episodes",
        summary="A person's custody episodes, newest reception first",
        parameters=[CRN],
        responses={200: EpisodePageSerializer},
    )
    def get(self, request, crn):
        person = access.person_for_view(request.user, crn)
        audit.record_view(actor=request.user, instance=person)
        episodes = CustodyEpisode.objects.select_related(*shapes.EPISODE_RELATED).filter(
            person=person
        )
        page = self.paginate_queryset(episodes)
        return self.get_paginated_response(
            EpisodeSummarySerializer([shapes.summary(e) for e in page], many=True).data
        )


class CustodyEpisodeDetailView(APIView):
    @extend_schema(
        operation_id="retrieve_person_custody_episode",
        summary="One custody episode: stays, who does what and why, screening, plan, tasks",
        parameters=[CRN, EPISODE_ID],
        responses={200: EpisodeDetailSerializer},
    )
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response(EpisodeDetailSerializer(shapes.detail(shapes.reloaded(episode))).data)


class MoveView(APIView):
    """The prisons an episode passed through; recording a move (staff of either prison)."""

    @extend_schema(
        operation_id="list_custody_episode_stays",
        summary="The prisons the person has been held in during this episode",
        parameters=[CRN, EPISODE_ID],
        responses={200: StaySerializer(many=True)},
    )
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response(StaySerializer(shapes.stays(episode.pk), many=True).data)

    @extend_schema(
        operation_id="create_custody_episode_move",
        summary="Record a move to another prison",
        parameters=[CRN, EPISODE_ID],
        request=MoveRequest,
        responses={201: EpisodeDetailSerializer},
        examples=[
            OpenApiExample(
                "Move", value={"prison": "PNI", "moved_on": "2027-01-10"}, request_only=True
            )
        ],
    )
    def post(self, request, crn, episode_id):
        return _record(
            request,
            crn,
            episode_id,
            MoveRequest,
            custody.move_record,
            lambda data: {"prison_code": data["prison"].upper(), "moved_on": data["moved_on"]},
        )


class SentenceView(APIView):
    """A remand prisoner sentenced or recalled in custody (the holding prison)."""

    @extend_schema(
        operation_id="retrieve_custody_episode_sentence",
        summary="The episode, with its status and sentence",
        parameters=[CRN, EPISODE_ID],
        responses={200: EpisodeDetailSerializer},
    )
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response(EpisodeDetailSerializer(shapes.detail(shapes.reloaded(episode))).data)

    @extend_schema(
        operation_id="create_custody_episode_sentence",
        summary="Record that a remand prisoner was sentenced or recalled",
        description=(
            "Staff of the prison holding a remand prisoner link the episode to the person's "
            "custodial sentence. The person is now allocated, so who writes, receives and "
            "leads the resettlement is worked out again; the plan's clocks still run from "
            "reception."
        ),
        parameters=[CRN, EPISODE_ID],
        request=SentenceRequest,
        responses={201: EpisodeDetailSerializer},
        examples=[
            OpenApiExample(
                "Sentenced",
                value={"status": "SENTENCED", "sentence_number": 2},
                request_only=True,
            )
        ],
    )
    def post(self, request, crn, episode_id):
        return _record(request, crn, episode_id, SentenceRequest, custody.sentence_record)


class ReleaseView(APIView):
    """The release of an episode (nulls until released); recording it (the holding prison)."""

    @extend_schema(
        operation_id="retrieve_custody_episode_release",
        summary="The release: date, type, prison and the sentence's confirmed release date",
        parameters=[CRN, EPISODE_ID],
        responses={200: ReleaseSerializer},
    )
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response(ReleaseSerializer(shapes.release(episode)).data)

    @extend_schema(
        operation_id="create_custody_episode_release",
        summary="Record the release; a conditional or HDC release confirms the sentence's",
        description=(
            "Staff of the prison holding the person record the release. For a conditional "
            "or HDC release of a sentenced or recalled prisoner the sentence's actual "
            "release date is confirmed in the core records (licence and post-sentence "
            "supervision start there)."
        ),
        parameters=[CRN, EPISODE_ID],
        request=ReleaseRequest,
        responses={201: ReleaseSerializer},
        examples=[
            OpenApiExample(
                "Conditional release",
                value={"released_on": "2027-06-30", "release_type": "CONDITIONAL_RELEASE"},
                request_only=True,
            )
        ],
    )
    def post(self, request, crn, episode_id):
        return _record(
            request,
            crn,
            episode_id,
            ReleaseRequest,
            custody.release_record,
            answer=lambda episode: ReleaseSerializer(shapes.release(episode)).data,
        )
