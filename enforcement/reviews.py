"""Risk reviews set at allocation (DOMAIN.md 4: "for borderline medium/high cases, a date by
which the CRC must refer the case back for a risk review"): when the NPS allocates a case to
a CRC with a review-by date, a ``RiskReview`` waits on that CRC until the date (the table
``enforcement.workflows.RISK_REVIEW`` takes its deadline from ``review_by``). The CRC
answers it with a risk escalation referral (``enforcement.escalations.escalation_raise``,
which marks it referred); a case the NPS takes on a referral has its open reviews cancelled.
The CRC's needs-action list and the deadline jobs read these records; overdue ones are
those past ``due_by``.
"""

from allocation.models import AllocationDecision
from enforcement.models import ReviewState, RiskReview
from enforcement.workflows import RISK_REVIEW
from probation import access
from probation.models import User


def review_open_for_allocation(*, actor: User, allocation: AllocationDecision) -> RiskReview | None:
    """Open the review an allocation to a CRC set (``review_by``), in the allocation's
    transaction; nothing for a decision without a date or to the NPS, which keeps the case
    and needs no referral back."""
    if allocation.review_by is None or not allocation.organisation.is_crc:
        return None
    review = RiskReview(
        person=allocation.person,
        allocation=allocation,
        provider=allocation.organisation,
        review_by=allocation.review_by,
        triggers=allocation.review_triggers,
    )
    return RISK_REVIEW.open(review, state=ReviewState.OPEN, actor=actor)


def review_of(user: User, crn: str, review_id: int) -> RiskReview:
    """A review of a person the user may see, found under that person only; 404 otherwise."""
    review = access.record_of(
        user,
        crn,
        RiskReview.objects.select_related("provider", "allocation__decided_by"),
        review_id,
        missing="No risk review found for this person.",
    )
    return review
