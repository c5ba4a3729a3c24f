"""Pages of allocation: the NPS allocation queue."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from allocation import selectors
from probation.forms_govuk import GovukForm
from probation.pagination import page_context


class QueueFilterForm(GovukForm):
    ldu = forms.CharField(label="LDU code", required=False, max_length=10)
    court = forms.CharField(label="Court", required=False, max_length=100)


@require_GET
@login_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sentences = selectors.awaiting_allocation(
        user=request.user, ldu=filters.get("ldu") or None, court=filters.get("court") or ""
    )
    context = page_context(request, sentences)
    for sentence in context["page_obj"]:
        sentence.clock = selectors.allocation_clock(sentence)
    return render(request, "allocation/queue.html", {"form": form, **context})
