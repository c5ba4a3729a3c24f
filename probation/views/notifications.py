"""The notifications page: what a user's team, organisation or role must act on."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from probation import notifications
from probation.pagination import page_context


@require_GET
@login_required
def notification_list(request):
    queryset = notifications.notifications_for(request.user).select_related("person", "team")
    return render(request, "probation/notifications.html", page_context(request, queryset))


@require_POST
@login_required
def notification_read(request, notification_id):
    notifications.mark_read(actor=request.user, pk=notification_id)
    return redirect("notifications")
