"""Pages of receptions, the prison's queue, custody episodes, the screening, resettlement
plans and sharing (DOMAIN.md 7). The rules live in ``resettlement.rules``, the services in
``resettlement.custody`` and ``resettlement.plans``; these views turn forms into their calls.

Every page about a person answers a GET for anyone who may see the person (and audits the
view); its form is shown only to those who may act, and a POST by anyone else is 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit
from probation.forms_govuk import GovukForm
from probation.pagination import page_context
from probation.workflow import history
from resettlement import custody, plans, prerelease, rules, selectors
from resettlement.forms import (
    CompleteForm,
    MoveForm,
    NeedsForm,
    Part1Form,
    Part2Form,
    ReceptionForm,
    ReleaseForm,
    SentenceForm,
)
from resettlement.models import (
    CustodyEpisode,
    CustodyStatus,
    PlanNeed,
    PlanState,
    Prison,
    ResettlementPlan,
)
from resettlement.workflows import RESETTLEMENT_PLAN, RESETTLEMENT_ROLES


def _data(request):
    """The posted data on a POST (even empty, so the form shows what is missing)."""
    return request.POST if request.method == "POST" else None


def _prison(code):
    prison = Prison.objects.select_related("organisation").filter(code=code).first()
    if prison is None:
        raise Http404("No prison with that code.")
    return prison


@require_GET
@login_required
def prison_queue(request, prison_code):
    """The prison's reception and resettlement queue: new receptions needing part 1, plans
    being written, plans to share and releases in the next 12 weeks; overdue first."""
    prison = _prison(prison_code)
    sections = selectors.prison_queue(request.user, prison)
    return render(
        request,
        "resettlement/queue.html",
        {
            "prison": prison,
            "sections": sections,
            "may_receive": custody.is_prison_staff(request.user, prison),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def reception_create(request, prison_code):
    """Prison staff record a reception into their prison (the person found by CRN and date
    of birth), then go to the new custody episode."""
    prison = _prison(prison_code)
    if not custody.is_prison_staff(request.user, prison):
        raise PermissionDenied("Only staff of the receiving prison record a reception.")
    form = ReceptionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            episode = custody.reception_record(
                actor=request.user, prison_code=prison.code, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Reception recorded")
            return redirect("resettlement:episode", crn=episode.person.crn, episode_id=episode.pk)
    return render(request, "resettlement/reception_form.html", {"prison": prison, "form": form})


@require_GET
@login_required
def plans_received(request):
    """Plans shared with the user's CRC or NPS division, newest first, late ones marked."""
    context = page_context(request, selectors.plans_received(request.user))
    return render(request, "resettlement/plans_received.html", context)


@require_GET
@login_required
def episode_list(request, crn):
    person = access.person_for_view(request.user, crn)
    audit.record_view(actor=request.user, instance=person)
    episodes = list(
        CustodyEpisode.objects.filter(person=person)
        .select_related("prison", "plan_writer", "plan")
        .order_by("-received_on", "-pk")
    )
    for episode in episodes:
        episode.plan_state = PlanState(episode.plan.state).label
    return render(
        request, "resettlement/episode_list.html", {"person": person, "episodes": episodes}
    )


# --- One episode ----------------------------------------------------------------------------


def _episode(request, crn, episode_id):
    """The episode (404 unless the user may see the person), its screening and plan; a GET
    is audited as a view of the person."""
    episode = custody.episode_of(request.user, crn, episode_id)
    plan = ResettlementPlan.objects.select_related(
        "writer", "completed_by", "shared_with", "shared_by", "waiting_on"
    ).get(episode=episode)
    plan.episode = episode
    plan.person = episode.person
    plan.state_label = PlanState(plan.state).label
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=episode.person)
    return episode, plan


def _actions(user, episode, plan) -> dict:
    """What the user may do on this episode now (the links and forms shown)."""
    prison_staff = custody.is_prison_staff(user, episode.prison)
    offered = {t.action for t in RESETTLEMENT_PLAN.actions_for(user, plan)}
    return {
        "may_move": prison_staff and episode.open,
        "may_release": prison_staff and episode.open,
        "may_sentence": prison_staff and episode.open and episode.status == CustodyStatus.REMAND,
        "may_part1": plans.may_record_part1(user, episode),
        "may_part2": plans.may_record_part2(user, episode, plan),
        "may_edit_needs": plans.may_edit_needs(user, episode, plan),
        "may_complete": bool(offered & {"complete", "complete_own"}),
        "may_share": "share" in offered,
    }


