"""Forms of the failure-to-comply and breach-referral pages (GOV.UK Design System). They
only collect input; ``enforcement.failures`` and ``enforcement.breach`` decide."""

from django import forms
from django.core.exceptions import ValidationError

from enforcement.breach import EO_DECISIONS
from enforcement.failures import DECISIONS
from enforcement.models import CourtOutcome
from probation.forms_govuk import DateField, GovukForm

# How each decision is offered on the failure page: its label and what it does.
DECISION_LABELS = {
    "warn": ("Give a warning", "A warning letter is generated and stored with the case."),
    "refer": (
        "Refer the breach to an NPS enforcement officer",
        "The pre-breach pack is generated from the case, with your account below.",
    ),
    "notify_hmcts": (
        "Notify HMCTS of intended enforcement",
        "For a Senior Attendance Centre order: the court's enforcement follows.",
    ),
    "accept_excuse": (
        "Accept a reasonable excuse",
        "No enforcement: say what the excuse was and why it is reasonable.",
    ),
}
EO_LABELS = {
    "decide_court_action": ("Take the breach to court", "Breach proceedings at court."),
    "decide_no_further_action": ("No further action", "The referral closes."),
    "return_with_advice": (
        "Return to the responsible officer with advice",
        "They send it back with a new pre-breach pack, or close it.",
    ),
}


class FailureForm(GovukForm):
    sentence_number = forms.TypedChoiceField(
        label="Sentence", coerce=int, empty_value=None, help_text="The order or licence breached"
    )
    failure_date = DateField(label="Date of the failure", help_text="For example, 27 3 2026")
    description = forms.CharField(
        label="What happened",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The instruction or requirement not complied with, and any reason given",
    )

    def __init__(self, *args, sentences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sentence_number"].choices = [("", "Choose a sentence")] + [
            (s.number, f"{s.reference} {s.get_sentence_type_display()}") for s in sentences
        ]
        self.fields["sentence_number"].error_messages["required"] = (
            "Select the sentence the failure is on"
        )
        self.fields["description"].error_messages["required"] = "Describe the failure to comply"


class DecisionForm(GovukForm):
    """Every decision is a valid choice here, so a refused one reaches the service and
    its reason is shown; the page offers only the lawful ones."""

    action = forms.ChoiceField(
        label="What will you do?", choices=[(a, DECISION_LABELS[a][0]) for a in DECISIONS]
    )
    notes = forms.CharField(
        label="Your account or notes",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For a referral, your account of the failure for the pre-breach pack; for "
        "an excuse, what it was and why it is reasonable",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["required"] = (
            "Select what you will do about the failure"
        )


class EoDecisionForm(GovukForm):
    action = forms.ChoiceField(
        label="Your decision", choices=[(a, EO_LABELS[a][0]) for a in EO_DECISIONS]
    )
    eo_reasons = forms.CharField(
        label="Your reasons or advice",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    court = forms.CharField(
        label="Court (for court action; optional)",
        required=False,
        max_length=200,
        help_text="Leave empty for the sentencing court",
    )
    hearing_on = DateField(label="Hearing date (optional)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["required"] = "Select your decision"


class CourtOutcomeForm(GovukForm):
    court_outcome = forms.ChoiceField(label="The court's outcome", widget=forms.RadioSelect)
    court_outcome_on = DateField(label="Date of the court's decision")
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, the amended requirements, the fine or the new sentence",
    )

    def __init__(self, *args, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court_outcome"].choices = [(o, CourtOutcome(o).label) for o in outcomes]
        self.fields["court_outcome"].error_messages["required"] = "Select the court's outcome"
        self.fields["court_outcome"].error_messages["invalid_choice"] = (
            "Select one of the outcomes shown"
        )


class ReturnedForm(GovukForm):
    action = forms.ChoiceField(
        label="What will you do?",
        choices=[
            ("resubmit", "Send it back to the enforcement officer with a new pre-breach pack"),
            ("close_after_advice", "Close the referral on the advice"),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Your account or what you will do instead",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["required"] = "Select what you will do"

    def add_service_errors(self, error):
        if hasattr(error, "error_dict") and "account" in error.error_dict:
            error = ValidationError({"notes": error.message_dict["account"]})
        super().add_service_errors(error)


class WithdrawForm(GovukForm):
    notes = forms.CharField(
        label="Why are you withdrawing the referral?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].error_messages["required"] = "Enter why the referral is withdrawn"
