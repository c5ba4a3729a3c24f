"""The designated-release measure (TOM 2.2 "Adult Male Prisoners")."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def designated_release(request):
    return render(request, "resettlement/placeholder.html", {"title": "Designated release"})
