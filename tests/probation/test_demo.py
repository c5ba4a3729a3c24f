"""seed_demo: a realistic, reproducible population over every CRC and LDU."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import RequestFactory

from probation import demo
from probation.models import AuditEvent, Organisation, Person, User
from probation.roles import ROLES, roles_of
from probation.rules import normalise_pnc

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def _population():
    return list(
        Person.objects.order_by("id").values_list(
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "ldu__code",
            "responsible_provider__code",
            "pnc_number",
            "foreign_national",
        )
    )


def _delete_people():
    from allocation.models import AllocationDecision
    from enforcement.models import RiskEscalation
    from enforcement.workflows import WORKFLOWS
    from probation.models import CaseDocument
    from resettlement.models import CustodyEpisode

    # Workflow records and decisions protect the records they refer to: newest kinds first.
    RiskEscalation.objects.update(risk_review=None)
    for _, model in reversed(WORKFLOWS):
        model.objects.all().delete()
    CaseDocument.objects.all().delete()
    CustodyEpisode.objects.all().delete()  # an episode protects its custodial sentence
    AllocationDecision.objects.all().delete()  # immutable records protect their people
    Person.objects.all().delete()


def test_the_same_seed_gives_the_same_people():
    demo.seed(offenders=300, seed=7, today=TODAY)
    first = _population()
    _delete_people()
    demo.seed(offenders=300, seed=7, today=TODAY)
    assert _population() == first
    _delete_people()
    demo.seed(offenders=300, seed=8, today=TODAY)
    assert _population() != first


def test_population_is_spread_over_every_crc_and_ldu_and_is_plausible():
    counts = demo.seed(offenders=4000, seed=1, today=TODAY)
    assert counts["people"] == Person.objects.count() == 4000
    ldus = Organisation.objects.ldus().count()
    assert Person.objects.values("ldu").distinct().count() == ldus
    providers = set(Person.objects.values_list("responsible_provider__code", flat=True))
    assert providers == {"NPS"} | {f"CRC{n:02d}" for n in range(1, 22)}
    # Every CRC-managed person lives in that CRC's own CPA.
    assert (
        not Person.objects.filter(responsible_provider__kind="CRC")
        .exclude(responsible_provider=F("ldu__crc"))
        .exists()
    )
    women = Person.objects.filter(gender="F").count()
    assert 0.05 < women / 4000 < 0.2
    assert Person.objects.filter(foreign_national=True).exclude(nationality="British").exists()
    for pnc in Person.objects.exclude(pnc_number=None).values_list("pnc_number", flat=True)[:500]:
        assert normalise_pnc(pnc) == pnc
    ages = [
        (TODAY - dob).days / 365.25
        for dob in Person.objects.values_list("date_of_birth", flat=True)
    ]
    assert min(ages) >= 18 and max(ages) <= 81
    assert User.objects.filter(username__startswith="om.").count() == counts["staff"] > 0


def test_demo_users_sign_in_with_the_documented_password_one_per_role():
    demo.seed(offenders=10, seed=1, today=TODAY)
    request = RequestFactory().post("/sign-in/")
    roles = set()
    for demo_user in demo.DEMO_USERS:
        user = authenticate(request, username=demo_user.username, password=demo.DEMO_PASSWORD)
        assert user is not None, demo_user.username
        roles |= {role.code for role in roles_of(user)}
    assert roles == {role.code for role in ROLES}


def test_seed_demo_command_refuses_to_seed_twice_and_is_audited():
    call_command("seed_demo", "--offenders", "20", "--seed", "1", verbosity=0)
    assert AuditEvent.objects.filter(action="IMPORT").count() == 1
    with pytest.raises(CommandError, match="already exist"):
        call_command("seed_demo", "--offenders", "20", verbosity=0)
    call_command("seed_demo", "--offenders", "20", "--if-empty", verbosity=0)
    assert Person.objects.count() == 20
    call_command("seed_demo", "--offenders", "5", "--append", "--seed", "2", verbosity=0)
    assert Person.objects.count() == 25


def test_every_seeded_person_has_one_current_offender_manager_of_their_provider():
    from probation.models import OffenderManagerAssignment

    demo.seed(offenders=500, seed=3, today=TODAY)
    current = OffenderManagerAssignment.objects.filter(ended_at__isnull=True)
    assert current.count() == Person.objects.count() == 500
    assert not current.exclude(provider=F("person__responsible_provider")).exists()
    assert not current.exclude(team__ldu=F("person__ldu")).exists()
    assert not current.exclude(offender_manager__team=F("team")).exists()


# --- Case records (issue "Caseloads"): sentences, requirements, licences, plans, contacts ----


def test_seeded_people_have_realistic_case_records():
    from django.db.models import Count, Q

    from probation.models import (
        Contact,
        Licence,
        LicenceCondition,
        Management,
        PlanVersion,
        PssRequirement,
        Requirement,
        Sentence,
    )

    demo.seed(offenders=3000, seed=5, today=TODAY)
    sentences = Sentence.objects.all()
    per_person = Person.objects.annotate(
        n=Count("sentences"),
        managed=Count("sentences", filter=Q(sentences__management=Management.MANAGED)),
    )
    assert not per_person.filter(n=0).exists()
    assert not per_person.filter(n__gt=2).exists()
    # A few people only on orders the rules hand elsewhere: on no caseload.
    unmanaged = per_person.filter(managed=0).count()
    assert 0.01 < unmanaged / 3000 < 0.06
    assert set(
        sentences.exclude(management=Management.MANAGED).values_list("management", flat=True)
    ) == {Management.EM_ONLY, Management.SSO_WITHOUT_REQUIREMENTS}
    managed = sentences.filter(management=Management.MANAGED)
    shares = {
        row["sentence_type"]: row["n"] / managed.count()
        for row in managed.values("sentence_type").annotate(n=Count("pk"))
    }
    assert 0.45 < shares["COMMUNITY_ORDER"] < 0.7
    assert 0.12 < shares["SUSPENDED_SENTENCE_ORDER"] < 0.28
    assert 0.15 < shares["CUSTODIAL"] < 0.32
    # Every managed sentence is still supervised on the day of the seed.
    assert not managed.filter(
        Q(supervision_end_date__isnull=True) | Q(supervision_end_date__lte=TODAY)
    ).exists()
    # Requirements with their parameters; licences with the six standard conditions and,
    # where there is post-sentence supervision, PSS requirements 1-8.
    assert not Requirement.objects.filter(code="UNPAID_WORK", unpaid_work_hours=None).exists()
    assert not Requirement.objects.filter(
        code="REHABILITATION_ACTIVITY", rar_max_days=None
    ).exists()
    custodial = managed.filter(sentence_type="CUSTODIAL")
    assert Licence.objects.count() == custodial.count()
    assert LicenceCondition.objects.count() == 6 * Licence.objects.count()
    with_pss = custodial.exclude(pss_start_date=None).count()
    assert with_pss and PssRequirement.objects.count() == 8 * with_pss
    # One plan each, RoSH mostly low or medium; high only on NPS cases.
    assert PlanVersion.objects.count() == 3000
    assert not PlanVersion.objects.filter(
        rosh_level__in=["HIGH", "VERY_HIGH"], person__responsible_provider__kind="CRC"
    ).exists()
    assert PlanVersion.objects.filter(rosh_level="HIGH").exists()
    # Three to six contacts each: past outcomes, some overdue, future appointments.
    contacts = Contact.objects.values("person").annotate(n=Count("pk"))
    assert min(c["n"] for c in contacts) >= 1 and max(c["n"] for c in contacts) <= 7
    assert 3 <= Contact.objects.count() / 3000 <= 6
    assert Contact.objects.filter(outcome="UNACCEPTABLE_ABSENCE").exists()
    assert Contact.objects.filter(outcome="", starts_at__date__gt=TODAY).exists()
    assert Contact.objects.filter(
        outcome="", starts_at__date__lt=TODAY, contact_type="OFFICE_APPOINTMENT"
    ).exists()


def test_a_sample_of_seeded_sentences_is_valid_by_the_rules():
    from probation import orders
    from probation.models import Management, Sentence
    from probation.supervision import CustodialFacts, supervision_periods

    demo.seed(offenders=600, seed=9, today=TODAY)
    sample = Sentence.objects.select_related("person").prefetch_related("requirements")
    for sentence in sample.order_by("?")[:300]:
        person = sentence.person
        if sentence.sentence_type == "CUSTODIAL":
            periods = supervision_periods(
                CustodialFacts(
                    sentence_date=sentence.sentence_date,
                    offence_date=sentence.offence_date,
                    date_of_birth=person.date_of_birth,
                    term_months=sentence.term_months,
                )
            )
            assert periods.managed and sentence.management == Management.MANAGED
            assert periods.supervision_end_date == sentence.supervision_end_date
            assert periods.pss_start_date == sentence.pss_start_date
            continue
        facts = orders.OrderFacts(
            order_type=sentence.sentence_type,
            sentence_date=sentence.sentence_date,
            offence_date=sentence.offence_date,
            date_of_birth=person.date_of_birth,
            requirements=tuple(
                orders.Requirement(
                    r.code,
                    unpaid_work_hours=r.unpaid_work_hours,
                    curfew_hours_per_day=r.curfew_hours_per_day,
                    rar_max_days=r.rar_max_days,
                )
                for r in sentence.requirements.all()
            ),
            supervision_months=sentence.length_months
            if sentence.sentence_type == "SUSPENDED_SENTENCE_ORDER"
            else 0,
        )
        orders.validate_order(facts)  # raises if the order could not stand
        assert orders.order_management(facts).code == sentence.management


def test_demo_offender_managers_have_caseloads():
    from probation import caseload

    demo.seed(offenders=4000, seed=1, today=TODAY)
    for username in ("crc.om.11", "crc.om.20"):
        officer = User.objects.get(username=username)
        cases = list(caseload.caseload(user=officer))
        assert 40 <= len(cases) <= 60, (username, len(cases))
        assert any(row.next_appointment for row in cases)
    nps = User.objects.get(username="nps.om")
    assert caseload.caseload(user=nps).exists()
    manager = User.objects.get(username="crc.manager.11")
    assert caseload.caseload(user=manager, team=manager.team).count() >= 40


# --- Allocation (issue "Allocation"): decided cases, and a realistic queue ----------------


def test_managed_sentences_are_allocated_to_the_persons_provider_but_a_few_recent_ones():
    from django.db.models import Exists, OuterRef

    from allocation.models import AllocationBreach, AllocationDecision
    from allocation.rules import due_by
    from probation.models import Management, OffenderManagerAssignment, Sentence

    counts = demo.seed(offenders=3000, seed=5, today=TODAY, pending_allocations=4)
    managed = Sentence.objects.filter(management=Management.MANAGED)
    decisions = AllocationDecision.objects.filter(kind="ALLOCATION")
    pending = managed.exclude(allocation_decisions__kind="ALLOCATION")
    divisions = Organisation.objects.divisions().count()
    assert counts["awaiting_allocation"] == pending.count() == 4 * divisions
    assert counts["allocations"] == decisions.count() == managed.count() - pending.count()
    assert not Sentence.objects.exclude(management=Management.MANAGED).filter(
        allocation_decisions__isnull=False
    )
    # Each decision names the provider managing the person, their LDU's division, the
    # sentence's PbR cohort and the team the person is with.
    assert not decisions.exclude(organisation=F("person__responsible_provider")).exists()
    assert not decisions.exclude(division=F("person__ldu__division")).exists()
    assert all(
        pbr == cohort
        for pbr, cohort in decisions.values_list("pbr_provider", "sentence__pbr_provider")
    )
    assert not decisions.exclude(decision="CRC").filter(organisation__kind="CRC").exists()
    assert not decisions.exclude(
        Exists(
            OffenderManagerAssignment.objects.filter(
                person=OuterRef("person"), team=OuterRef("team"), ended_at__isnull=True
            )
        )
    ).exists()
    for decision in decisions.select_related("sentence")[:200]:
        assert decision.due_by == due_by(decision.sentence.sentence_date)
        assert (decision.decided_at.date() <= decision.due_by) is decision.within_deadline
    # Mostly in time; the late ones carry the breach the morning job found.
    late = decisions.filter(within_deadline=False)
    assert 0.02 < late.count() / decisions.count() < 0.08
    assert AllocationBreach.objects.count() == late.count()
    # The queue: one Community Order each, made in the last few business days (Monday 23
    # November 2026: back to Wednesday 18), of people the NPS court team holds.
    assert {s.sentence_date for s in pending} <= {
        datetime.date(2026, 11, day) for day in (18, 19, 20, 23)
    }
    assert set(pending.values_list("sentence_type", flat=True)) == {"COMMUNITY_ORDER"}
    assert set(pending.values_list("person__responsible_provider__code", flat=True)) == {"NPS"}
    assert set(pending.values_list("person__sentences__number", flat=True)) == {1}


def test_the_demo_allocation_officer_has_a_queue():
    from allocation import selectors

    demo.seed(offenders=2000, seed=1, today=TODAY)
    officer = User.objects.get(username="nps.allocation")
    queue = list(selectors.awaiting_allocation(user=officer))
    assert 0 < len(queue) <= demo.PENDING_ALLOCATIONS_PER_DIVISION
    assert {s.person.ldu.division.code for s in queue} == {"NPS-WAL"}
