"""Pages of prisons, their designation and NOMS's exceptions queue (DOMAIN.md 7; TOM 2.2).

The prison list and each prison's designation history are reference data every vetted
member of staff reads; NOMS contract managers (``designations.may_designate``) add prisons,
record designations and import them from CSV, and work the exceptions queue of prisoners
nobody can write a plan for. The rules live in ``resettlement.designations``,
``resettlement.imports`` and ``resettlement.exceptions``; these views turn forms into their
calls.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from probation import access, audit, clock
from probation.calendar import business_days_between
from probation.models import Organisation, OrganisationKind
from probation.pagination import page_context
from resettlement import custody, designations, imports
from resettlement import exceptions as noms_exceptions
from resettlement.forms_prisons import (
    DesignationForm,
    HomeAreaForm,
    ImportForm,
    PrisonFilterForm,
    PrisonForm,
)
from resettlement.models import Designation, DesignationCrc, DesignationRole, Prison


def _vetted(request) -> None:
    if not access.vetting_of(request.user).current:
        raise PermissionDenied("Only vetted staff read the prisons' designation.")


def _your_prisons(user, today):
    """The ids of the prisons the user works with, as a subquery (None for none): the
    prison a member of prison staff belongs to; for CRC staff, the prisons where their CRC
    is host: lead provider or a host CRC today."""
    organisation = user.organisation
    if organisation is None:
        return None
    if organisation.kind == OrganisationKind.PRISON:
        return Prison.objects.filter(organisation_id=organisation.pk).values("pk")
    if organisation.kind == OrganisationKind.CRC:
        return DesignationCrc.objects.filter(
            crc_id=organisation.pk,
            role__in=(DesignationRole.LEAD, DesignationRole.HOST),
            designation__in=Designation.objects.filter(designations.in_force(today)),
        ).values("designation__prison_id")
    return None


def _row(prison: Prison) -> dict:
    current = prison.current[0] if prison.current else None
    rows = list(current.crcs.all()) if current else []
    return {
        "prison": prison,
        "designation": current,
        "lead": next((r.crc for r in rows if r.role == DesignationRole.LEAD), None),
        "hosts": [r.crc for r in rows if r.role == DesignationRole.HOST],
        "designated": [r.crc for r in rows],
    }


@require_GET
@login_required
def prison_list(request):
    """Every prison with the designation in force today; the user's own prisons first."""
    _vetted(request)
    today = clock.today()
    form = PrisonFilterForm(request.GET or None)
    prisons = Prison.objects.select_related("ldu").prefetch_related(
        Prefetch("designations", queryset=designations.designations_on(today), to_attr="current")
    )
    if form.is_bound and form.is_valid():
        if form.cleaned_data["cpa"]:
            prisons = prisons.filter(
                pk__in=Designation.objects.filter(
                    designations.in_force(today), crcs__crc__code=form.cleaned_data["cpa"]
                ).values("prison_id")
            )
        if form.cleaned_data["kind"]:
            prisons = prisons.filter(kind=form.cleaned_data["kind"])
    ids = _your_prisons(request.user, today)
    yours = (
        Case(When(pk__in=ids, then=Value(1)), default=Value(0), output_field=IntegerField())
        if ids is not None
        else Value(0, output_field=IntegerField())
    )
    prisons = prisons.annotate(yours=yours).order_by("-yours", "name")
    context = page_context(request, prisons, size=200)
    page = context["page_obj"]
    page.object_list = [_row(p) for p in page.object_list]
    return render(
        request,
        "resettlement/prison_list.html",
        {
            "form": form,
            "today": today,
            "may_designate": designations.may_designate(request.user),
            "has_yours": any(r["prison"].yours for r in page.object_list),
            **context,
        },
    )


def _posted(request):
    """The form's data: bound on every POST, even an empty one, so it shows its errors."""
    return request.POST if request.method == "POST" else None


def _designator_only(request) -> bool:
    may = designations.may_designate(request.user)
    if request.method == "POST" and not may:
        raise PermissionDenied("Only NOMS contract managers manage prisons and designations.")
    return may


