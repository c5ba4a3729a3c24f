"""The needs-action page of responsible officers (``enforcement.queues``), at /enforcement/."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from enforcement import queues
from probation.forms_govuk import GovukForm
from probation.pagination import page_context


class ScopeForm(GovukForm):
    show = forms.ChoiceField(label="Show", widget=forms.RadioSelect, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].choices = list(choices.items())


@require_GET
@login_required
def needs_action(request):
    """Failures to decide, referrals returned, reviews, intelligence, SFO reviews and
    Victim Summary Reports waiting on the user's organisation, and the referrals it made
    that await a reply; overdue first."""
    if not queues.may_use(request.user):
        raise PermissionDenied("Only offender managers and their managers have this list.")
    choices = queues.scopes_for(request.user)
    form = ScopeForm(request.GET or None, choices=choices)
    scope = queues.MINE
    if form.is_bound and form.is_valid() and form.cleaned_data["show"]:
        scope = form.cleaned_data["show"]
    context = page_context(request, queues.needs_action(user=request.user, scope=scope))
    page = context["page_obj"]
    page.object_list = queues.items(page.object_list)
    return render(
        request,
        "enforcement/needs_action.html",
        {"form": form if len(choices) > 1 else None, "scope": scope, **context},
    )
