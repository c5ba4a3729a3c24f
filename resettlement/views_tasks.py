"""Pages of pre-release work (``resettlement.prerelease``): the list of tasks the user's
organisation owes, prison staff asking for a home circumstances report (HDC) or ROTL input,
and one task with the form its owner completes it with.

Every person page answers GET to anyone who may see the person and records the view; the
form is shown only to those who may act, and a POST by anyone else is refused (403)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import audit
from probation.forms_govuk import GovukForm
from probation.pagination import page_context
from probation.workflow import business_days_left
from resettlement import custody, prerelease
from resettlement.models import TaskKind, TaskStatus


class TaskRequestForm(GovukForm):
    kind = forms.ChoiceField(
        label="What do you need?",
        widget=forms.RadioSelect,
        choices=[(k.value, k.label) for k in prerelease.REQUESTED_TASKS],
    )
    details = forms.CharField(
        label="Details",
        help_text="What you need, and any dates that matter (the HDC eligibility date, the "
        "day of the temporary release).",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class TaskCompleteForm(GovukForm):
    details = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["details"].error_messages["required"] = "Enter what was done"


@require_GET
@login_required
def task_list(request):
    """Open pre-release tasks the user's organisation owes, overdue first, with the business
    days left on each."""
    if not prerelease.may_list(request.user):
        raise PermissionDenied("This list is for the CRC and NPS staff who do pre-release work.")
    context = page_context(request, prerelease.tasks_owed_by(request.user))
    for task in context["page_obj"]:
        task.days_left = business_days_left(task.due_by)
    context["organisation"] = request.user.organisation
    return render(request, "resettlement/task_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def task_request(request, crn, episode_id):
    """Prison staff of the prison holding the person ask the allocated organisation for a
    home circumstances report or ROTL input."""
    episode = custody.episode_of(request.user, crn, episode_id)
    person = episode.person
    may_request = prerelease.may_request(request.user, episode)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    elif not may_request:
        raise PermissionDenied("Only staff of the prison holding the person ask for this.")
    form = TaskRequestForm(request.POST or None) if may_request else None
    if request.method == "POST" and form.is_valid():
        try:
            task = prerelease.task_request(request.user, crn, episode.pk, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{task.get_kind_display()} asked of {task.owner.name}")
            return redirect("resettlement:task", crn=crn, episode_id=episode.pk, task_id=task.pk)
    return render(
        request,
        "resettlement/task_request.html",
        {"person": person, "episode": episode, "form": form},
    )


@require_http_methods(["GET", "POST"])
@login_required
def task_detail(request, crn, episode_id, task_id):
    """One task: what is owed, by whom and by when, and the owner's form to complete it."""
    episode = custody.episode_of(request.user, crn, episode_id)
    person = episode.person
    task = (
        episode.tasks.select_related("owner", "requested_by", "completed_by")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404("No task found for this person.")
    may_complete = prerelease.may_complete(request.user, task)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=person)
    elif not may_complete:
        raise PermissionDenied(f"Only staff of {task.owner.name}, which owns this task, do it.")
    form = TaskCompleteForm(request.POST or None) if may_complete else None
    if request.method == "POST" and form.is_valid():
        try:
            prerelease.task_complete(request.user, crn, episode.pk, task.pk, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{task.get_kind_display()} done")
            return redirect("resettlement:task", crn=crn, episode_id=episode.pk, task_id=task.pk)
    return render(
        request,
        "resettlement/task.html",
        {
            "person": person,
            "episode": episode,
            "task": task,
            "form": form,
            "open": task.status == TaskStatus.OPEN,
            "requested": task.kind in (TaskKind.HDC_HOME_CIRCUMSTANCES, TaskKind.ROTL),
        },
    )
