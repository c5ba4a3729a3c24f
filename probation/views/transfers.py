"""Pages for termination of a sentence (with the partners to tell) and for transfers of a
case between Contract Package Areas (DOMAIN.md 6)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, clock, selectors, terminations, transfers
from probation.forms_govuk import DateField, GovukForm
from probation.models import (
    CaseTransfer,
    Organisation,
    OrganisationKind,
    Team,
    TransferStatus,
    User,
    UserKind,
)
from probation.models.sentences import Partner, SentenceStatus, TerminationReason
from probation.pagination import page_context
from probation.views.common import person_for_change_page

# --- Termination ----------------------------------------------------------------------------


class TerminationForm(GovukForm):
    reason = forms.ChoiceField(
        label="Why did the sentence end?",
        choices=TerminationReason.choices,
        widget=forms.RadioSelect,
    )
    terminated_on = DateField(label="Date the sentence ended", help_text="For example, 27 3 2026")
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Select why the sentence ended"


class NotificationForm(GovukForm):
    partner = forms.ChoiceField(label="Partner", choices=Partner.choices)
    notified_on = DateField(label="Date the partner was told", help_text="For example, 27 3 2026")
    details = forms.CharField(
        label="How they were told (optional)",
        required=False,
        max_length=300,
        help_text="For example, email to the police public protection unit",
    )


@require_http_methods(["GET", "POST"])
@login_required
def sentence_terminate(request, crn, number):
    sentence, termination = terminations.termination_of(user=request.user, crn=crn, number=number)
    person = sentence.person
    can_change = access.can_change(request.user, person)
    form = TerminationForm(
        request.POST if request.method == "POST" and termination is None else None,
        initial={"terminated_on": clock.today()},
    )
    notification_form = NotificationForm(
        request.POST if request.method == "POST" and termination is not None else None,
        initial={"notified_on": clock.today()},
    )
    if termination is not None:
        notification_form.fields["partner"].choices = [
            (n.partner, n.get_partner_display()) for n in termination.notifications.all()
        ]
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("You can read this case but not change it.")
        if termination is None and form.is_valid():
            try:
                terminations.sentence_terminate(
                    actor=request.user, crn=crn, number=number, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request, f"Sentence {sentence.reference} terminated: tell the partners below"
                )
                return redirect("sentence-terminate", crn=crn, number=number)
        elif termination is not None and notification_form.is_valid():
            try:
                terminations.notification_sent(
                    actor=request.user, crn=crn, number=number, **notification_form.cleaned_data
                )
            except ValidationError as error:
                notification_form.add_service_errors(error)
            else:
                messages.success(request, "Notification recorded")
                return redirect("sentence-terminate", crn=crn, number=number)
    else:
        audit.record_view(actor=request.user, instance=sentence)  # with its termination
    return render(
        request,
        "probation/sentences/terminate.html",
        {
            "person": person,
            "sentence": sentence,
            "termination": termination,
            "form": notification_form if termination is not None else form,
            "can_change": can_change,
            "preview": (
                []
                if termination is not None or sentence.status == SentenceStatus.TERMINATED
                else [
                    (
                        label,
                        [
                            Partner(p).label
                            for p in terminations.required_notifications(sentence, value)
                        ],
                    )
                    for value, label in TerminationReason.choices
                ]
            ),
        },
    )


# --- Transfers ------------------------------------------------------------------------------


class TransferRequestForm(GovukForm):
    to_ldu = forms.TypedChoiceField(
        label="Local Delivery Unit of the new address",
        coerce=int,
        help_text="The receiving provider is the CRC of that LDU's Contract Package Area, or "
        "the NPS for a case the NPS manages",
    )
    reason = forms.CharField(
        label="Reason for the transfer",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, the person has moved to a new address with their family",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_ldu"].choices = [("", "Choose an LDU")] + selectors.ldu_choices()
        self.fields["to_ldu"].error_messages["required"] = "Select the LDU of the new address"


@require_http_methods(["GET", "POST"])
@login_required
def transfer_create(request, crn):
    person = person_for_change_page(request, crn)
    open_transfer = CaseTransfer.objects.filter(
        person=person, status=TransferStatus.REQUESTED
    ).first()
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["to_ldu"] = Organisation.objects.filter(
            pk=data["to_ldu"], kind=OrganisationKind.LDU
        ).first()
        try:
            transfer = transfers.transfer_request(actor=request.user, crn=crn, **data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Transfer requested from {transfer.to_provider.name}")
            return redirect("transfer-decide", crn=crn, transfer_id=transfer.pk)
    return render(
        request,
        "probation/transfers/transfer_form.html",
        {"person": person, "form": form, "open_transfer": open_transfer},
    )


@require_GET
@login_required
def transfer_list(request):
    waiting, decided = transfers.transfer_queue(user=request.user)
    return render(
        request,
        "probation/transfers/transfer_list.html",
        {**page_context(request, waiting), "decided": list(decided[:20])},
    )


class TransferDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Do you accept the case?",
        choices=[("accept", "Yes, accept the transfer"), ("reject", "No, reject the transfer")],
        widget=forms.RadioSelect,
    )
    location_suitability = forms.CharField(
        label="Is the new location suitable?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your assessment of the new address and area for this case",
    )
    team = forms.TypedChoiceField(
        label="Team that will manage the case",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Needed if you accept",
    )
    offender_manager = forms.TypedChoiceField(
        label="Offender manager (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="A member of that team; leave empty to allocate later",
    )
    decision_reason = forms.CharField(
        label="Reason for your decision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed if you reject",
    )

    def __init__(self, *args, teams, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "Select whether you accept the case"
        self.fields["location_suitability"].error_messages["required"] = (
            "Enter your assessment of the new location"
        )
        self.fields["team"].choices = [("", "Choose a team")] + [(t.pk, t.name) for t in teams]
        self.fields["offender_manager"].choices = [("", "Not yet")] + [
            (u.pk, f"{u.display_name} ({u.team.name})") for u in staff
        ]

    def clean(self):
        # The service checks these too; here they show with the form's other errors.
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("team"):
            self.add_error("team", "Select the team that will manage the case")
        if data.get("decision") == "reject" and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", "Enter the reason for rejecting the transfer")
        return data

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["accept"] = data.pop("decision") == "accept"
        data["team"] = Team.objects.filter(pk=data["team"]).first() if data["team"] else None
        data["offender_manager"] = (
            User.objects.filter(pk=data["offender_manager"]).first()
            if data["offender_manager"]
            else None
        )
        return data


def receiving_teams(transfer: CaseTransfer):
    organisation = transfer.to_provider if transfer.to_provider.is_crc else transfer.to_ldu.division
    return Team.objects.filter(organisation=organisation).select_related("ldu").order_by("name")


@require_http_methods(["GET", "POST"])
@login_required
def transfer_decide(request, crn, transfer_id):
    transfer = access.transfer_of(request.user, crn, transfer_id)
    person = transfer.person
    is_open = transfer.status == TransferStatus.REQUESTED
    may_decide = is_open and access.may_decide_transfer(request.user, transfer)
    may_withdraw = (
        is_open
        and person.responsible_provider_id == transfer.from_provider_id
        and access.can_change(request.user, person)
    )
    form = None
    if may_decide:
        teams = list(receiving_teams(transfer))
        staff = (
            User.objects.filter(team__in=teams, is_active=True, kind=UserKind.STAFF)
            .select_related("team")
            .order_by("last_name", "first_name")
        )
        form = TransferDecisionForm(
            request.POST if request.method == "POST" else None, teams=teams, staff=staff
        )
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            try:
                transfers.transfer_withdraw(actor=request.user, crn=crn, transfer_id=transfer_id)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("transfer-decide", crn=crn, transfer_id=transfer_id)
            messages.success(request, "Transfer withdrawn")
            return redirect("person-detail", crn=crn)
        if form is None:
            # The sending side (403 from the access check), or a decision already made.
            access.transfer_for_decision(request.user, crn, transfer_id)
            messages.info(request, "This transfer has already been decided")
            return redirect("transfer-decide", crn=crn, transfer_id=transfer_id)
        if form.is_valid():
            try:
                decided = transfers.transfer_decide(
                    actor=request.user, crn=crn, transfer_id=transfer_id, **form.service_kwargs()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if decided.status == TransferStatus.ACCEPTED:
                    messages.success(request, f"Transfer accepted: {person.crn} is now your case")
                    return redirect("person-detail", crn=crn)
                messages.success(request, "Transfer rejected")
                return redirect("transfers")
    else:
        audit.record_view(actor=request.user, instance=transfer)
    return render(
        request,
        "probation/transfers/transfer_decide.html",
        {
            "person": person,
            "transfer": transfer,
            "form": form,
            "may_withdraw": may_withdraw,
            "pbr_providers": sorted(transfer.pbr_providers.items(), key=lambda i: int(i[0])),
        },
    )
