"""Pages of prisons, their designation and NOMS's exceptions queue (stubs until built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from probation import audit
from resettlement import custody
from resettlement.models import Prison


def _placeholder(request, title, **context):
    return render(request, "resettlement/placeholder.html", {"title": title, **context})


@require_GET
@login_required
def prison_list(request):
    return _placeholder(request, "Prisons")


@require_http_methods(["GET", "POST"])
@login_required
def prison_create(request):
    return _placeholder(request, "Add a prison")


@require_http_methods(["GET", "POST"])
@login_required
def designation_import(request):
    return _placeholder(request, "Import designations")


@require_http_methods(["GET", "POST"])
@login_required
def designation(request, prison_code):
    prison = Prison.objects.filter(code=prison_code).first()
    if prison is None:
        raise Http404("No prison with that code.")
    return _placeholder(request, f"Designation of {prison.name}")


@require_GET
@login_required
def exceptions(request):
    return _placeholder(request, "Resettlement exceptions")


@require_http_methods(["GET", "POST"])
@login_required
def home_area(request, crn, episode_id):
    episode = custody.episode_of(request.user, crn, episode_id)
    audit.record_view(actor=request.user, instance=episode.person)
    return _placeholder(request, "Home area", episode=episode)
