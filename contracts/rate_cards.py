"""Rate cards and fee for use (DOMAIN.md 9; issue 8 part 6): orders for rate-card services
by the NPS, other CRCs and co-commissioners, their deliveries, the month's invoices, and
Senior Attendance Centre hours charged to the MoJ at the card's attendance-centre price.

- ``invoices(contract, month)``: one invoice per purchaser of the month's deliveries
  (``delivered_on`` in the month) of orders on the contract's rate card, each line the
  delivered quantity × the card price to the penny (``rules.pennies``). The attendance-centre
  line is never ordered: its hours come from the courts' orders (``attendance_centre``).
- ``attendance_centre(contract, month)``: the Senior Attendance Centre orders allocated to
  the contract's CRC (the sentence's latest allocation decision names it; SAC orders join
  no PbR cohort, so ``pbr_provider`` is empty) with a sentence date in the month, their
  hours × the card's attendance-centre price; None when the card has no such price.
- ``record_invoice`` / ``record_charge``: what a ledger line counted, set-wise.
- ``order_create`` / ``delivery_create``: the services the order pages call – validated,
  audited, in one transaction. NOMS contract managers administer fee for use and record
  orders and deliveries on any contract; the supplying CRC's managers and finance officers
  record deliveries against their own contract's orders.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils.text import slugify

from allocation.models import AllocationDecision
from contracts import periods, rules
from contracts.models import (
    ChargedOrder,
    Contract,
    Delivery,
    InvoicedDelivery,
    PartStatus,
    Payer,
    PaymentRunPart,
    PurchaserKind,
    RateCardItem,
    RateCardOrder,
)
from probation import access, audit, clock
from probation.models import Organisation, OrganisationKind, Sentence, User
from probation.models.organisations import NPS_CODE
from probation.models.sentences import SentenceType

# The supplying CRC's staff who may record deliveries against their own contract's orders.
DELIVERY_ROLES = frozenset({"CRC_MANAGER", "CRC_FINANCE_OFFICER"})
QUANTITY_PLACES = Decimal("0.01")


def _bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = periods.first_of_month(month)
    return first, periods.add_months(first, 1)


# --- Invoices ----------------------------------------------------------------------------------


def month_deliveries(contract: Contract, month: datetime.date) -> QuerySet[Delivery]:
    """The deliveries of the month under the contract's rate card (not the attendance-centre
    line), with their order, item and purchaser."""
    first, after = _bounds(month)
    return (
        Delivery.objects.filter(
            order__item__contract=contract,
            order__item__attendance_centre=False,
            delivered_on__gte=first,
            delivered_on__lt=after,
        )
        .select_related("order__item", "order__purchaser")
        .order_by("delivered_on", "pk")
    )


def purchaser_key(order: RateCardOrder) -> str:
    """Stable per purchaser: "NPS", "CRC:<code>", "CO:<slug of the name>"."""
    if order.purchaser_kind == PurchaserKind.NPS:
        return "NPS"
    if order.purchaser_kind == PurchaserKind.CRC:
        return f"CRC:{order.purchaser.code}"
    return f"CO:{slugify(order.purchaser_name)}"


_PAYERS = {
    PurchaserKind.NPS: Payer.NPS,
    PurchaserKind.CRC: Payer.CRC,
    PurchaserKind.CO_COMMISSIONER: Payer.CO_COMMISSIONER,
}


def invoices(contract: Contract, month: datetime.date) -> list["Invoice"]:
    """One invoice per purchaser of the month's deliveries, in key order; each line the
    delivered quantity at the card price, to the penny. One query."""
    by_key: dict[str, Invoice] = {}
    for delivery in month_deliveries(contract, month):
        order = delivery.order
        key = purchaser_key(order)
        invoice = by_key.get(key)
        if invoice is None:
            co = order.purchaser_kind == PurchaserKind.CO_COMMISSIONER
            invoice = by_key[key] = Invoice(
                key=key,
                payer=_PAYERS[order.purchaser_kind],
                payer_organisation=None if co else order.purchaser,
                payer_name=order.purchaser_name.strip() if co else "",
            )
        price = order.item.price
        invoice.lines.append(
            InvoiceLine(
                delivery_id=delivery.pk,
                quantity=delivery.quantity,
                price=price,
                amount=rules.pennies(delivery.quantity * price),
            )
        )
    return [by_key[key] for key in sorted(by_key)]


def record_invoice(entry, invoice: "Invoice") -> int:
    """The InvoicedDelivery rows of a fee-for-use ledger line; returns rows written."""
    written = InvoicedDelivery.objects.bulk_create(
        InvoicedDelivery(
            entry=entry,
            delivery_id=line.delivery_id,
            quantity=line.quantity,
            price=line.price,
            amount=line.amount,
        )
        for line in invoice.lines
    )
    return len(written)


# --- Senior Attendance Centre hours ------------------------------------------------------------


def attendance_centre_price(contract: Contract) -> RateCardItem | None:
    return RateCardItem.objects.filter(contract=contract, attendance_centre=True).first()


def attendance_centre_orders(crc_id: int, month: datetime.date) -> QuerySet[Sentence]:
    """SAC orders with a sentence date in the month whose latest allocation decision gave
    them to the CRC (a reallocation in error moves them), with hours to charge."""
    first, after = _bounds(month)
    latest = (
        AllocationDecision.objects.filter(sentence=OuterRef("pk"))
        .order_by("-decided_at", "-pk")
        .values("organisation_id")[:1]
    )
    return (
        Sentence.objects.filter(
            sentence_type=SentenceType.SENIOR_ATTENDANCE_CENTRE,
            sentence_date__gte=first,
            sentence_date__lt=after,
            attendance_centre_hours__gt=0,
        )
        .annotate(allocated_to=Subquery(latest))
        .filter(allocated_to=crc_id)
        .order_by("sentence_date", "pk")
    )


def attendance_centre(contract: Contract, month: datetime.date) -> "Charge | None":
    """The month's SAC hours of the contract's CRC at the card's attendance-centre price;
    None when the card has no attendance-centre price."""
    item = attendance_centre_price(contract)
    if item is None:
        return None
    charge = Charge(month=periods.first_of_month(month), price=item.price)
    for sentence_id, person_id, hours in attendance_centre_orders(
        contract.crc_id, month
    ).values_list("pk", "person_id", "attendance_centre_hours"):
        charge.lines.append(
            ChargeLine(
                person_id=person_id,
                sentence_id=sentence_id,
                hours=hours,
                amount=rules.pennies(hours * item.price),
            )
        )
    return charge


def record_charge(entry, charge: "Charge") -> int:
    """The ChargedOrder rows of an attendance-centre ledger line; returns rows written."""
    written = ChargedOrder.objects.bulk_create(
        ChargedOrder(
            entry=entry,
            person_id=line.person_id,
            sentence_id=line.sentence_id,
            hours=line.hours,
            price=charge.price,
            amount=line.amount,
        )
        for line in charge.lines
    )
    return len(written)


# --- Who may record ------------------------------------------------------------------------------


def may_record_orders(user: User, contract: Contract) -> bool:
    """NOMS contract managers administer fee for use: orders on any contract."""
    return access.may_manage_contracts(user)


def may_record_deliveries(user: User, contract: Contract) -> bool:
    """NOMS contract managers, and the supplying CRC's managers and finance officers."""
    return access.may_manage_contracts(user) or access.acts_for(
        user, contract.crc_id, DELIVERY_ROLES
    )


