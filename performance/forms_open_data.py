"""Forms of the open-data publish page (issue 9 part 5): choose a calendar quarter (refused
if it has not ended or has no facts, ``performance.open_data.refusal``), then publish it
with a note."""

import datetime

from django import forms

from performance import open_data
from performance.models import Fact
from probation.forms_govuk import GovukForm

QUARTER_CHOICES = [
    ("1", "January to March"),
    ("2", "April to June"),
    ("3", "July to September"),
    ("4", "October to December"),
]


class QuarterForm(GovukForm):
    year = forms.CharField(
        label="Year",
        max_length=4,
        help_text="For example, 2016",
        widget=forms.TextInput(attrs={"width": "4", "spellcheck": "false"}),
        error_messages={"max_length": "Enter the year as 4 digits, like 2016"},
    )
    quarter = forms.ChoiceField(
        label="Quarter",
        choices=QUARTER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the quarter"},
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_year(self):
        text = self.cleaned_data["year"].strip()
        if len(text) != 4 or not text.isdigit() or int(text) < 1000:
            raise forms.ValidationError("Enter the year as 4 digits, like 2016")
        return int(text)

    def clean(self):
        cleaned = super().clean()
        year, number = cleaned.get("year"), cleaned.get("quarter")
        if year is None or not number:
            return cleaned
        quarter = datetime.date(year, 3 * int(number) - 2, 1)
        reason = open_data.refusal(quarter, self.today)
        if reason:
            self.add_error("quarter", reason)
            return cleaned
        first, _, _ = open_data.quarter_months(quarter)
        facts = Fact.objects.filter(
            month__gte=first, month__lt=open_data.quarter_after(quarter), breakdown=""
        )
        if not facts.exists():
            self.add_error(
                "quarter", open_data.NO_FACTS.format(name=open_data.quarter_name(quarter))
            )
            return cleaned
        cleaned["quarter_start"] = quarter
        return cleaned


class PublishForm(QuarterForm):
    notes = forms.CharField(
        label="Notes for this version (optional)",
        required=False,
        max_length=2000,
        help_text="Published with the table, e.g. what a new version corrects",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Notes must be 2,000 characters or fewer"},
    )
