"""Forms of the reception, custody, screening and plan pages (GOV.UK Design System). They
collect input only: ``resettlement.custody`` and ``resettlement.plans`` decide."""

from django import forms

from probation.forms_govuk import DateField, GovukForm
from resettlement.models import CustodyStatus, NeedKind, NeedStatus, ReleaseType


def _required(form, name, message):
    form.fields[name].error_messages["required"] = message


class ReceptionForm(GovukForm):
    crn = forms.CharField(
        label="CRN",
        max_length=7,
        help_text="The person's case reference number, for example X123456",
        widget=forms.TextInput(attrs={"width": "10", "spellcheck": "false"}),
    )
    date_of_birth = DateField(label="Date of birth", help_text="For example, 27 3 1990")
    status = forms.ChoiceField(
        label="Custody status", choices=CustodyStatus.choices, widget=forms.RadioSelect
    )
    received_on = DateField(label="Reception date")
    sentence_number = forms.IntegerField(
        label="Sentence number (sentenced or recalled)",
        required=False,
        min_value=1,
        help_text="The number of the custodial sentence on the person's record; empty on remand",
        widget=forms.TextInput(attrs={"width": "4"}),
    )
    home_crc_code = forms.CharField(
        label="Home CRC (optional)",
        required=False,
        max_length=20,
        help_text="Only to correct the home area: a CRC code such as CRC11",
        widget=forms.TextInput(attrs={"width": "10"}),
    )
    expected_release_on = DateField(
        label="Expected release date (optional)",
        required=False,
        help_text="Leave empty to take it from the sentence",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, "crn", "Enter the CRN")
        _required(self, "status", "Select the custody status")
        _required(self, "received_on", "Enter the reception date")
        _required(self, "date_of_birth", "Enter the date of birth")

    def clean_crn(self):
        return self.cleaned_data["crn"].strip().upper()

    def clean_home_crc_code(self):
        return self.cleaned_data["home_crc_code"].strip().upper() or None


class MoveForm(GovukForm):
    prison_code = forms.ChoiceField(label="Moved to")
    moved_on = DateField(label="Date of the move")

    def __init__(self, *args, prisons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prison_code"].choices = [("", "Choose a prison")] + [
            (p.code, str(p)) for p in prisons
        ]
        _required(self, "prison_code", "Select the prison the person moved to")
        _required(self, "moved_on", "Enter the date of the move")


class SentenceForm(GovukForm):
    status = forms.ChoiceField(
        label="Now",
        choices=[
            (CustodyStatus.SENTENCED, "Sentenced"),
            (CustodyStatus.RECALLED, "Recalled"),
        ],
        widget=forms.RadioSelect,
    )
    sentence_number = forms.IntegerField(
        label="Sentence number", min_value=1, help_text="The custodial sentence in the record"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, "status", "Select sentenced or recalled")
        _required(self, "sentence_number", "Enter the sentence number")


class ReleaseForm(GovukForm):
    released_on = DateField(label="Release date")
    release_type = forms.ChoiceField(
        label="Type of release", choices=ReleaseType.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, "released_on", "Enter the release date")
        _required(self, "release_type", "Select the type of release")


class Part1Form(GovukForm):
    immediate_needs = forms.CharField(
        label="Immediate needs",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything to deal with now: health, dependants, property, a tenancy to keep",
    )
    accommodation_need = forms.BooleanField(label="Needs help with accommodation", required=False)
    employment_need = forms.BooleanField(
        label="Needs help with employment, training or education", required=False
    )
    finance_debt_need = forms.BooleanField(
        label="Needs help with finance, benefits or debt", required=False
    )
    abuse_victim_need = forms.BooleanField(
        label="Has been a victim of domestic abuse or sexual violence", required=False
    )
    sex_work_need = forms.BooleanField(label="Has been a sex worker", required=False)
    other_needs = forms.CharField(
        label="Other resettlement needs",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    complete = forms.BooleanField(
        label="Part 1 is complete",
        required=False,
        help_text="The plan writer is then asked for part 2 and the plan",
    )


class Part2Form(GovukForm):
    assessment = forms.CharField(
        label="Assessment",
        required=False,
        max_length=16000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Your assessment of the needs part 1 found, and any others",
    )
    complete = forms.BooleanField(label="Part 2 is complete", required=False)


STATUS_CHOICES = [("", "Not in this plan")] + list(NeedStatus.choices)


class NeedsForm(GovukForm):
    """One status, actions and owner per kind of need. ``full`` while the plan is written;
    otherwise only the status of the needs the user may update."""

    def __init__(self, *args, needs, owners, full=True, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = {n.kind: n for n in needs}
        self.kinds = list(kinds if kinds is not None else NeedKind.values)
        for kind in self.kinds:
            need = self.needs.get(kind)
            label = NeedKind(kind).label
            self.fields[f"{kind}_status"] = forms.ChoiceField(
                label=f"{label}: status",
                choices=STATUS_CHOICES if need is None else list(NeedStatus.choices),
                required=need is not None,
                initial=need.status if need else "",
            )
            if not full:
                continue
            self.fields[f"{kind}_actions"] = forms.CharField(
                label=f"{label}: actions",
                required=False,
                max_length=8000,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=need.actions if need else "",
            )
            self.fields[f"{kind}_owner"] = forms.ChoiceField(
                label=f"{label}: owner",
                choices=[("", "The default owner")] + [(o.code, o.name) for o in owners],
                required=False,
                initial=need.owner.code if need and need.owner_id else "",
            )
        self.full = full

    def groups(self):
        """Fields by kind, for the template."""
        names = ("status", "actions", "owner") if self.full else ("status",)
        return [(NeedKind(kind).label, [self[f"{kind}_{n}"] for n in names]) for kind in self.kinds]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        items = []
        for kind in self.kinds:
            status = data.get(f"{kind}_status")
            if not status:
                continue
            item = {"kind": kind, "status": status}
            if self.full:
                item["actions"] = data.get(f"{kind}_actions", "")
                item["owner_code"] = data.get(f"{kind}_owner") or None
            items.append(item)
        return items

    def add_service_errors(self, error):
        if hasattr(error, "error_dict") and "needs" in error.error_dict:
            for message in error.message_dict["needs"]:
                self.add_error(None, message)
            return
        super().add_service_errors(error)


class CompleteForm(GovukForm):
    summary = forms.CharField(
        label="Summary of the plan",
        max_length=16000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the plan will achieve before release, and who does what",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, "summary", "Enter a summary of the plan")
