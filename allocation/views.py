"""Pages of allocation: the NPS allocation queue and the allocation of one case."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from allocation import instructions, reallocation, referrals, rules, selectors, services
from allocation.models import AllocationDecision, AllocationKind
from probation import access, audit
from probation.forms_govuk import DateField, GovukForm
from probation.models import RiskLevel, RsrSource, Sentence
from probation.pagination import page_context


class QueueFilterForm(GovukForm):
    ldu = forms.CharField(label="LDU code", required=False, max_length=10)
    court = forms.CharField(label="Court", required=False, max_length=100)


@require_GET
@login_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sentences = selectors.awaiting_allocation(
        user=request.user, ldu=filters.get("ldu") or None, court=filters.get("court") or ""
    )
    context = page_context(request, sentences)
    for sentence in context["page_obj"]:
        sentence.clock = selectors.allocation_clock(sentence)
    return render(request, "allocation/queue.html", {"form": form, **context})


class AllocationForm(GovukForm):
    mappa = forms.BooleanField(label="MAPPA case", required=False)
    rosh = forms.ChoiceField(
        label="Risk of serious harm",
        choices=[("", "Not assessed"), *RiskLevel.choices],
        required=False,
        help_text="From the current plan unless you change it",
    )
    rsr_score = forms.DecimalField(
        label="RSR score (%) (optional)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.TextInput(attrs={"width": "5", "inputmode": "decimal"}),
    )
    rsr_assessed_on = DateField(
        label="Date the RSR score was calculated",
        required=False,
        help_text="For example, 27 3 2026",
    )
    rsr_source = forms.ChoiceField(
        label="RSR calculated from",
        choices=[("", "Choose a source"), *RsrSource.choices],
        required=False,
    )
    public_interest = forms.CharField(
        label="Exceptional public interest (optional)",
        required=False,
        max_length=1000,
        help_text="Give the reason if the NPS must keep the case in the public interest",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    previously_escalated_to_nps = forms.BooleanField(
        label="The case was escalated to the NPS before", required=False
    )
    aggregate_custody_last_5_years_months = forms.IntegerField(
        label="Custody in the last 5 years, in months (optional)",
        required=False,
        help_text="Totalled from the custodial sentences recorded, unless you change it",
        min_value=0,
        max_value=1200,
        widget=forms.TextInput(attrs={"width": "3", "inputmode": "numeric"}),
    )
    decision = forms.ChoiceField(
        label="Who will manage the case",
        choices=[("CRC", "The CRC"), ("NPS", "The NPS")],
        widget=forms.RadioSelect,
        required=False,
    )
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False)
    judgement = forms.CharField(
        label="Clinical judgement",
        required=False,
        help_text="Required when the RSR is high, or when you depart from the recommendation",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    review_by = DateField(
        label="Review-by date (optional)",
        required=False,
        help_text="For borderline medium/high cases: when the CRC must refer back for review",
    )
    review_triggers = forms.CharField(
        label="Review triggers (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Choose a team")] + [
            (team.pk, f"{team.name} ({team.organisation.name})") for team in teams
        ]

    def initial_inputs(self) -> dict:
        """The rules' inputs from the record, before the officer changes anything."""
        return {
            name: self.initial[name]
            for name in (
                "rosh",
                "rsr_score",
                "rsr_assessed_on",
                "rsr_source",
                "aggregate_custody_last_5_years_months",
            )
            if self.initial.get(name) not in (None, "")
        }

    def inputs(self) -> dict:
        data = self.cleaned_data
        score = data.get("rsr_score")
        return {
            "mappa": data.get("mappa", False),
            "rosh": data.get("rosh") or None,
            "rsr_score": float(score) if score is not None else None,
            "rsr_assessed_on": data.get("rsr_assessed_on"),
            "rsr_source": data.get("rsr_source") or "",
            "public_interest": data.get("public_interest", ""),
            "previously_escalated_to_nps": data.get("previously_escalated_to_nps", False),
            "aggregate_custody_last_5_years_months": data.get(
                "aggregate_custody_last_5_years_months"
            )
            or 0,
        }


@require_http_methods(["GET", "POST"])
@login_required
def allocate(request, crn, number):
    """One case: the facts, the rules' recommendation with its reasons, and – for an NPS
    allocation officer – the decision. Once decided, the decision is shown to anyone who
    may see the case."""
    person = access.person_for_view(request.user, crn)
    sentence = get_object_or_404(
        Sentence.objects.select_related("court_ldu"), person=person, number=number
    )
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=sentence)
    decided = (
        AllocationDecision.objects.select_related(
            "organisation", "team", "offender_manager", "decided_by", "pbr_provider"
        )
        .filter(sentence=sentence, kind=AllocationKind.ALLOCATION)
        .first()
    )
    may_allocate = decided is None and any(
        role.code in services.ALLOCATING_ROLES for role in access.effective_roles(request.user)
    )
    teams = selectors.allocation_teams(person)
    facts = selectors.case_facts(person, sentence)
    form = AllocationForm(request.POST or None, teams=teams, initial=facts.initial)
    recommendation = None
    record_problems: list[str] = []
    if request.method == "POST":
        if not may_allocate:
            raise PermissionDenied("Only an NPS allocation officer allocates an unallocated case.")
        if form.is_valid():
            try:
                recommendation = rules.allocate(services.facts_for(person, sentence, form.inputs()))
                if request.POST.get("action") == "confirm":
                    team = next((t for t in teams if t.pk == form.cleaned_data.get("team")), None)
                    if team is None:
                        raise ValidationError({"team": "Choose the team that will manage the case"})
                    if not form.cleaned_data.get("decision"):
                        raise ValidationError({"decision": "Select who will manage the case"})
                    services.allocation_confirm(
                        actor=request.user,
                        crn=crn,
                        number=number,
                        decision=form.cleaned_data["decision"],
                        team=team,
                        inputs=form.inputs(),
                        judgement=form.cleaned_data.get("judgement", ""),
                        review_by=form.cleaned_data.get("review_by"),
                        review_triggers=form.cleaned_data.get("review_triggers", ""),
                    )
                    messages.success(request, f"Sentence {sentence.reference} allocated")
                    return redirect("allocation:allocate", crn=crn, number=number)
            except ValidationError as error:
                form.add_service_errors(error)
    elif may_allocate:
        try:
            recommendation = rules.allocate(
                services.facts_for(person, sentence, form.initial_inputs())
            )
        except ValidationError as error:  # the record cannot be allocated as it stands
            record_problems = error.messages
    history = reallocation.history_context(request.user, person, sentence) if decided else {}
    return render(
        request,
        "allocation/allocate.html",
        {
            "person": person,
            "sentence": sentence,
            "decided": decided,
            "may_allocate": may_allocate,
            "form": form,
            "recommendation": recommendation,
            "record_problems": record_problems,
            "recommendation_label": rules.Decision(recommendation.decision).label
            if recommendation
            else "",
            "clock": selectors.allocation_clock(sentence),
            # Once decided: the decision in force, the history and flags of allocation in
            # error, and the reporting instructions of the decision in force (printable too).
            **history,
            **(
                instructions.instructions_context(sentence, history.get("current"))
                if decided
                else {}
            ),
            "facts": facts,
            "may_refer": decided is None
            and referrals.may_record_referral(request.user)
            and access.can_change(request.user, person),
        },
    )
