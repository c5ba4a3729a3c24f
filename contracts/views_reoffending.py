"""The national reoffending data page (issue 8 part 5): NOMS contract managers upload the
proven reoffences CSV (``contracts.reoffending`` checks and imports it, all rows or none),
see the report of what it added, already held, could not match or rejected, and the list
of past imports. Nobody else sees the page: it answers 404, as for a page that is not there
(``probation.access.may_manage_contracts``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from contracts import reoffending
from probation import access
from probation.forms_govuk import GovukForm
from probation.pagination import page_context

MAX_UPLOAD_BYTES = 50_000_000  # a national quarter's proven reoffences fit well within this
UNMATCHED_SHOWN = 500  # rows listed on the page; the rest are counted


class ReoffendingUploadForm(GovukForm):
    file = forms.FileField(label="CSV file of proven reoffences")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_UPLOAD_BYTES // 1_000_000} MB: split it"
            )
        return upload


def _managers_only(request) -> None:
    if not access.may_manage_contracts(request.user):
        raise Http404("Page not found.")


@require_http_methods(["GET", "POST"])
@login_required
def imports(request):
    """Upload a file of proven reoffences; the report of the import; the past imports."""
    _managers_only(request)
    posted = request.method == "POST"
    form = ReoffendingUploadForm(request.POST if posted else None, request.FILES or None)
    report = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        report = reoffending.import_reoffences(
            upload.read(), filename=(upload.name or "upload.csv")[:150], user=request.user
        )
        if report.ok:
            messages.success(
                request,
                f"Imported {report.filename}: {report.added} reoffence(s) added, "
                f"{report.already_held} already held",
            )
    return render(
        request,
        "contracts/reoffending.html",
        {
            "form": form,
            "report": report,
            "unmatched_shown": report.unmatched[:UNMATCHED_SHOWN] if report else [],
            "columns": reoffending.COLUMNS,
            "earliest_date": reoffending.EARLIEST_DATE,
            "offence_code_max": reoffending.OFFENCE_CODE_MAX,
            **page_context(request, reoffending.past_imports()),
        },
    )
