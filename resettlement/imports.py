"""NOMS's CSV import of prisons and their resettlement designation (page
``resettlement:designation-import`` and ``manage.py import_designations <file>``).

The file has a header row and one row per prison, with these columns (UTF-8, comma
separated; the column order is free, the names are not)::

    prison_code,prison_name,kind,contracted,ldu_code,resettlement,host_lead_provider,
    host_crcs,designated_cpas,effective_from

- ``prison_code``: the establishment code, three capital letters (``CFI``);
- ``prison_name``, ``kind``, ``contracted``, ``ldu_code``: the prison's details. Needed for a
  prison not yet known, which the import creates; for a known prison they may be left empty
  and, when given, must match what is recorded (a prison's details are not changed by an
  import);
- ``kind``: one of MALE_LOCAL, MALE_OPEN, MALE_TRAINING, WOMEN, YOUNG_ADULT, DUAL;
- ``contracted``: ``public`` or ``contracted`` (also yes/no, true/false);
- ``ldu_code``: the LDU the prison stands in (``LDU1105``);
- ``resettlement``: yes or no (also true/false, y/n, 1/0);
- ``host_lead_provider``: the CRC code of the host: lead provider (``CRC11``), empty for a
  prison that is not a resettlement prison;
- ``host_crcs`` and ``designated_cpas``: CRC codes separated by ``;`` (``CRC12;CRC13``):
  the host CRCs of a shared prison (one for adult male prisons, up to three for women's,
  young-adult and dual-designated ones) and the further CPAs the prison is designated to
  whose CRC provides no services there;
- ``effective_from``: the first day of the designation, ``YYYY-MM-DD``; after any
  designation already recorded for the prison.

Every row is checked before anything is written: unknown codes, bad kinds or flags, the
host-CRC limit and the rules' checks (``designations.validate``), dates, and a prison named
twice in one file. One rejected row and nothing changes; the report lists each rejected
row with its line number, column and message. Otherwise, in one transaction, unknown
prisons are created and each row's designation is recorded through
``designations.designate`` (which ends the designation in force before it), with one audit
import row for the whole file.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from probation import audit, csvfiles
from probation.csvfiles import RowError
from probation.models import Organisation, OrganisationKind, User
from resettlement import designations
from resettlement.models import Designation, Prison, PrisonKind

COLUMNS = (
    "prison_code",
    "prison_name",
    "kind",
    "contracted",
    "ldu_code",
    "resettlement",
    "host_lead_provider",
    "host_crcs",
    "designated_cpas",
    "effective_from",
)
TRUE = {"yes", "y", "true", "1"}
FALSE = {"no", "n", "false", "0"}
CONTRACTED = (
    {"contracted": True, "public": False} | dict.fromkeys(TRUE, True) | dict.fromkeys(FALSE, False)
)
YES_NO = dict.fromkeys(TRUE, True) | dict.fromkeys(FALSE, False)
# The designation fields' names in ``designations.validate`` and the file's columns.
FIELD_COLUMNS = {
    "resettlement": "resettlement",
    "host_lead_provider": "host_lead_provider",
    "host_crcs": "host_crcs",
    "designated_to": "designated_cpas",
    "effective_from": "effective_from",
}
MAX_ROWS = 5000


@dataclass
class Row:
    line: int
    prison_code: str
    prison: Prison | None  # None: created by the import
    name: str
    kind: str
    contracted: bool
    ldu: Organisation | None
    resettlement: bool
    host_lead_provider: str | None
    host_crcs: list[str]
    designated_to: list[str]
    effective_from: datetime.date


@dataclass
class ImportReport:
    rejected: list[RowError] = field(default_factory=list)
    rows: int = 0
    prisons_created: int = 0
    designations_recorded: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in (value or "").split(";") if c.strip()]


def _flag(value: str, table: dict) -> bool | None:
    return table.get((value or "").strip().lower())


class _Checker:
    """Checks one row at a time against the reference data, read once per file."""

    def __init__(self):
        self.crcs = set(Organisation.objects.crcs().values_list("code", flat=True))
        self.ldus = {o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.LDU)}
        self.prisons = {p.code: p for p in Prison.objects.select_related("ldu")}
        self.organisations = set(
            Organisation.objects.filter(code__startswith="PRISON-").values_list("code", flat=True)
        )
        self.latest = {}
        for prison_id, day in Designation.objects.values_list("prison_id", "effective_from"):
            self.latest[prison_id] = max(day, self.latest.get(prison_id, day))
        self.seen: dict[str, int] = {}

    def check(self, line: int, raw: dict) -> tuple[Row | None, list[RowError]]:
        errors: list[RowError] = []

        def reject(column, message):
            errors.append(RowError(line, column, message))

        value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        code = value["prison_code"].upper()
        prison = None
        if not designations.PRISON_CODE.match(code):
            reject("prison_code", "The prison code must be three capital letters, like CFI.")
        elif code in self.seen:
            reject(
                "prison_code",
                f"Prison {code} is already in this file on line {self.seen[code]}: one row "
                "per prison.",
            )
        else:
            self.seen[code] = line
            prison = self.prisons.get(code)
        known = prison is not None

        name, kind, ldu = value["prison_name"], value["kind"].upper(), None
        contracted = _flag(value["contracted"], CONTRACTED)
        if known:
            if name and name != prison.name:
                reject("prison_name", f"Does not match the recorded name ({prison.name}).")
            if kind and kind != prison.kind:
                reject("kind", f"Does not match the recorded kind ({prison.kind}).")
            if value["contracted"] and contracted != prison.contracted:
                reject(
                    "contracted",
                    "Does not match the record "
                    f"({'contracted' if prison.contracted else 'public'}).",
                )
            if value["ldu_code"] and value["ldu_code"].upper() != prison.ldu.code:
                reject("ldu_code", f"Does not match the recorded LDU ({prison.ldu.code}).")
            name, kind, contracted, ldu = prison.name, prison.kind, prison.contracted, prison.ldu
        else:
            if not name:
                reject("prison_name", "Give the name of a prison not yet known.")
            if kind not in PrisonKind.values:
                reject("kind", f"The kind must be one of {', '.join(PrisonKind.values)}.")
            if contracted is None:
                reject("contracted", "Give public or contracted.")
            ldu = self.ldus.get(value["ldu_code"].upper())
            if ldu is None:
                reject("ldu_code", f"{value['ldu_code'] or 'An empty code'} is not an LDU code.")
            if code and f"PRISON-{code}" in self.organisations:
                reject("prison_code", f"An organisation PRISON-{code} already exists.")

        resettlement = _flag(
            value["resettlement"], dict.fromkeys(TRUE, True) | dict.fromkeys(FALSE, False)
        )
        if resettlement is None:
            reject("resettlement", "Give yes or no.")
        lead = value["host_lead_provider"].upper() or None
        hosts = _codes(value["host_crcs"])
        designated = _codes(value["designated_cpas"])
        if resettlement is False:
            for column, given in (
                ("host_lead_provider", lead),
                ("host_crcs", hosts),
            ):
                if given:
                    reject(column, "A prison that is not a resettlement prison has no host.")

        try:
            effective_from = datetime.date.fromisoformat(value["effective_from"])
        except ValueError:
            effective_from = None
            reject("effective_from", "Give the date as YYYY-MM-DD, like 2015-05-01.")
        if effective_from and known:
            latest = self.latest.get(prison.pk)
            if latest and effective_from <= latest:
                reject(
                    "effective_from",
                    f"A designation from {latest.isoformat()} is already recorded for this "
                    "prison: the new one must start after it.",
                )

        if resettlement is not None and kind in PrisonKind.values:
            subject = prison or Prison(code=code, name=name, kind=kind)
            designated_only = [c for c in designated if c != lead and c not in hosts]
            found = designations.validate(
                prison=subject,
                resettlement=resettlement,
                host_lead_provider=lead if resettlement else None,
                host_crcs=hosts if resettlement else [],
                designated_to=designated_only,
                crc_codes=self.crcs,
            )
            for name_, messages in found.items():
                for message in messages:
                    reject(FIELD_COLUMNS.get(name_, name_), message)
        if errors:
            return None, errors
        return (
            Row(
                line=line,
                prison_code=code,
                prison=prison,
                name=name,
                kind=kind,
                contracted=contracted,
                ldu=ldu,
                resettlement=resettlement,
                host_lead_provider=lead if resettlement else None,
                host_crcs=hosts if resettlement else [],
                designated_to=designated if resettlement else [],
                effective_from=effective_from,
            ),
            [],
        )


def read_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The file's data rows with their line numbers, or the errors of its header."""
    return csvfiles.read_rows(text, COLUMNS, max_rows=MAX_ROWS)


