"""The designated-release measure page (``resettlement.measures``; TOM 2.2 "Adult Male
Prisoners"): NOMS contract managers see every CRC's figure for a month, CRC managers their
own CRC's; each with the people behind it (``?crc=``), also as CSV (``&format=csv``)."""

import csv
import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from probation import access, clock
from probation.forms_govuk import GovukForm
from probation.models import OrganisationKind
from resettlement import measures
from resettlement.workflows import NOMS_ROLES

CRC_MANAGER_ROLES = frozenset({"CRC_MANAGER"})
# How many months back the picker offers.
MONTHS_OFFERED = 24


def crcs_visible(user) -> set[str] | None:
    """The CRC rows the user may see: None for all (NOMS contract managers), the user's own
    CRC for its managers; PermissionDenied for anyone else."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None:
        if organisation.kind in (OrganisationKind.NOMS, OrganisationKind.NOMS_UNIT) and (
            access.acts_for(user, organisation.pk, NOMS_ROLES)
        ):
            return None
        if organisation.kind == OrganisationKind.CRC and access.acts_for(
            user, organisation.pk, CRC_MANAGER_ROLES
        ):
            return {organisation.code}
    raise PermissionDenied(
        "The designated-release measure is for NOMS contract managers and CRC managers."
    )


def months(today: datetime.date) -> list[datetime.date]:
    """First days of the months offered, the last complete month first."""
    first = today.replace(day=1)
    return [first - relativedelta(months=n) for n in range(0, MONTHS_OFFERED)]


class MonthForm(GovukForm):
    month = forms.ChoiceField(label="Month", required=False)

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.strftime("%Y-%m"), f"{m:%B %Y}") for m in offered]


def _csv(figure: measures.CrcFigure, month: datetime.date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="designated-release-{figure.crc}-{month:%Y-%m}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        ["CRN", "Name", "Released on", "Release prison", "Allocated CRC", "Counted", "Why"]
    )
    for person in figure.people:
        writer.writerow(
            [
                person.crn,
                person.name,
                person.released_on.isoformat(),
                person.release_prison,
                person.crc,
                "yes" if person.counted else "no",
                person.reason,
            ]
        )
    return response


@require_GET
@login_required
def designated_release(request):
    """The month's figure per CRC against the target; with ``?crc=`` the people behind one."""
    visible = crcs_visible(request.user)
    offered = months(clock.today())
    form = MonthForm(request.GET or None, offered=offered)
    # The last complete month unless another is chosen.
    month = offered[1] if len(offered) > 1 else offered[0]
    if form.is_bound and form.is_valid() and form.cleaned_data["month"]:
        month = datetime.date.fromisoformat(form.cleaned_data["month"] + "-01")
    elif not form.is_bound:
        form = MonthForm(initial={"month": month.strftime("%Y-%m")}, offered=offered)
    figures = [f for f in measures.designated_release(month) if visible is None or f.crc in visible]
    chosen = None
    crc = request.GET.get("crc", "").strip().upper()
    if crc:
        chosen = next((f for f in figures if f.crc == crc), None)
        if chosen is None:
            raise Http404("No such CRC in this measure.")
        if request.GET.get("format") == "csv":
            return _csv(chosen, month)
    return render(
        request,
        "resettlement/designated_release.html",
        {
            "form": form,
            "month": month,
            "figures": figures,
            "chosen": chosen,
            "month_value": month.strftime("%Y-%m"),
            "adult_age": settings.DESIGNATED_RELEASE_ADULT_AGE,
            "minimum_months": settings.DESIGNATED_RELEASE_MINIMUM_MONTHS,
            "target": settings.DESIGNATED_RELEASE_TARGET_PERCENT,
        },
    )
