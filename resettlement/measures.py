"""The designated-release measure (DOMAIN.md 7; TOM 2.2 "Adult Male Prisoners").

Of the adult men released in a month whom a CRC will supervise, the share released from a
resettlement prison designated to that CRC after at least
``DESIGNATED_RELEASE_MINIMUM_MONTHS`` (3) calendar months continuously in resettlement
prisons; the target is ``DESIGNATED_RELEASE_TARGET_PERCENT`` (80 %).

The population: men (gender M) aged at least ``DESIGNATED_RELEASE_ADULT_AGE`` (21: 18 to 20
year olds are young adults in TOM 2.2) on the release day, released in the month from a
sentenced or recalled custody episode whose allocated organisation at release is a CRC.
Counted when both hold:

- *designated*: the release prison's designation in force on the release day names that CRC
  in any role – host: lead provider, host CRC or designated CPA;
- *long enough*: every day from the release day less the minimum months
  (``dateutil.relativedelta``: 15 June less 3 months is 15 March) up to the release was
  spent in prisons whose designation in force that day made them resettlement prisons –
  moves between resettlement prisons keep the run going, a stay in any other breaks it.

Each person comes with the reason they count or not, for the dashboards and the page.
A constant number of queries whatever the number of releases: the month's releases, their
stays, the prisons' designations and the CRCs, then decided in Python.
"""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings

from probation.models import Gender, Organisation, OrganisationKind
from probation.supervision import age_on
from resettlement.models import (
    CustodyEpisode,
    CustodyStatus,
    Designation,
    DesignationCrc,
    PrisonStay,
)

_ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Released:
    """One person behind a figure."""

    crn: str
    name: str
    released_on: datetime.date
    release_prison: str  # "HMP Cardiff (CFI)"
    crc: str  # the allocated CRC's code
    counted: bool
    reason: str
    resettlement_since: datetime.date | None  # start of the unbroken run in resettlement prisons


