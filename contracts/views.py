"""Pages of contracts, the ledger and payment runs (issue 8 parts 1, 7 and 8; DOMAIN.md 9).

- NOMS contract managers (``access.may_manage_contracts``) see every contract, add and
  change them, reverse ledger lines and pay months.
- A CRC's managers and finance officers read their own CRC's contracts and ledger; another
  CRC's contract answers 404 exactly like a missing one (``access.contract_for_view``), and
  the payment runs are not theirs to see (404).
- The ledger goes from a pound to a person: a month's lines, one line and what it counted,
  with people by CRN and sentence reference, named only where the reader may see them.

Reads are in ``contracts.selectors``, CSV in ``contracts.exports``, forms and saving in
``contracts.forms``; the run itself in ``contracts.payments`` and the ledger's one
correction in ``contracts.ledger.reverse``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts import exports, payments, periods, rules, selectors
from contracts import ledger as ledger_book
from contracts.forms import ContractEditor, PayMonthForm, ReverseForm
from contracts.models import PaymentRun, RunTrigger, StartType
from probation import access
from probation.pagination import page_context

EVIDENCE_PAGE_SIZE = 50


def _manager_only(request) -> None:
    if not access.may_manage_contracts(request.user):
        raise PermissionDenied("Only NOMS contract managers change contracts and the ledger.")


def _runs_hidden_unless_manager(request) -> None:
    """Payment runs cover every CRC: for anyone but NOMS they do not exist."""
    if not access.may_manage_contracts(request.user):
        raise Http404("No such page.")


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


# --- Contracts ------------------------------------------------------------------------------


@require_GET
@login_required
def contract_list(request):
    """The contracts the user may see, grouped by CRC, with what each has paid so far."""
    contracts = list(selectors.contract_list(request.user))
    groups: list[dict] = []
    for contract in contracts:
        if not groups or groups[-1]["crc"].pk != contract.crc_id:
            groups.append({"crc": contract.crc, "contracts": []})
        groups[-1]["contracts"].append(contract)
    return render(
        request,
        "contracts/contract_list.html",
        {"groups": groups, "may_manage": access.may_manage_contracts(request.user)},
    )


def _edit(request, contract=None):
    editor = ContractEditor(request.POST if request.method == "POST" else None, contract=contract)
    if request.method == "POST" and editor.is_valid():
        saved = editor.save(actor=request.user)
        if saved is not None:
            messages.success(request, f"{saved.crc.name} contract year {saved.year} saved")
            return redirect("contracts:contract", contract_id=saved.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "editor": editor,
            "form": editor.form,
            "errors": editor.errors() if editor.is_bound else [],
            "contract": contract,
            "start_types": list(StartType),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def contract_create(request):
    _manager_only(request)
    return _edit(request)


@require_http_methods(["GET", "POST"])
@login_required
def contract_change(request, contract_id):
    contract = selectors.contract_for_page(request.user, contract_id)
    _manager_only(request)
    return _edit(request, contract)


@require_GET
@login_required
def contract_detail(request, contract_id):
    contract = selectors.contract_for_page(request.user, contract_id)
    months = selectors.ledger_by_month(contract)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "months": months,
            "totals": selectors.ledger_totals(months),
            "columns": selectors.SUMMARY_COLUMNS,
            "weights": [(t.label, contract.wav_weights.get(t.value, "–")) for t in StartType],
            "instalments": rules.monthly_instalments(contract.ffs_bid),
            "history": selectors.contract_history(contract),
            "may_manage": access.may_manage_contracts(request.user),
        },
    )


# --- The ledger -----------------------------------------------------------------------------


@require_GET
@login_required
def ledger(request, contract_id):
    """A contract's ledger: every month with lines, with its totals by kind."""
    contract = selectors.contract_for_page(request.user, contract_id)
    months = selectors.ledger_by_month(contract)
    return render(
        request,
        "contracts/ledger.html",
        {
            "contract": contract,
            "months": months,
            "totals": selectors.ledger_totals(months),
            "columns": selectors.SUMMARY_COLUMNS,
        },
    )


def _month(text: str):
    try:
        return periods.parse_month(text)
    except ValueError:
        raise Http404("Not a month (YYYY-MM).") from None


@require_GET
@login_required
def ledger_month(request, contract_id, month):
    """A month's lines of a contract, with totals by payer; ``?format=csv`` downloads them."""
    contract = selectors.contract_for_page(request.user, contract_id)
    day = _month(month)
    lines = list(selectors.month_lines(contract, day))
    if _wants_csv(request):
        return exports.month_csv(contract, day, lines)
    return render(
        request,
        "contracts/ledger_month.html",
        {
            "contract": contract,
            "month": day,
            "label": periods.month_label(day),
            "lines": lines,
            "payers": selectors.totals_by_payer(lines),
            "total": sum((line.amount for line in lines), rules.ZERO),
        },
    )


