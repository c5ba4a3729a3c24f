"""The notifications page: what a user's team, organisation or role must act on, filtered by
kind (``?kind=ALLOCATION_RECEIVED``: the cases newly allocated to the team) and by whether
anyone has read them yet (``?status=new``)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from probation import notifications
from probation.forms_govuk import GovukForm
from probation.models import NotificationKind
from probation.pagination import page_context

NEW = "new"


class NotificationFilterForm(GovukForm):
    kind = forms.ChoiceField(
        label="Type", choices=[("", "All types"), *NotificationKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="Show", choices=[("", "New and read"), (NEW, "New only")], required=False
    )


@require_GET
@login_required
def notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    queryset = notifications.notifications_for(request.user).select_related("person", "team")
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("status") == NEW:
        queryset = queryset.filter(read_at__isnull=True)
    return render(
        request,
        "probation/notifications.html",
        {
            "form": form,
            "filtered": bool(filters.get("kind") or filters.get("status")),
            **page_context(request, queryset),
        },
    )


@require_POST
@login_required
def notification_read(request, notification_id):
    notifications.mark_read(actor=request.user, pk=notification_id)
    back = request.POST.get("next", "")  # the list as it was filtered, if it is ours
    if back.startswith(reverse("notifications")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("notifications")
