"""Forms of the contract pages (issue 8 parts 1 and 8): every figure of a contract year, its
unpaid-work bands, service levels and rate card (NOMS contract managers), the reversal of a
ledger line and the button that pays a month.

The figures' rules are shared with the API: ``contracts.validation`` (WAV weights, unpaid
work bands, the contract year's dates) and the model's constraints (FFS within MAP, shares
between 0 and 1). ``ContractEditor`` bundles the form and its three row sets, shows every
error in one GOV.UK error summary and saves them together (``contracts.services.contract_save``).
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from contracts import periods, services, validation
from contracts.models import (
    CONTRACT_FIGURES,
    PBR_FIGURES,
    Contract,
    StartType,
)
from probation.forms_govuk import DateField, GovukForm
from probation.models import Organisation

ZERO, ONE = Decimal("0"), Decimal("1")
SHARE_HINT = "A share between 0 and 1: 0.05 is 5%."


def _decimal(label, *, digits, places, minimum=None, maximum=None, help_text="", required=True):
    messages = {
        "invalid": f"{label} must be a number",
        "min_value": f"{label} must be {minimum} or more",
        "max_value": f"{label} must be {maximum} or less",
        "max_digits": f"{label} is too large",
        "max_whole_digits": f"{label} is too large",
        "max_decimal_places": f"{label} has at most {places} decimal places",
    }
    return forms.DecimalField(
        label=label,
        max_digits=digits,
        decimal_places=places,
        min_value=minimum,
        max_value=maximum,
        help_text=help_text,
        required=required,
        error_messages=messages,
        widget=forms.TextInput(attrs={"width": "10", "inputmode": "decimal"}),
    )


def _money(label, help_text=""):
    return _decimal(label, digits=14, places=2, minimum=ZERO, help_text=help_text)


def _share(label, help_text=SHARE_HINT, required=True):
    return _decimal(
        label,
        digits=7,
        places=6,
        minimum=ZERO,
        maximum=ONE,
        help_text=help_text,
        required=required,
    )


def weight_field(start_type) -> str:
    return f"weight_{start_type}"


FIGURES = CONTRACT_FIGURES


REQUIRED_MESSAGES = {
    "crc": "Select the CRC",
    "maximum_annual_payment": "Enter the Maximum Annual Payment (MAP)",
    "ffs_bid": "Enter the FFS bid",
    "predicted_wav": "Enter the predicted WAV",
}


class ContractForm(GovukForm):
    """The contract year's figures. The CRC and year are chosen when the contract is added
    and fixed after."""

    crc = forms.ChoiceField(label="CRC")
    year = forms.IntegerField(
        label="Contract year",
        min_value=1,
        max_value=50,
        help_text="1 for the year starting 1 February 2015, 2 for the next, and so on.",
        error_messages={
            "invalid": "Contract year must be a whole number",
            "min_value": "Contract year must be 1 or more",
            "max_value": "Contract year must be 50 or less",
        },
        widget=forms.TextInput(attrs={"width": "3", "inputmode": "numeric"}),
    )
    start_date = DateField(
        label="Start date",
        required=False,
        help_text="Leave empty for the contract year's usual dates. A contract year starts on "
        "the 1st of a month.",
    )
    end_date = DateField(
        label="End date",
        required=False,
        help_text="The day before the same date twelve months later.",
    )
    maximum_annual_payment = _money(
        "Maximum Annual Payment (MAP)", "The most the CRC can be paid in the year, in pounds."
    )
    ffs_bid = _money(
        "Fee for service (FFS) bid",
        "The annual fee for the predicted WAV; at most the MAP. MAP − FFS is the PbR pot.",
    )
    predicted_wav = _decimal(
        "Predicted Weighted Annual Volume (WAV)",
        digits=12,
        places=2,
        minimum=Decimal("0.01"),
        help_text="The volume the FFS bid prices.",
    )
    tolerance = _share(
        "Tolerance",
        "The share of the predicted WAV either side of it within which the year-end "
        "reconciliation pays or deducts nothing (0.05 is 5%).",
    )
    binary_baseline_q1 = _share("Binary baseline, quarter 1 cohort")
    binary_baseline_q2 = _share("Binary baseline, quarter 2 cohort")
    binary_baseline_q3 = _share("Binary baseline, quarter 3 cohort")
    binary_baseline_q4 = _share("Binary baseline, quarter 4 cohort")
    annual_binary_baseline = _share(
        "Annual binary baseline", "The frequency metric's hurdle, a rate between 0 and 1."
    )
    frequency_baseline = _decimal(
        "Frequency baseline",
        digits=9,
        places=6,
        minimum=ZERO,
        help_text="Reoffences per reoffender in the baseline annual cohort.",
    )
    price_per_reoffender = _money("Price per reoffender prevented (binary)")
    price_per_reoffence = _money("Price per reoffence prevented (frequency)")
    significance_level = _decimal(
        "Significance level",
        digits=5,
        places=4,
        minimum=Decimal("0.0001"),
        maximum=Decimal("0.5"),
        help_text="Of the binary metric's one-sided exact binomial tests; usually 0.05.",
    )
    monthly_credit_cap = _share(
        "Monthly service credit cap",
        "The most a month's service credits may take, as a share of the monthly FFS.",
    )

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        self.contract = contract
        super().__init__(*args, **kwargs)
        for start_type in StartType:
            self.fields[weight_field(start_type)] = _decimal(
                f"WAV weight: {start_type.label}",
                digits=9,
                places=6,
                minimum=ZERO,
            )
        # GOV.UK messages keep the abbreviations' capitals.
        for name, message in REQUIRED_MESSAGES.items():
            self.fields[name].error_messages["required"] = message
        for start_type in StartType:
            self.fields[weight_field(start_type)].error_messages["required"] = (
                f"Enter the WAV weight of a {start_type.label.lower()}"
            )
        if contract is None:
            self.fields["crc"].choices = [("", "Select a CRC")] + [
                (o.code, f"{o.name} ({o.code})") for o in Organisation.objects.crcs()
            ]
        else:
            del self.fields["crc"], self.fields["year"]

    def sections(self) -> list[tuple[str, str, list]]:
        """The page's groups of fields: (heading, hint, bound fields)."""

        def bound(*names):
            return [self[name] for name in names if name in self.fields]

        return [
            ("The contract year", "", bound("crc", "year", "start_date", "end_date")),
            (
                "Fee for service",
                "FFS is paid in twelve monthly instalments in arrears and reconciled at the "
                "year end to the actual WAV.",
                bound("maximum_annual_payment", "ffs_bid", "predicted_wav", "tolerance"),
            ),
            (
                "Weighted Annual Volume weights",
                "The weight of each kind of start. An order with unpaid work adds its band's "
                "weight (below).",
                bound(*(weight_field(t) for t in StartType)),
            ),
        ]

    def pbr_fields(self) -> list:
        return [self[name] for name in PBR_FIGURES]

    def clean(self):
        data = super().clean()
        mapped, ffs = data.get("maximum_annual_payment"), data.get("ffs_bid")
        if mapped is not None and ffs is not None and ffs > mapped:
            self.add_error("ffs_bid", "The FFS bid must not be more than the MAP")
        weights = {t.value: data.get(weight_field(t)) for t in StartType}
        if all(w is not None for w in weights.values()):
            try:
                data["wav_weights"] = validation.validate_wav_weights(weights)
            except ValidationError as error:
                self.add_error(None, error)
        year = self.contract.year if self.contract else data.get("year")
        start, end = data.get("start_date"), data.get("end_date")
        if "start_date" in self.errors or "end_date" in self.errors:
            return data
        if start is None and end is None:
            if year is not None:
                data["start_date"], data["end_date"] = periods.contract_year_dates(year)
        elif start is None or end is None:
            self.add_error(
                "start_date" if start is None else "end_date",
                "Enter both dates, or leave both empty for the contract year's usual dates",
            )
        else:
            try:
                validation.validate_contract_dates(start, end)
            except ValidationError as error:
                self.add_service_errors(error)
        return data


