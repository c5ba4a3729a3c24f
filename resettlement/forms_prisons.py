"""Forms of the prison and designation pages (GOV.UK Design System markup through
``probation.forms_govuk``). The rules are in ``resettlement.designations``; these forms only
turn the page's fields into its arguments."""

from django import forms

from probation.forms_govuk import DateField, GovukForm
from probation.models import Organisation
from resettlement.models import PrisonKind

YES_NO = (("yes", "Yes"), ("no", "No"))


def _crc_choices():
    return [(o.code, f"{o.name} ({o.code})") for o in Organisation.objects.crcs()]


class PrisonFilterForm(GovukForm):
    cpa = forms.ChoiceField(label="Designated to the CPA of", required=False)
    kind = forms.ChoiceField(label="Kind of prison", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpa"].choices = [("", "Any CPA"), *_crc_choices()]
        self.fields["kind"].choices = [("", "Any kind"), *PrisonKind.choices]


class PrisonForm(GovukForm):
    code = forms.CharField(
        label="Establishment code",
        max_length=3,
        help_text="Three capital letters, like CFI for Cardiff.",
        widget=forms.TextInput(attrs={"width": "3", "spellcheck": "false"}),
    )
    name = forms.CharField(label="Name", max_length=200, help_text="For example, HMP Cardiff.")
    kind = forms.ChoiceField(label="Kind", choices=PrisonKind.choices, widget=forms.RadioSelect)
    contracted = forms.ChoiceField(
        label="Run by",
        choices=(("public", "The public sector"), ("contracted", "A private contractor")),
        widget=forms.RadioSelect,
    )
    ldu = forms.ChoiceField(label="LDU the prison stands in")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ldu"].choices = [("", "Select an LDU")] + [
            (o.code, f"{o.name} ({o.code}), {o.crc.name}")
            for o in Organisation.objects.ldus().select_related("crc").order_by("code")
        ]

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class DesignationForm(GovukForm):
    effective_from = DateField(
        label="In force from",
        help_text="The first day of the new designation; the one in force before it ends then.",
    )
    resettlement = forms.ChoiceField(
        label="Is it a resettlement prison?", choices=YES_NO, widget=forms.RadioSelect
    )
    host_lead_provider = forms.ChoiceField(
        label="Host: lead provider",
        required=False,
        help_text="The CRC that delivers resettlement services in the prison.",
    )
    host_crcs = forms.MultipleChoiceField(
        label="Host CRCs (a shared prison)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    designated_to = forms.MultipleChoiceField(
        label="Also designated to the CPAs of",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="CPAs the prison serves whose CRC provides no services in it.",
    )

    def __init__(self, *args, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _crc_choices()
        self.fields["host_lead_provider"].choices = [("", "None"), *choices]
        self.fields["host_crcs"].choices = choices
        self.fields[
            "host_crcs"
        ].help_text = f"At most {limit} besides the lead provider for a prison of this kind."
        self.fields["designated_to"].choices = choices

    def arguments(self) -> dict:
        data = self.cleaned_data
        resettlement = data["resettlement"] == "yes"
        return {
            "effective_from": data["effective_from"],
            "resettlement": resettlement,
            "host_lead_provider": (data["host_lead_provider"] or None) if resettlement else None,
            "host_crcs": data["host_crcs"] if resettlement else [],
            "designated_to": data["designated_to"] if resettlement else [],
        }


class ImportForm(GovukForm):
    file = forms.FileField(label="CSV file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2_000_000:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file must be a CSV file saved as UTF-8") from None


class HomeAreaForm(GovukForm):
    home_crc_code = forms.ChoiceField(label="CRC of the prisoner's home area")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_crc_code"].choices = [("", "Select a CRC"), *_crc_choices()]
