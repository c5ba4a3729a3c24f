"""Form plumbing for the GOV.UK Design System: the three-box date input and a base form
whose fields render with ``templates/govuk/field.html`` and errors in an error summary."""

import datetime

from django import forms


class DateInputWidget(forms.Widget):
    """Day, month and year boxes (GOV.UK "date input" pattern)."""

    is_date_input = True
    input_type = "date-parts"

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}_{part}", "").strip() for part in ("day", "month", "year")]
        return parts if any(parts) else None

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}_{part}" in data for part in ("day", "month", "year"))


class DateField(forms.Field):
    widget = DateInputWidget
    default_error_messages = {
        "incomplete": "%(label)s must include a day, month and year",
        "invalid": "%(label)s must be a real date",
    }

    def to_python(self, value):
        if value in (None, "", []):
            return None
        if isinstance(value, datetime.date):
            return value
        day, month, year = value
        label = self.label or "Date"
        if not (day and month and year):
            raise forms.ValidationError(
                self.error_messages["incomplete"] % {"label": label}, code="incomplete"
            )
        try:
            year_number = int(year)
            if year_number < 1000:
                raise ValueError
            return datetime.date(year_number, int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"] % {"label": label}, code="invalid"
            ) from None

    def get_bound_field(self, form, field_name):
        return DateBoundField(form, self, field_name)


class DateBoundField(forms.BoundField):
    @property
    def date_parts(self):
        raw = self.value()
        if isinstance(raw, datetime.date):
            values = [raw.day, raw.month, raw.year]
        elif isinstance(raw, list | tuple):
            values = list(raw)
        else:
            values = ["", "", ""]
        return [
            ("day", "Day", 2, values[0]),
            ("month", "Month", 2, values[1]),
            ("year", "Year", 4, values[2]),
        ]


class GovukForm(forms.Form):
    template_name = "govuk/form_fields.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # GOV.UK error messages say what to do: "Enter your first name", not "required".
        for name, field in self.fields.items():
            label = (field.label or name.replace("_", " ")).lower()
            verb = "Select" if isinstance(field, forms.ChoiceField) else "Enter"
            field.error_messages["required"] = f"{verb} the {label}"

    def add_service_errors(self, error):
        """Show a service's ``ValidationError`` on this form's fields (or at the top)."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error)