def _quantity(value, errors: dict, name: str = "quantity") -> Decimal | None:
    try:
        quantity = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        errors[name] = "Enter the quantity as a number, like 2 or 2.5"
        return None
    if quantity <= 0:
        errors[name] = "Enter a quantity greater than 0"
    elif quantity != quantity.quantize(QUANTITY_PLACES):
        errors[name] = "Enter the quantity to at most 2 decimal places"
    elif quantity >= Decimal("100000000"):
        errors[name] = "Enter a quantity less than 100,000,000"
    return quantity


def _number(quantity: Decimal) -> str:
    """2.50 → "2.5", 5.00 → "5", 100 → "100"."""
    return f"{quantity.normalize():f}"


def _date(value, errors: dict, name: str, label: str) -> datetime.date | None:
    if not isinstance(value, datetime.date):
        errors[name] = f"Enter the {label}"
        return None
    if value > clock.today():
        errors[name] = f"The {label} must be today or in the past"
    return value


# --- Services ------------------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    actor: User,
    contract_id: int,
    item_id: int | None,
    purchaser_kind: str,
    purchaser_code: str = "",
    purchaser_name: str = "",
    reference: str,
    ordered_on: datetime.date | None,
    quantity,
    crn: str = "",
) -> RateCardOrder:
    """Record an order for a service on the contract's rate card. Only NOMS contract
    managers; 404 for a contract outside the actor's scope."""
    contract = access.contract_for_view(actor, contract_id)
    if not may_record_orders(actor, contract):
        raise PermissionDenied("Only NOMS contract managers record rate-card orders.")
    errors: dict[str, str] = {}
    item = RateCardItem.objects.filter(contract=contract, pk=item_id).first() if item_id else None
    if item is None:
        errors["item"] = "Select a service on this contract's rate card"
    elif item.attendance_centre:
        errors["item"] = (
            "Senior Attendance Centre hours are charged to the MoJ from the courts' orders: "
            "they are not ordered"
        )
    purchaser = None
    purchaser_name = (purchaser_name or "").strip()
    purchaser_code = (purchaser_code or "").strip().upper()
    if purchaser_kind == PurchaserKind.NPS:
        purchaser, purchaser_name = Organisation.objects.get(code=NPS_CODE), ""
    elif purchaser_kind == PurchaserKind.CRC:
        purchaser = Organisation.objects.filter(
            kind=OrganisationKind.CRC, code=purchaser_code
        ).first()
        purchaser_name = ""
        if purchaser is None:
            errors["purchaser_code"] = "Select the CRC buying the service"
        elif purchaser.pk == contract.crc_id:
            errors["purchaser_code"] = "A CRC does not buy from its own rate card"
    elif purchaser_kind == PurchaserKind.CO_COMMISSIONER:
        if not purchaser_name:
            errors["purchaser_name"] = "Enter the co-commissioner's name"
        elif not slugify(purchaser_name):
            errors["purchaser_name"] = "Enter a name with letters or numbers"
        elif len(purchaser_name) > 200:
            errors["purchaser_name"] = "Enter a name of at most 200 characters"
    else:
        errors["purchaser_kind"] = "Select who is buying the service"
    reference = (reference or "").strip()
    if not reference:
        errors["reference"] = "Enter the purchaser's order reference"
    elif len(reference) > 60:
        errors["reference"] = "Enter a reference of at most 60 characters"
    ordered_on = _date(ordered_on, errors, "ordered_on", "order date")
    quantity = _quantity(quantity, errors)
    person = None
    if (crn or "").strip():
        try:
            person = access.person_for_view(actor, crn.strip().upper())
        except Http404:
            errors["crn"] = "Enter the CRN of a person on probation you can see"
    if errors:
        raise ValidationError(errors)
    order = RateCardOrder.objects.create(
        item=item,
        purchaser_kind=purchaser_kind,
        purchaser=purchaser,
        purchaser_name=purchaser_name,
        reference=reference,
        ordered_on=ordered_on,
        quantity=quantity,
        person=person,
        ordered_by=actor,
    )
    audit.record_create(actor=actor, instance=order)
    return order


