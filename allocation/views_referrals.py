"""The page recording how a case came for allocation other than at sentence."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from allocation import referrals
from allocation.models import AllocationPoint, AllocationReferral, Jurisdiction
from probation import access, audit
from probation.forms_govuk import DateField, GovukForm
from probation.models import Sentence


class ReferralForm(GovukForm):
    point = forms.ChoiceField(
        label="How did the case come for allocation?",
        choices=[c for c in AllocationPoint.choices if c[0] != AllocationPoint.NEW_SENTENCE],
        widget=forms.RadioSelect,
        required=False,
    )
    received_on = DateField(
        label="Date the case was received",
        required=False,
        help_text="The one-business-day allocation clock starts from this date",
    )
    from_jurisdiction = forms.ChoiceField(
        label="Jurisdiction it transferred from (transfers in)",
        choices=[("", "Choose a jurisdiction"), *Jurisdiction.choices],
        required=False,
    )
    transferred_from = forms.CharField(
        label="Sending service, court or establishment (transfers)",
        required=False,
        max_length=200,
    )
    youth_offending_team = forms.CharField(
        label="Youth offending team (youth to adult)", required=False, max_length=200
    )
    transition_decided_on = DateField(
        label="Date of the transition decision (youth to adult)", required=False
    )
    transition_decision = forms.CharField(
        label="Transition decision and reasons (youth to adult)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_http_methods(["GET", "POST"])
@login_required
def referral(request, crn, number):
    person = access.person_for_view(request.user, crn)
    sentence = get_object_or_404(Sentence, person=person, number=number)
    may_record = referrals.may_record_referral(request.user) and access.can_change(
        request.user, person
    )
    if request.method == "POST" and not may_record:
        raise PermissionDenied("Only NPS court and allocation staff record how a case arrived.")
    existing = AllocationReferral.objects.filter(sentence=sentence).first()
    initial = {}
    if existing is not None:
        initial = {
            name: getattr(existing, name)
            for name in ReferralForm.base_fields
            if getattr(existing, name) not in (None, "")
        }
    form = ReferralForm(request.POST or None, initial=initial)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=sentence)
    elif form.is_valid():
        try:
            referrals.referral_record(
                actor=request.user, crn=crn, number=number, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"How sentence {sentence.reference} arrived is recorded")
            return redirect("allocation:allocate", crn=crn, number=number)
    return render(
        request,
        "allocation/referral.html",
        {
            "person": person,
            "sentence": sentence,
            "form": form,
            "referral": existing,
            "may_record": may_record,
        },
    )
