from django.conf import settings
from django.urls import reverse

from probation.roles import SEARCH_AUDIT, VIEW_PERSON


def service(request):
    """The service name and the navigation a signed-in user's roles open to them."""
    context = {"service_name": settings.SERVICE_NAME, "navigation": []}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    from probation.access import effective_roles

    permissions = {p for role in effective_roles(user) for p in role.permissions}
    items = [("Home", "home", True)]
    items.append(("Find a person", "people", VIEW_PERSON in permissions))
    items.append(("Caseload", "caseload", VIEW_PERSON in permissions and _has_caseload(user)))
    allocates = any(
        role.code in ("NPS_ALLOCATION_OFFICER", "NPS_ALLOCATION_MANAGER")
        for role in effective_roles(user)
    )
    items.append(("Allocation", "allocation:queue", allocates))
    items.append(("Notifications", "notifications", _has_caseload(user)))
    items.append(("Organisations", "organisations", True))
    items.append(("Audit trail", "audit", SEARCH_AUDIT in permissions))
    path = request.path
    for text, name, shown in items:
        if shown:
            href = reverse(name)
            current = path == href if name == "home" else path.startswith(href)
            context["navigation"].append({"text": text, "href": href, "current": current})
    return context


def _has_caseload(user) -> bool:
    """Staff of a CRC or an NPS division manage caseloads (probation.caseload)."""
    return user.organisation is not None and user.organisation.kind in ("CRC", "NPS_DIVISION")
