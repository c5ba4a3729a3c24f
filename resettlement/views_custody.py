"""Pages of receptions, the prison's queue, custody episodes, the screening, resettlement
plans and sharing (stubs until built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit
from resettlement import custody
from resettlement.models import Prison


def _placeholder(request, title, **context):
    return render(request, "resettlement/placeholder.html", {"title": title, **context})


def _prison(code):
    prison = Prison.objects.filter(code=code).first()
    if prison is None:
        raise Http404("No prison with that code.")
    return prison


@require_GET
@login_required
def prison_queue(request, prison_code):
    return _placeholder(request, _prison(prison_code).name)


@require_http_methods(["GET", "POST"])
@login_required
def reception_create(request, prison_code):
    return _placeholder(request, f"Record a reception into {_prison(prison_code).name}")


@require_GET
@login_required
def plans_received(request):
    return _placeholder(request, "Plans received")


@require_GET
@login_required
def episode_list(request, crn):
    person = access.person_for_view(request.user, crn)
    audit.record_view(actor=request.user, instance=person)
    return _placeholder(request, f"Custody of {person.crn}")


def _episode_page(title):
    @require_http_methods(["GET", "POST"])
    @login_required
    def view(request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return _placeholder(request, title, episode=episode)

    return view


episode_detail = _episode_page("Custody")
move = _episode_page("Record a move")
release = _episode_page("Record a release")
screening_part1 = _episode_page("Screening part 1")
screening_part2 = _episode_page("Screening part 2")
plan = _episode_page("Resettlement plan")
