"""Prisons, designations and custody episodes for the resettlement tests."""

import datetime

from probation import clock
from probation.models import Organisation
from resettlement import custody, designations
from resettlement.models import Prison
from tests.probation.factories import sentence_of, staff

# A fixed past day designations start from, so every test date falls inside them.
DESIGNATED_FROM = datetime.date(2015, 1, 1)


def prison(
    code: str,
    *,
    lead: str | None = "CRC11",
    hosts: tuple[str, ...] = (),
    designated_to: tuple[str, ...] = (),
    kind: str = "MALE_LOCAL",
    resettlement: bool = True,
    ldu_crc: str = "CRC11",
) -> Prison:
    """A prison designated from ``DESIGNATED_FROM``: a resettlement prison with ``lead`` as
    host: lead provider and ``hosts`` as host CRCs, or (``resettlement=False``) not."""
    existing = Prison.objects.filter(code=code).first()
    if existing is not None:
        return existing
    ldu = Organisation.objects.filter(kind="LDU", crc__code=ldu_crc).order_by("code").first()
    made = designations.prison_create(
        actor=None, code=code, name=f"HMP {code.title()}", kind=kind, contracted=False, ldu=ldu
    )
    designations.designate(
        actor=None,
        prison=made,
        effective_from=DESIGNATED_FROM,
        resettlement=resettlement,
        host_lead_provider=lead if resettlement else None,
        host_crcs=list(hosts) if resettlement else [],
        designated_to=list(designated_to) if resettlement else [],
        source="test",
        check_actor=False,
    )
    return made


def prison_officer(prison_: Prison):
    return staff("PRISON_STAFF", prison_.organisation.code)


def reception(
    person,
    prison_: Prison,
    *,
    status: str = "SENTENCED",
    received_on: datetime.date | None = None,
    term_months: int = 18,
    **kwargs,
):
    """A reception of ``person`` into ``prison_`` through the service, with a custodial
    sentence for a sentenced or recalled reception."""
    received_on = received_on or clock.today()
    number = None
    if status != "REMAND":
        sentence = sentence_of(
            person,
            "CUSTODIAL",
            term_months=term_months,
            sentence_date=received_on,
            offence_date=received_on - datetime.timedelta(days=60),
            conditional_release_date=received_on + datetime.timedelta(days=term_months * 15),
        )
        number = sentence.number
    return custody.reception_record(
        actor=prison_officer(prison_),
        crn=person.crn,
        date_of_birth=person.date_of_birth,
        prison_code=prison_.code,
        received_on=received_on,
        status=status,
        sentence_number=number,
        **kwargs,
    )