# --- Rows: unpaid work bands, service levels, rate card items -------------------------------


class RowForm(GovukForm):
    """One row of a set; an empty row is ignored, a row begun must be completed."""

    required_fields: tuple[str, ...] = ()

    def __init__(self, *args, number: int = 0, **kwargs):
        self.number = number
        super().__init__(*args, **kwargs)
        self.use_required_attribute = False

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return all(v in (None, "", False) for v in data.values())

    def clean(self):
        data = super().clean()
        if all(v in (None, "", False) for v in data.values()) and not self.errors:
            return data
        for name in self.required_fields:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, f"Enter the {self.fields[name].label.lower()}")
        return data


class BandForm(RowForm):
    max_hours = forms.IntegerField(
        label="Up to hours",
        required=False,
        min_value=1,
        error_messages={
            "invalid": "Up to hours must be a whole number",
            "min_value": "Up to hours must be 1 or more",
        },
        widget=forms.TextInput(attrs={"width": "4", "inputmode": "numeric"}),
    )
    weight = _decimal("Weight", digits=9, places=6, minimum=ZERO, required=False)
    required_fields = ("weight",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_hours"].label = f"Band {self.number}: up to hours"
        self.fields["weight"].label = f"Band {self.number}: weight"
        self.fields["max_hours"].help_text = "Empty for the last band (no upper limit)."


def _measures() -> dict:
    """The registry of service level measures (``contracts.service_levels.MEASURES``) when
    it exists; empty while it is being built (the code is then typed in)."""
    from contracts import service_levels

    return dict(getattr(service_levels, "MEASURES", {}) or {})


class ServiceLevelForm(RowForm):
    code = forms.CharField(label="Measure", required=False, max_length=40)
    target = _share("Target", help_text="", required=False)
    credit_share = _share("Service credit", help_text="", required=False)
    required_fields = ("code", "target", "credit_share")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measures = _measures()
        n = self.number
        if measures:
            choices = [(code, f"{m.name} ({code})") for code, m in measures.items()]
            held = self.initial.get("code")
            if held and held not in measures:
                choices.append((held, f"{held} (no longer measured)"))
            self.fields["code"] = forms.ChoiceField(
                label=f"Service level {n}: measure",
                required=False,
                choices=[("", "None"), *choices],
                error_messages={"invalid_choice": f"Select a measure for service level {n}"},
            )
        else:
            self.fields["code"].label = f"Service level {n}: measure code"
        self.fields["target"].label = f"Service level {n}: target"
        self.fields["target"].help_text = "Share of cases that must meet it, e.g. 0.9"
        self.fields["credit_share"].label = f"Service level {n}: credit"
        self.fields["credit_share"].help_text = "Share of the monthly FFS when missed"

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class RateCardForm(RowForm):
    service = forms.SlugField(
        label="Service code",
        required=False,
        max_length=40,
        error_messages={"invalid": "The service code has letters, numbers, - and _ only"},
    )
    name = forms.CharField(label="Name", required=False, max_length=200)
    unit = forms.CharField(label="Unit", required=False, max_length=40)
    price = _decimal("Price", digits=10, places=2, minimum=ZERO, required=False)
    attendance_centre = forms.BooleanField(
        label="Prices Senior Attendance Centre hours (charged to the MoJ)", required=False
    )
    required_fields = ("service", "name", "unit", "price")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n = self.number
        for name, label in (
            ("service", "service code"),
            ("name", "name"),
            ("unit", "unit"),
            ("price", "price"),
        ):
            self.fields[name].label = f"Rate card item {n}: {label}"
        self.fields["unit"].help_text = "What one unit is: hour, place, report"
        self.fields[
            "attendance_centre"
        ].label = f"Item {n} prices Senior Attendance Centre hours (charged to the MoJ)"


class RowFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "number": (index or 0) + 1}

    def rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.is_blank()]


