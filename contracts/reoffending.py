"""Import of the national proven reoffending data (issue 8 part 5; DOMAIN.md 9: reoffending
is matched on the PNC reference). Page ``contracts:reoffending`` and
``manage.py import_reoffending <file>``.

The file has a header row and one row per proven reoffence (UTF-8, comma separated; the
column order is free, the names are not)::

    pnc_number,offence_date,disposal_date,offence_code

- ``pnc_number``: the Police National Computer reference, ``YYYY/NNNNNNNA`` with the right
  check letter (the serial may be written without its leading zeros: ``2004/12345X``); it
  is checked and stored as ``probation.rules.normalise_pnc`` checks and stores a person's;
- ``offence_date``: when the offence was committed, ``YYYY-MM-DD``;
- ``disposal_date``: when it was proven (conviction or caution), ``YYYY-MM-DD``, on or
  after the offence date;
- ``offence_code``: the offence's code, at most 20 characters.
Both dates fall between ``EARLIEST_DATE`` and today.

Every row is checked before anything is written. One rejected row and nothing is written:
the report lists each rejected row with its line number (the header is line 1), column and
reason. Otherwise, in one transaction, the import is recorded (``ReoffendingImport``) with
the reoffences new to the platform; a row already held (the same PNC number, dates and
offence code) is not added again – neither from an earlier file nor twice from this one –
so the same file imported twice adds nothing. Rows whose PNC number matches nobody on the
platform are stored all the same (the person may be recorded later) and listed in the
report as unmatched. One audit row for the whole file.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction

from contracts.models import ProvenReoffence, ReoffendingImport
from probation import audit, clock, csvfiles
from probation.csvfiles import RowError
from probation.models import Person, User
from probation.rules import normalise_pnc

COLUMNS = ("pnc_number", "offence_date", "disposal_date", "offence_code")
OFFENCE_CODE_MAX = ProvenReoffence._meta.get_field("offence_code").max_length
# Nothing proven before the reoffending data that the first contract years' baselines were
# drawn from can matter to a cohort: a date before this is a mistake in the file.
EARLIEST_DATE = datetime.date(2000, 1, 1)
MAX_ROWS = 500_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CHUNK = 900  # PNC numbers per query: under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Unmatched:
    line: int
    pnc_number: str


@dataclass
class ImportReport:
    filename: str = ""
    rows: int = 0
    added: int = 0
    already_held: int = 0  # rows the platform held before this file
    repeated: int = 0  # rows repeating an earlier row of this file (counted once)
    unmatched: list[Unmatched] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    record: ReoffendingImport | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def unmatched_pncs(self) -> list[str]:
        return sorted({u.pnc_number for u in self.unmatched})


Key = tuple[str, datetime.date, datetime.date, str]


def _date(value: str) -> datetime.date | None:
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def check_row(line: int, raw: dict, today: datetime.date) -> tuple[Key | None, list[RowError]]:
    """One row's reoffence ``(pnc, offence date, disposal date, code)``, or its errors."""
    errors: list[RowError] = []
    value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    pnc = normalise_pnc(value["pnc_number"])
    if pnc is None:
        errors.append(
            RowError(
                line,
                "pnc_number",
                f"{value['pnc_number'] or 'An empty value'} is not a PNC number: give it as "
                "YYYY/NNNNNNNA with the right check letter, like 2004/0012345X.",
            )
        )
    dates = {}
    for column in ("offence_date", "disposal_date"):
        day = _date(value[column])
        if day is None:
            errors.append(RowError(line, column, "Give the date as YYYY-MM-DD, like 2016-03-31."))
        elif day < EARLIEST_DATE:
            errors.append(RowError(line, column, f"The date is before {EARLIEST_DATE:%-d %B %Y}."))
        elif day > today:
            errors.append(RowError(line, column, "The date is in the future."))
        else:
            dates[column] = day
    offence, disposal = dates.get("offence_date"), dates.get("disposal_date")
    if offence and disposal and disposal < offence:
        errors.append(
            RowError(line, "disposal_date", "The disposal date is before the offence date.")
        )
    code = value["offence_code"]
    if not code:
        errors.append(RowError(line, "offence_code", "Give the offence code."))
    elif len(code) > OFFENCE_CODE_MAX:
        errors.append(
            RowError(
                line,
                "offence_code",
                f"The offence code is longer than {OFFENCE_CODE_MAX} characters.",
            )
        )
    if errors:
        return None, errors
    return (pnc, offence, disposal, code), []


