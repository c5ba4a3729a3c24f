"""Stub: being built (issue 9 part 3 and 6)."""

from django.http import Http404
from django.urls import path

from performance import api_open_data


def _stub(request, **kwargs):
    raise Http404("Not built yet.")


urlpatterns = [
    path("calculations/funnel", _stub, name="funnel-calculation"),
    path("performance/facts/", _stub, name="facts"),
    path(
        "performance/facts/<str:org_code>/<str:measure>/<str:month>/cases/",
        _stub,
        name="fact-cases",
    ),
    # Published open-data tables (performance.api_open_data)
    *api_open_data.urlpatterns,
]
