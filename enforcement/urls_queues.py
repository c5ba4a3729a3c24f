"""Pages of the needs-action list and the work queues of each role
(mounted under /enforcement/)."""

urlpatterns: list = []