@require_http_methods(["GET", "POST"])
@login_required
def prison_create(request):
    """NOMS add a prison (then designate it on its designation page)."""
    form = PrisonForm(_posted(request)) if _designator_only(request) else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ldu = Organisation.objects.ldus().filter(code=data["ldu"]).first()
        try:
            prison = designations.prison_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                contracted=data["contracted"] == "contracted",
                ldu=ldu,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{prison.name} added: now record its designation")
            return redirect("resettlement:designation", prison_code=prison.code)
    return render(request, "resettlement/prison_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def designation_import(request):
    """NOMS upload a CSV of prisons and designations: all rows or none."""
    may = _designator_only(request)
    form = ImportForm(_posted(request), request.FILES or None) if may else None
    report = None
    if request.method == "POST" and form.is_valid():
        report = imports.import_designations(
            form.cleaned_data["file"],
            actor=request.user,
            source=getattr(request.FILES.get("file"), "name", "upload")[:150],
        )
        if report.ok:
            messages.success(
                request,
                f"Imported: {report.prisons_created} prison(s) created, "
                f"{report.designations_recorded} designation(s) recorded",
            )
    return render(
        request,
        "resettlement/designation_import.html",
        {"form": form, "report": report, "columns": imports.COLUMNS},
    )


@require_http_methods(["GET", "POST"])
@login_required
def designation(request, prison_code):
    """A prison's designation history; NOMS record a new designation from a date."""
    _vetted(request)
    prison = Prison.objects.select_related("ldu").filter(code=prison_code).first()
    if prison is None:
        raise Http404("No prison with that code.")
    limit = designations.host_limit(prison.kind)
    may = _designator_only(request)
    form = DesignationForm(_posted(request), limit=limit) if may else None
    if request.method == "POST" and form.is_valid():
        try:
            designations.designate(
                actor=request.user, prison=prison, source="Designation page", **form.arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Designation of {prison.name} recorded")
            return redirect("resettlement:designation", prison_code=prison.code)
    history = [
        {**_row_of(d), "designation": d}
        for d in prison.designations.select_related("recorded_by").prefetch_related(
            Prefetch("crcs", queryset=DesignationCrc.objects.select_related("crc"))
        )
    ]
    return render(
        request,
        "resettlement/designation.html",
        {
            "prison": prison,
            "history": history,
            "current": designations.designation_facts(prison, clock.today()),
            "form": form,
            "limit": limit,
        },
    )


def _row_of(designation: Designation) -> dict:
    rows = list(designation.crcs.all())
    return {
        "lead": next((r.crc for r in rows if r.role == DesignationRole.LEAD), None),
        "hosts": [r.crc for r in rows if r.role == DesignationRole.HOST],
        "designated": [r.crc for r in rows if r.role == DesignationRole.DESIGNATED],
    }


@require_GET
@login_required
def exceptions(request):
    """Plans nobody can write (NOMS contract managers), oldest first."""
    if not noms_exceptions.may_resolve(request.user):
        raise PermissionDenied("Only NOMS contract managers work the resettlement exceptions.")
    today = clock.today()
    context = page_context(request, noms_exceptions.exception_plans())
    page = context["page_obj"]
    page.object_list = [
        {
            "plan": plan,
            "episode": plan.episode,
            "days_waiting": (today - plan.episode.received_on).days,
            "business_days_waiting": business_days_between(plan.episode.received_on, today),
        }
        for plan in page.object_list
    ]
    return render(request, "resettlement/exceptions.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def home_area(request, crn, episode_id):
    """Record the CRC of the prisoner's home area (NOMS), which gives the plan a writer.
    Anyone who may see the person reads the page; only NOMS has the form."""
    episode = custody.episode_of(request.user, crn, episode_id)
    may = noms_exceptions.may_resolve(request.user)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=episode.person)
    elif not may:
        raise PermissionDenied("Only NOMS contract managers record a prisoner's home area here.")
    initial = {"home_crc_code": episode.home_crc.code} if episode.home_crc_id else None
    form = HomeAreaForm(_posted(request), initial=initial) if may and episode.open else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            noms_exceptions.home_crc_record(
                request.user, crn, episode_id, form.cleaned_data["home_crc_code"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Home area recorded: the plan has gone to its writer")
            return redirect("resettlement:exceptions")
    return render(
        request,
        "resettlement/home_area.html",
        {"episode": episode, "person": episode.person, "form": form, "may_resolve": may},
    )
