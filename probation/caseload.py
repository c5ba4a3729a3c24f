"""Caseloads: the people an offender manager, or a team, manages now (DOMAIN.md 2, 5, 11).

A person is on a caseload when their current (open) offender manager assignment is with the
officer or the team, and they have at least one active sentence probation manages
(``Management.MANAGED``). Orders the rules hand elsewhere – EM-only orders, Suspended
Sentence Orders without requirements, attendance-only orders – put nobody on a caseload
(DOMAIN.md 2).

Every row carries what an officer plans the week by, computed in SQL (subqueries, no query
per row): the current RoSH (newest plan version, DOMAIN.md 5), the next appointment, the
overdue appointments (past, no outcome recorded), the end of supervision, and the current
offender manager and team. A page costs the same few queries at any size of caseload.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from probation import access, clock
from probation.forms_govuk import GovukForm
from probation.models import (
    APPOINTMENT_TYPES,
    Contact,
    Management,
    OrganisationKind,
    Person,
    PlanVersion,
    RiskLevel,
    Sentence,
    SentenceStatus,
    SentenceType,
    Team,
    User,
)

# Roles that see every team of their organisation; other staff see their own team only.
TEAM_WIDE_ROLES = frozenset({"CRC_MANAGER", "NPS_SENIOR_MANAGER"})

# Next appointment filter: within these many days, or none booked.
NEXT_APPOINTMENT_NONE = "none"
NEXT_APPOINTMENT_CHOICES = (
    ("", "Any time"),
    ("7", "Within 7 days"),
    ("14", "Within 14 days"),
    ("28", "Within 28 days"),
    (NEXT_APPOINTMENT_NONE, "None booked"),
)
NEXT_APPOINTMENT_MAX_DAYS = 365

# RoSH in order of seriousness, for sorting (a person with no plan yet sorts first).
_ROSH_RANK = Case(
    *(When(rosh_level=level, then=Value(rank)) for rank, level in enumerate(RiskLevel.values, 1)),
    default=Value(0),
    output_field=IntegerField(),
)

# ?sort= values: a whitelist. A leading "-" sorts descending.
SORTS = {
    "name": ("last_name", "first_name"),
    "crn": ("crn",),
    "next_appointment": ("next_appointment",),
    "rosh": ("rosh_rank",),
    "supervision_end": ("supervision_end",),
}
DEFAULT_SORT = "name"


def _active_managed_sentences() -> QuerySet[Sentence]:
    return Sentence.objects.filter(status=SentenceStatus.ACTIVE, management=Management.MANAGED)


def _outstanding_appointments() -> QuerySet[Contact]:
    return Contact.objects.filter(
        person=OuterRef("pk"), outcome="", contact_type__in=APPOINTMENT_TYPES
    )


def annotate_caseload(people: QuerySet[Person], *, now: datetime.datetime) -> QuerySet[Person]:
    """People with an active managed sentence, each with the caseload columns."""
    sentences = _active_managed_sentences().filter(person=OuterRef("pk"))
    newest_plan = PlanVersion.objects.filter(person=OuterRef("pk")).order_by("-version")
    overdue = (
        _outstanding_appointments()
        .filter(starts_at__lt=now)
        .order_by()
        .values("person")
        .annotate(count=Count("pk"))
        .values("count")
    )
    upcoming = _outstanding_appointments().filter(starts_at__gte=now).order_by("starts_at")
    supervision_end = (
        sentences.order_by().values("person").annotate(end=Max("supervision_end_date"))
    ).values("end")
    return (
        people.filter(Exists(sentences))
        .alias(
            current=FilteredRelation(
                "manager_assignments", condition=Q(manager_assignments__ended_at__isnull=True)
            )
        )
        .annotate(
            rosh_level=Subquery(newest_plan.values("rosh_level")[:1]),
            next_appointment=Subquery(upcoming.values("starts_at")[:1]),
            overdue_count=Coalesce(Subquery(overdue), 0),
            supervision_end=Subquery(supervision_end),
            team_id=F("current__team_id"),
            team_name=F("current__team__name"),
            offender_manager_id=F("current__offender_manager_id"),
            offender_manager_first_name=F("current__offender_manager__first_name"),
            offender_manager_last_name=F("current__offender_manager__last_name"),
        )
        .annotate(
            # Ranked inside the one subquery, so sorting reads the newest plan once per row.
            rosh_rank=Coalesce(
                Subquery(newest_plan.annotate(rank=_ROSH_RANK).values("rank")[:1]), 0
            )
        )
        .prefetch_related(
            Prefetch(
                "sentences",
                queryset=_active_managed_sentences().order_by("number"),
                to_attr="active_sentences",
            )
        )
    )


class NextAppointmentField(forms.CharField):
    """ "none", or a number of days from 1 to 365."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", NEXT_APPOINTMENT_NONE):
            return value
        if not value.isdigit() or not 1 <= int(value) <= NEXT_APPOINTMENT_MAX_DAYS:
            raise ValidationError(
                f"Enter a number of days from 1 to {NEXT_APPOINTMENT_MAX_DAYS}, or none",
                code="invalid",
            )
        return value


class NextAppointmentFilter(django_filters.Filter):
    field_class = NextAppointmentField


