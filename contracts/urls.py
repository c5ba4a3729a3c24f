"""Pages of the contracts app, mounted at /contracts/ (DOMAIN.md 9): contracts for NOMS
contract managers, the monthly payment run, the ledger with drill-down to the people
counted, rate-card orders and deliveries, and the reoffending data import. A CRC's staff
see their own CRC's contracts and ledger only (``probation.access.contracts_visible_to``).
"""

from django.urls import path

from contracts import views, views_orders, views_reoffending

CONTRACT = "<int:contract_id>/"

app_name = "contracts"
urlpatterns: list = [
    # Contracts, ledger and payment runs (views)
    path("", views.contract_list, name="contracts"),
    path("new/", views.contract_create, name="contract-create"),
    path(CONTRACT, views.contract_detail, name="contract"),
    path(CONTRACT + "change/", views.contract_change, name="contract-change"),
    path(CONTRACT + "ledger/", views.ledger, name="ledger"),
    path(CONTRACT + "ledger/<str:month>/", views.ledger_month, name="ledger-month"),
    path(CONTRACT + "lines/<int:entry_id>/", views.ledger_line, name="ledger-line"),
    path(CONTRACT + "lines/<int:entry_id>/reverse/", views.ledger_reverse, name="ledger-reverse"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/resume/", views.run_resume, name="run-resume"),
    # Rate-card orders and deliveries (views_orders)
    path(CONTRACT + "orders/", views_orders.order_list, name="orders"),
    path(CONTRACT + "orders/new/", views_orders.order_create, name="order-create"),
    path(
        CONTRACT + "orders/<int:order_id>/deliveries/new/",
        views_orders.delivery_create,
        name="delivery-create",
    ),
    # The national reoffending data (views_reoffending)
    path("reoffending/", views_reoffending.imports, name="reoffending"),
]