@require_http_methods(["GET", "POST"])
@login_required
def episode_detail(request, crn, episode_id):
    """One custody episode: its facts and stays, who does what with the rules' reasons,
    the screening, the plan with its state, deadlines and needs, the pre-release work and
    the plan's history."""
    if request.method == "POST":
        raise PermissionDenied("Nothing is changed on this page.")
    episode, plan = _episode(request, crn, episode_id)
    answer = rules.responsibility(custody.facts_for(episode))
    return render(
        request,
        "resettlement/episode.html",
        {
            "person": episode.person,
            "episode": episode,
            "screening": episode.screening,
            "plan": plan,
            "answer": answer,
            "stays": episode.stays.select_related("prison").order_by("arrived_on", "pk"),
            "needs": plan.needs.select_related("owner").order_by("pk"),
            "tasks": prerelease.tasks_of(episode),
            "history": history(RESETTLEMENT_PLAN, plan),
            **_actions(request.user, episode, plan),
        },
    )


def _form_page(request, episode, plan, *, template, may, refusal, form, call, success):
    """A person page with one form: 200 for anyone who may see the person, the form for
    those who ``may``; a POST by anyone else is 403."""
    if request.method == "POST" and not may:
        raise PermissionDenied(refusal)
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, success)
            return redirect("resettlement:episode", crn=episode.person.crn, episode_id=episode.pk)
    return render(
        request,
        template,
        {
            "person": episode.person,
            "episode": episode,
            "plan": plan,
            "screening": episode.screening,
            "form": form if may else None,
            "refusal": refusal,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def move(request, crn, episode_id):
    episode, plan = _episode(request, crn, episode_id)
    prisons = Prison.objects.filter(active=True).exclude(pk=episode.prison_id).order_by("name")
    return _form_page(
        request,
        episode,
        plan,
        template="resettlement/move_form.html",
        may=custody.is_prison_staff(request.user, episode.prison) and episode.open,
        refusal="Only staff of the prison holding the person record a move.",
        form=MoveForm(_data(request), prisons=prisons),
        call=lambda data: custody.move_record(
            actor=request.user, crn=crn, episode_id=episode.pk, **data
        ),
        success="Move recorded",
    )


@require_http_methods(["GET", "POST"])
@login_required
def sentence(request, crn, episode_id):
    """A remand prisoner sentenced (or a recall confirmed) while in custody."""
    episode, plan = _episode(request, crn, episode_id)
    return _form_page(
        request,
        episode,
        plan,
        template="resettlement/sentence_form.html",
        may=custody.is_prison_staff(request.user, episode.prison)
        and episode.open
        and episode.status == CustodyStatus.REMAND,
        refusal="Only staff of the prison holding a remand prisoner record a sentence.",
        form=SentenceForm(_data(request)),
        call=lambda data: custody.sentence_record(
            actor=request.user, crn=crn, episode_id=episode.pk, **data
        ),
        success="Sentence recorded",
    )


@require_http_methods(["GET", "POST"])
@login_required
def release(request, crn, episode_id):
    episode, plan = _episode(request, crn, episode_id)
    return _form_page(
        request,
        episode,
        plan,
        template="resettlement/release_form.html",
        may=custody.is_prison_staff(request.user, episode.prison) and episode.open,
        refusal="Only staff of the prison holding the person record a release.",
        form=ReleaseForm(_data(request)),
        call=lambda data: custody.release_record(
            actor=request.user, crn=crn, episode_id=episode.pk, **data
        ),
        success="Release recorded",
    )


def _part1_initial(screening) -> dict:
    names = ("immediate_needs", "other_needs", *plans.PART1_FLAGS)
    initial = {name: getattr(screening, name) for name in names}
    initial["complete"] = screening.part1_completed_at is not None
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def screening_part1(request, crn, episode_id):
    episode, plan = _episode(request, crn, episode_id)
    screening = episode.screening
    return _form_page(
        request,
        episode,
        plan,
        template="resettlement/screening_part1.html",
        may=plans.may_record_part1(request.user, episode),
        refusal="Only staff of the prison holding the person record part 1 of the screening.",
        form=Part1Form(_data(request), initial=_part1_initial(screening)),
        call=lambda data: plans.part1_record(request.user, crn, episode.pk, **data),
        success="Part 1 of the screening saved",
    )


@require_http_methods(["GET", "POST"])
@login_required
def screening_part2(request, crn, episode_id):
    episode, plan = _episode(request, crn, episode_id)
    screening = episode.screening
    initial = {
        "assessment": screening.assessment,
        "complete": screening.part2_completed_at is not None,
    }
    may = plans.is_writer_staff(request.user, episode) and episode.open
    return _form_page(
        request,
        episode,
        plan,
        template="resettlement/screening_part2.html",
        may=may,
        refusal="Only the plan writer's resettlement staff record part 2 of the screening.",
        form=Part2Form(_data(request), initial=initial),
        call=lambda data: plans.part2_record(request.user, crn, episode.pk, **data),
        success="Part 2 of the screening saved",
    )


# --- The plan page: needs, completion and sharing ----------------------------------------------


def _owners(episode):
    seen, owners = set(), []
    for organisation in (
        episode.plan_writer,
        episode.accommodation_employment_by,
        episode.share_with,
        episode.pre_release_lead,
        episode.home_crc,
        episode.allocated_to,
    ):
        if organisation is not None and organisation.pk not in seen:
            seen.add(organisation.pk)
            owners.append(organisation)
    return owners


def _needs_form(request, episode, plan, needs, data):
    """The needs form this user may use now, or None."""
    if plans.may_edit_needs(request.user, episode, plan):
        return NeedsForm(data, needs=needs, owners=_owners(episode))
    if plan.state in plans.COMPLETED_STATES:
        kinds = [n.kind for n in needs if plans.may_update_need_status(request.user, plan, n)]
        if kinds:
            return NeedsForm(data, needs=needs, owners=(), full=False, kinds=kinds)
    return None


@require_http_methods(["GET", "POST"])
@login_required
def plan(request, crn, episode_id):
    """The resettlement plan: its needs (editable by the writer while it is written; their
    status by the writer or each need's owner afterwards), completion and sharing."""
    episode, plan_ = _episode(request, crn, episode_id)
    posted = request.POST.get("form") if request.method == "POST" else None
    needs = list(PlanNeed.objects.filter(plan=plan_).select_related("owner").order_by("pk"))
    actions = _actions(request.user, episode, plan_)
    needs_form = _needs_form(request, episode, plan_, needs, None)
    share_form = None
    complete_form = CompleteForm(initial={"summary": plan_.summary})
    if posted == "needs":
        needs_form = _needs_form(request, episode, plan_, needs, request.POST)
        if needs_form is None:
            raise PermissionDenied("You cannot change this plan's needs now.")
        if needs_form.is_valid():
            try:
                plans.needs_update(request.user, crn, episode.pk, needs=needs_form.items())
            except ValidationError as error:
                needs_form.add_service_errors(error)
            else:
                messages.success(request, "Needs saved")
                return redirect("resettlement:plan", crn=crn, episode_id=episode.pk)
    elif posted == "complete":
        if not plans.is_writer_staff(request.user, episode):
            raise PermissionDenied("Only the plan writer's resettlement staff complete the plan.")
        complete_form = CompleteForm(request.POST)
        if complete_form.is_valid():
            try:
                plans.plan_complete(request.user, crn, episode.pk, **complete_form.cleaned_data)
            except ValidationError as error:
                complete_form.add_service_errors(error)
            else:
                messages.success(request, "Resettlement plan completed")
                return redirect("resettlement:plan", crn=crn, episode_id=episode.pk)
    elif posted == "share":
        if not (
            access.acts_for(request.user, plan_.writer_id, RESETTLEMENT_ROLES)
            or plans.is_writer_staff(request.user, episode)
        ):
            raise PermissionDenied(
                "Only the resettlement staff of the CRC that wrote the plan share it."
            )
        share_form = GovukForm({"form": "share"})
        share_form.is_valid()
        try:
            plans.plan_share(request.user, crn, episode.pk)
        except ValidationError as error:
            share_form.add_error(None, error.messages)
        else:
            messages.success(request, "Resettlement plan shared")
            return redirect("resettlement:plan", crn=crn, episode_id=episode.pk)
    elif request.method == "POST":
        raise PermissionDenied("Choose what to do on the plan.")
    return render(
        request,
        "resettlement/plan.html",
        {
            "person": episode.person,
            "episode": episode,
            "plan": plan_,
            "screening": episode.screening,
            "needs": needs,
            "needs_form": needs_form,
            "complete_form": complete_form if actions["may_complete"] or posted else None,
            "share_form": share_form,
            "history": history(RESETTLEMENT_PLAN, plan_),
            **actions,
        },
    )
