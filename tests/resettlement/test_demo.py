"""The demo's prisons and custody work (``resettlement.demo``, run by ``seed_demo``)."""

import datetime

import pytest
from django.db import transaction

from probation import demo as probation_demo
from probation.models import Organisation
from resettlement import demo, designations
from resettlement.models import CustodyEpisode, PlanState, Prison, PrisonKind, ResettlementPlan

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def test_every_cpa_has_a_resettlement_prison_its_crc_leads():
    demo.seed_prisons()
    leads = {
        designations.designation_facts(p, TODAY).host_lead_provider for p in Prison.objects.all()
    }
    assert {c.code for c in Organisation.objects.crcs()} <= leads
    assert Prison.objects.count() == len(demo.PRISONS)


def test_codes_are_real_style_and_unique_and_ldus_lie_in_the_lead_cpa_or_near():
    codes = [p.code for p in demo.PRISONS]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in codes)
    demo.seed_prisons()
    assert Prison.objects.get(code="CFI").ldu.code == "LDU1105"
    for made in demo.PRISONS:  # every named LDU exists (no fallback used)
        assert Organisation.objects.ldus().filter(code=made.ldu).exists(), made.code


def test_the_kinds_are_all_there_and_every_designation_validates():
    demo.seed_prisons()
    crc_codes = {c.code for c in Organisation.objects.crcs()}
    facts = {p.code: (p, designations.designation_facts(p, TODAY)) for p in Prison.objects.all()}
    kinds = {p.kind for p, _ in facts.values()}
    assert kinds == set(PrisonKind.values)
    shared_male = [
        c for c, (p, f) in facts.items() if p.kind == PrisonKind.MALE_LOCAL and f.host_crcs
    ]
    assert shared_male
    assert any(len(f.host_crcs) == 3 for p, f in facts.values() if p.kind == PrisonKind.WOMEN)
    assert any(f.host_crcs for p, f in facts.values() if p.kind == PrisonKind.YOUNG_ADULT)
    assert {"LLI", "FKI", "WDI", "FSI", "WMI"} <= {
        c for c, (_, f) in facts.items() if not f.resettlement
    }
    for prison, fact in facts.values():
        errors = designations.validate(
            prison=prison,
            resettlement=fact.resettlement,
            host_lead_provider=fact.host_lead_provider,
            host_crcs=list(fact.host_crcs),
            designated_to=[
                c
                for c in fact.designated_to
                if c not in fact.host_crcs and c != fact.host_lead_provider
            ],
            crc_codes=crc_codes,
        )
        assert errors == {}, prison.code
    assert Prison.objects.get(code="EYI").designations.count() == 2


def test_seeding_prisons_twice_changes_nothing():
    assert demo.seed_prisons() == len(demo.PRISONS)
    count = Prison.objects.count(), Prison.objects.get(code="EYI").designations.count()
    assert demo.seed_prisons() == 0
    assert (Prison.objects.count(), Prison.objects.get(code="EYI").designations.count()) == count


def _episodes():
    return sorted(
        CustodyEpisode.objects.values_list(
            "person__first_name",
            "person__last_name",
            "person__date_of_birth",
            "prison__code",
            "reception_prison__code",
            "status",
            "received_on",
            "released_on",
        )
    )


def test_the_demo_seeds_receptions_moves_releases_and_exceptions_reproducibly():
    runs = []
    for _ in range(2):
        with transaction.atomic():
            probation_demo.seed(offenders=800, seed=5, today=TODAY)
            runs.append(_episodes())
            statuses = {row[5] for row in runs[-1]}
            moved = [row for row in runs[-1] if row[3] != row[4]]
            released = [row for row in runs[-1] if row[7]]
            exceptions = ResettlementPlan.objects.filter(state=PlanState.EXCEPTION).count()
            cardiff = CustodyEpisode.objects.filter(prison__code="CFI").count()
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert len(runs[0]) >= 20
    assert statuses == {"REMAND", "RECALLED"}
    assert moved and released and exceptions >= 1 and cardiff >= 1
