"""Rate cards and fee for use (DOMAIN.md 9; issue 8 part 6): orders for rate-card services
by the NPS, other CRCs and co-commissioners, their deliveries, the month's invoices, and
Senior Attendance Centre hours charged to the MoJ at the card's attendance-centre price.

TO BE BUILT (helper C):

def invoices(contract, month) -> list[Invoice]
    One invoice per purchaser of the month's deliveries (delivered_on in the month) under
    the contract's rate card: payer (contracts.models.Payer), payer_organisation,
    payer_name, lines (delivery_id, quantity, price, amount to the penny), total.
def record_invoice(entry, invoice) -> int          # InvoicedDelivery rows
def attendance_centre(contract, month) -> Charge | None
    The SAC orders allocated to the CRC with a sentence date in the month, their hours, the
    card's attendance-centre price, the amount; None without an attendance-centre price.
def record_charge(entry, charge) -> int            # ChargedOrder rows
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from contracts.models import Payer


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
