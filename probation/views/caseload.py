"""The caseload page: the people an offender manager (or, with ``?team=``, a team) manages
now, with what to plan the week by (probation.caseload)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from probation import access, caseload, notifications
from probation.models import NotificationKind, Person, RiskLevel
from probation.pagination import page_context

COLUMNS = (
    ("name", "Name"),
    ("crn", "CRN"),
    (None, "Sentences"),
    ("rosh", "RoSH"),
    ("next_appointment", "Next appointment"),
    (None, "Overdue"),
    ("supervision_end", "Supervision ends"),
    (None, "Offender manager"),
)


def _columns(request, current_sort: str) -> list[dict]:
    """Table headers: sortable ones link to the list sorted by them (again: reversed), with
    ``aria-sort`` on the column the list is sorted by."""
    current = current_sort or caseload.DEFAULT_SORT
    columns = []
    for key, label in COLUMNS:
        column = {"label": label, "key": key, "aria_sort": None, "href": None}
        if key:
            query = request.GET.copy()
            query.pop("page", None)
            if current == key:
                column["aria_sort"] = "ascending"
                query["sort"] = f"-{key}"
            elif current == f"-{key}":
                column["aria_sort"] = "descending"
                query["sort"] = key
            else:
                column["aria_sort"] = "none"
                query["sort"] = key
            column["href"] = "?" + query.urlencode()
        columns.append(column)
    return columns


@require_GET
@login_required
def caseload_page(request):
    teams = list(caseload.teams_visible_to(request.user))
    team = (
        caseload.team_for_view(request.user, request.GET["team"])
        if request.GET.get("team")
        else None
    )
    filterset = caseload.CaseloadFilter(request.GET, queryset=Person.objects.none())
    form = filterset.form
    try:
        people = caseload.caseload(user=request.user, team=team, filters=request.GET)
    except ValidationError:
        form.is_valid()  # the same errors, shown in the summary and on the fields
        people = Person.objects.none()
    context = page_context(request, people)
    labels = dict(RiskLevel.choices)
    for person in context["page_obj"]:
        person.rosh_label = labels.get(person.rosh_level, "Not assessed")
        person.rosh_high = person.rosh_level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH)
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    # Cases allocated to the user's team (a manager: their organisation's teams) that no one
    # has opened from the notifications yet (allocation.notify), in one COUNT query.
    new_allocations = notifications.unread_count(
        request.user, kind=NotificationKind.ALLOCATION_RECEIVED
    )
    organisation_wide = any(
        role.code in notifications.ORGANISATION_WIDE_ROLES
        for role in access.effective_roles(request.user)
    )
    return render(
        request,
        "probation/caseload.html",
        {
            "form": form,
            "team": team,
            "teams": teams,
            "columns": _columns(request, sort),
            "sort": sort,
            "selected": {
                "sentence_type": request.GET.getlist("sentence_type"),
                "rosh": request.GET.getlist("rosh"),
                "overdue": request.GET.get("overdue", ""),
                "next_appointment": request.GET.get("next_appointment", ""),
            },
            "sentence_types": filterset.filters["sentence_type"].extra["choices"],
            "rosh_levels": RiskLevel.choices,
            "next_appointment_choices": caseload.NEXT_APPOINTMENT_CHOICES,
            "new_allocations": new_allocations,
            "new_allocations_to": "your organisation's teams" if organisation_wide else "your team",
            **context,
        },
    )
