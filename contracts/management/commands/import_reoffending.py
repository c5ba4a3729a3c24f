"""``manage.py import_reoffending <file>``: the national proven reoffending data, a CSV of
``pnc_number,offence_date,disposal_date,offence_code`` (format in ``contracts.reoffending``).
All or nothing: with any rejected row nothing is written, each rejected row is listed and
the command exits with status 1. The same file twice adds nothing the second time."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.reoffending import import_reoffences
from probation import audit


class Command(BaseCommand):
    help = "Import proven reoffences from a CSV file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: see contracts/reoffending.py for the columns")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        with audit.channel("command"):
            report = import_reoffences(data, filename=path.name, user=None)
        if not report.ok:
            for error in report.rejected:
                column = f" {error.column}" if error.column else ""
                self.stderr.write(f"line {error.line}{column}: {error.message}")
            raise CommandError(
                f"{len(report.rejected)} problem(s) found in {path.name}: nothing was imported."
            )
        self.stdout.write(
            f"Imported {path.name}: {report.rows} row(s), {report.added} reoffence(s) added, "
            f"{report.already_held} already held, {report.repeated} repeated in the file."
        )
        if report.unmatched:
            self.stdout.write(
                f"{len(report.unmatched)} row(s) match nobody on the platform (stored all the "
                "same):"
            )
            for row in report.unmatched:
                self.stdout.write(f"  line {row.line}: {row.pnc_number}")
