"""The cases behind a figure (issue 9: "reach the cases behind a figure in two clicks").

A fact keeps its numerator and denominator; its cases are listed by running the measure's
query again for the organisation and month (``Measure.cases``) and keeping the
organisation's rows – the same definition and the same grouping ``performance.facts``
counted, so the list and the figure agree while the facts are up to date. For a PER_100
measure the cases are the numerator's (the escalations, not the caseload); MONEY measures
have no case rows (their figures link to the contract's ledger).

Callers find the organisation through ``probation.access.performance_organisation_for_view``
first (404 outside the user's scope); ``named`` adds each person's name only where the user
may see that person.
"""

import datetime

from django.db.models import (
    Case,
    CharField,
    Exists,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat

from contracts import periods
from performance.base import Measure, Rows
from probation import access
from probation.models import Organisation, OrganisationKind, Person
from probation.models.organisations import NPS_KINDS


def nps_ids() -> QuerySet:
    return Organisation.objects.filter(kind__in=NPS_KINDS).values("pk")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = periods.first_of_month(month)
    return first, periods.add_months(first, 1)


def _belongs(row: dict, organisation: Organisation, nps: set[int]) -> bool:
    if organisation.kind == OrganisationKind.LDU:
        return row["for_ldu"] == organisation.pk
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return row["for_division"] == organisation.pk and row["for_provider"] in nps
    if organisation.kind == OrganisationKind.NPS:
        return row["for_provider"] in nps
    return row["for_provider"] == organisation.pk


def of(organisation: Organisation) -> dict:
    """Filter keywords selecting an organisation's rows of a case queryset."""
    if organisation.kind == OrganisationKind.LDU:
        return {"for_ldu": organisation.pk}
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        return {"for_division": organisation.pk, "for_provider__in": nps_ids()}
    if organisation.kind == OrganisationKind.NPS:
        return {"for_provider__in": nps_ids()}
    return {"for_provider": organisation.pk}


def rows(
    measure: Measure,
    organisation: Organisation,
    month: datetime.date,
    *,
    breakdown: str = "",
) -> Rows:
    """The organisation's case rows of the measure for the month (a queryset, or a list of
    dicts for measures decided in Python); empty for MONEY measures, and for a
    ``breakdown`` the measure does not have (as for a part of the figure with no cases)."""
    if measure.cases is None or (breakdown and not measure.breakdown):
        return []
    first, after = month_bounds(month)
    found = measure.cases(first, after)
    if isinstance(found, QuerySet):
        found = found.filter(**of(organisation))
        if breakdown:
            found = found.filter(case_breakdown=breakdown)
        return found
    nps = set(nps_ids().values_list("pk", flat=True))
    return [
        row
        for row in found
        if _belongs(row, organisation, nps)
        and (not breakdown or row.get("case_breakdown") == breakdown)
    ]


def named(user, found: Rows) -> list[dict]:
    """The rows as dicts with ``crn`` and ``name`` (empty unless the user may see the
    person), ordered by reference: a constant number of queries whatever the number of
    rows."""
    columns = ("case_person", "case_reference", "case_met", "case_detail")
    if isinstance(found, QuerySet):
        visible = access.people_visible_to(user).filter(pk=OuterRef("case_person"))
        people = Person.objects.filter(pk=OuterRef("case_person"))
        found = list(
            found.annotate(
                crn=people.values("crn")[:1],
                name=Case(
                    When(
                        Exists(visible),
                        then=people.annotate(
                            full=Concat("first_name", Value(" "), "last_name")
                        ).values("full")[:1],
                    ),
                    default=Value(""),
                    output_field=CharField(),
                ),
            )
            .order_by("case_reference")
            .values(*columns, "crn", "name")
        )
        return found
    ids = {row["case_person"] for row in found}
    crns = dict(Person.objects.filter(pk__in=ids).values_list("pk", "crn"))
    visible = set(access.people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    names = {
        pk: f"{first} {last}"
        for pk, first, last in Person.objects.filter(pk__in=visible).values_list(
            "pk", "first_name", "last_name"
        )
    }
    return sorted(
        (
            {
                **{column: row[column] for column in columns},
                "crn": crns.get(row["case_person"], ""),
                "name": names.get(row["case_person"], ""),
            }
            for row in found
        ),
        key=lambda row: row["case_reference"],
    )
