"""Pages of failures to comply and breach referrals (DOMAIN.md 6): recording a failure on a
case, the responsible officer's decision offering only the lawful options, a breach
referral with the enforcement officer's and the responsible officer's forms, and the NPS
enforcement officers' queue. The rules live in ``enforcement.failures`` and
``enforcement.breach``; these views turn forms into their calls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from enforcement import breach, failures, selectors
from enforcement.forms_failures import (
    DECISION_LABELS,
    EO_LABELS,
    CourtOutcomeForm,
    DecisionForm,
    EoDecisionForm,
    FailureForm,
    ReturnedForm,
    WithdrawForm,
)
from enforcement.models import BreachState, FailureState
from enforcement.rules import EnforcedSentence, ReferralTo
from enforcement.workflows import BREACH_REFERRAL, FAILURE
from probation import access, audit
from probation.models import CaseDocument, OrganisationKind
from probation.pagination import page_context
from probation.workflow import business_days_left, history

# Who works the enforcement officers' queue (the senior manager oversees it).
QUEUE_ROLES = frozenset({"NPS_ENFORCEMENT_OFFICER", "NPS_SENIOR_MANAGER"})


@require_http_methods(["GET", "POST"])
@login_required
def failure_create(request, crn):
    """Record a failure to comply on one of the person's sentences (the responsible
    officer); anyone else who may see the case is told who records it."""
    person = access.person_for_view(request.user, crn)
    may_record = failures.may_record(request.user, person)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    elif not may_record:
        raise PermissionDenied(
            "Only the responsible officer of the provider managing the case can record a "
            "failure to comply."
        )
    form = None
    if may_record:
        form = FailureForm(request.POST or None, sentences=failures.enforceable_sentences(person))
    if request.method == "POST" and form.is_valid():
        try:
            failure = failures.failure_record(actor=request.user, crn=crn, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Failure to comply recorded: decide what to do about it")
            return redirect("enforcement:failure", crn=crn, failure_id=failure.pk)
    return render(
        request,
        "enforcement/failure_create.html",
        {"person": person, "form": form, "provider": person.responsible_provider},
    )


def _recall_url(crn: str, failure) -> str | None:
    """The recall request page (enforcement.recalls), when it is installed."""
    try:
        return reverse("enforcement:recall-create", args=[crn]) + f"?failure={failure.pk}"
    except NoReverseMatch:
        return None


def _options(failure) -> dict:
    """What the law allows: the rule now for an undecided failure, else as stored."""
    if failure.state == FailureState.AWAITING_DECISION:
        return failures.options_record(failure, selectors.options_for(failure))
    return failure.options or {}


@require_http_methods(["GET", "POST"])
@login_required
def failure_detail(request, crn, failure_id):
    """One failure: its facts, the options the law allows with the rule's reasons, the
    decision form for the responsible officer (lawful options only), the referrals and
    documents it led to, and its history."""
    failure = failures.failure_of(request.user, crn, failure_id)
    person = failure.person
    undecided = failure.state == FailureState.AWAITING_DECISION
    offered = FAILURE.actions_for(request.user, failure) if undecided else []
    lawful = [t.action for t in offered if t.action in DECISION_LABELS]
    form = DecisionForm(request.POST or None) if lawful or request.method == "POST" else None
    if request.method == "POST":
        if not access.is_responsible_officer(request.user, person):
            raise PermissionDenied(
                "Only the responsible officer of the provider managing the case can decide."
            )
        if form.is_valid():
            try:
                failures.failure_decide(
                    actor=request.user, crn=crn, failure_id=failure.pk, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _decided_message(form.cleaned_data["action"]))
                return redirect("enforcement:failure", crn=crn, failure_id=failure.pk)
    else:
        audit.record_view(actor=request.user, instance=failure)
    options = _options(failure)
    recall_offered = (
        undecided
        and options.get("referral_to") == ReferralTo.PPCS
        and access.is_responsible_officer(request.user, person)
    )
    referrals = list(
        failure.breach_referrals.select_related("division", "referred_by_organisation").order_by(
            "opened_at", "pk"
        )
    )
    packs = list(
        CaseDocument.objects.filter(
            person=person,
            workflow=BREACH_REFERRAL.name,
            record_id__in=[r.pk for r in referrals],
        )
        .defer("body_html")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "enforcement/failure.html",
        {
            "person": person,
            "failure": failure,
            "sentence": failure.sentence,
            "options": options,
            "referral_to": ReferralTo(options["referral_to"]).label if options else "",
            "offered": [(a, *DECISION_LABELS[a]) for a in lawful],
            "form": form,
            "recall_url": _recall_url(crn, failure) if recall_offered else None,
            "days_left": business_days_left(failure.due_by) if undecided else None,
            "referrals": referrals,
            "packs": packs,
            "history": history(FAILURE, failure),
            "may_record": failures.may_record(request.user, person),
            "is_licence": failure.enforced_as == EnforcedSentence.LICENCE,
        },
    )


def _decided_message(action: str) -> str:
    return {
        "warn": "Warning given: the warning letter is stored with the case",
        "refer": "Breach referred: the NPS enforcement officers of the division have been told",
        "notify_hmcts": "HMCTS notification of intended enforcement recorded",
        "accept_excuse": "Reasonable excuse accepted",
    }[action]


# --- Breach referral -------------------------------------------------------------------------

_FORMS = {"decide", "outcome", "returned", "withdraw"}


def _breach_forms(request, referral, actions: set[str], posted: str | None) -> dict:
    data = request.POST if posted else None
    outcomes = breach.outcomes_for(referral)
    built = {}
    if actions & set(EO_LABELS) or posted == "decide":
        built["decide"] = EoDecisionForm(data if posted == "decide" else None)
    if "record_court_outcome" in actions or posted == "outcome":
        built["outcome"] = CourtOutcomeForm(
            data if posted == "outcome" else None, outcomes=outcomes
        )
    if actions & {"resubmit", "close_after_advice"} or posted == "returned":
        built["returned"] = ReturnedForm(data if posted == "returned" else None)
    if "withdraw" in actions or posted == "withdraw":
        built["withdraw"] = WithdrawForm(data if posted == "withdraw" else None)
    return built


def _submit(request, crn, referral, name, form) -> str:
    """Call the service for the posted form; returns the success message."""
    data = form.cleaned_data
    common = {"actor": request.user, "crn": crn, "referral_id": referral.pk}
    if name == "decide":
        decided = breach.breach_referral_decide(**common, **data)
        return f"Decision recorded: {BreachState(decided.state).label.lower()}"
    if name == "outcome":
        breach.breach_referral_court_outcome(**common, **data)
        return "Court outcome recorded"
    if name == "returned":
        if data["action"] == "resubmit":
            breach.breach_referral_resubmit(**common, account=data["notes"])
            return "Referral sent back to the enforcement officer with a new pre-breach pack"
        breach.breach_referral_close(**common, notes=data["notes"])
        return "Referral closed on the enforcement officer's advice"
    breach.breach_referral_withdraw(**common, notes=data["notes"])
    return "Referral withdrawn"


@require_http_methods(["GET", "POST"])
@login_required
def breach_referral_detail(request, crn, referral_id):
    """One breach referral: the pre-breach pack, the enforcement officer's decision form
    (enforcement officers of the division), the court outcome form after court action, and
    the responsible officer's forms when it comes back with advice or is still waiting."""
    referral = breach.referral_of(request.user, crn, referral_id)
    person = referral.person
    actions = {t.action for t in BREACH_REFERRAL.actions_for(request.user, referral)}
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted is not None and posted not in _FORMS:
        posted = None
    forms = _breach_forms(request, referral, actions, posted)
    if posted:
        form = forms[posted]
        if form.is_valid():
            try:
                message = _submit(request, crn, referral, posted, form)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, message)
                return redirect("enforcement:breach_referral", crn=crn, referral_id=referral.pk)
    elif request.method == "GET":
        audit.record_view(actor=request.user, instance=referral)
    packs = list(
        CaseDocument.objects.filter(
            person=person, workflow=BREACH_REFERRAL.name, record_id=referral.pk
        )
        .defer("body_html")
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    open_step = referral.closed_at is None and referral.due_by is not None
    return render(
        request,
        "enforcement/breach_referral.html",
        {
            "person": person,
            "referral": referral,
            "failure": referral.failure,
            "sentence": referral.sentence,
            "forms": forms,
            "eo_choices": [(a, *EO_LABELS[a]) for a in EO_LABELS if a in actions],
            "posted": posted,
            "errors_form": forms.get(posted) if posted else None,
            "packs": packs,
            "history": history(BREACH_REFERRAL, referral),
            "days_left": business_days_left(referral.due_by) if open_step else None,
            "awaiting_court": referral.state == BreachState.COURT_ACTION,
        },
    )


# --- The NPS enforcement officers' queue -------------------------------------------------------


@require_GET
@login_required
def eo_queue(request):
    """Breach referrals waiting on the user's NPS division (``breach.eo_queue``), with the
    business days left on each; a constant number of queries at any length."""
    user = request.user
    roles = {role.code for role in access.effective_roles(user)}
    organisation = user.organisation
    if (
        not roles & QUEUE_ROLES
        or organisation is None
        or organisation.kind != OrganisationKind.NPS_DIVISION
    ):
        raise PermissionDenied("This queue is for the NPS enforcement officers of a division.")
    context = page_context(request, breach.eo_queue(user))
    for referral in context["page_obj"]:
        referral.days_left = business_days_left(referral.due_by)
    context["division"] = organisation
    return render(request, "enforcement/eo_queue.html", context)
