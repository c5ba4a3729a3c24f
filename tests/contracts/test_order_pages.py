"""The rate-card pages: a contract's card, orders and deliveries (scoped: another CRC's staff
get a 404; a constant number of queries), recording an order (NOMS) and a delivery (NOMS or
the supplying CRC's finance staff), with GOV.UK error summaries that write nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import periods
from contracts.models import Delivery, RateCardOrder
from probation import clock
from probation.models import User
from tests.contracts.factories import contract_of, rate_card_item_of
from tests.probation.factories import org, person_of, staff

pytestmark = pytest.mark.django_db


def noms():
    return User.objects.filter(username="noms-pages").first() or staff(
        "NOMS_CONTRACT_MANAGER", "NOMS", username="noms-pages"
    )


def current(crc="CRC11"):
    return contract_of(crc, year=periods.contract_year_of(clock.today()))


def order_on(item, *, reference="PO-1", quantity="10", person=None, kind="NPS"):
    return RateCardOrder.objects.create(
        item=item,
        purchaser_kind=kind,
        purchaser=org("NPS" if kind == "NPS" else "CRC20"),
        reference=reference,
        ordered_on=clock.today() - datetime.timedelta(days=3),
        quantity=Decimal(quantity),
        person=person,
        ordered_by=noms(),
    )


def date_parts(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def test_another_crcs_staff_get_404_on_every_order_page(client):
    contract = current("CRC11")
    order = order_on(rate_card_item_of(contract))
    urls = [
        reverse("contracts:orders", args=[contract.pk]),
        reverse("contracts:order-create", args=[contract.pk]),
        reverse("contracts:delivery-create", args=[contract.pk, order.pk]),
    ]
    for role in ("CRC_MANAGER", "CRC_FINANCE_OFFICER"):
        client.force_login(staff(role, "CRC20"))
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
            if "/new/" in url:
                assert client.post(url, {}).status_code == 404, (role, url)
    # A missing contract looks the same.
    client.force_login(noms())
    assert client.get(reverse("contracts:orders", args=[contract.pk + 1000])).status_code == 404
    assert Delivery.objects.count() == 0


def test_the_crcs_finance_officer_reads_its_card_and_orders_but_records_no_order(client):
    contract = current("CRC11")
    item = rate_card_item_of(contract, price="150.00")
    rate_card_item_of(
        contract, "sac", name="Attendance centre", unit="hour", attendance_centre=True
    )
    cared_for = person_of("CRC20", ldu_crc="CRC20")
    order_on(item, reference="PO-77", person=cared_for)
    client.force_login(staff("CRC_FINANCE_OFFICER", "CRC11"))
    page = client.get(reverse("contracts:orders", args=[contract.pk])).content.decode()
    assert 'data-reference="PO-77"' in page
    assert "Attendance centre: charged to the MoJ" in page
    assert cared_for.crn in page and cared_for.full_name not in page  # not their case
    assert "Record a delivery" in page and "Record an order" not in page
    assert client.get(reverse("contracts:order-create", args=[contract.pk])).status_code == 403
    client.force_login(noms())
    page = client.get(reverse("contracts:orders", args=[contract.pk])).content.decode()
    assert cared_for.full_name in page and "Record an order" in page


def test_the_order_list_takes_a_constant_number_of_queries(client):
    contract = current("CRC11")
    item = rate_card_item_of(contract)
    client.force_login(noms())
    url = reverse("contracts:orders", args=[contract.pk])
    counts = []
    for extra in (1, 12):
        for n in range(extra):
            order = order_on(item, reference=f"PO-{extra}-{n}", person=person_of("CRC11"))
            Delivery.objects.create(
                order=order, delivered_on=clock.today(), quantity=1, recorded_by=noms()
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_noms_records_an_order(client):
    contract = current("CRC11")
    item = rate_card_item_of(contract, price="33.33")
    client.force_login(noms())
    url = reverse("contracts:order-create", args=[contract.pk])
    assert "Record an order" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "item": item.pk,
            "purchaser_kind": "CRC",
            "purchaser_code": "CRC20",
            "reference": "LDN-42",
            "quantity": "2.5",
            **date_parts("ordered_on", clock.today()),
        },
    )
    assert response.status_code == 302
    order = RateCardOrder.objects.get()
    assert (order.purchaser, order.quantity, order.reference) == (
        org("CRC20"),
        Decimal("2.5"),
        "LDN-42",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Order LDN-42 recorded" in page and 'data-reference="LDN-42"' in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"reference": ""}, "Enter the purchaser&#x27;s order reference"),
        ({"purchaser_kind": "CO_COMMISSIONER"}, "Enter the co-commissioner&#x27;s name"),
        ({"quantity": "0"}, "Enter a quantity greater than 0"),
    ],
    ids=["form-error", "service-error-co-name", "service-error-quantity"],
)
def test_an_order_with_a_mistake_shows_the_error_summary_and_writes_nothing(
    client, changes, message
):
    contract = current("CRC11")
    item = rate_card_item_of(contract)
    client.force_login(noms())
    data = {
        "item": item.pk,
        "purchaser_kind": "NPS",
        "reference": "PO-9",
        "quantity": "3",
        **date_parts("ordered_on", clock.today()),
        **changes,
    }
    response = client.post(reverse("contracts:order-create", args=[contract.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert "<title>Error: " in page
    assert not RateCardOrder.objects.exists()


def test_a_delivery_is_recorded_by_the_crcs_finance_officer_and_appears(client):
    contract = current("CRC11")
    order = order_on(rate_card_item_of(contract), reference="PO-5", quantity="4")
    client.force_login(staff("CRC_FINANCE_OFFICER", "CRC11"))
    url = reverse("contracts:delivery-create", args=[contract.pk, order.pk])
    assert "Record a delivery" in client.get(url).content.decode()
    response = client.post(url, {"quantity": "1.5", **date_parts("delivered_on", clock.today())})
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.order, delivery.quantity) == (order, Decimal("1.5"))
    page = client.get(response["Location"]).content.decode()
    assert "Delivery against order PO-5 recorded" in page
    assert f"{clock.today():%-d %b %Y}: 1.50" in page and "1.50 delivered" in page


def test_a_delivery_with_a_mistake_shows_the_error_summary_and_writes_nothing(client):
    contract = current("CRC11")
    order = order_on(rate_card_item_of(contract), quantity="4")
    client.force_login(noms())
    url = reverse("contracts:delivery-create", args=[contract.pk, order.pk])
    tomorrow = clock.today() + datetime.timedelta(days=1)
    page = client.post(url, {"quantity": "5", **date_parts("delivered_on", tomorrow)})
    text = page.content.decode()
    assert page.status_code == 200 and "govuk-error-summary" in text
    assert "The delivery date must be today or in the past" in text
    assert "Only 4 of the 4 ordered are left to deliver" in text
    empty = client.post(url, {}).content.decode()
    assert "Enter the delivery date" in empty and "Enter the quantity delivered" in empty
    assert not Delivery.objects.exists()


def test_an_order_of_another_contract_is_missing_on_this_one(client):
    contract = current("CRC11")
    other = order_on(rate_card_item_of(current("CRC20")))
    client.force_login(noms())
    url = reverse("contracts:delivery-create", args=[contract.pk, other.pk])
    assert client.get(url).status_code == 404
