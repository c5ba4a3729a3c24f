from django.shortcuts import render

from probation.access import RecordsLocked


def permission_denied(request, exception=None):
    """403: for staff without current vetting, say why they cannot open records."""
    locked = isinstance(exception, RecordsLocked)
    return render(
        request,
        "403.html",
        {
            "locked": locked,
            "reason": exception.status.reason if locked else (str(exception) if exception else ""),
        },
        status=403,
    )