@dataclass
class CrcFigure:
    """One CRC's figure for the month."""

    crc: str
    crc_name: str
    released: int = 0
    designated: int = 0
    target: int = 0
    people: list[Released] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        """Designated releases as a share of releases, one decimal; None without releases."""
        if not self.released:
            return None
        return round(100 * self.designated / self.released, 1)

    @property
    def met(self) -> bool | None:
        """The target is met; None when nobody was released (nothing to measure)."""
        if not self.released:
            return None
        return self.designated * 100 >= self.target * self.released


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the month and the first day of the next."""
    first = month.replace(day=1)
    return first, first + relativedelta(months=1)


def required_since(released_on: datetime.date) -> datetime.date:
    """The day from which the person must have been in resettlement prisons without a
    break: the release day less the minimum calendar months."""
    return released_on - relativedelta(months=settings.DESIGNATED_RELEASE_MINIMUM_MONTHS)


@dataclass(frozen=True)
class _Period:
    """A designation of one prison, as half-open days [start, end)."""

    start: datetime.date
    end: datetime.date | None
    resettlement: bool
    crcs: frozenset[str]

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def _designation_on(periods: list[_Period], day: datetime.date) -> _Period | None:
    return next((p for p in periods if p.covers(day)), None)


def resettlement_since(
    stays: list[tuple[int, datetime.date, datetime.date | None]],
    periods: dict[int, list[_Period]],
    released_on: datetime.date,
) -> datetime.date | None:
    """The first day of the unbroken run of days in resettlement prisons that ends with the
    release (the release day's own prison counted for the days before it); None when the
    day before release was not in one. ``stays`` are (prison, arrived, left) of the episode;
    a stay holds the days [arrived, left), the last up to the release."""
    pieces: list[tuple[datetime.date, datetime.date]] = []
    for prison_id, arrived, left in stays:
        end = min(left or released_on, released_on)
        for period in periods.get(prison_id, ()):
            if not period.resettlement:
                continue
            start = max(arrived, period.start)
            stop = end if period.end is None else min(end, period.end)
            if start < stop:
                pieces.append((start, stop))
    since = released_on
    # Walk back from the release: a piece reaching the run's start extends it; repeat
    # until nothing does (a handful of stays per person: cheap).
    changed = True
    while changed:
        changed = False
        for start, stop in pieces:
            if stop >= since > start:
                since, changed = start, True
    return since if since < released_on else None


def _label(prison) -> str:
    return f"{prison['name']} ({prison['code']})"


def designated_release(month: datetime.date, *, crc: Organisation | None = None) -> list[CrcFigure]:
    """Each CRC's designated-release figure for ``month`` (its first day), with the people
    behind it (module docstring). Every CRC has a row, with 0 releases if none; with ``crc``
    only that CRC's releases are read (the monthly payment run measures one CRC at a time)."""
    first, after = month_bounds(month)
    minimum = settings.DESIGNATED_RELEASE_MINIMUM_MONTHS
    adult = settings.DESIGNATED_RELEASE_ADULT_AGE
    target = settings.DESIGNATED_RELEASE_TARGET_PERCENT
    crcs = list(Organisation.objects.crcs().values_list("pk", "code", "name"))
    figures = {code: CrcFigure(crc=code, crc_name=name, target=target) for _, code, name in crcs}
    episodes = (
        CustodyEpisode.objects.all()
        if crc is None
        else CustodyEpisode.objects.filter(allocated_to=crc)
    )
    releases = list(
        episodes.filter(
            released_on__gte=first,
            released_on__lt=after,
            status__in=(CustodyStatus.SENTENCED, CustodyStatus.RECALLED),
            allocated_to__kind=OrganisationKind.CRC,
            person__gender=Gender.MALE,
        )
        .order_by("released_on", "person__last_name", "pk")
        .values(
            "pk",
            "released_on",
            "release_prison_id",
            "release_prison__code",
            "release_prison__name",
            "allocated_to__code",
            "person__crn",
            "person__first_name",
            "person__last_name",
            "person__date_of_birth",
        )
    )
    releases = [
        r for r in releases if age_on(r["person__date_of_birth"], r["released_on"]) >= adult
    ]
    if not releases:
        return list(figures.values())
    stays: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = {}
    for episode_id, prison_id, arrived, left in PrisonStay.objects.filter(
        episode_id__in=[r["pk"] for r in releases]
    ).values_list("episode_id", "prison_id", "arrived_on", "left_on"):
        stays.setdefault(episode_id, []).append((prison_id, arrived, left))
    prison_ids = {p for rows in stays.values() for p, _, _ in rows}
    prison_ids |= {r["release_prison_id"] for r in releases}
    named: dict[int, set[str]] = {}
    for designation_id, code in DesignationCrc.objects.filter(
        designation__prison_id__in=prison_ids
    ).values_list("designation_id", "crc__code"):
        named.setdefault(designation_id, set()).add(code)
    periods: dict[int, list[_Period]] = {}
    for pk, prison_id, start, end, resettlement in Designation.objects.filter(
        prison_id__in=prison_ids
    ).values_list("pk", "prison_id", "effective_from", "effective_to", "resettlement"):
        periods.setdefault(prison_id, []).append(
            _Period(start, end, resettlement, frozenset(named.get(pk, ())))
        )

    for row in releases:
        crc = row["allocated_to__code"]
        figure = figures.get(crc)
        if figure is None:  # an inactive CRC still allocated: give it its own row
            figure = figures[crc] = CrcFigure(crc=crc, crc_name=crc, target=target)
        released_on = row["released_on"]
        prison = {"name": row["release_prison__name"], "code": row["release_prison__code"]}
        on_release = _designation_on(periods.get(row["release_prison_id"], []), released_on)
        since = resettlement_since(stays.get(row["pk"], []), periods, released_on)
        needed = required_since(released_on)
        if on_release is None or not on_release.resettlement:
            counted, reason = (
                False,
                (f"{_label(prison)} was not a resettlement prison on the release day."),
            )
        elif crc not in on_release.crcs:
            counted, reason = (
                False,
                (
                    f"{_label(prison)} was not designated to {crc} on the release day "
                    f"(designated to {', '.join(sorted(on_release.crcs))})."
                ),
            )
        elif since is None or since > needed:
            run = (
                f"only since {since:%-d %B %Y}"
                if since
                else "not in a resettlement prison before release"
            )
            counted, reason = (
                False,
                (
                    f"In resettlement prisons {run}: at least {minimum} months needed "
                    f"(since {needed:%-d %B %Y})."
                ),
            )
        else:
            counted, reason = (
                True,
                (
                    f"Released from {_label(prison)}, designated to {crc}, after at least "
                    f"{minimum} months in resettlement prisons (since {since:%-d %B %Y})."
                ),
            )
        figure.released += 1
        figure.designated += counted
        figure.people.append(
            Released(
                crn=row["person__crn"],
                name=f"{row['person__first_name']} {row['person__last_name']}",
                released_on=released_on,
                release_prison=_label(prison),
                crc=crc,
                counted=counted,
                reason=reason,
                resettlement_since=since,
            )
        )
    return list(figures.values())
