"""Rate cards and fee for use (DOMAIN.md 9): the month's deliveries invoiced per purchaser at
the card price to the penny, Senior Attendance Centre hours charged to the MoJ, what the
ledger lines counted, and the order and delivery services (who may, what is refused)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from allocation.models import AllocationDecision
from contracts import ledger, periods, rate_cards
from contracts.models import (
    ChargedOrder,
    Delivery,
    EntryKind,
    InvoicedDelivery,
    Payer,
    PaymentRun,
    PaymentRunPart,
    RateCardOrder,
)
from probation import clock
from probation.models import AuditEvent
from tests.contracts.factories import contract_of, rate_card_item_of
from tests.probation.factories import org, person_of, sentence_of, staff, team_of

D = datetime.date
MARCH = D(2016, 3, 1)
# Resolved when the test runs (not when it is collected, which may be the day before).
TOMORROW = object()
pytestmark = pytest.mark.django_db


def noms():
    from probation.models import User

    return User.objects.filter(username="noms-cm").first() or staff(
        "NOMS_CONTRACT_MANAGER", "NOMS", username="noms-cm"
    )


def ordered(item, *, kind="NPS", purchaser=None, name="", quantity="100", on=None):
    return RateCardOrder.objects.create(
        item=item,
        purchaser_kind=kind,
        purchaser=org(purchaser or ("NPS" if kind == "NPS" else "CRC20"))
        if kind != "CO_COMMISSIONER"
        else None,
        purchaser_name=name,
        reference=f"PO-{RateCardOrder.objects.count() + 1}",
        ordered_on=on or D(2016, 1, 4),
        quantity=Decimal(quantity),
        ordered_by=noms(),
    )


def delivered(order, on, quantity):
    return Delivery.objects.create(
        order=order, delivered_on=on, quantity=Decimal(quantity), recorded_by=noms()
    )


# --- Invoices -------------------------------------------------------------------------------


def test_a_line_is_quantity_times_price_rounded_half_up_to_the_penny():
    contract = contract_of("CRC11", year=2)
    item = rate_card_item_of(contract, price="33.33")
    order = ordered(item)
    delivered(order, D(2016, 3, 10), "2.5")  # 83.325 -> 83.33 (half up)
    delivered(order, D(2016, 3, 11), "0.01")  # 0.3333 -> 0.33
    [invoice] = rate_cards.invoices(contract, MARCH)
    assert [line.amount for line in invoice.lines] == [Decimal("83.33"), Decimal("0.33")]
    assert invoice.total == Decimal("83.66")
    assert [line.price for line in invoice.lines] == [Decimal("33.33")] * 2


@given(
    quantity=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2),
    price=st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=2),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_every_line_is_within_half_a_penny_of_the_exact_product(quantity, price):
    """The rounding is contracts.rules.pennies of the exact Decimal product (no float)."""
    from contracts import rules

    amount = rules.pennies(quantity * price)
    assert amount == amount.quantize(Decimal("0.01"))
    assert abs(amount - quantity * price) <= Decimal("0.005")


def test_deliveries_of_the_month_from_its_first_to_its_last_day():
    contract = contract_of("CRC11", year=2)
    order = ordered(rate_card_item_of(contract, price="10.00"))
    first = delivered(order, D(2016, 3, 1), "1")
    last = delivered(order, D(2016, 3, 31), "2")
    delivered(order, D(2016, 2, 29), "4")
    delivered(order, D(2016, 4, 1), "8")
    [invoice] = rate_cards.invoices(contract, D(2016, 3, 17))
    assert [line.delivery_id for line in invoice.lines] == [first.pk, last.pk]
    assert invoice.total == Decimal("30.00")


def test_one_invoice_per_purchaser_with_a_stable_key():
    contract = contract_of("CRC11", year=2)
    programme = rate_card_item_of(contract, "programme", price="150.00")
    report = rate_card_item_of(contract, "report", name="Report", unit="report", price="40.00")
    nps = ordered(programme)
    nps_report = ordered(report)
    crc20 = ordered(programme, kind="CRC", purchaser="CRC20")
    crc12 = ordered(report, kind="CRC", purchaser="CRC12")
    pcc = ordered(programme, kind="CO_COMMISSIONER", name="South Wales PCC")
    pcc_again = ordered(report, kind="CO_COMMISSIONER", name="south wales pcc ")
    for order in (nps, nps_report, crc20, crc12, pcc, pcc_again):
        delivered(order, D(2016, 3, 5), "1")
    found = {i.key: i for i in rate_cards.invoices(contract, MARCH)}
    assert list(found) == ["CO:south-wales-pcc", "CRC:CRC12", "CRC:CRC20", "NPS"]
    assert found["NPS"].total == Decimal("190.00")
    assert (found["NPS"].payer, found["NPS"].payer_organisation) == (Payer.NPS, org("NPS"))
    assert (found["CRC:CRC20"].payer, found["CRC:CRC20"].payer_organisation) == (
        Payer.CRC,
        org("CRC20"),
    )
    assert found["CRC:CRC20"].total == Decimal("150.00")
    co = found["CO:south-wales-pcc"]
    assert (co.payer, co.payer_organisation, co.payer_name) == (
        Payer.CO_COMMISSIONER,
        None,
        "South Wales PCC",
    )
    assert co.total == Decimal("190.00") and co.payer_display == "South Wales PCC"


def test_a_delivery_on_another_contracts_card_is_not_invoiced():
    contract = contract_of("CRC11", year=2)
    other = contract_of("CRC20", year=2)
    ours = delivered(ordered(rate_card_item_of(contract)), D(2016, 3, 5), "1")
    delivered(ordered(rate_card_item_of(other), kind="CRC", purchaser="CRC11"), D(2016, 3, 5), "1")
    # Another year of the same CRC's contract is another card too.
    earlier = contract_of("CRC11", year=1)
    delivered(ordered(rate_card_item_of(earlier)), D(2016, 3, 5), "1")
    [invoice] = rate_cards.invoices(contract, MARCH)
    assert [line.delivery_id for line in invoice.lines] == [ours.pk]


def test_record_invoice_writes_what_the_ledger_line_counted():
    contract = contract_of("CRC11", year=2)
    order = ordered(rate_card_item_of(contract, price="33.33"))
    delivered(order, D(2016, 3, 10), "2.5")
    delivered(order, D(2016, 3, 12), "1")
    [invoice] = rate_cards.invoices(contract, MARCH)
    entry = ledger.post(
        contract,
        MARCH,
        EntryKind.FEE_FOR_USE,
        f"FFU:2016-03:{invoice.key}",
        invoice.total,
        description="Fee for use",
        payer=invoice.payer,
        payer_organisation=invoice.payer_organisation,
    )
    assert rate_cards.record_invoice(entry, invoice) == 2
    rows = InvoicedDelivery.objects.filter(entry=entry).order_by("delivery__delivered_on")
    assert [(r.quantity, r.price, r.amount) for r in rows] == [
        (Decimal("2.50"), Decimal("33.33"), Decimal("83.33")),
        (Decimal("1.00"), Decimal("33.33"), Decimal("33.33")),
    ]
    assert sum(r.amount for r in rows) == entry.amount == Decimal("116.66")


# --- Senior Attendance Centre hours --------------------------------------------------------------


def sac_order(crc="CRC11", *, on, hours=12, reallocated_to=None):
    person = person_of(crc)
    sentence = sentence_of(
        person,
        "SENIOR_ATTENDANCE_CENTRE",
        sentence_date=on,
        offence_date=on - datetime.timedelta(days=20),
        attendance_centre_hours=hours,
        management="ATTENDANCE_ONLY",
    )
    decided = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    division = person.ldu.division
    first = AllocationDecision.objects.create(
        sentence=sentence,
        person=person,
        division=division,
        recommended_decision="CRC",
        recommended_rule="SAC_FINE_DEFAULTER",
        decision="CRC",
        organisation=org(crc),
        team=team_of(org(crc)),
        due_by=on + datetime.timedelta(days=1),
        decided_at=decided,
        decided_by=noms(),
        within_deadline=True,
    )
    if reallocated_to:
        AllocationDecision.objects.create(
            sentence=sentence,
            person=person,
            kind="REALLOCATION",
            division=division,
            replaces=first,
            recommended_decision="CRC",
            recommended_rule="SAC_FINE_DEFAULTER",
            decision="CRC",
            organisation=org(reallocated_to),
            team=team_of(org(reallocated_to)),
            due_by=on + datetime.timedelta(days=1),
            decided_at=decided + datetime.timedelta(days=2),
            decided_by=noms(),
            within_deadline=True,
        )
    return sentence


def test_sac_hours_of_the_month_charged_at_the_attendance_centre_price():
    contract = contract_of("CRC11", year=2)
    rate_card_item_of(
        contract,
        "sac",
        name="Attendance centre",
        unit="hour",
        price="12.35",
        attendance_centre=True,
    )
    first = sac_order(on=D(2016, 3, 1), hours=12)
    last = sac_order(on=D(2016, 3, 31), hours=36)
    sac_order(on=D(2016, 2, 29), hours=24)
    sac_order(on=D(2016, 4, 1), hours=24)
    sac_order("CRC20", on=D(2016, 3, 10), hours=24)  # another CPA's order
    moved_away = sac_order(on=D(2016, 3, 11), hours=24, reallocated_to="CRC20")
    moved_here = sac_order("CRC20", on=D(2016, 3, 12), hours=6, reallocated_to="CRC11")
    charge = rate_cards.attendance_centre(contract, MARCH)
    assert charge.price == Decimal("12.35") and charge.month == MARCH
    assert {line.sentence_id: line.hours for line in charge.lines} == {
        first.pk: 12,
        last.pk: 36,
        moved_here.pk: 6,
    }
    assert moved_away.pk not in {line.sentence_id for line in charge.lines}
    assert charge.hours == 54
    assert charge.total == Decimal("666.90")  # 54 × 12.35
    assert [line.amount for line in charge.lines] == [
        Decimal("148.20"),
        Decimal("74.10"),
        Decimal("444.60"),
    ]
    entry = ledger.post(
        contract,
        MARCH,
        EntryKind.ATTENDANCE_CENTRE,
        "SAC:2016-03",
        charge.total,
        description="SAC",
        payer=Payer.MOJ,
    )
    assert rate_cards.record_charge(entry, charge) == 3
    assert sum(ChargedOrder.objects.filter(entry=entry).values_list("hours", flat=True)) == 54


def test_no_attendance_centre_price_no_charge():
    contract = contract_of("CRC11", year=2)
    rate_card_item_of(contract)
    sac_order(on=D(2016, 3, 10))
    assert rate_cards.attendance_centre(contract, MARCH) is None


def test_sac_orders_are_not_invoiced_as_deliveries():
    contract = contract_of("CRC11", year=2)
    sac = rate_card_item_of(contract, "sac", price="10.00", attendance_centre=True)
    delivered(ordered(sac), D(2016, 3, 10), "5")
    assert rate_cards.invoices(contract, MARCH) == []


# --- The services ---------------------------------------------------------------------------------


# The services check dates against the real clock (staff vetting reads it too): these tests
# work in the contract year of today.


@pytest.fixture
def today():
    return clock.today()


def current(crc="CRC11"):
    return contract_of(crc, year=periods.contract_year_of(clock.today()))


def test_noms_records_an_order_and_it_is_audited(today):
    contract = current()
    item = rate_card_item_of(contract)
    person = person_of("CRC11")
    order = rate_cards.order_create(
        actor=noms(),
        contract_id=contract.pk,
        item_id=item.pk,
        purchaser_kind="CO_COMMISSIONER",
        purchaser_name=" Dyfed-Powys PCC ",
        reference="RJ-7",
        ordered_on=today,
        quantity="3",
        crn=person.crn.lower(),
    )
    assert (order.purchaser_name, order.person, order.quantity) == (
        "Dyfed-Powys PCC",
        person,
        Decimal("3"),
    )
    event = AuditEvent.objects.get(object_type="contracts.ratecardorder", object_id=str(order.pk))
    assert (event.action, event.actor) == ("CREATE", noms())


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"item_id": None}, "item"),
        ({"purchaser_kind": "CRC", "purchaser_code": "CRC11"}, "purchaser_code"),
        ({"purchaser_kind": "CRC", "purchaser_code": "CRC99"}, "purchaser_code"),
        ({"purchaser_kind": "CO_COMMISSIONER", "purchaser_name": " "}, "purchaser_name"),
        ({"purchaser_kind": "SOMEONE"}, "purchaser_kind"),
        ({"reference": ""}, "reference"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.005"}, "quantity"),
        ({"quantity": "lots"}, "quantity"),
        ({"ordered_on": TOMORROW}, "ordered_on"),
        ({"ordered_on": None}, "ordered_on"),
        ({"crn": "Z999999"}, "crn"),
    ],
    ids=[
        "no-service",
        "own-crc",
        "unknown-crc",
        "co-without-name",
        "unknown-purchaser",
        "no-reference",
        "zero-quantity",
        "three-decimals",
        "not-a-number",
        "tomorrow",
        "no-date",
        "unknown-person",
    ],
)
def test_an_order_with_a_mistake_is_refused_and_writes_nothing(today, changes, field):
    contract = current()
    item = rate_card_item_of(contract)
    values = dict(
        actor=noms(),
        contract_id=contract.pk,
        item_id=item.pk,
        purchaser_kind="NPS",
        reference="PO-1",
        ordered_on=today,
        quantity="2",
    )
    changes = {
        key: today + datetime.timedelta(days=1) if value is TOMORROW else value
        for key, value in changes.items()
    }
    with pytest.raises(ValidationError) as refused:
        rate_cards.order_create(**{**values, **changes})
    assert field in refused.value.message_dict
    assert not RateCardOrder.objects.exists()


def test_the_attendance_centre_line_is_not_ordered(today):
    contract = current()
    sac = rate_card_item_of(contract, "sac", attendance_centre=True)
    with pytest.raises(ValidationError) as refused:
        rate_cards.order_create(
            actor=noms(),
            contract_id=contract.pk,
            item_id=sac.pk,
            purchaser_kind="NPS",
            reference="PO-1",
            ordered_on=today,
            quantity="2",
        )
    assert "item" in refused.value.message_dict


def test_only_noms_records_orders_and_other_crcs_do_not_see_the_contract(today):
    contract = current()
    item = rate_card_item_of(contract)
    values = dict(
        contract_id=contract.pk,
        item_id=item.pk,
        purchaser_kind="NPS",
        reference="PO-1",
        ordered_on=today,
        quantity="2",
    )
    with pytest.raises(PermissionDenied):
        rate_cards.order_create(actor=staff("CRC_FINANCE_OFFICER", "CRC11"), **values)
    with pytest.raises(Http404):
        rate_cards.order_create(actor=staff("CRC_MANAGER", "CRC20"), **values)
    assert not RateCardOrder.objects.exists()


def test_the_supplying_crcs_finance_officer_records_a_delivery(today):
    contract = current()
    order = ordered(rate_card_item_of(contract), quantity="5")
    officer = staff("CRC_FINANCE_OFFICER", "CRC11")
    delivery = rate_cards.delivery_create(
        actor=officer, contract_id=contract.pk, order_id=order.pk, delivered_on=today, quantity="5"
    )
    assert (delivery.recorded_by, delivery.quantity) == (officer, Decimal("5"))
    with pytest.raises(ValidationError) as refused:  # all 5 delivered
        rate_cards.delivery_create(
            actor=noms(),
            contract_id=contract.pk,
            order_id=order.pk,
            delivered_on=today,
            quantity="0.01",
        )
    assert "Only 0 of the 5 ordered are left" in refused.value.message_dict["quantity"][0]
    manager = staff("CRC_MANAGER", "CRC11")
    order_more = ordered(order.item, quantity="2")
    rate_cards.delivery_create(
        actor=manager,
        contract_id=contract.pk,
        order_id=order_more.pk,
        delivered_on=today,
        quantity="2",
    )
    # An offender manager does not see contracts; another CRC's finance officer neither.
    for outsider in (staff("CRC_OFFENDER_MANAGER", "CRC11"), staff("CRC_FINANCE_OFFICER", "CRC20")):
        with pytest.raises(Http404):
            rate_cards.delivery_create(
                actor=outsider,
                contract_id=contract.pk,
                order_id=order_more.pk,
                delivered_on=today,
                quantity="1",
            )
    assert Delivery.objects.count() == 2


@pytest.mark.parametrize(
    "days, quantity, field",
    [
        (-41, "1", "delivered_on"),  # the day before the order
        (1, "1", "delivered_on"),  # tomorrow
        ("last-month", "1", "delivered_on"),  # last month has been invoiced
        (0, "5.01", "quantity"),  # more than ordered
        (0, "-1", "quantity"),
    ],
    ids=["before-order", "future", "month-invoiced", "more-than-ordered", "negative"],
)
def test_a_delivery_with_a_mistake_is_refused(today, days, quantity, field):
    contract = current()
    order = ordered(
        rate_card_item_of(contract), quantity="5", on=today - datetime.timedelta(days=40)
    )
    this_month = periods.first_of_month(today)
    last_month = periods.add_months(this_month, -1)
    run = PaymentRun.objects.create(
        month=last_month, trigger="COMMAND", requested_at=timezone.now()
    )
    PaymentRunPart.objects.create(run=run, organisation=org("CRC11"), status="DONE")
    delivered_on = (
        this_month - datetime.timedelta(days=1)
        if days == "last-month"
        else today + datetime.timedelta(days=days)
    )
    with pytest.raises(ValidationError) as refused:
        rate_cards.delivery_create(
            actor=noms(),
            contract_id=contract.pk,
            order_id=order.pk,
            delivered_on=delivered_on,
            quantity=quantity,
        )
    assert field in refused.value.message_dict
    assert not Delivery.objects.exists()
    # The same delivery within the rules is recorded.
    rate_cards.delivery_create(
        actor=noms(), contract_id=contract.pk, order_id=order.pk, delivered_on=today, quantity="5"
    )
    assert periods.first_of_month(Delivery.objects.get().delivered_on) == this_month


def test_a_delivery_against_another_contracts_order_is_missing(today):
    contract = current()
    other = ordered(rate_card_item_of(current("CRC20")), kind="CRC", purchaser="CRC11")
    with pytest.raises(Http404):
        rate_cards.delivery_create(
            actor=noms(),
            contract_id=contract.pk,
            order_id=other.pk,
            delivered_on=today,
            quantity="1",
        )
