"""Pages of licence recall requests (DOMAIN.md 6): the responsible officer's request, one
request with the forms of whoever may act on it now, the NPS senior managers' endorsement
queue and the PPCS queue. The rules live in ``enforcement.recalls`` and the workflow's
table; these views only turn forms into its calls."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from enforcement import recalls
from enforcement.models import Failure, RecallState, RecallType
from probation import access, audit
from probation.forms_govuk import GovukForm
from probation.pagination import page_context
from probation.workflow import business_days_left, history

EMERGENCY_HELP = (
    "Only when the risk is so immediate that there is no time for an NPS senior manager to "
    "endorse the request first. It goes straight to PPCS, who decide it the same day; a risk "
    "escalation continues in parallel."
)


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RecallForm(GovukForm):
    sentence_number = forms.TypedChoiceField(
        label="Licence to revoke", coerce=int, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label="Why should the licence be revoked?",
        max_length=8000,
        help_text="The behaviour, the breach of which licence conditions, and the risk it shows",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    recommended_type = forms.ChoiceField(
        label="Recall you recommend", choices=RecallType.choices, widget=forms.RadioSelect
    )
    emergency = forms.BooleanField(
        label="Emergency recall: the risk is too immediate to wait for endorsement",
        required=False,
        help_text=EMERGENCY_HELP,
    )

    def __init__(self, *args, sentences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sentence_number"].choices = [
            (
                s.number,
                f"Sentence {s.number}: {s.offence_description}, licence from "
                f"{s.licence_start_date:%-d %B %Y}",
            )
            for s in sentences
        ]
        self.fields["sentence_number"].error_messages["required"] = "Select the licence to revoke"
        self.fields["reasons"].error_messages["required"] = (
            "Enter why the licence should be revoked"
        )
        self.fields["recommended_type"].error_messages["required"] = (
            "Select the type of recall you recommend"
        )


@require_http_methods(["GET", "POST"])
@login_required
def recall_create(request, crn):
    """Request recall of a person's licence; ``?failure=`` and ``?escalation=`` link the
    request to a failure to comply and a risk escalation of this person."""
    user = request.user
    person = access.person_for_view(user, crn)
    failure_id = _number(request.GET.get("failure"))
    failure = None
    if failure_id is not None:
        failure = Failure.objects.filter(person=person, pk=failure_id).first()
        if failure is None:
            raise Http404("No failure to comply found for this person.")
    escalation_id = _number(request.GET.get("escalation"))
    escalation = recalls.linked_escalation(person, escalation_id)
    may_request = access.is_responsible_officer(user, person)
    if request.method == "POST" and not may_request:
        raise PermissionDenied(
            "Only the responsible officer of the provider managing the case can request recall."
        )
    sentences = recalls.on_licence(person)
    form = None
    if may_request and sentences:
        initial = {"sentence_number": failure.sentence.number if failure else None}
        if len(sentences) == 1:
            initial["sentence_number"] = sentences[0].number
        form = RecallForm(request.POST or None, sentences=sentences, initial=initial)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            recall = recalls.recall_request(
                actor=user,
                crn=crn,
                sentence_number=data["sentence_number"],
                reasons=data["reasons"],
                recommended_type=data["recommended_type"],
                emergency=data["emergency"],
                failure_id=failure_id,
                risk_escalation_id=escalation_id,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            where = (
                f"an NPS senior manager of {recall.division.name} to endorse"
                if recall.state == RecallState.AWAITING_ENDORSEMENT
                else "PPCS to decide"
            )
            messages.success(request, f"Recall requested: sent to {where}")
            return redirect("enforcement:recall_request", crn=crn, recall_id=recall.pk)
    if request.method == "GET":
        audit.record_view(actor=user, instance=person)
    return render(
        request,
        "enforcement/recall_create.html",
        {
            "person": person,
            "form": form,
            "may_request": may_request,
            "sentences": sentences,
            "failure": failure,
            "escalation": escalation,
            "route": recalls.route(linked_risk_escalation=escalation is not None, emergency=False),
            "division": person.ldu.division,
        },
    )


# --- One request ------------------------------------------------------------------------------


class EndorsementForm(GovukForm):
    decision = forms.ChoiceField(
        label="Do you endorse the recall?",
        choices=[
            ("endorse", "Endorse: send it to PPCS"),
            ("decline_endorsement", "Do not endorse"),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Your reasons",
        required=False,
        help_text="Required if you do not endorse the recall",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def submit(self, *, actor, recall):
        data = self.cleaned_data
        kwargs = {"actor": actor, "crn": recall.person.crn, "recall_id": recall.pk}
        if data["decision"] == "endorse":
            recalls.recall_endorse(**kwargs, notes=data["notes"])
            return "Recall endorsed: sent to PPCS"
        recalls.recall_decline_endorsement(**kwargs, notes=data["notes"])
        return "Recall not endorsed: the request is closed"


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="PPCS decision",
        choices=[("revoke", "Revoke the licence (recall)"), ("not_revoke", "Do not recall")],
        widget=forms.RadioSelect,
    )
    recall_type = forms.ChoiceField(
        label="Type of recall",
        choices=RecallType.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="If you revoke the licence",
    )
    reasons = forms.CharField(
        label="Reasons",
        required=False,
        help_text="Required if you do not recall",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def submit(self, *, actor, recall):
        data = self.cleaned_data
        revoke = data["decision"] == "revoke"
        recalls.recall_decide(
            actor=actor,
            crn=recall.person.crn,
            recall_id=recall.pk,
            revoke=revoke,
            recall_type=data["recall_type"],
            reasons=data["reasons"],
        )
        return "Licence revoked: the person is recalled" if revoke else "Decided not to recall"


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why is the request withdrawn?", widget=forms.Textarea(attrs={"rows": 3})
    )

    def submit(self, *, actor, recall):
        recalls.recall_withdraw(
            actor=actor,
            crn=recall.person.crn,
            recall_id=recall.pk,
            reason=self.cleaned_data["reason"],
        )
        return "Recall request withdrawn"


# Each form, the workflow actions it makes.
FORMS = {
    "endorsement": (EndorsementForm, {"endorse", "decline_endorsement"}),
    "decision": (DecisionForm, {"revoke", "not_revoke"}),
    "withdraw": (WithdrawForm, {"withdraw"}),
}


@require_http_methods(["GET", "POST"])
@login_required
def recall_detail(request, crn, recall_id):
    """One recall request: its facts, document and history for anyone who may see the
    person; the forms of whoever may act on it now."""
    user = request.user
    recall = recalls.recall_of(user, crn, recall_id)
    bound = None
    if request.method == "POST":
        name = request.POST.get("form")
        if name not in FORMS:
            return HttpResponseBadRequest("Unknown form.")
        bound = (name, FORMS[name][0](request.POST, prefix=name))
        if bound[1].is_valid():
            try:
                message = bound[1].submit(actor=user, recall=recall)
            except ValidationError as error:
                bound[1].add_service_errors(error)
                recall = recalls.recall_of(user, crn, recall_id)
            else:
                messages.success(request, message)
                return redirect("enforcement:recall_request", crn=crn, recall_id=recall_id)
    else:
        audit.record_view(actor=user, instance=recall)
    workflow = recalls.WORKFLOW
    allowed = {t.action for t in workflow.actions_for(user, recall)}
    # Moves the user could make but a rule forbids now (revoking an unendorsed request).
    refused = [
        t.guard(recall)
        for t in workflow.allowed_from(recall.state)
        if t.guard and t.may(user, recall) and t.guard(recall)
    ]
    shown = {}
    for name, (form_class, actions) in FORMS.items():
        if bound and bound[0] == name:
            shown[name] = bound[1]
        elif actions & allowed:
            shown[name] = form_class(prefix=name)
    return render(
        request,
        "enforcement/recall_request.html",
        {
            "person": recall.person,
            "recall": recall,
            "forms": shown,
            "form": bound[1] if bound else None,
            "allowed": allowed,
            "refused": refused,
            "history": history(recalls.WORKFLOW, recall),
            "days_left": business_days_left(recall.due_by),
            "case_after_revocation": recalls.case_after_revocation(recall),
        },
    )


# --- Queues -----------------------------------------------------------------------------------


def _holds(user, role: str) -> bool:
    return any(r.code == role for r in access.effective_roles(user))


def _queue_page(request, requests, template):
    context = page_context(request, requests)
    for recall in context["page_obj"]:
        recall.days_left = business_days_left(recall.due_by)
    return render(request, template, context)


@require_GET
@login_required
def endorsement_queue(request):
    """Recall requests waiting for an NPS senior manager of the user's division."""
    if not _holds(request.user, "NPS_SENIOR_MANAGER"):
        raise PermissionDenied("Only NPS senior managers endorse recall requests.")
    return _queue_page(
        request,
        recalls.endorsement_queue(user=request.user),
        "enforcement/endorsement_queue.html",
    )


@require_GET
@login_required
def ppcs_queue(request):
    """Recall requests waiting for PPCS to decide."""
    if not _holds(request.user, "PPCS_CASEWORKER"):
        raise PermissionDenied("Only PPCS caseworkers decide recall requests.")
    return _queue_page(
        request, recalls.ppcs_queue(user=request.user), "enforcement/ppcs_queue.html"
    )
