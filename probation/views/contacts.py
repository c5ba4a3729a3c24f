"""Pages for contacts: the timeline of a case, recording a contact or booking an
appointment, and recording its outcome (DOMAIN.md 11)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, contacts
from probation.forms_govuk import DateField, GovukForm
from probation.models import ContactType, Outcome, Requirement, Sentence, User, UserKind
from probation.pagination import page_context
from probation.views.common import person_for_change_page


class ContactFilterForm(GovukForm):
    contact_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *ContactType.choices]
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), ("OUTSTANDING", "Not recorded yet"), *Outcome.choices],
    )


class ContactForm(GovukForm):
    contact_type = forms.ChoiceField(label="Type of contact")
    starts_on = DateField(label="Date", help_text="For example, 27 3 2026")
    starts_time = forms.TimeField(
        label="Time",
        help_text="Use the 24-hour clock, for example 14:30",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={"invalid": "Enter the time using the 24-hour clock, like 14:30"},
        widget=forms.TextInput(attrs={"width": "5", "autocomplete": "off"}),
    )
    location = forms.CharField(label="Location (optional)", required=False, max_length=200)
    staff = forms.TypedChoiceField(
        label="Member of staff",
        coerce=int,
        required=False,
        help_text="Who holds the appointment or made the contact",
    )
    sentence_number = forms.TypedChoiceField(
        label="Sentence (optional)", coerce=int, required=False, empty_value=None
    )
    requirement_id = forms.TypedChoiceField(
        label="Requirement it counts toward (optional)",
        coerce=int,
        required=False,
        empty_value=None,
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        help_text="Leave as not recorded for an appointment still to come",
    )
    absence_reason = forms.CharField(
        label="Why the absence was acceptable",
        required=False,
        max_length=300,
        help_text="Only for an acceptable absence",
    )
    unpaid_work_hours = forms.DecimalField(
        label="Unpaid work hours credited (optional)",
        required=False,
        max_digits=4,
        decimal_places=2,
        widget=forms.TextInput(attrs={"width": "5"}),
        help_text="Only for an attended unpaid work session, for example 6 or 7.5",
    )
    counts_as_rar_day = forms.BooleanField(
        label="Counts as a rehabilitation activity (RAR) day",
        required=False,
        help_text="Only for an attended session of a rehabilitation activity requirement",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, person, actor, contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_type"].choices = [("", "Choose a type"), *ContactType.choices]
        self.fields["outcome"].choices = [("", "Not recorded yet"), *Outcome.choices]
        sentences = list(Sentence.objects.filter(person=person).order_by("number"))
        self.fields["sentence_number"].choices = [("", "None")] + [
            (s.number, f"{s.reference} {s.get_sentence_type_display()}") for s in sentences
        ]
        requirements = Requirement.objects.filter(sentence__person=person).select_related(
            "sentence"
        )
        self.fields["requirement_id"].choices = [("", "None")] + [
            (r.pk, f"{r.get_code_display()} ({r.sentence.reference})") for r in requirements
        ]
        # Colleagues of the recording officer, and whoever already holds this contact.
        colleagues = User.objects.filter(
            Q(is_active=True, kind=UserKind.STAFF, organisation_id=actor.organisation_id)
            | Q(pk=contact.staff_id if contact else None)
        ).order_by("last_name", "first_name", "username")
        self.fields["staff"].choices = [("", "Nobody named")] + [
            (u.pk, u.display_name) for u in colleagues
        ]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        day, time = data.pop("starts_on"), data.pop("starts_time")
        data["starts_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
        staff_id = data.pop("staff")
        data["staff"] = User.objects.filter(pk=staff_id).first() if staff_id else None
        return data

    @staticmethod
    def initial_for(contact) -> dict:
        local = timezone.localtime(contact.starts_at)
        return {
            "contact_type": contact.contact_type,
            "starts_on": local.date(),
            "starts_time": local.strftime("%H:%M"),
            "location": contact.location,
            "staff": contact.staff_id,
            "sentence_number": contact.sentence.number if contact.sentence_id else None,
            "requirement_id": contact.requirement_id,
            "outcome": contact.outcome,
            "absence_reason": contact.absence_reason,
            "unpaid_work_hours": contact.unpaid_work_hours,
            "counts_as_rar_day": contact.counts_as_rar_day,
            "notes": contact.notes,
        }


@require_GET
@login_required
def contact_list(request, crn):
    person = access.person_for_view(request.user, crn)
    form = ContactFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    timeline = contacts.contact_list(user=request.user, crn=crn, filters=filters)
    audit.record_view(actor=request.user, instance=person)
    return render(
        request,
        "probation/contacts/contact_list.html",
        {
            "person": person,
            "form": form,
            "can_change": access.can_change(request.user, person),
            **page_context(request, timeline),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def contact_create(request, crn):
    person = person_for_change_page(request, crn)
    initial = {"staff": request.user.pk, "starts_on": timezone.localdate()}
    form = ContactForm(request.POST or None, initial=initial, person=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_create(actor=request.user, crn=crn, **form.service_kwargs())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Contact recorded")
            return redirect("contacts", crn=crn)
    return render(
        request,
        "probation/contacts/contact_form.html",
        {"form": form, "person": person, "creating": True},
    )


@require_http_methods(["GET", "POST"])
@login_required
def contact_update(request, crn, contact_id):
    person = person_for_change_page(request, crn)
    contact = contacts.contact_detail(user=request.user, crn=crn, contact_id=contact_id)
    form = ContactForm(
        request.POST or None,
        initial=ContactForm.initial_for(contact),
        person=person,
        actor=request.user,
        contact=contact,
    )
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_update(
                actor=request.user, crn=crn, contact_id=contact.pk, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Contact changed")
            return redirect("contacts", crn=crn)
    return render(
        request,
        "probation/contacts/contact_form.html",
        {"form": form, "person": person, "contact": contact, "creating": False},
    )


def _add_errors(form, error):
    """The service names ``starts_at``; the form splits it into a date and a time."""
    if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
        error.error_dict["starts_on"] = error.error_dict.pop("starts_at")
    form.add_service_errors(error)
