"""The facts job's page (/performance/facts/, NOMS only): when each month's performance
facts were computed, how many there are and how many the last computation changed, and a
button that starts the job now (``performance.tasks.refresh_facts``: the months due)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from performance import facts, tasks
from performance.models import FactsMonth
from probation import access, clock


@require_http_methods(["GET", "POST"])
@login_required
def facts_status(request, **kwargs):
    if not access.sees_national_performance(request.user):
        raise Http404("No page found.")
    if request.method == "POST":
        # After the request's writes; a failing job never answers the button with a 500.
        transaction.on_commit(lambda: tasks.refresh_facts.delay(), robust=True)
        messages.success(
            request,
            "The facts job has started: the months due are computed again. "
            "Refresh this page to follow it.",
        )
        return redirect("performance:facts")
    months = list(FactsMonth.objects.order_by("-month"))
    due = facts.months_to_refresh(clock.today())
    return render(
        request,
        "performance/facts.html",
        {
            "months": months,
            "due": due,
            "facts_total": sum(month.facts for month in months),
        },
    )
