"""Who does what in Through the Gate resettlement, and by when (DOMAIN.md 7; TOM 2.1, 2.2).

Facts in, answer out, with reasons: no database. The pages, the clocks, the services and
``POST /api/v1/calculations/resettlement-responsibility`` all ask ``responsibility``, so they
cannot disagree.

Words as the TOM uses them:

- *allocated*: the organisation that will supervise the person on release – ``NPS`` or a CRC
  code; none for a remand prisoner;
- *home CRC*: the CRC of the person's home Contract Package Area (may be unknown);
- a *resettlement prison* has a *host: lead provider* CRC; a *shared* one also has *host
  CRCs* (one other in an adult male prison, up to three in women's and young-adult ones).

Plan writer (TOM 2.2 "Resettlement services on reception", "Shared Adult Male Prisons"):
the host: lead provider for everyone, except that in a shared prison a host CRC writes the
plans of its own allocated persons and of remand prisoners whose home CPA is its own. In a
prison that is not a resettlement prison the prison contacts the home CRC, which arranges
the service; with no home CRC known nobody can, and the case goes to NOMS's exceptions.

Share with (within one business day of completion): the allocated organisation (a CRC or the
NPS) when it did not write the plan; for a remand prisoner the home CRC when it did not.

Pre-release lead (the last 12 weeks): the allocated CRC when it is the host: lead provider or
a host CRC of the prison; otherwise, in a resettlement prison, the host: lead provider
(working with the allocated CRC or the NPS); in a non-resettlement prison the allocated
organisation. Accommodation and employment on release: the allocated organisation. Remand
prisoners have neither, nor a pre-release window: their release is the end of remand.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings

from probation.calendar import add_business_days

NPS = "NPS"


class CustodyStatus:
    REMAND = "REMAND"
    SENTENCED = "SENTENCED"
    RECALLED = "RECALLED"
    ALL = (REMAND, SENTENCED, RECALLED)


@dataclass(frozen=True)
class PrisonFacts:
    resettlement: bool
    host_lead_provider: str | None = None
    host_crcs: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return bool(self.host_crcs)

    def provides_services(self, code: str | None) -> bool:
        """Whether this CRC delivers resettlement services in the prison."""
        return bool(code) and (code == self.host_lead_provider or code in self.host_crcs)


@dataclass(frozen=True)
class Facts:
    prison: PrisonFacts
    custody_status: str
    allocated_to: str | None
    home_crc: str | None
    reception_date: datetime.date
    release_date: datetime.date | None = None


@dataclass(frozen=True)
class Responsibility:
    plan_writer: str | None
    share_with: str | None
    pre_release_lead: str | None
    accommodation_employment_by: str | None
    screening_access_by: datetime.date
    plan_due_by: datetime.date
    pre_release_from: datetime.date | None
    reasons: list[str] = field(default_factory=list)

    @property
    def exception(self) -> bool:
        """No plan writer: the case waits in NOMS's exceptions queue."""
        return self.plan_writer is None


class InvalidFacts(ValueError):
    """Facts the rules cannot answer; ``errors`` maps each field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def validate(facts: Facts, *, crc_codes) -> None:
    """Raise ``InvalidFacts`` for facts the operating model does not allow. ``crc_codes`` are
    the CRC codes that exist; an organisation must be one of them (or ``NPS`` where the
    allocated organisation is meant)."""
    crc_codes = set(crc_codes)
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    prison = facts.prison
    if prison.host_lead_provider is not None and prison.host_lead_provider not in crc_codes:
        add("prison.host_lead_provider", f"{prison.host_lead_provider} is not a CRC code.")
    for code in prison.host_crcs:
        if code not in crc_codes:
            add("prison.host_crcs", f"{code} is not a CRC code.")
    if len(set(prison.host_crcs)) != len(prison.host_crcs):
        add("prison.host_crcs", "A host CRC is listed twice.")
    if prison.resettlement:
        if not prison.host_lead_provider:
            add("prison.host_lead_provider", "A resettlement prison has a host: lead provider.")
        elif prison.host_lead_provider in prison.host_crcs:
            add("prison.host_crcs", "The host: lead provider is not also one of its host CRCs.")
        limit = settings.MAX_HOST_CRCS_WOMEN_YOUNG_ADULT
        if len(prison.host_crcs) > limit:
            add("prison.host_crcs", f"A prison has at most {limit} host CRCs besides its lead.")
    elif prison.host_lead_provider or prison.host_crcs:
        add(
            "prison.resettlement",
            "A prison that is not a resettlement prison has no host CRCs.",
        )
    if facts.custody_status not in CustodyStatus.ALL:
        add("custody_status", "Choose REMAND, SENTENCED or RECALLED.")
    elif facts.custody_status == CustodyStatus.REMAND:
        if facts.allocated_to:
            add("allocated_to", "A remand prisoner is not allocated to anyone yet.")
    elif not facts.allocated_to:
        add("allocated_to", "A sentenced or recalled prisoner is allocated to the NPS or a CRC.")
    if facts.allocated_to and facts.allocated_to != NPS and facts.allocated_to not in crc_codes:
        add("allocated_to", f"{facts.allocated_to} is neither NPS nor a CRC code.")
    if facts.home_crc is not None and facts.home_crc not in crc_codes:
        add("home_crc", f"{facts.home_crc} is not a CRC code.")
    if facts.release_date is not None and facts.release_date < facts.reception_date:
        add("release_date", "The release date cannot be before the reception date.")
    if errors:
        raise InvalidFacts(errors)


def screening_access_by(reception_date: datetime.date) -> datetime.date:
    """The day by which the CRC has part 1 of the screening: 3 calendar days."""
    return reception_date + datetime.timedelta(days=settings.SCREENING_ACCESS_CALENDAR_DAYS)


def plan_due_by(reception_date: datetime.date) -> datetime.date:
    """Part 2 and the resettlement plan: 5 business days after reception."""
    return add_business_days(reception_date, settings.RESETTLEMENT_PLAN_BUSINESS_DAYS)


def share_due_by(completed_on: datetime.date) -> datetime.date:
    """Sharing: 1 business day after the plan's completion."""
    return add_business_days(completed_on, settings.PLAN_SHARING_BUSINESS_DAYS)


