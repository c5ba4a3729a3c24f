"""The demo seeds enforcement work through the services, so each queue shows something."""

import pytest
from django.core.management import call_command

from enforcement.models import (
    BreachReferral,
    Failure,
    Intelligence,
    RecallRequest,
    RiskEscalation,
)
from probation.models import CaseDocument, User

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_work_for_every_enforcement_queue():
    call_command("seed_demo", "--offenders", "400", "--seed", "1", verbosity=0)
    officer = User.objects.get(username="crc.om.11")
    assert Failure.objects.filter(state="AWAITING_DECISION", recorded_by=officer).count() == 1
    warned = Failure.objects.get(state="WARNED")
    referral = BreachReferral.objects.get(state="AWAITING_EO")
    assert referral.failure.sentence_id == warned.sentence_id
    assert referral.division.code == "NPS-WAL"
    assert RiskEscalation.objects.get().immediate_risk
    assert Intelligence.objects.get().state == "AWAITING_ACKNOWLEDGEMENT"
    assert RecallRequest.objects.get().state == "AWAITING_PPCS"
    kinds = set(CaseDocument.objects.values_list("kind", flat=True))
    assert kinds == {"WARNING_LETTER", "PRE_BREACH_PACK", "RECALL_REQUEST"}