def read_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The file's data rows with their line numbers, or the errors of its header."""
    return csvfiles.read_rows(text, COLUMNS, max_rows=MAX_ROWS, lower_header=True)


def _chunks(items: list, size: int = _CHUNK):
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _known_pncs(pncs: list[str]) -> set[str]:
    known: set[str] = set()
    for chunk in _chunks(pncs):
        known.update(
            Person.objects.filter(pnc_number__in=chunk).values_list("pnc_number", flat=True)
        )
    return known


def import_reoffences(file: bytes | str, *, filename: str, user: User | None) -> ImportReport:
    """Check every row of the file, then (only when none is rejected) record the import and
    the reoffences new to the platform, in one transaction."""
    report = ImportReport(filename=filename)
    data = file.encode("utf-8") if isinstance(file, str) else bytes(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.rejected = [RowError(0, "", "The file must be a CSV file saved as UTF-8.")]
        return report
    raw_rows, header_errors = read_rows(text)
    if header_errors:
        report.rejected = header_errors
        return report
    report.rows = len(raw_rows)
    today = clock.today()
    keys: list[tuple[int, Key]] = []
    for line, raw in raw_rows:
        key, errors = check_row(line, raw, today)
        report.rejected += errors
        if key is not None:
            keys.append((line, key))
    if report.rejected:
        return report

    pncs = sorted({key[0] for _, key in keys})
    known = _known_pncs(pncs)
    report.unmatched = [Unmatched(line, key[0]) for line, key in keys if key[0] not in known]
    with transaction.atomic():
        record = ReoffendingImport.objects.create(
            filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            imported_by=user if user is not None and user.pk else None,
            rows=report.rows,
            added=0,
            already_held=0,
            unmatched=report.unmatched_pncs,
        )
        new = list(dict.fromkeys(key for _, key in keys))
        # A row another import holds is refused by the unique constraint and ignored; what
        # this import added is then read back, so two imports at once count correctly.
        ProvenReoffence.objects.bulk_create(
            (
                ProvenReoffence(
                    source=record,
                    pnc_number=pnc,
                    offence_date=offence,
                    disposal_date=disposal,
                    offence_code=code,
                )
                for pnc, offence, disposal, code in new
            ),
            batch_size=2000,
            ignore_conflicts=True,
        )
        added = set(
            record.reoffences.values_list(
                "pnc_number", "offence_date", "disposal_date", "offence_code"
            )
        )
        seen: set[Key] = set()
        for _, key in keys:
            if key not in added:
                report.already_held += 1
            elif key in seen:
                report.repeated += 1
            else:
                seen.add(key)
        report.added = len(seen)
        record.added, record.already_held = report.added, report.already_held
        record.save(update_fields=["added", "already_held"])
        report.record = record
        audit.record_import(
            actor=user,
            instance=record,
            summary={
                "reoffending_import": filename[:200],
                "sha256": record.sha256,
                "rows": report.rows,
                "added": report.added,
                "already_held": report.already_held,
                "repeated": report.repeated,
                "unmatched": len(report.unmatched),
            },
        )
    return report


def past_imports():
    """Past imports, newest first, with who imported them (one query)."""
    return ReoffendingImport.objects.select_related("imported_by").order_by("-imported_at", "-pk")
