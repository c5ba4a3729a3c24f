"""A stored document of a case, as issued, ready to print (``probation.documents``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from probation import audit, documents


@require_GET
@login_required
def document_detail(request, crn, document_id):
    document = documents.document_of(request.user, crn, document_id)
    audit.record_view(actor=request.user, instance=document)
    return render(
        request, "probation/document.html", {"document": document, "person": document.person}
    )
