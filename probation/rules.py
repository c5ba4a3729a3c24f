"""Pure decisions of the core: facts in, decision out, with reasons. No ORM here."""

import datetime
import re
from dataclasses import dataclass

from django.utils.formats import date_format


@dataclass(frozen=True)
class VettingStatus:
    """Whether a staff member may open offender records (DOMAIN.md 11, TOM Annex B)."""

    current: bool
    code: str
    reason: str
    expires_on: datetime.date | None = None


def _day(d: datetime.date) -> str:
    return date_format(d, "j F Y")


def vetting_status(
    *,
    baseline_check_date: datetime.date | None,
    dbs_check_date: datetime.date | None,
    dbs_expiry_date: datetime.date | None,
    today: datetime.date,
) -> VettingStatus:
    """Vetting is current when a baseline check and a DBS check are recorded, neither is
    dated in the future, and the DBS check has not expired (it counts up to and including
    its expiry date)."""
    if baseline_check_date is None:
        return VettingStatus(
            False, "NO_BASELINE", "No baseline personnel security check is recorded for you."
        )
    if baseline_check_date > today:
        return VettingStatus(
            False,
            "BASELINE_IN_FUTURE",
            f"Your baseline personnel security check is dated {_day(baseline_check_date)}, "
            "which has not yet come.",
        )
    if dbs_check_date is None or dbs_expiry_date is None:
        return VettingStatus(False, "NO_DBS", "No current DBS check is recorded for you.")
    if dbs_check_date > today:
        return VettingStatus(
            False,
            "DBS_IN_FUTURE",
            f"Your DBS check is dated {_day(dbs_check_date)}, which has not yet come.",
        )
    if dbs_expiry_date < today:
        return VettingStatus(
            False,
            "DBS_EXPIRED",
            f"Your DBS check expired on {_day(dbs_expiry_date)}.",
            dbs_expiry_date,
        )
    return VettingStatus(
        True,
        "CURRENT",
        f"Your vetting is current until {_day(dbs_expiry_date)}.",
        dbs_expiry_date,
    )


def crn_for(number: int, letters: str) -> str:
    """The CRN for the ``number``-th issued case: a letter and six digits (X000001...)."""
    if number < 1 or number >= len(letters) * 1_000_000:
        raise ValueError(f"CRN number {number} is outside the range the format can hold")
    return f"{letters[number // 1_000_000]}{number % 1_000_000:06d}"


PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_PNC_PATTERN = re.compile(r"(\d{4})/(\d{1,7})([A-Za-z])")


def pnc_check_letter(year: int, serial: int) -> str:
    """Check character of a PNC number: (two-digit year and 7-digit serial) modulo 23,
    indexed into the 23 letters without I, O and S, Z first – the same calculation as the
    Ministry of Justice's person record service (hmpps-person-record, PNCIdValidator)."""
    return PNC_CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def normalise_pnc(value: str) -> str | None:
    """Return the PNC number in the form ``YYYY/NNNNNNNA``, or None if it is not valid.

    The serial may be given with or without leading zeros; the check letter must match.
    """
    match = _PNC_PATTERN.fullmatch((value or "").strip())
    if not match:
        return None
    year, serial, letter = int(match[1]), int(match[2]), match[3].upper()
    if serial == 0 or pnc_check_letter(year, serial) != letter:
        return None
    return f"{year:04d}/{serial:07d}{letter}"
