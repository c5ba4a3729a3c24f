"""Stub: being built (issue 9)."""

from django.http import Http404


def table_list(request, **kwargs):
    raise Http404("Not built yet.")


def publish(request, **kwargs):
    raise Http404("Not built yet.")


def table_detail(request, **kwargs):
    raise Http404("Not built yet.")


def table_csv(request, **kwargs):
    raise Http404("Not built yet.")


def table_metadata(request, **kwargs):
    raise Http404("Not built yet.")
