from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from probation import audit
from probation.forms_govuk import DateField, GovukForm
from probation.pagination import page_context
from probation.roles import SEARCH_AUDIT


class AuditSearchForm(GovukForm):
    person_crn = forms.CharField(label="Person's CRN", required=False, max_length=7)
    username = forms.CharField(label="Staff member's username", required=False, max_length=150)
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return cleaned


@require_GET
@login_required
@permission_required(SEARCH_AUDIT, raise_exception=True)
def audit_search(request):
    form = AuditSearchForm(request.GET or None)
    context = {"form": form, "page_obj": None}
    if form.is_bound and form.is_valid():
        context.update(page_context(request, audit.events_for(**form.cleaned_data)))
    return render(request, "probation/audit_search.html", context)
