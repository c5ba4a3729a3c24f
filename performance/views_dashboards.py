"""Stub: being built (issue 9)."""

from django.http import Http404


def overview(request, **kwargs):
    raise Http404("Not built yet.")


def mine(request, **kwargs):
    raise Http404("Not built yet.")


def funnel_page(request, **kwargs):
    raise Http404("Not built yet.")


def organisation(request, **kwargs):
    raise Http404("Not built yet.")


def cases(request, **kwargs):
    raise Http404("Not built yet.")


def cases_csv(request, **kwargs):
    raise Http404("Not built yet.")
