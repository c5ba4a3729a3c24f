"""Pages for the plan of a case (DOMAIN.md 5): the current version, its history, the plan
as it stood on a date, and writing a new version."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, plans
from probation.forms_govuk import DateField, GovukForm
from probation.models import Need, ReoffendingLikelihood, RiskLevel
from probation.views.common import person_for_change_page


class PlanAsAtForm(GovukForm):
    on = DateField(label="Show the plan as it stood on", help_text="For example, 27 3 2026")


class PlanForm(GovukForm):
    rosh_level = forms.ChoiceField(
        label="Risk of serious harm (RoSH)", choices=RiskLevel.choices, widget=forms.RadioSelect
    )
    rosh_assessed_on = DateField(
        label="Date of the RoSH assessment", help_text="For example, 27 3 2026"
    )
    rosh_assessor = forms.CharField(
        label="RoSH assessed by", max_length=200, help_text="Name, and the tool used if any"
    )
    risk_management = forms.CharField(
        label="How the risk of serious harm is managed (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        required=False,
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    reoffending_likelihood = forms.ChoiceField(
        label="Likelihood of reoffending",
        choices=ReoffendingLikelihood.choices,
        widget=forms.RadioSelect,
    )
    objectives = forms.CharField(label="Objectives", widget=forms.Textarea(attrs={"rows": 5}))
    sentence_delivery = forms.CharField(
        label="How the sentence will be delivered (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    review_date = DateField(label="Review date", help_text="For example, 27 6 2026")


def _when(request, form) -> tuple[datetime.date | None, str]:
    """The date asked for: ``?as_at=YYYY-MM-DD`` or the date boxes; and an error, if any."""
    raw = request.GET.get("as_at")
    if raw:
        try:
            return datetime.date.fromisoformat(raw), ""
        except ValueError:
            return None, "Enter the date as YYYY-MM-DD"
    if form.is_bound and form.is_valid():
        return form.cleaned_data["on"], ""
    return None, ""


@require_GET
@login_required
def plan_detail(request, crn):
    person = access.person_for_view(request.user, crn)
    versions = list(plans.plan_versions(user=request.user, crn=crn))
    bound = any(f"on_{part}" in request.GET for part in ("day", "month", "year"))
    form = PlanAsAtForm(request.GET if bound else None)
    as_at, as_at_error = _when(request, form)
    shown, heading = (versions[0] if versions else None), "Current plan"
    if request.GET.get("version", "").isdigit():
        number = int(request.GET["version"])
        shown = next((v for v in versions if v.version == number), None)
        heading = f"Version {number}"
    elif as_at is not None:
        end = plans.end_of_day(as_at)
        shown = next((v for v in versions if v.effective_from < end), None)
        heading = f"The plan as it stood on {as_at:%-d %B %Y}"
    audit.record_view(actor=request.user, instance=shown or person)
    return render(
        request,
        "probation/plans/plan_detail.html",
        {
            "person": person,
            "plan": shown,
            "plan_needs": plans.need_labels(shown.needs) if shown else [],
            "heading": heading,
            "is_current": bool(shown and versions and shown.pk == versions[0].pk),
            "versions": versions,
            "form": form,
            "as_at_error": as_at_error,
            "can_change": access.can_change(request.user, person),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request, crn):
    person = person_for_change_page(request, crn)
    current = plans.current_plan(person)
    initial = {name: getattr(current, name) for name in plans.PLAN_FIELDS} if current else {}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plans.plan_create(actor=request.user, crn=crn, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Version {plan.version} of the plan saved")
            return redirect("plan", crn=crn)
    return render(
        request,
        "probation/plans/plan_form.html",
        {"form": form, "person": person, "current": current},
    )