class BandFormSet(RowFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [{"max_hours": r.get("max_hours"), "weight": r["weight"]} for r in self.rows()]
        try:
            self.bands = validation.validate_upw_bands(rows)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ServiceLevelFormSet(RowFormSet):
    def clean(self):
        if any(self.errors):
            return
        codes = [r["code"] for r in self.rows()]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValidationError(f"A measure is given twice: {', '.join(twice)}")


class RateCardFormSet(RowFormSet):
    def clean(self):
        if any(self.errors):
            return
        services = [r["service"] for r in self.rows()]
        twice = sorted({s for s in services if services.count(s) > 1})
        if twice:
            raise ValidationError(f"A service code is given twice: {', '.join(twice)}")
        if sum(1 for r in self.rows() if r.get("attendance_centre")) > 1:
            raise ValidationError("Only one item may price Senior Attendance Centre hours")


def _formset(form, formset, extra):
    return forms.formset_factory(
        form, formset=formset, extra=extra, max_num=200, absolute_max=200, validate_max=True
    )


Bands = _formset(BandForm, BandFormSet, 2)
ServiceLevels = _formset(ServiceLevelForm, ServiceLevelFormSet, 2)
RateCard = _formset(RateCardForm, RateCardFormSet, 2)


# --- The page: form, rows, errors and saving -------------------------------------------------


class ContractEditor:
    """The contract form and its three row sets, bound together."""

    def __init__(self, data=None, *, contract: Contract | None = None):
        self.contract = contract
        if contract is None:
            initial = {"significance_level": Decimal("0.05")}
            bands, levels, items = [], [], []
        else:
            initial = {name: getattr(contract, name) for name in FIGURES}
            initial |= {"start_date": contract.start_date, "end_date": contract.end_date}
            initial |= {weight_field(t): contract.wav_weights.get(t.value, "") for t in StartType}
            bands = list(contract.upw_bands)
            levels = [
                {"code": s.code, "target": s.target, "credit_share": s.credit_share}
                for s in contract.service_levels.all()
            ]
            items = [
                {
                    "service": i.service,
                    "name": i.name,
                    "unit": i.unit,
                    "price": i.price,
                    "attendance_centre": i.attendance_centre,
                }
                for i in contract.rate_card.all()
            ]
        self.form = ContractForm(data, contract=contract, initial=initial)
        self.bands = Bands(data, prefix="bands", initial=bands)
        self.levels = ServiceLevels(data, prefix="levels", initial=levels)
        self.items = RateCard(data, prefix="items", initial=items)

    @property
    def formsets(self):
        return (
            ("bands", "Unpaid work bands", self.bands),
            ("levels", "Service levels", self.levels),
            ("items", "Rate card", self.items),
        )

    def is_valid(self) -> bool:
        results = [self.form.is_valid()] + [fs.is_valid() for _, _, fs in self.formsets]
        return all(results)

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def errors(self) -> list[tuple[str, str]]:
        """Every error as (link target, message), in the order of the page."""
        found = [("#main-form", e) for e in self.form.non_field_errors()]
        for field in self.form:
            found += [(f"#{_target(field)}", e) for e in field.errors]
        for prefix, _, formset in self.formsets:
            if not formset.is_bound:
                continue
            found += [(f"#{prefix}", e) for e in formset.non_form_errors()]
            for row in formset.forms:
                found += [(f"#{prefix}", e) for e in row.non_field_errors()]
                for field in row:
                    found += [(f"#{_target(field)}", e) for e in field.errors]
        return found

    def save(self, *, actor) -> Contract | None:
        """Save everything in one transaction (``contract_save``); on a refusal the errors
        are added to the form and ``None`` is returned, nothing saved."""
        try:
            return services.contract_save(
                actor=actor,
                contract_id=self.contract.pk if self.contract else None,
                figures=self.form.cleaned_data,
                bands=self.bands.bands,
                service_levels=self.levels.rows(),
                rate_card=self.items.rows(),
            )
        except ValidationError as error:
            self.form.add_service_errors(error)
            return None


def _target(field) -> str:
    if getattr(field.field.widget, "is_date_input", False):
        return f"{field.auto_id}-day"
    return field.auto_id


# --- The ledger and the payment run ---------------------------------------------------------


class ReverseForm(GovukForm):
    reason = forms.CharField(
        label="Why is the line reversed?",
        max_length=2000,
        help_text="For example, the month was paid on wrong figures. The reason is kept with "
        "the reversal; the next run of the month writes the line again.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Enter why the line is reversed"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the line is reversed")
        return reason


class PayMonthForm(GovukForm):
    month = forms.CharField(
        label="Month to pay",
        max_length=7,
        help_text="Year and month, for example 2016-03. Months are paid in arrears, once over.",
        widget=forms.TextInput(attrs={"width": "10", "spellcheck": "false"}),
        error_messages={"max_length": "Enter the month as a year and month, like 2016-03"},
    )

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        try:
            return periods.parse_month(text)
        except ValueError:
            raise ValidationError("Enter the month as a year and month, like 2016-03") from None
