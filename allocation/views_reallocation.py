"""Pages for cases allocated in error (DOMAIN.md 4 "Errors"): flagging a case, the NPS
decision on a flag, and the division's open flags. The rules live in
``allocation.reallocation``; these views only turn forms into its calls."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from allocation import reallocation, selectors
from allocation.models import ReallocationRequest, ReallocationStatus
from probation import access, audit
from probation.forms_govuk import GovukForm
from probation.models import Organisation, OrganisationKind, Sentence, Team
from probation.models.organisations import NPS_CODE
from probation.pagination import page_context


def _provider_choices():
    return [(o.code, o.name) for o in reallocation.providers()]


class FlagForm(GovukForm):
    reason = forms.CharField(
        label="Why was the case allocated in error?",
        max_length=4000,
        help_text="For example, the RoSH was high at the outset, or the home address is in "
        "another Contract Package Area",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    proposed_organisation = forms.ChoiceField(
        label="Where does the case belong? (optional)", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_organisation"].choices = [("", "Not sure"), *_provider_choices()]
        self.fields["reason"].error_messages["required"] = (
            "Enter why the case was allocated in error"
        )


@require_http_methods(["GET", "POST"])
@login_required
def flag(request, crn, number):
    """Flag one sentence's allocation as in error, with the reason."""
    person = access.person_for_view(request.user, crn)
    sentence = get_object_or_404(Sentence, person=person, number=number)
    sentence.person = person
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=sentence)
    if not reallocation.may_flag(request.user, person):
        raise PermissionDenied(
            "Only the provider responsible for the case, or the NPS division, can flag it."
        )
    current = selectors.current_decision(sentence)
    waiting = (
        ReallocationRequest.objects.filter(sentence=sentence, status=ReallocationStatus.OPEN)
        .select_related("raised_by_organisation")
        .first()
    )
    form = FlagForm(request.POST or None) if current and not waiting else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            reallocation.reallocation_flag(
                actor=request.user,
                crn=crn,
                number=number,
                reason=form.cleaned_data["reason"],
                proposed_organisation=form.cleaned_data["proposed_organisation"] or None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"Sentence {sentence.reference} flagged as allocated in error: the NPS "
                "allocation officers have been told",
            )
            return redirect("allocation:allocate", crn=crn, number=number)
    return render(
        request,
        "allocation/reallocation_flag.html",
        {
            "person": person,
            "sentence": sentence,
            "current": current,
            "waiting": waiting,
            "form": form,
        },
    )


class DecideForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[("accept", "Reallocate the case"), ("reject", "The allocation stands")],
        widget=forms.RadioSelect,
    )
    provider = forms.ChoiceField(label="Who will manage the case", required=False)
    team = forms.TypedChoiceField(
        label="Team",
        coerce=int,
        required=False,
        help_text="Teams of the NPS division and of the provider chosen; choose another CRC, "
        "then Show its teams",
    )
    judgement = forms.CharField(
        label="Why the case moves",
        required=False,
        help_text="Your judgement, recorded with the new decision",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = forms.CharField(
        label="Why the allocation stands",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    # The services' field names, as this form names them.
    SERVICE_FIELDS = {"decision": "provider", "crc_code": "provider"}

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider"), *_provider_choices()]
        self.fields["outcome"].error_messages["required"] = (
            "Select whether the case moves or the allocation stands"
        )
        self.fields["team"].choices = [("", "Choose a team")] + [
            (team.pk, f"{team.name} ({team.organisation.name})") for team in teams
        ]
        self.fields["team"].error_messages["invalid_choice"] = (
            "Choose a team of the provider you chose (Show its teams first)"
        )
        self.teams = {team.pk: team for team in teams}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        provider = data.get("provider") or ""
        accept = data["outcome"] == "accept"
        return {
            "accept": accept,
            "decision": ("NPS" if provider == NPS_CODE else "CRC") if provider else None,
            "crc_code": provider if provider and provider != NPS_CODE else None,
            "team": self.teams.get(data.get("team")),
            "judgement": data.get("judgement", "") if accept else "",
            "reason": data.get("reason", ""),
        }

    def add_service_errors(self, error):
        if hasattr(error, "error_dict"):
            renamed = {}
            for name, errors in error.message_dict.items():
                renamed.setdefault(self.SERVICE_FIELDS.get(name, name), []).extend(errors)
            error = ValidationError(renamed)
        super().add_service_errors(error)


def _teams(person, provider_code: str) -> list[Team]:
    """The person's NPS division's teams and, for a CRC, that CRC's."""
    organisations = [person.ldu.division_id]
    crc = (
        Organisation.objects.filter(code=provider_code, kind=OrganisationKind.CRC).first()
        if provider_code and provider_code != NPS_CODE
        else None
    )
    if crc is not None:
        organisations.append(crc.pk)
    return list(
        Team.objects.filter(organisation_id__in=organisations)
        .select_related("organisation")
        .order_by("organisation__kind", "organisation__code", "name")
    )


@require_http_methods(["GET", "POST"])
@login_required
def decide(request, crn, number, request_id):
    """One flagged case: the request and the decision in error for anyone who may see the
    case; for an NPS allocation officer of the person's division, the decision."""
    flagged = reallocation.request_of(request.user, crn, number, request_id)
    person = flagged.person
    may_decide = flagged.status == ReallocationStatus.OPEN and reallocation.may_decide(
        request.user, person
    )
    if request.method == "POST" and not reallocation.may_decide(request.user, person):
        raise PermissionDenied(
            "Only an NPS allocation officer of the person's division decides on this case."
        )
    form = None
    if may_decide or request.method == "POST":
        proposed = flagged.proposed_organisation.code if flagged.proposed_organisation else ""
        chosen = request.POST.get("provider", proposed) if request.method == "POST" else proposed
        teams = _teams(person, chosen)
        if request.method == "POST" and request.POST.get("action") == "teams":
            # Only the team list changes; nothing is decided, so no errors are shown.
            form = DecideForm(initial=request.POST.dict(), teams=teams)
        elif request.method == "POST":
            form = DecideForm(request.POST, teams=teams)
            if form.is_valid():
                try:
                    decided = reallocation.reallocation_decide(
                        actor=request.user,
                        request_id=request_id,
                        crn=crn,
                        **form.service_kwargs(),
                    )
                except ValidationError as error:
                    form.add_service_errors(error)
                else:
                    if decided.status == ReallocationStatus.ACCEPTED:
                        messages.success(
                            request,
                            f"Sentence {flagged.sentence.reference} reallocated to "
                            f"{decided.result.organisation.name}",
                        )
                    else:
                        messages.success(
                            request, f"The allocation of {flagged.sentence.reference} stands"
                        )
                    return redirect("allocation:allocate", crn=crn, number=number)
        else:
            form = DecideForm(initial={"provider": proposed}, teams=teams)
    if request.method == "GET":
        audit.record_view(actor=request.user, instance=flagged)
    return render(
        request,
        "allocation/reallocation_decide.html",
        {
            "person": person,
            "sentence": flagged.sentence,
            "flagged": flagged,
            "current": selectors.current_decision(flagged.sentence),
            "form": form,
            "may_decide": may_decide,
        },
    )


@require_GET
@login_required
def open_list(request):
    """The open flags of the user's division (of the cases they may see), oldest first."""
    context = page_context(request, reallocation.open_requests(user=request.user))
    for flagged in context["page_obj"]:
        flagged.may_decide = reallocation.may_decide(request.user, flagged.person)
    return render(request, "allocation/reallocations.html", context)