def import_designations(text: str, *, actor: User | None, source: str) -> ImportReport:
    """Check every row of the file, then (only when none is rejected) create the prisons
    not yet known and record every designation, in one transaction."""
    report = ImportReport()
    raw_rows, header_errors = read_rows(text)
    if header_errors:
        report.rejected = header_errors
        return report
    report.rows = len(raw_rows)
    with transaction.atomic():
        # The prisons are locked while the file is checked and applied, so a designation
        # recorded on a page meanwhile cannot slip between the check and the write.
        list(Prison.objects.select_for_update().values_list("pk", flat=True))
        checker = _Checker()
        rows = []
        for line, raw in raw_rows:
            row, errors = checker.check(line, raw)
            report.rejected += errors
            if row is not None:
                rows.append(row)
        if report.rejected:
            return report
        try:
            _apply(rows, actor=actor, source=source, report=report)
        except ValidationError as error:  # a check the rows passed, failing on write
            transaction.set_rollback(True)
            report.prisons_created = report.designations_recorded = 0
            line = getattr(error, "line", 0)
            for column, messages in error.message_dict.items():
                for message in messages:
                    report.rejected.append(
                        RowError(line, FIELD_COLUMNS.get(column, column), message)
                    )
            return report
        audit.record_import(
            actor=actor,
            instance=actor.organisation if actor and actor.organisation_id else _noms(),
            summary={
                "designations_import": source[:200],
                "rows": report.rows,
                "prisons_created": report.prisons_created,
                "designations_recorded": report.designations_recorded,
            },
        )
    return report


def _noms() -> Organisation:
    return Organisation.objects.get(code="NOMS")


def _apply(rows: list[Row], *, actor, source: str, report: ImportReport) -> None:
    for row in rows:
        try:
            prison = row.prison
            if prison is None:
                prison = designations.prison_create(
                    actor=actor,
                    code=row.prison_code,
                    name=row.name,
                    kind=row.kind,
                    contracted=row.contracted,
                    ldu=row.ldu,
                )
                report.prisons_created += 1
            designations.designate(
                actor=actor,
                prison=prison,
                effective_from=row.effective_from,
                resettlement=row.resettlement,
                host_lead_provider=row.host_lead_provider,
                host_crcs=row.host_crcs,
                designated_to=row.designated_to,
                source=f"Import: {source}",
                check_actor=False,
            )
        except ValidationError as error:
            error.line = row.line
            raise
        report.designations_recorded += 1
