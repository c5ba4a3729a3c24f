"""Pages of the needs-action list and the work queues of each role
(mounted under /enforcement/)."""

from django.urls import path

from enforcement import views_queues

urlpatterns: list = [
    path("", views_queues.needs_action, name="needs-action"),
]
