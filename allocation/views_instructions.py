"""The printable first-appointment reporting instructions of an allocated sentence, addressed
to the person (DOMAIN.md 4; ``allocation.instructions``). Anyone who may see the case may
print it – usually the NPS court or allocation officer handing it over at court, or the
CRC sending it on. Opening it is a view of the case, audited like the allocation page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from allocation import instructions, selectors
from probation import access, audit
from probation.models import Sentence


@require_GET
@login_required
def reporting_instructions(request, crn, number):
    person = access.person_for_view(request.user, crn)
    sentence = get_object_or_404(Sentence, person=person, number=number)
    audit.record_view(actor=request.user, instance=sentence)
    decision = selectors.current_decision(sentence)
    return render(
        request,
        "allocation/reporting_instructions.html",
        {
            "person": person,
            "sentence": sentence,
            "within_business_days": settings.FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS,
            **instructions.instructions_context(sentence, decision),
        },
    )
