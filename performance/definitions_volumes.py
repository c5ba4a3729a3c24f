"""Volumes: the month's starts and the caseload at the month's end, by sentence type
(issue 9 part 1: "starts and caseload by sentence type")."""

import datetime

from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from contracts import service_levels
from performance.definitions_cases import (
    LICENCE,
    PSS,
    breakdown_label,
    community_breakdown,
    division_of,
    instant,
    ldu_at,
    sentence_reference,
    text,
)
from probation.models import OffenderManagerAssignment, Sentence
from probation.models.sentences import COMMUNITY_SENTENCE_TYPES, Management, SentenceType


def starts(first: datetime.date, after: datetime.date) -> QuerySet:
    """Community Orders and SSOs sentenced in the month, and custodial sentences released in
    the month onto licence or post-sentence supervision, that probation manages: the cases
    of the FIRST_APPOINTMENT service level (``contracts.service_levels``), counted for the
    same provider (the person's responsible provider when the month is measured)."""
    return (
        service_levels.supervision_starts(first, after)
        .annotate(
            case_breakdown=Case(
                *community_breakdown(),
                When(licence_start_date__isnull=False, then=Value(LICENCE)),
                default=Value(PSS),
                output_field=CharField(),
            ),
            started_on=Case(
                When(sentence_type=SentenceType.CUSTODIAL, then=F("actual_release_date")),
                default=F("sentence_date"),
            ),
        )
        .annotate(
            case_met=Value(True),
            case_reference=sentence_reference(),
            case_detail=Concat(
                breakdown_label("case_breakdown"),
                Value(" started "),
                text("started_on"),
                output_field=CharField(),
            ),
            for_provider=F("person__responsible_provider_id"),
            case_person=F("person_id"),
            for_division=F("person__ldu__division_id"),
            for_ldu=F("person__ldu_id"),
        )
    )


def caseload(first: datetime.date, after: datetime.date) -> QuerySet:
    """Sentences probation manages that are under supervision on the month's last day: a
    Community Order or SSO sentenced on or before it whose supervision has not ended
    before it (``supervision_end_date``), or a custodial sentence released on or before it
    and on licence or on post-sentence supervision that day; in either case not terminated
    before that day. Counted for the provider whose offender manager assignment was open at
    the end of that day (``OffenderManagerAssignment``), else the person's responsible
    provider now, in the person's LDU at that moment."""
    last = after - datetime.timedelta(days=1)
    end = instant(after)
    on_licence = Q(licence_start_date__lte=last) & (
        Q(licence_end_date__isnull=True) | Q(licence_end_date__gte=last)
    )
    on_pss = Q(pss_start_date__lte=last) & (
        Q(pss_end_date__isnull=True) | Q(pss_end_date__gte=last)
    )
    community = Q(sentence_type__in=COMMUNITY_SENTENCE_TYPES, sentence_date__lte=last) & (
        Q(supervision_end_date__isnull=True) | Q(supervision_end_date__gte=last)
    )
    released = Q(sentence_type=SentenceType.CUSTODIAL, actual_release_date__lte=last) & (
        on_licence | on_pss
    )
    assignment = (
        OffenderManagerAssignment.objects.filter(person=OuterRef("person_id"), started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end))
        .order_by("-started_at", "-pk")
        .values("provider_id")[:1]
    )
    return (
        Sentence.objects.filter(community | released, management=Management.MANAGED)
        .filter(Q(termination__isnull=True) | Q(termination__terminated_on__gte=last))
        .annotate(
            case_breakdown=Case(
                *community_breakdown(),
                When(on_licence, then=Value(LICENCE)),
                default=Value(PSS),
                output_field=CharField(),
            ),
            case_person=F("person_id"),
            for_ldu=ldu_at("person", end),
        )
        .annotate(
            case_met=Value(True),
            case_reference=sentence_reference(),
            case_detail=Concat(
                breakdown_label("case_breakdown"),
                Value(f" on {last.isoformat()}; supervision ends "),
                Coalesce(text("supervision_end_date"), Value("(not recorded)")),
                output_field=CharField(),
            ),
            for_provider=Coalesce(
                Subquery(assignment, output_field=IntegerField()),
                F("person__responsible_provider_id"),
                output_field=IntegerField(),
            ),
            for_division=division_of(),
        )
    )
