from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from probation import selectors
from probation.models import Organisation


@require_GET
@login_required
def organisation_list(request):
    return render(
        request,
        "probation/organisation_list.html",
        {
            "structure": selectors.national_structure(),
            "crcs": Organisation.objects.crcs(),
        },
    )


@require_GET
@login_required
def organisation_detail(request, code):
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "division", "crc"), code=code
    )
    children = organisation.children.order_by("code")
    ldus = (
        organisation.ldus.select_related("parent").order_by("code") if organisation.is_crc else []
    )
    return render(
        request,
        "probation/organisation_detail.html",
        {"organisation": organisation, "children": children, "ldus": ldus},
    )
