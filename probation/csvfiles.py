"""Reading the CSV files staff upload (designations, reoffending data): the data rows with
their line numbers, or the errors that make the whole file unreadable. Each import checks
its own rows and writes all of them or none."""

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file, the header being line 1
    column: str
    message: str


def read_rows(
    text: str, columns, *, max_rows: int, lower_header: bool = False
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The file's data rows with their line numbers (blank lines skipped), or the errors of
    its header: a missing column, no rows, more than ``max_rows``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    if lower_header:
        header = [h.lower() for h in header]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [RowError(1, c, "This column is missing from the header row.") for c in missing]
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line
        rows.append((reader.line_num, raw))
    if not rows:
        return [], [RowError(1, "", "The file has no rows after its header.")]
    if len(rows) > max_rows:
        return [], [RowError(1, "", f"A file has at most {max_rows} rows: split it.")]
    return rows, []
