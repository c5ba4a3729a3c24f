"""The contracts API (issue 8 parts 2, 3, 5 and 9): calculation endpoints, contracts, ledger
lines and payment runs. Being built."""

urlpatterns: list = []
