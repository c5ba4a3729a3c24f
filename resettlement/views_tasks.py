"""Pages of pre-release tasks, home circumstances reports for HDC and ROTL input (stubs
until built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from probation import audit
from resettlement import custody


def _placeholder(request, title, **context):
    return render(request, "resettlement/placeholder.html", {"title": title, **context})


@require_GET
@login_required
def task_list(request):
    return _placeholder(request, "Pre-release work")


@require_http_methods(["GET", "POST"])
@login_required
def task_request(request, crn, episode_id):
    episode = custody.episode_of(request.user, crn, episode_id)
    audit.record_view(actor=request.user, instance=episode.person)
    return _placeholder(request, "Ask for a report", episode=episode)


@require_http_methods(["GET", "POST"])
@login_required
def task_detail(request, crn, episode_id, task_id):
    episode = custody.episode_of(request.user, crn, episode_id)
    audit.record_view(actor=request.user, instance=episode.person)
    task = episode.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404("No task found for this person.")
    return _placeholder(request, task.get_kind_display(), episode=episode)
