"""Stub views: being built. Every view scopes through probation.access first."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from probation import access


def _stub(request, contract_id=None, **kwargs):
    if contract_id is not None:
        access.contract_for_view(request.user, contract_id)
    elif not access.may_manage_contracts(request.user):
        raise Http404
    return HttpResponse("Being built")


contract_list = contract_create = contract_detail = contract_change = login_required(_stub)
ledger = ledger_month = ledger_line = ledger_reverse = run_list = run_detail = contract_list
