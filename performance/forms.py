"""Filter forms of the national dashboards (GET forms: a bad value is shown in a GOV.UK
error summary, never a 500): the month of the national overview, and the measure, level,
month and target rate of a funnel plot (TOM 7.4; issue 9 part 3)."""

import datetime
from decimal import Decimal

from django import forms

from contracts import periods
from performance import measures
from performance.base import DIVISION, LDU, PROVIDER
from probation.forms_govuk import GovukForm

# The units a funnel plot compares, by level (Measure.levels): the CRCs (the provider level
# without the NPS as a whole, which is no peer of a CRC), the NPS divisions, or the LDUs.
LEVEL_LABELS = {PROVIDER: "CRCs", DIVISION: "NPS divisions", LDU: "LDUs"}


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (the dashboards' URLs), cleaned to its first day."""

    default_error_messages = {
        "invalid": "Enter the month as a year and month, for example 2016-03",
    }

    def to_python(self, value) -> datetime.date | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return periods.parse_month(value.strip())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return periods.month_label(value) if isinstance(value, datetime.date) else value


def _month_field(**kwargs) -> MonthField:
    field = MonthField(
        label="Month",
        help_text="A year and month, for example 2016-03",
        **kwargs,
    )
    field.widget.attrs["width"] = "10"
    return field


class OverviewForm(GovukForm):
    """The national overview's month (default: the latest month with figures)."""

    month = _month_field(required=False)


class FunnelForm(GovukForm):
    measure = forms.ChoiceField(label="Measure", choices=())
    level = forms.ChoiceField(
        label="Compare",
        choices=list(LEVEL_LABELS.items()),
        widget=forms.RadioSelect,
    )
    month = _month_field(required=False)
    target = forms.DecimalField(
        label="Target rate, in per cent (optional)",
        help_text="Leave empty to draw the limits around the rate of all the units together",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(m.code, m.name) for m in measures.comparable()]
        self.fields["level"].widget.inline = True
        self.fields["target"].widget.attrs["width"] = "4"
        self.fields["target"].error_messages.update(
            {
                "invalid": "Enter the target rate as a number, for example 75",
                "min_value": "The target rate must be between 0 and 100",
                "max_value": "The target rate must be between 0 and 100",
                "max_digits": "Enter the target rate with at most 2 decimal places",
                "max_decimal_places": "Enter the target rate with at most 2 decimal places",
                "max_whole_digits": "The target rate must be between 0 and 100",
            }
        )

    def clean(self):
        cleaned = super().clean()
        measure = measures.MEASURES.get(cleaned.get("measure") or "")
        level = cleaned.get("level")
        if measure is not None and level and level not in measure.levels:
            self.add_error(
                "level",
                f"{measure.name} is not measured for {LEVEL_LABELS[level]}: choose another",
            )
        return cleaned

    @property
    def target_rate(self) -> float | None:
        """The target as a rate between 0 and 1, or None."""
        target = self.cleaned_data.get("target")
        return None if target is None else float(target / 100)
