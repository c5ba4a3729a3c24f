"""Pages for sentences (DOMAIN.md 2, 3): recording a sentence, the sentence with its
derived periods, management decision, requirements and licence, the release facts that
arrive later, requirements and the licence as issued. The rules are in
``probation.sentences``; these pages only collect and show."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, selectors, sentences
from probation.forms_govuk import DateField, GovukForm
from probation.models import (
    ConditionKind,
    DiscretionaryCategory,
    Organisation,
    PssRequirementCode,
    RequirementStatus,
    SentenceType,
    StandardCondition,
)
from probation.models.sentences import COMMUNITY_SENTENCE_TYPES, PSS_DEFAULT_CODES
from probation.orders import RequirementCode
from probation.views.common import person_for_change_page


def _whole_number(label, **kwargs):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        error_messages={
            "invalid": f"{label.split(' (')[0]} must be a whole number",
            "min_value": f"{label.split(' (')[0]} cannot be negative",
        },
        widget=forms.TextInput(attrs={"width": "3", "inputmode": "numeric"}),
        **kwargs,
    )


def _text_area(label, **kwargs):
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}), **kwargs
    )


# --- Recording a sentence -----------------------------------------------------------------


class SentenceForm(GovukForm):
    """One page for every type of sentence: the type by radios, then the fields of each
    type in its own section (no JavaScript needed; the fields of other types are ignored)."""

    sentence_type = forms.ChoiceField(
        label="Type of sentence", choices=SentenceType.choices, widget=forms.RadioSelect
    )
    sentence_date = DateField(label="Sentence date", help_text="For example, 27 3 2026")
    offence_date = DateField(label="Offence date", help_text="The date of the main offence")
    offence_description = forms.CharField(label="Offence", max_length=300)
    court = forms.CharField(label="Sentencing court", max_length=200)
    court_ldu = forms.TypedChoiceField(
        label="Court's Local Delivery Unit (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Used to allocate people of no fixed abode",
    )
    # Community Order / Suspended Sentence Order
    length_months = _whole_number(
        "Length in months",
        help_text="Of a Community Order, or a Suspended Sentence Order's supervision period",
    )
    length_days = _whole_number("Length in days (optional)")
    fine_imposed = forms.BooleanField(label="A fine was imposed with the order", required=False)
    requirements = forms.MultipleChoiceField(
        label="Requirements",
        required=False,
        choices=RequirementCode.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all the requirements the court imposed",
    )
    unpaid_work_hours = _whole_number("Unpaid work hours", help_text="Between 40 and 300")
    curfew_hours_per_day = _whole_number("Curfew hours a day", help_text="Between 2 and 16")
    curfew_days = _whole_number("Curfew length in days (optional)")
    rar_max_days = _whole_number(
        "Rehabilitation activity requirement: maximum days",
        help_text="The most days the court set",
    )
    # Custodial (and the SSO's suspended term)
    term_months = _whole_number(
        "Term in months", help_text="The custodial term, or the term suspended by an SSO"
    )
    term_days = _whole_number("Term in days (optional)")
    indeterminate = forms.BooleanField(label="Indeterminate sentence (life or IPP)", required=False)
    conditional_release_date = DateField(
        label="Conditional release date (optional)",
        required=False,
        help_text="From the prison; estimated at the halfway point if left empty",
    )
    hdc_release_date = DateField(
        label="Home detention curfew release date (optional)", required=False
    )
    # Senior Attendance Centre order
    attendance_centre_hours = _whole_number("Attendance centre hours")
    # Deferred sentence
    deferred_until = DateField(label="Sentence deferred until", required=False)
    deferment_requirements = _text_area("Requirements of the deferment (optional)")

    SECTIONS = (
        (
            None,
            (
                "sentence_type",
                "sentence_date",
                "offence_date",
                "offence_description",
                "court",
                "court_ldu",
            ),
        ),
        (
            "Community Order or Suspended Sentence Order",
            (
                "length_months",
                "length_days",
                "fine_imposed",
                "requirements",
                "unpaid_work_hours",
                "curfew_hours_per_day",
                "curfew_days",
                "rar_max_days",
            ),
        ),
        (
            "Custodial sentence, or the term of a Suspended Sentence Order",
            ("term_months", "term_days", "indeterminate", "conditional_release_date"),
        ),
        ("Release on home detention curfew", ("hdc_release_date",)),
        ("Senior Attendance Centre order", ("attendance_centre_hours",)),
        ("Deferred sentence", ("deferred_until", "deferment_requirements")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court_ldu"].choices = [("", "Not known")] + selectors.ldu_choices()

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        sentence_type = data["sentence_type"]
        kwargs = {
            name: data[name]
            for name in ("sentence_type", "sentence_date", "offence_date", "offence_description")
        }
        kwargs["court"] = data["court"]
        kwargs["court_ldu"] = (
            Organisation.objects.filter(pk=data["court_ldu"]).first()
            if data.get("court_ldu")
            else None
        )
        for name, types in sentences.DETAILS_BY_TYPE.items():
            if sentence_type in types and name != "requirements" and name in data:
                kwargs[name] = data[name]
        if sentence_type in COMMUNITY_SENTENCE_TYPES:
            kwargs["requirements"] = [
                _requirement_parameters(code, data) for code in data.get("requirements") or []
            ]
        return kwargs


def _requirement_parameters(code: str, data: dict) -> dict:
    values = {"code": code}
    if code == RequirementCode.UNPAID_WORK:
        values["unpaid_work_hours"] = data.get("unpaid_work_hours")
    if code in (RequirementCode.CURFEW, RequirementCode.CURFEW_EM):
        values["curfew_hours_per_day"] = data.get("curfew_hours_per_day")
        values["curfew_days"] = data.get("curfew_days")
    if code == RequirementCode.REHABILITATION_ACTIVITY:
        values["rar_max_days"] = data.get("rar_max_days")
    return values


@require_http_methods(["GET", "POST"])
@login_required
def sentence_create(request, crn):
    person = person_for_change_page(request, crn)
    form = SentenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sentence = sentences.sentence_create(
                actor=request.user, crn=crn, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Sentence {sentence.reference} recorded")
            return redirect("sentence-detail", crn=crn, number=sentence.number)
    return render(
        request,
        "probation/sentences/sentence_form.html",
        {"form": form, "person": person, "sections": form.sections()},
    )


# --- The sentence -----------------------------------------------------------------------


@require_GET
@login_required
def sentence_detail(request, crn, number):
    sentence = sentences.sentence_detail(user=request.user, crn=crn, number=number)
    audit.record_view(actor=request.user, instance=sentence)
    licence = sentence.licence_record
    conditions = list(licence.conditions.all()) if licence else []
    for condition in conditions:
        condition.label = _condition_label(condition)
    return render(
        request,
        "probation/sentences/sentence_detail.html",
        {
            "person": sentence.person,
            "sentence": sentence,
            "requirements": list(sentence.requirements.all()),
            "licence": licence,
            "standard_conditions": [c for c in conditions if c.kind == ConditionKind.STANDARD],
            "other_conditions": [c for c in conditions if c.kind != ConditionKind.STANDARD],
            "pss_requirements": list(licence.pss_requirements.all()) if licence else [],
            "can_change": access.can_change(request.user, sentence.person),
        },
    )


def _condition_label(condition) -> str:
    if condition.kind == ConditionKind.STANDARD and condition.code in StandardCondition.values:
        return StandardCondition(condition.code).label
    if condition.code in DiscretionaryCategory.values:
        return DiscretionaryCategory(condition.code).label
    return condition.get_kind_display()


class SentenceUpdateForm(GovukForm):
    offence_description = forms.CharField(label="Offence", max_length=300)
    court = forms.CharField(label="Sentencing court", max_length=200)
    conditional_release_date = DateField(
        label="Conditional release date (optional)",
        required=False,
        help_text="From the prison; leave empty to use the estimate at the halfway point",
    )
    hdc_release_date = DateField(
        label="Home detention curfew release date (optional)", required=False
    )
    actual_release_date = DateField(label="Date released (optional)", required=False)
    release_prison = forms.CharField(
        label="Releasing prison (optional)", required=False, max_length=200
    )

    def __init__(self, *args, custodial: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not custodial:
            for name in sentences.RELEASE_FIELDS:
                del self.fields[name]


def _sentence_for_change_page(request, crn, number):
    person_for_change_page(request, crn)
    return sentences.sentence_detail(user=request.user, crn=crn, number=number)


@require_http_methods(["GET", "POST"])
@login_required
def sentence_update(request, crn, number):
    sentence = _sentence_for_change_page(request, crn, number)
    custodial = sentence.sentence_type == SentenceType.CUSTODIAL
    initial = {name: getattr(sentence, name) for name in sentences.SENTENCE_UPDATE_FIELDS}
    if sentence.crd_estimated:
        initial["conditional_release_date"] = None
    form = SentenceUpdateForm(request.POST or None, initial=initial, custodial=custodial)
    if request.method == "POST" and form.is_valid():
        try:
            sentences.sentence_update(
                actor=request.user, crn=crn, number=number, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Sentence changed")
            return redirect("sentence-detail", crn=crn, number=number)
    return render(
        request,
        "probation/sentences/change_form.html",
        {
            "form": form,
            "person": sentence.person,
            "sentence": sentence,
            "title": "Change release dates and details" if custodial else "Change details",
            "button": "Save changes",
        },
    )


# --- Requirements ---------------------------------------------------------------------------


class RequirementForm(GovukForm):
    code = forms.ChoiceField(label="Requirement", choices=RequirementCode.choices)
    unpaid_work_hours = _whole_number("Unpaid work hours (unpaid work only)")
    curfew_hours_per_day = _whole_number("Curfew hours a day (curfew only)")
    curfew_days = _whole_number("Curfew length in days (optional)")
    rar_max_days = _whole_number("Maximum RAR days (rehabilitation activity only)")
    length_months = _whole_number("Length in months (optional)")
    details = _text_area(
        "What the court specified (optional)",
        help_text="Programme, treatment provider, exclusion zone, residence address ...",
    )
    status = forms.ChoiceField(
        label="Status", choices=RequirementStatus.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, adding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["status" if adding else "code"]


@require_http_methods(["GET", "POST"])
@login_required
def requirement_create(request, crn, number):
    sentence = _sentence_for_change_page(request, crn, number)
    form = RequirementForm(request.POST or None, adding=True)
    if request.method == "POST" and form.is_valid():
        try:
            sentences.requirement_add(
                actor=request.user, crn=crn, number=number, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Requirement added")
            return redirect("sentence-detail", crn=crn, number=number)
    return render(
        request,
        "probation/sentences/change_form.html",
        {
            "form": form,
            "person": sentence.person,
            "sentence": sentence,
            "title": "Add a requirement",
            "button": "Add requirement",
            "not_applicable": None
            if sentence.sentence_type in COMMUNITY_SENTENCE_TYPES
            else "Requirements belong to Community Orders and Suspended Sentence Orders.",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def requirement_update(request, crn, number, requirement_id):
    sentence = _sentence_for_change_page(request, crn, number)
    requirement = next((r for r in sentence.requirements.all() if r.pk == requirement_id), None)
    if requirement is None:
        raise Http404("No requirement with that id on this sentence.")
    initial = {name: getattr(requirement, name) for name in sentences.REQUIREMENT_PARAMETERS}
    initial["status"] = requirement.status
    form = RequirementForm(request.POST or None, initial=initial, adding=False)
    if request.method == "POST" and form.is_valid():
        try:
            sentences.requirement_update(
                actor=request.user,
                crn=crn,
                number=number,
                requirement_id=requirement_id,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Requirement changed")
            return redirect("sentence-detail", crn=crn, number=number)
    return render(
        request,
        "probation/sentences/change_form.html",
        {
            "form": form,
            "person": sentence.person,
            "sentence": sentence,
            "title": f"Change the requirement: {requirement.get_code_display()}",
            "button": "Save changes",
        },
    )


# --- The licence --------------------------------------------------------------------------


class LicenceForm(GovukForm):
    issued_on = DateField(label="Date issued (optional)", required=False)
    issued_by = forms.ChoiceField(
        label="Issued by",
        choices=[("GOVERNOR", "Prison governor"), ("PAROLE_BOARD", "Parole Board")],
        widget=forms.RadioSelect,
    )
    bespoke = _text_area(
        "Bespoke conditions (optional)", help_text="One condition a line, in the licence's words"
    )

    def __init__(self, *args, pss_rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.pss_rows = pss_rows
        for code, label in DiscretionaryCategory.choices:
            self.fields[f"discretionary_{code}"] = _text_area(
                f"{label} (optional)", help_text="One condition a line"
            )
        for row in pss_rows:
            code = row.code
            label = PssRequirementCode(code).label
            default = code in PSS_DEFAULT_CODES
            self.fields[f"pss_{code}_applied"] = forms.BooleanField(
                label=f"{label}: applied", required=False
            )
            self.fields[f"pss_{code}_reason"] = forms.CharField(
                label=f"{label}: why it is not applied" + ("" if default else " (optional)"),
                required=False,
                help_text="Needed when requirements 1 to 8 are left out" if default else "",
            )
            self.fields[f"pss_{code}_details"] = forms.CharField(
                label=f"{label}: details (optional)", required=False
            )

    def sections(self):
        discretionary = [self[f"discretionary_{code}"] for code in DiscretionaryCategory.values]
        sections = [
            (None, [self["issued_on"], self["issued_by"]]),
            ("Discretionary conditions", discretionary),
            ("Bespoke conditions", [self["bespoke"]]),
        ]
        if self.pss_rows:
            pss = []
            for row in self.pss_rows:
                pss += [self[f"pss_{row.code}_{part}"] for part in ("applied", "reason", "details")]
            sections.append(("Post-sentence supervision requirements", pss))
        return sections

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        discretionary = [
            {"category": code, "details": line.strip()}
            for code in DiscretionaryCategory.values
            for line in (data.get(f"discretionary_{code}") or "").splitlines()
            if line.strip()
        ]
        return {
            "issued_on": data.get("issued_on"),
            "issued_by": data["issued_by"],
            "discretionary": discretionary,
            "bespoke": [line for line in (data.get("bespoke") or "").splitlines() if line.strip()],
            "pss": {
                row.code: {
                    "applied": data.get(f"pss_{row.code}_applied"),
                    "reason_not_applied": data.get(f"pss_{row.code}_reason"),
                    "details": data.get(f"pss_{row.code}_details"),
                }
                for row in self.pss_rows
            },
        }

    def add_service_errors(self, error):
        if hasattr(error, "error_dict"):
            renamed = {
                f"{name}_reason" if f"{name}_reason" in self.fields else name: messages
                for name, messages in error.message_dict.items()
            }
            error = ValidationError(renamed)
        super().add_service_errors(error)


def _licence_initial(licence, pss_rows) -> dict:
    initial = {"issued_on": licence.issued_on, "issued_by": licence.issued_by}
    conditions = list(licence.conditions.all())
    for code in DiscretionaryCategory.values:
        initial[f"discretionary_{code}"] = "\n".join(
            c.details
            for c in conditions
            if c.kind == ConditionKind.DISCRETIONARY and c.code == code
        )
    initial["bespoke"] = "\n".join(c.details for c in conditions if c.kind == ConditionKind.BESPOKE)
    for row in pss_rows:
        initial[f"pss_{row.code}_applied"] = row.applied
        if row.reason_not_applied != sentences.NOT_APPLIED_BY_DEFAULT:
            initial[f"pss_{row.code}_reason"] = row.reason_not_applied
        initial[f"pss_{row.code}_details"] = row.details
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def licence_update(request, crn, number):
    sentence = _sentence_for_change_page(request, crn, number)
    licence = sentence.licence_record
    context = {"person": sentence.person, "sentence": sentence, "title": "Change the licence"}
    if licence is None:
        # Nothing to change: a page that says so (community orders, sentences without
        # supervision after release).
        context["not_applicable"] = "This sentence has no licence."
        return render(request, "probation/sentences/change_form.html", context)
    pss_rows = list(licence.pss_requirements.all())
    form = LicenceForm(
        request.POST or None, initial=_licence_initial(licence, pss_rows), pss_rows=pss_rows
    )
    if request.method == "POST" and form.is_valid():
        try:
            sentences.licence_update(
                actor=request.user, crn=crn, number=number, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Licence changed")
            return redirect("sentence-detail", crn=crn, number=number)
    context.update(form=form, sections=form.sections(), button="Save licence")
    return render(request, "probation/sentences/change_form.html", context)
