"""Stub: being built (issue 9)."""

from django.http import Http404


def facts_status(request, **kwargs):
    raise Http404("Not built yet.")
