from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from probation import access, clock, notifications
from probation.policy import VETTING_EXPIRY_WARNING_DAYS


@require_GET
@login_required
def home(request):
    """A home page for each role: what it can do next, and whether vetting allows it."""
    vetting = access.vetting_of(request.user)
    expiring_soon = (
        vetting.current
        and vetting.expires_on is not None
        and (vetting.expires_on - clock.today()).days <= VETTING_EXPIRY_WARNING_DAYS
    )
    # Notifications are about cases, which staff without current vetting may not open.
    new_notifications = notifications.unread_count(request.user) if vetting.current else 0
    return render(
        request,
        "probation/home.html",
        {
            "roles": access.effective_roles(request.user),
            "vetting": vetting,
            "vetting_expiring_soon": expiring_soon,
            "new_notifications": new_notifications,
        },
    )