def _month_invoiced(contract: Contract, month: datetime.date) -> bool:
    """The month's payment run has finished the contract's CRC: its invoices are written."""
    return PaymentRunPart.objects.filter(
        organisation_id=contract.crc_id, run__month=month, status=PartStatus.DONE
    ).exists()


@transaction.atomic
def delivery_create(
    *,
    actor: User,
    contract_id: int,
    order_id: int,
    delivered_on: datetime.date | None,
    quantity,
) -> Delivery:
    """Record a delivery against an order on the contract's rate card: not before the order,
    not in the future, not in a month already invoiced, and never more in all than was
    ordered (the order row is locked while the deliveries are counted)."""
    contract = access.contract_for_view(actor, contract_id)
    order = (
        RateCardOrder.objects.select_for_update()
        .filter(pk=order_id, item__contract=contract)
        .first()
    )
    if order is None:
        raise Http404("No order found on this contract.")
    if not may_record_deliveries(actor, contract):
        raise PermissionDenied(
            "Only NOMS contract managers and the CRC's managers and finance officers record "
            "deliveries."
        )
    errors: dict[str, str] = {}
    delivered_on = _date(delivered_on, errors, "delivered_on", "delivery date")
    if "delivered_on" not in errors and delivered_on is not None:
        if delivered_on < order.ordered_on:
            errors["delivered_on"] = (
                f"The delivery date must be on or after the order date "
                f"({order.ordered_on:%-d %B %Y})"
            )
        elif _month_invoiced(contract, periods.first_of_month(delivered_on)):
            errors["delivered_on"] = (
                f"{delivered_on:%B %Y} has been invoiced already: record the delivery in a "
                "month not yet paid"
            )
    quantity = _quantity(quantity, errors)
    if "quantity" not in errors:
        delivered = order.deliveries.aggregate(total=Sum("quantity"))["total"] or Decimal(0)
        if delivered + quantity > order.quantity:
            errors["quantity"] = (
                f"Only {_number(order.quantity - delivered)} of the {_number(order.quantity)} "
                "ordered are left to deliver"
            )
    if errors:
        raise ValidationError(errors)
    delivery = Delivery.objects.create(
        order=order, delivered_on=delivered_on, quantity=quantity, recorded_by=actor
    )
    audit.record_create(actor=actor, instance=delivery)
    return delivery


@dataclass(frozen=True)
class InvoiceLine:
    delivery_id: int
    quantity: Decimal
    price: Decimal
    amount: Decimal  # quantity × price, to the penny


@dataclass
class Invoice:
    """One purchaser's deliveries in a month under one contract."""

    key: str  # stable per purchaser: "NPS", "CRC:CRC05", "CO:<name>"
    payer: str  # Payer
    payer_organisation: object | None
    payer_name: str
    lines: list[InvoiceLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def payer_display(self) -> str:
        return self.payer_name or str(self.payer_organisation or Payer(self.payer).label)


@dataclass(frozen=True)
class ChargeLine:
    person_id: int
    sentence_id: int
    hours: int
    amount: Decimal


@dataclass
class Charge:
    """Senior Attendance Centre hours of a month, charged to the MoJ."""

    month: datetime.date
    price: Decimal
    lines: list[ChargeLine] = field(default_factory=list)

    @property
    def hours(self) -> int:
        return sum(line.hours for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))
