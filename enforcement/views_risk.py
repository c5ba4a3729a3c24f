"""Pages of risk escalation, risk reviews, intelligence, serious further offences and Victim
Summary Reports (DOMAIN.md 5). The rules live in ``enforcement.escalations``,
``enforcement.reviews``, ``enforcement.intelligence`` and ``enforcement.sfo`` and in the
workflow tables; these views only turn forms into their calls. Every page finds the person
through ``probation.access`` (404 outside scope) and audits the view."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from enforcement import escalations, intelligence, reviews, sfo
from enforcement.models import (
    EscalationState,
    IntelligenceSource,
    ReviewState,
    RiskReview,
    SfoOutcome,
    VictimSummaryReport,
)
from enforcement.selectors import open_escalation
from enforcement.workflows import (
    INTELLIGENCE,
    RISK_ESCALATION,
    RISK_REVIEW,
    SFO_REVIEW,
    VICTIM_SUMMARY_REPORT,
)
from probation import access, audit
from probation.forms_govuk import DateField, GovukForm
from probation.models import User
from probation.pagination import page_context
from probation.workflow import business_days_left, history


def _actions(workflow, user, record) -> set[str]:
    return {t.action for t in workflow.actions_for(user, record)}


def _refused(workflow, record, action: str, user, form) -> bool:
    """For a posted action the user cannot take now: 403 for someone the table does not
    allow; the table's reason on the form for a move no longer possible (someone decided
    meanwhile, named with the time). True when refused."""
    if action in _actions(workflow, user, record):
        return False
    try:
        workflow.check(record, action, actor=user)
    except ValidationError as error:
        form.add_service_errors(error)
        return True
    return False


def _recall_url(crn: str, escalation_id: int) -> str:
    """The recall request page of the enforcement pages (another part), if it is there."""
    try:
        return reverse("enforcement:recall-create", args=[crn]) + f"?escalation={escalation_id}"
    except NoReverseMatch:
        return ""


# --- Risk escalation: raising ---------------------------------------------------------------


class EscalationForm(GovukForm):
    new_information = forms.CharField(
        label="What has come to light or changed?",
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    crc_view = forms.CharField(
        label="Your view of the risk of serious harm now",
        max_length=8000,
        help_text="Why you think the risk may now be high",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    immediate_risk = forms.BooleanField(
        label="The risk is immediate",
        required=False,
        help_text="The referral goes to the NPS's same-day queue; you may also request recall "
        "for a person on licence",
    )
    immediate_action = forms.CharField(
        label="What you did at once (if the risk is immediate)",
        required=False,
        help_text="For example, told the police or health services",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_information"].error_messages["required"] = (
            "Enter what has come to light or changed"
        )
        self.fields["crc_view"].error_messages["required"] = (
            "Enter your view of the risk of serious harm now"
        )


@require_http_methods(["GET", "POST"])
@login_required
def escalation_create(request, crn):
    """Refer a CRC case to the NPS (the responsible officer); others read why they cannot."""
    person = access.person_for_view(request.user, crn)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    may_raise = escalations.may_raise(request.user, person)
    if request.method == "POST" and not may_raise:
        raise PermissionDenied(
            "Only the responsible officer of the CRC managing the case can refer it to the NPS."
        )
    waiting = open_escalation(person.pk)
    rosh = escalations.current_rosh(person)
    review = None
    review_id = request.POST.get("review") or request.GET.get("review")
    if review_id and str(review_id).isdigit():
        review = RiskReview.objects.filter(
            person=person, pk=int(review_id), state=ReviewState.OPEN
        ).first()
    form = None
    if may_raise and waiting is None and rosh is not None:
        form = EscalationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                escalation = escalations.escalation_raise(
                    actor=request.user,
                    crn=crn,
                    risk_review_id=review.pk if review else None,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    "Case referred to the NPS"
                    + (": in the same-day queue" if escalation.immediate_risk else ""),
                )
                return redirect("enforcement:risk_escalation", crn=crn, escalation_id=escalation.pk)
    return render(
        request,
        "enforcement/escalation_form.html",
        {
            "person": person,
            "form": form,
            "may_raise": may_raise,
            "waiting": waiting,
            "rosh": rosh,
            "review": review,
            "is_crc_case": person.responsible_provider.is_crc,
        },
    )


# --- Risk escalation: the referral and the NPS decision ----------------------------------------


class DecisionForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Is the risk of serious harm high?",
        choices=[
            ("high", "High: the NPS takes the case"),
            ("not_high", "Not high: the CRC keeps the case"),
        ],
        widget=forms.RadioSelect,
    )
    decision_reason = forms.CharField(
        label="Your reasons", max_length=8000, widget=forms.Textarea(attrs={"rows": 5})
    )
    nps_team = forms.TypedChoiceField(
        label="NPS team that will manage the case (if high)", coerce=int, required=False
    )
    nps_offender_manager = forms.TypedChoiceField(
        label="NPS offender manager (optional)", coerce=int, required=False
    )
    continued_interventions = forms.CharField(
        label="Interventions the CRC keeps delivering (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    crc_grantees = forms.TypedMultipleChoiceField(
        label="CRC officers who deliver them (they keep access to this person only)",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, teams=(), officers=(), grantees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].error_messages["required"] = "Select high or not high"
        self.fields["decision_reason"].error_messages["required"] = (
            "Enter the reasons for your decision"
        )
        self.fields["nps_team"].choices = [("", "Choose a team")] + [(t.pk, t.name) for t in teams]
        self.fields["nps_offender_manager"].choices = [("", "Not yet")] + [
            (u.pk, f"{u.display_name} ({u.team.name})") for u in officers
        ]
        self.fields["crc_grantees"].choices = [(u.pk, u.display_name) for u in grantees]
        self.teams = {t.pk: t for t in teams}
        self.officers = {u.pk: u for u in officers}
        self.grantees = {u.pk: u for u in grantees}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "high": data["outcome"] == "high",
            "decision_reason": data["decision_reason"],
            "nps_team": self.teams.get(data.get("nps_team")),
            "nps_offender_manager": self.officers.get(data.get("nps_offender_manager")),
            "continued_interventions": data.get("continued_interventions", ""),
            "crc_grantees": [self.grantees[pk] for pk in data.get("crc_grantees") or ()],
        }


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why are you withdrawing the referral? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _decision_form(request, escalation, data=None):
    person = escalation.person
    teams = escalations.nps_teams(person)
    officers = (
        User.objects.filter(team__in=teams, is_active=True)
        .exclude(kind="API_CLIENT")
        .select_related("team")
        .order_by("last_name", "first_name", "pk")
    )
    return DecisionForm(
        data,
        teams=teams,
        officers=list(officers),
        grantees=escalations.grantee_choices(escalation),
    )


@require_http_methods(["GET", "POST"])
@login_required
def risk_escalation(request, crn, escalation_id):
    """One referral: its facts and history for anyone who may see the case; the decision for
    an NPS senior manager of the division; withdrawal for the CRC that raised it."""
    escalation = escalations.escalation_of(request.user, crn, escalation_id)
    actions = _actions(RISK_ESCALATION, request.user, escalation)
    may_decide = bool(actions & {"decide_high", "decide_not_high"})
    action = request.POST.get("action") if request.method == "POST" else None
    form = _decision_form(request, escalation) if may_decide else None
    withdraw_form = WithdrawForm() if "withdraw" in actions else None
    if action == "decide":
        form = _decision_form(request, escalation, request.POST)
        high = request.POST.get("outcome") == "high"
        move = "decide_high" if high else "decide_not_high"
        if not _refused(RISK_ESCALATION, escalation, move, request.user, form) and form.is_valid():
            try:
                decided = escalations.escalation_decide(
                    actor=request.user,
                    crn=crn,
                    escalation_id=escalation_id,
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    "Decided high: the case has moved to the NPS"
                    if decided.state == EscalationState.HIGH
                    else "Decided not high: the CRC keeps the case and has been told why",
                )
                return redirect("enforcement:risk_escalation", crn=crn, escalation_id=decided.pk)
    elif action == "withdraw":
        withdraw_form = WithdrawForm(request.POST)
        refused = _refused(RISK_ESCALATION, escalation, "withdraw", request.user, withdraw_form)
        if not refused and withdraw_form.is_valid():
            try:
                escalations.escalation_withdraw(
                    actor=request.user,
                    crn=crn,
                    escalation_id=escalation_id,
                    reason=withdraw_form.cleaned_data["reason"],
                )
            except ValidationError as error:
                withdraw_form.add_service_errors(error)
            else:
                messages.success(request, "Referral withdrawn")
                return redirect("enforcement:risk_escalation", crn=crn, escalation_id=escalation_id)
    elif request.method == "POST":
        raise PermissionDenied("Choose an action you may take on this referral.")
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=escalation)
    person = escalation.person
    recall_url = ""
    if escalation.state == EscalationState.AWAITING_NPS and access.is_responsible_officer(
        request.user, person
    ):
        recall_url = _recall_url(crn, escalation.pk) if escalations.on_licence(person) else ""
    return render(
        request,
        "enforcement/escalation_detail.html",
        {
            "person": person,
            "escalation": escalation,
            "days_left": business_days_left(escalation.due_by),
            "form": form,
            "withdraw_form": withdraw_form,
            "history": history(RISK_ESCALATION, escalation),
            "recall_url": recall_url,
        },
    )


@require_GET
@login_required
def escalation_queue(request):
    """The NPS senior managers' queue: referrals waiting on the user's division, immediate
    risk first, then overdue, then soonest due, with business days left."""
    context = page_context(request, escalations.escalation_queue(user=request.user))
    for escalation in context["page_obj"]:
        escalation.days_left = business_days_left(escalation.due_by)
    return render(request, "enforcement/escalation_queue.html", context)


# --- Risk review ---------------------------------------------------------------------------


@require_GET
@login_required
def risk_review(request, crn, review_id):
    """A review set at allocation: its date and triggers, and the way to answer it."""
    review = reviews.review_of(request.user, crn, review_id)
    audit.record_view(actor=request.user, instance=review)
    person = review.person
    answer_url = ""
    if review.state == ReviewState.OPEN and escalations.may_raise(request.user, person):
        answer_url = reverse("enforcement:escalation-create", args=[crn]) + f"?review={review.pk}"
    return render(
        request,
        "enforcement/risk_review.html",
        {
            "person": person,
            "review": review,
            "days_left": business_days_left(review.due_by),
            "answer_url": answer_url,
            "escalations": list(review.escalations.order_by("opened_at", "pk")),
            "history": history(RISK_REVIEW, review),
        },
    )


# --- Intelligence -----------------------------------------------------------------------------


class IntelligenceForm(GovukForm):
    source = forms.ChoiceField(
        label="Where did the intelligence come from?",
        choices=IntelligenceSource.choices,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label="The intelligence", max_length=8000, widget=forms.Textarea(attrs={"rows": 6})
    )


class AcknowledgeForm(GovukForm):
    response = forms.CharField(
        label="How do you respond to it?",
        max_length=8000,
        help_text="For example, the plan is reviewed, or the case is referred to the NPS",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@require_http_methods(["GET", "POST"])
@login_required
def intelligence_create(request, crn):
    person = access.person_for_view(request.user, crn)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    may_share = intelligence.may_share(request.user, person)
    if request.method == "POST" and not may_share:
        raise PermissionDenied(
            "Only NPS staff of the person's division can pass intelligence to the CRC."
        )
    form = IntelligenceForm(request.POST or None) if may_share else None
    if request.method == "POST" and form.is_valid():
        try:
            shared = intelligence.intelligence_share(
                actor=request.user, crn=crn, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Intelligence passed to {person.responsible_provider.name}")
            return redirect("enforcement:intelligence", crn=crn, intelligence_id=shared.pk)
    return render(
        request,
        "enforcement/intelligence_form.html",
        {"person": person, "form": form, "is_crc_case": person.responsible_provider.is_crc},
    )


@require_http_methods(["GET", "POST"])
@login_required
def intelligence_detail(request, crn, intelligence_id):
    record = intelligence.intelligence_of(request.user, crn, intelligence_id)
    may_acknowledge = "acknowledge" in _actions(INTELLIGENCE, request.user, record)
    form = AcknowledgeForm() if may_acknowledge else None
    if request.method == "POST":
        form = AcknowledgeForm(request.POST)
        refused = _refused(INTELLIGENCE, record, "acknowledge", request.user, form)
        if not refused and form.is_valid():
            try:
                intelligence.intelligence_acknowledge(
                    actor=request.user,
                    crn=crn,
                    intelligence_id=intelligence_id,
                    response=form.cleaned_data["response"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Intelligence acknowledged")
                return redirect("enforcement:intelligence", crn=crn, intelligence_id=record.pk)
    else:
        audit.record_view(actor=request.user, instance=record)
    return render(
        request,
        "enforcement/intelligence_detail.html",
        {
            "person": record.person,
            "record": record,
            "form": form,
            "days_left": business_days_left(record.due_by),
            "history": history(INTELLIGENCE, record),
        },
    )


# --- Serious further offences and Victim Summary Reports --------------------------------------


class SfoForm(GovukForm):
    charged_on = DateField(label="Date of the charge", help_text="For example, 27 3 2026")
    offence = forms.CharField(label="Offence charged", max_length=300)


class ReviewForm(GovukForm):
    findings = forms.CharField(
        label="Findings of the management review",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class OutcomeForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Outcome of the charge",
        choices=[(SfoOutcome.CONVICTED, "Convicted"), (SfoOutcome.NOT_CONVICTED, "Not convicted")],
        widget=forms.RadioSelect,
    )
    outcome_on = DateField(label="Date of the outcome")
    victims_opted_in = forms.TypedChoiceField(
        label="On conviction: did the victims opt into the Victim Contact Scheme?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "POST"])
@login_required
def sfo_create(request, crn):
    person = access.person_for_view(request.user, crn)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    may_record = sfo.may_record(request.user, person)
    if request.method == "POST" and not may_record:
        raise PermissionDenied(
            "Only the responsible officer or a manager of the provider managing the case can "
            "record a serious further offence."
        )
    form = SfoForm(request.POST or None) if may_record else None
    if request.method == "POST" and form.is_valid():
        try:
            recorded = sfo.sfo_record(actor=request.user, crn=crn, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Serious further offence recorded: NOMS has been notified")
            return redirect("enforcement:sfo_review", crn=crn, sfo_id=recorded.pk)
    return render(request, "enforcement/sfo_form.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def sfo_review(request, crn, sfo_id):
    """A serious further offence: the facts, the management review and the outcome."""
    record = sfo.sfo_of(request.user, crn, sfo_id)
    may_review = "complete_review" in _actions(SFO_REVIEW, request.user, record)
    may_outcome = record.outcome == SfoOutcome.AWAITING_TRIAL and sfo.may_record_outcome(
        request.user, record
    )
    review_form = ReviewForm() if may_review else None
    outcome_form = OutcomeForm() if may_outcome else None
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "review":
        review_form = ReviewForm(request.POST)
        refused = _refused(SFO_REVIEW, record, "complete_review", request.user, review_form)
        if not refused and review_form.is_valid():
            try:
                sfo.sfo_review_complete(
                    actor=request.user, crn=crn, sfo_id=sfo_id, **review_form.cleaned_data
                )
            except ValidationError as error:
                review_form.add_service_errors(error)
            else:
                messages.success(request, "Management review recorded")
                return redirect("enforcement:sfo_review", crn=crn, sfo_id=sfo_id)
    elif action == "outcome":
        if not sfo.may_record_outcome(request.user, record):
            raise PermissionDenied(
                "Only the provider that managed the case can record the outcome of the charge."
            )
        outcome_form = OutcomeForm(request.POST)
        if outcome_form.is_valid():
            try:
                sfo.sfo_outcome(
                    actor=request.user, crn=crn, sfo_id=sfo_id, **outcome_form.cleaned_data
                )
            except ValidationError as error:
                outcome_form.add_service_errors(error)
            else:
                messages.success(request, "Outcome of the charge recorded")
                return redirect("enforcement:sfo_review", crn=crn, sfo_id=sfo_id)
    elif request.method == "POST":
        raise PermissionDenied("Choose an action you may take on this record.")
    else:
        audit.record_view(actor=request.user, instance=record)
    vsr = VictimSummaryReport.objects.filter(sfo=record).first()
    return render(
        request,
        "enforcement/sfo_detail.html",
        {
            "person": record.person,
            "sfo": record,
            "vsr": vsr,
            "review_form": review_form,
            "outcome_form": outcome_form,
            # The error summary of whichever form was posted.
            "form": review_form if action == "review" else outcome_form,
            "days_left": business_days_left(record.due_by),
            "history": history(SFO_REVIEW, record),
        },
    )


class VsrWriteForm(GovukForm):
    summary = forms.CharField(
        label="Summary for the victims",
        max_length=20000,
        help_text="What the review found, in plain language for the victims",
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class MeetingForm(GovukForm):
    meeting_on = DateField(label="Date of the meeting")
    senior_representative = forms.CharField(label="Senior representative", max_length=200)
    victim_liaison_officer = forms.CharField(label="Victim Liaison Service officer", max_length=200)
    notes = forms.CharField(
        label="Notes of the meeting (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@require_http_methods(["GET", "POST"])
@login_required
def victim_summary_report(request, crn, vsr_id):
    vsr = sfo.vsr_of(request.user, crn, vsr_id)
    actions = _actions(VICTIM_SUMMARY_REPORT, request.user, vsr)
    write_form = VsrWriteForm() if "write" in actions else None
    meeting_form = MeetingForm() if "record_meeting" in actions else None
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "write":
        write_form = VsrWriteForm(request.POST)
        refused = _refused(VICTIM_SUMMARY_REPORT, vsr, "write", request.user, write_form)
        if not refused and write_form.is_valid():
            try:
                sfo.vsr_write(actor=request.user, crn=crn, vsr_id=vsr_id, **write_form.cleaned_data)
            except ValidationError as error:
                write_form.add_service_errors(error)
            else:
                messages.success(request, "Victim Summary Report written and stored with the case")
                return redirect("enforcement:victim_summary_report", crn=crn, vsr_id=vsr_id)
    elif action == "meeting":
        meeting_form = MeetingForm(request.POST)
        refused = _refused(VICTIM_SUMMARY_REPORT, vsr, "record_meeting", request.user, meeting_form)
        if not refused and meeting_form.is_valid():
            try:
                sfo.vsr_record_meeting(
                    actor=request.user, crn=crn, vsr_id=vsr_id, **meeting_form.cleaned_data
                )
            except ValidationError as error:
                meeting_form.add_service_errors(error)
            else:
                messages.success(request, "Meeting with the victims recorded")
                return redirect("enforcement:victim_summary_report", crn=crn, vsr_id=vsr_id)
    elif request.method == "POST":
        raise PermissionDenied("Choose an action you may take on this report.")
    else:
        audit.record_view(actor=request.user, instance=vsr)
    return render(
        request,
        "enforcement/vsr_detail.html",
        {
            "person": vsr.person,
            "vsr": vsr,
            "write_form": write_form,
            "meeting_form": meeting_form,
            "form": write_form if action == "write" else meeting_form,
            "days_left": business_days_left(vsr.due_by),
            "history": history(VICTIM_SUMMARY_REPORT, vsr),
        },
    )
