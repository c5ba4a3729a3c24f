"""Forms of the rate-card order and delivery pages (GOV.UK Design System). They collect input
only: ``contracts.rate_cards.order_create`` and ``delivery_create`` decide."""

from django import forms

from contracts.models import PurchaserKind
from probation.forms_govuk import DateField, GovukForm
from probation.models import Organisation


def _required(form, name, message):
    form.fields[name].error_messages["required"] = message


class OrderForm(GovukForm):
    item = forms.ChoiceField(label="Service")
    purchaser_kind = forms.ChoiceField(
        label="Bought by", choices=PurchaserKind.choices, widget=forms.RadioSelect
    )
    purchaser_code = forms.ChoiceField(
        label="The buying CRC (if another CRC)",
        required=False,
        help_text="Only when another CRC is buying",
    )
    purchaser_name = forms.CharField(
        label="Co-commissioner's name (if a co-commissioner)",
        required=False,
        max_length=200,
        help_text="For example, South Wales Police and Crime Commissioner",
    )
    reference = forms.CharField(
        label="Purchaser's order reference",
        max_length=60,
        widget=forms.TextInput(attrs={"width": "20"}),
    )
    ordered_on = DateField(label="Order date", help_text="For example, 27 3 2016")
    quantity = forms.CharField(
        label="Quantity ordered",
        help_text="In the service's unit, for example 2 or 2.5",
        widget=forms.TextInput(attrs={"width": "5"}),
    )
    crn = forms.CharField(
        label="CRN of the person the service is for (optional)",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"width": "10", "spellcheck": "false"}),
    )

    def __init__(self, *args, items=(), own_crc_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "Choose a service")] + [
            (str(item.pk), f"{item.name} – £{item.price} per {item.unit}")
            for item in items
            if not item.attendance_centre
        ]
        self.fields["purchaser_code"].choices = [("", "Choose a CRC")] + [
            (crc.code, f"{crc.name} ({crc.code})")
            for crc in Organisation.objects.crcs().exclude(pk=own_crc_id)
        ]
        _required(self, "item", "Select a service on the rate card")
        _required(self, "purchaser_kind", "Select who is buying the service")
        _required(self, "reference", "Enter the purchaser's order reference")
        _required(self, "ordered_on", "Enter the order date")
        _required(self, "quantity", "Enter the quantity ordered")

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "item_id": int(data["item"]),
            "purchaser_kind": data["purchaser_kind"],
            "purchaser_code": data["purchaser_code"],
            "purchaser_name": data["purchaser_name"],
            "reference": data["reference"],
            "ordered_on": data["ordered_on"],
            "quantity": data["quantity"].strip(),
            "crn": data["crn"].strip(),
        }


class DeliveryForm(GovukForm):
    delivered_on = DateField(label="Delivery date", help_text="For example, 27 3 2016")
    quantity = forms.CharField(
        label="Quantity delivered",
        help_text="In the service's unit, for example 1 or 1.5",
        widget=forms.TextInput(attrs={"width": "5"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self, "delivered_on", "Enter the delivery date")
        _required(self, "quantity", "Enter the quantity delivered")

    def arguments(self) -> dict:
        return {
            "delivered_on": self.cleaned_data["delivered_on"],
            "quantity": self.cleaned_data["quantity"].strip(),
        }