def _weigher(contract, entry):
    """A WAV start's weight under the weights the reconciliation used (its line's detail),
    by ``contracts.rules.start_weight``."""
    source = entry.reverses or entry
    weights = source.detail.get("weights") or contract.wav_weights
    bands = rules.bands_of(source.detail.get("upw_bands") or contract.upw_bands)

    def weigh(start):
        try:
            return rules.start_weight(weights, bands, start.start_type, start.upw_hours)
        except ValueError:
            return None

    return weigh


@require_GET
@login_required
def ledger_line(request, contract_id, entry_id):
    """One line and what it counted, a page at a time; ``?format=csv`` downloads it all."""
    contract = selectors.contract_for_page(request.user, contract_id)
    entry = selectors.entry_for_view(request.user, contract, entry_id)
    found = selectors.evidence(request.user, entry)
    weigh = _weigher(contract, entry) if found and found.key == "starts" else None
    if _wants_csv(request):
        if found is None:
            raise Http404("This line counted nobody.")
        return exports.line_csv(contract, entry, found, weigh)
    context = {}
    if found is not None:
        context = page_context(request, found.rows, size=EVIDENCE_PAGE_SIZE)
        if weigh:
            for start in context["page_obj"].object_list:
                start.weight = weigh(start)
    return render(
        request,
        "contracts/ledger_line.html",
        {
            "contract": contract,
            "entry": entry,
            "reversal": getattr(entry, "reversed_by", None),
            "evidence": found,
            "detail": sorted(entry.detail.items()) if isinstance(entry.detail, dict) else [],
            "may_manage": access.may_manage_contracts(request.user),
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def ledger_reverse(request, contract_id, entry_id):
    """NOMS reverse a standing line with a reason (``contracts.ledger.reverse``)."""
    contract = selectors.contract_for_page(request.user, contract_id)
    entry = selectors.entry_for_view(request.user, contract, entry_id)
    _manager_only(request)
    form = ReverseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = ledger_book.reverse(
                entry, reason=form.cleaned_data["reason"], user=request.user
            )
        except (ledger_book.AlreadyReversed, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Line reversed: the month's next run writes it again")
            return redirect("contracts:ledger-line", contract_id=contract.pk, entry_id=reversal.pk)
    return render(
        request,
        "contracts/ledger_reverse.html",
        {"contract": contract, "entry": entry, "form": form},
    )


# --- Payment runs ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def run_list(request):
    """Every run with its progress, and the button that pays a month."""
    _runs_hidden_unless_manager(request)
    form = PayMonthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            run = payments.start_run(
                form.cleaned_data["month"], trigger=RunTrigger.BUTTON, user=request.user
            )
        except payments.MonthNotOver as error:
            form.add_error("month", str(error))
        else:
            messages.success(request, f"Payment run for {run.month:%B %Y} started")
            return redirect("contracts:run", run_id=run.pk)
    context = page_context(request, selectors.run_list())
    return render(request, "contracts/run_list.html", {"form": form, **context})


def _run(request, run_id) -> PaymentRun:
    _runs_hidden_unless_manager(request)
    run = PaymentRun.objects.select_related("requested_by").filter(pk=run_id).first()
    if run is None:
        raise Http404("No payment run found.")
    return run


@require_GET
@login_required
def run_detail(request, run_id):
    """A run's progress per CPA and NPS division; the page refreshes itself until done."""
    run = _run(request, run_id)
    parts = selectors.run_parts(run)
    unfinished = [p for p in parts if p.status in selectors.UNFINISHED]
    failed = [p for p in parts if p.status == "FAILED"]
    return render(
        request,
        "contracts/run_detail.html",
        {
            "run": run,
            "parts": parts,
            "unfinished": unfinished,
            "failed": failed,
            "done": sum(1 for p in parts if p.status == "DONE"),
            "lines": sum(p.lines_written for p in parts),
        },
    )


@require_POST
@login_required
def run_resume(request, run_id):
    """Start again every part not done (a worker died, a part failed): safe to repeat."""
    run = _run(request, run_id)
    # After the request's writes, and a failing part never answers the button with a 500:
    # the part records its error on the run's page.
    transaction.on_commit(lambda: payments.dispatch(run), robust=True)
    messages.success(request, "Unfinished parts started again")
    return redirect("contracts:run", run_id=run.pk)
