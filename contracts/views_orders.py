"""Pages of a contract's rate card (fee for use, DOMAIN.md 9): the card, the orders other
providers and co-commissioners placed on it and their deliveries; recording an order (NOMS
contract managers) and a delivery (NOMS, or the supplying CRC's managers and finance
officers). Every view scopes through ``probation.access.contract_for_view`` first: a
contract outside the user's scope is a 404. The rules live in ``contracts.rate_cards``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from contracts import rate_cards
from contracts.forms_orders import DeliveryForm, OrderForm
from contracts.models import Contract, Delivery, RateCardOrder
from probation import access


def _contract(request, contract_id):
    return access.contract_for_view(
        request.user, contract_id, queryset=Contract.objects.select_related("crc")
    )


def _posted(request):
    """The form's data: bound on every POST, even an empty one, so it shows its errors."""
    return request.POST if request.method == "POST" else None


@require_GET
@login_required
def order_list(request, contract_id):
    """The contract's rate card, its orders (with the person's name only for those the user
    may see) and their deliveries. A constant number of queries."""
    contract = _contract(request, contract_id)
    visible = access.people_visible_to(request.user).filter(pk=OuterRef("person_id"))
    orders = list(
        RateCardOrder.objects.filter(item__contract=contract)
        .select_related("item", "purchaser", "person", "ordered_by")
        .annotate(delivered=Sum("deliveries__quantity"), name_visible=Exists(visible))
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related("recorded_by").order_by(
                    "delivered_on", "pk"
                ),
            )
        )
        .order_by("-ordered_on", "-pk")
    )
    return render(
        request,
        "contracts/orders.html",
        {
            "contract": contract,
            "items": list(contract.rate_card.all()),
            "orders": orders,
            "may_order": rate_cards.may_record_orders(request.user, contract),
            "may_deliver": rate_cards.may_record_deliveries(request.user, contract),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def order_create(request, contract_id):
    """NOMS record an order placed on the contract's rate card."""
    contract = _contract(request, contract_id)
    if not rate_cards.may_record_orders(request.user, contract):
        raise PermissionDenied("Only NOMS contract managers record rate-card orders.")
    form = OrderForm(_posted(request), items=contract.rate_card.all(), own_crc_id=contract.crc_id)
    if request.method == "POST" and form.is_valid():
        try:
            order = rate_cards.order_create(
                actor=request.user, contract_id=contract.pk, **form.arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Order {order.reference} recorded")
            return redirect("contracts:orders", contract_id=contract.pk)
    return render(request, "contracts/order_form.html", {"contract": contract, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def delivery_create(request, contract_id, order_id):
    """Record a delivery against one of the contract's orders."""
    contract = _contract(request, contract_id)
    order = (
        RateCardOrder.objects.select_related("item", "purchaser")
        .filter(pk=order_id, item__contract=contract)
        .annotate(delivered=Sum("deliveries__quantity"))
        .first()
    )
    if order is None:
        raise Http404("No order found on this contract.")
    if not rate_cards.may_record_deliveries(request.user, contract):
        raise PermissionDenied(
            "Only NOMS contract managers and the CRC's managers and finance officers record "
            "deliveries."
        )
    form = DeliveryForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            rate_cards.delivery_create(
                actor=request.user,
                contract_id=contract.pk,
                order_id=order.pk,
                **form.arguments(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Delivery against order {order.reference} recorded")
            return redirect("contracts:orders", contract_id=contract.pk)
    return render(
        request,
        "contracts/delivery_form.html",
        {"contract": contract, "order": order, "form": form},
    )