class SortField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and value.removeprefix("-") not in SORTS:
            raise ValidationError(
                f"Sort by one of: {', '.join(SORTS)} (a leading - sorts descending)",
                code="invalid",
            )
        return value


class SortFilter(django_filters.Filter):
    field_class = SortField


class CaseloadFilter(django_filters.FilterSet):
    """Filters of a caseload; shared by the page and the API. Sorting is ``?sort=``."""

    sentence_type = django_filters.MultipleChoiceFilter(
        choices=SentenceType.choices,
        method="filter_sentence_type",
        label="Sentence type",
        distinct=False,  # an EXISTS: no join, no duplicate rows to remove
    )
    rosh = django_filters.MultipleChoiceFilter(
        field_name="rosh_level",
        choices=RiskLevel.choices,
        label="Risk of serious harm",
        distinct=False,  # a column of the row: DISTINCT would only add a sort of every row
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Has an overdue appointment"
    )
    next_appointment = NextAppointmentFilter(
        method="filter_next_appointment",
        label="Next appointment",
        help_text='Within this many days, or "none" for no appointment booked',
    )
    sort = SortFilter(method="filter_sort", label="Sort by")

    class Meta:
        model = Person
        fields = ["sentence_type", "rosh", "overdue", "next_appointment", "sort"]
        form = GovukForm

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or clock.now()

    def filter_sentence_type(self, queryset, name, value):
        if not value:
            return queryset
        of_type = _active_managed_sentences().filter(person=OuterRef("pk"), sentence_type__in=value)
        return queryset.filter(Exists(of_type))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        # EXISTS stops at the first overdue appointment; cheaper than the count per row.
        overdue = Exists(_outstanding_appointments().filter(starts_at__lt=self.now))
        return queryset.filter(overdue if value else ~overdue)

    def filter_next_appointment(self, queryset, name, value):
        if value == NEXT_APPOINTMENT_NONE:
            return queryset.exclude(
                Exists(_outstanding_appointments().filter(starts_at__gte=self.now))
            )
        if value:
            until = self.now + datetime.timedelta(days=int(value))
            return queryset.filter(next_appointment__lte=until)
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # applied by ``caseload`` after filtering, see ``order``


def order(people: QuerySet[Person], sort: str | None) -> QuerySet[Person]:
    """Order by a whitelisted ``sort`` (``-`` for descending); empty values last; ties by
    name and CRN so pages are stable."""
    sort = sort or DEFAULT_SORT
    descending = sort.startswith("-")
    fields = SORTS.get(sort.removeprefix("-"), SORTS[DEFAULT_SORT])
    keys = [
        F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        for field in fields
    ]
    return people.order_by(*keys, "last_name", "first_name", "crn")


def teams_visible_to(user: User) -> QuerySet[Team]:
    """The teams whose caseloads the user may view: every team of their organisation for a
    CRC manager, an NPS senior manager or a partner system; their own team for other staff
    of a CRC or an NPS division; none for anyone else."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or organisation.kind not in (
        OrganisationKind.CRC,
        OrganisationKind.NPS_DIVISION,
    ):
        return Team.objects.none()
    teams = Team.objects.filter(organisation=organisation).order_by("name")
    if user.is_api_client or {r.code for r in access.effective_roles(user)} & TEAM_WIDE_ROLES:
        return teams
    return teams.filter(pk=user.team_id)


def team_for_view(user: User, team_id) -> Team:
    """The team if the user may view its caseload; 404 otherwise (another organisation's
    team looks exactly like a missing one)."""
    try:
        team_id = int(team_id)
    except (TypeError, ValueError):
        raise Http404("No team found.") from None
    team = teams_visible_to(user).filter(pk=team_id).first()
    if team is None:
        raise Http404("No team found.")
    return team


def caseload_filter(
    *, filters=None, queryset: QuerySet[Person], now: datetime.datetime
) -> CaseloadFilter:
    return CaseloadFilter(filters or {}, queryset=queryset, now=now)


def caseload(*, user: User, team: Team | None = None, filters=None) -> QuerySet[Person]:
    """The user's caseload (people whose current offender manager is the user), or with
    ``team`` that team's (``team_for_view`` checks the user may see it), filtered and sorted
    as ``filters`` ask. Raises ``ValidationError`` with field names for bad filters."""
    now = clock.now()
    people = annotate_caseload(access.people_visible_to(user), now=now)
    if team is not None:
        people = people.filter(current__team=team)
    else:
        people = people.filter(current__offender_manager=user)
    filterset = caseload_filter(filters=filters, queryset=people, now=now)
    if not filterset.is_valid():
        raise ValidationError(
            {name: list(errors) for name, errors in filterset.form.errors.items()}
        )
    return order(filterset.qs, filterset.form.cleaned_data.get("sort"))


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows about the caseload, in two queries: whether the person
    is on a caseload (an active sentence probation manages) and its columns – RoSH, next
    appointment, overdue appointments, end of supervision, offender manager and team."""
    row = annotate_caseload(
        access.people_visible_to(user).filter(pk=person.pk), now=clock.now()
    ).first()
    return {"caseload_row": row, "on_caseload": row is not None}
