"""Stub: being built (issue 9 parts 5 and 6)."""

from django.http import Http404
from django.urls import path


def _stub(request, **kwargs):
    raise Http404("Not built yet.")


urlpatterns = [
    path("performance/tables/", _stub, name="published-tables"),
    path("performance/tables/<int:table_id>/", _stub, name="published-table"),
]
