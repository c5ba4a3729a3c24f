"""Pages for people on probation: search, the record, recording and changing details."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, selectors, services
from probation.forms_govuk import DateField, GovukForm
from probation.models import Gender, Organisation
from probation.pagination import page_context
from probation.views.common import person_for_change_page


class PersonSearchForm(GovukForm):
    q = forms.CharField(
        label="CRN, PNC number or name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    date_of_birth = DateField(
        label="Date of birth", required=False, help_text="For example, 27 3 1985"
    )


def _search_filters(form) -> dict:
    """One search box: a CRN, a PNC number or a name, told apart by their shape."""
    filters = {}
    query = (form.cleaned_data.get("q") or "").strip()
    if query:
        upper = query.upper()
        if len(upper) == 7 and upper[0].isalpha() and upper[1:].isdigit():
            filters["crn"] = upper
        elif "/" in upper:
            filters["pnc_number"] = upper
        else:
            filters["name"] = query
    if form.cleaned_data.get("date_of_birth"):
        filters["date_of_birth"] = form.cleaned_data["date_of_birth"].isoformat()
    return filters


@require_GET
@login_required
def person_list(request):
    form = PersonSearchForm(request.GET or None)
    filters = _search_filters(form) if form.is_bound and form.is_valid() else {}
    people = selectors.person_list(user=request.user, filters=filters)
    return render(
        request,
        "probation/person_list.html",
        {
            "form": form,
            "can_add": access.can_add_people(request.user),
            **page_context(request, people),
        },
    )


# Each part of the record contributes its section of the case overview, in a constant
# number of queries (``overview_context(user=, person=)`` in its module).
def _overview_sections():
    from probation import caseload, contacts, plans, sentences, terminations, transfers

    return (caseload, sentences, terminations, plans, contacts, transfers)


@require_GET
@login_required
def person_detail(request, crn):
    """The case overview: who the person is, who manages them, their sentences with
    requirements and progress, licence, plan, appointments, contacts and transfers."""
    person = selectors.person_detail(user=request.user, crn=crn)
    audit.record_view(actor=request.user, instance=person)
    context = {
        "person": person,
        "assignment": selectors.current_assignment(person),
        "person_address": [
            line
            for line in (person.address_line_1, person.address_line_2, person.town, person.postcode)
            if line
        ],
        "can_change": access.can_change(request.user, person),
    }
    for section in _overview_sections():
        context.update(section.overview_context(user=request.user, person=person))
    context.update(_enforcement_overview(request.user, person, context["can_change"]))
    return render(request, "probation/person_detail.html", context)


def _enforcement_overview(user, person, can_change: bool) -> dict:
    """The enforcement app's panel: open workflow records, documents and the actions to
    start (``enforcement.queues.overview_context``; imported here, the one place the core
    pages read that app)."""
    from enforcement import queues

    return queues.overview_context(user=user, person=person, can_change=can_change)


class PersonForm(GovukForm):
    first_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    last_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    date_of_birth = DateField(label="Date of birth", help_text="For example, 27 3 1985")
    gender = forms.ChoiceField(choices=Gender.choices, widget=forms.RadioSelect)
    pnc_number = forms.CharField(
        label="PNC number (optional)",
        required=False,
        max_length=13,
        help_text="In the format 2004/0012345X",
        widget=forms.TextInput(attrs={"width": "10", "spellcheck": "false"}),
    )
    nationality = forms.CharField(required=False, max_length=100)
    foreign_national = forms.BooleanField(
        label="Foreign national",
        required=False,
        help_text="Tick if the person is not a British citizen",
    )
    address_line_1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    address_line_2 = forms.CharField(
        label="Address line 2 (optional)", required=False, max_length=200
    )
    town = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(
        required=False, max_length=10, widget=forms.TextInput(attrs={"width": "10"})
    )
    no_fixed_abode = forms.BooleanField(label="No fixed abode", required=False)
    ldu = forms.TypedChoiceField(
        label="Local Delivery Unit",
        coerce=int,
        help_text="The LDU of the home address; for no fixed abode, the sentencing court's",
    )
    prefers_female_offender_manager = forms.BooleanField(
        label="She would like a female offender manager",
        required=False,
        help_text="Offered to women only, where practicable",
    )
    prefers_female_only_interviews = forms.BooleanField(
        label="She would like to be interviewed in a female-only environment",
        required=False,
    )
    no_all_male_placements = forms.BooleanField(
        label="Do not place her in an all-male unpaid work or attendance centre setting",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ldu"].choices = [("", "Choose an LDU")] + selectors.ldu_choices()

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["ldu"] = Organisation.objects.get(pk=data["ldu"])
        return data


@require_http_methods(["GET", "POST"])
@login_required
def person_create(request):
    if not access.can_add_people(request.user):
        raise PermissionDenied("You cannot record new people on probation.")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{person.full_name} recorded with CRN {person.crn}")
            return redirect("person-detail", crn=person.crn)
    return render(request, "probation/person_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
@login_required
def person_update(request, crn):
    person = person_for_change_page(request, crn)
    initial = {name: getattr(person, name) for name in services.PERSON_EDITABLE_FIELDS}
    initial["ldu"] = person.ldu_id
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, crn=crn, **form.service_kwargs())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Details changed")
            return redirect("person-detail", crn=crn)
    return render(
        request, "probation/person_form.html", {"form": form, "person": person, "creating": False}
    )