def pre_release_from(release_date: datetime.date | None) -> datetime.date | None:
    """The day the pre-release window opens: 12 weeks (84 days) before release."""
    if release_date is None:
        return None
    return release_date - datetime.timedelta(days=settings.PRE_RELEASE_WINDOW_DAYS)


def _plan_writer(facts: Facts, reasons: list[str]) -> str | None:
    prison = facts.prison
    remand = facts.custody_status == CustodyStatus.REMAND
    if not prison.resettlement:
        if facts.home_crc:
            reasons.append(
                "Not a resettlement prison: the prison contacts the home CRC "
                f"({facts.home_crc}), which arranges the resettlement service."
            )
            return facts.home_crc
        reasons.append(
            "Not a resettlement prison and no home CRC is known: nobody can write the plan; "
            "the case goes to NOMS's exceptions queue."
        )
        return None
    lead = prison.host_lead_provider
    if prison.shared:
        if not remand and facts.allocated_to in prison.host_crcs:
            reasons.append(
                f"Shared prison: {facts.allocated_to} is a host CRC there and writes the plans "
                "of its own allocated persons."
            )
            return facts.allocated_to
        if remand and facts.home_crc in prison.host_crcs:
            reasons.append(
                f"Shared prison: {facts.home_crc} is a host CRC there and writes the plans of "
                "remand prisoners whose home CPA is its own."
            )
            return facts.home_crc
        reasons.append(
            f"Shared prison: the host: lead provider ({lead}) writes the plans of everyone "
            "outside the host CRCs' cohorts."
        )
        return lead
    reasons.append(f"Resettlement prison: the host: lead provider ({lead}) writes every plan.")
    return lead


def _share_with(facts: Facts, writer: str | None, reasons: list[str]) -> str | None:
    if writer is None:
        return None
    if facts.custody_status == CustodyStatus.REMAND:
        if facts.home_crc and facts.home_crc != writer:
            reasons.append(
                f"Remand prisoner: the plan is shared with the home CRC ({facts.home_crc}) "
                "within one business day."
            )
            return facts.home_crc
        reasons.append("Remand prisoner: the plan writer is the home CRC (or none is known).")
        return None
    if facts.allocated_to != writer:
        whom = "the NPS" if facts.allocated_to == NPS else facts.allocated_to
        reasons.append(
            f"The plan is shared with {whom}, the allocated organisation, within one business day."
        )
        return facts.allocated_to
    reasons.append(f"{writer} wrote the plan for its own allocated person: nobody to share with.")
    return None


def _pre_release(facts: Facts, reasons: list[str]) -> tuple[str | None, str | None]:
    if facts.custody_status == CustodyStatus.REMAND:
        reasons.append("Remand prisoner: no pre-release work until sentence.")
        return None, None
    prison, allocated = facts.prison, facts.allocated_to
    whom = "the NPS" if allocated == NPS else allocated
    if prison.resettlement and allocated != NPS and prison.provides_services(allocated):
        reasons.append(
            f"Pre-release: {allocated} provides services in this prison and leads for its "
            "own allocated person."
        )
        lead = allocated
    elif prison.resettlement:
        reasons.append(
            f"Pre-release: the host: lead provider ({prison.host_lead_provider}) leads, "
            f"working with {whom}."
        )
        lead = prison.host_lead_provider
    else:
        reasons.append(f"Pre-release: not a resettlement prison, so {whom} leads.")
        lead = allocated
    reasons.append(f"Accommodation and employment on release: {whom}.")
    return lead, allocated


def responsibility(facts: Facts) -> Responsibility:
    """Who writes the plan, whom it is shared with, who leads before release and who owns
    accommodation and employment, and the clocks – for facts ``validate`` accepted."""
    reasons: list[str] = []
    writer = _plan_writer(facts, reasons)
    share_with = _share_with(facts, writer, reasons)
    lead, accommodation = _pre_release(facts, reasons)
    remand = facts.custody_status == CustodyStatus.REMAND
    return Responsibility(
        plan_writer=writer,
        share_with=share_with,
        pre_release_lead=lead,
        accommodation_employment_by=accommodation,
        screening_access_by=screening_access_by(facts.reception_date),
        plan_due_by=plan_due_by(facts.reception_date),
        # A remand prisoner has no pre-release window: the release is the end of remand.
        pre_release_from=None if remand else pre_release_from(facts.release_date),
        reasons=reasons,
    )
