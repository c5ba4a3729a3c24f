"""``manage.py import_designations <file>``: NOMS's CSV of prisons and their resettlement
designation (format in ``resettlement.imports``). All or nothing: with any rejected row
nothing changes, each rejected row is listed and the command exits with status 1."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from resettlement.imports import import_designations


class Command(BaseCommand):
    help = "Import prisons and their resettlement designation from a CSV file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: see resettlement/imports.py for the columns")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        report = import_designations(text, actor=None, source=path.name)
        if not report.ok:
            for error in report.rejected:
                column = f" {error.column}" if error.column else ""
                self.stderr.write(f"line {error.line}{column}: {error.message}")
            raise CommandError(
                f"{len(report.rejected)} problem(s) found in {path.name}: nothing was imported."
            )
        self.stdout.write(
            f"Imported {path.name}: {report.prisons_created} prison(s) created, "
            f"{report.designations_recorded} designation(s) recorded."
        )
