"""``manage.py run_payments 2016-03``: pay a month (the beat schedule pays the month before
on its own; this is for a chosen month, a re-run or resuming a run whose worker died).

Without Redis the parts run here, one after another; with workers, ``--wait`` follows the
run until every part has finished. ``--resume RUN_ID`` starts the unfinished parts of an
existing run again. Running a month twice writes nothing twice."""

import time

from django.core.management.base import BaseCommand, CommandError

from contracts import payments, periods
from contracts.models import PartStatus, PaymentRun, RunTrigger
from probation import audit


class Command(BaseCommand):
    help = "Pay a month (YYYY-MM) to every CRC, or resume a run."

    def add_arguments(self, parser):
        parser.add_argument("month", nargs="?", help="The month to pay, YYYY-MM")
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="Resume this run")
        parser.add_argument("--wait", action="store_true", help="Wait for the run to finish")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait")

    def handle(self, *args, month=None, resume=None, wait=False, timeout=3600, **options):
        with audit.channel("command"):
            if resume:
                run = PaymentRun.objects.filter(pk=resume).first()
                if run is None:
                    raise CommandError(f"There is no payment run {resume}.")
                payments.dispatch(run)
            elif month:
                try:
                    run = payments.start_run(periods.parse_month(month), trigger=RunTrigger.COMMAND)
                except ValueError as error:
                    raise CommandError(str(error)) from None
            else:
                raise CommandError("Give a month (YYYY-MM) or --resume RUN_ID.")
        self.stdout.write(f"Payment run {run.pk} for {run.month:%B %Y}")
        deadline = time.monotonic() + timeout
        while wait and run.parts.exclude(status__in=(PartStatus.DONE, PartStatus.FAILED)).exists():
            if time.monotonic() > deadline:
                raise CommandError("The run did not finish in time; it goes on on the workers.")
            time.sleep(1)
        for part in run.parts.select_related("organisation"):
            self.stdout.write(
                f"  {part.organisation.code:<10} {part.get_status_display():<8} "
                f"{part.lines_written:>4} lines  {part.error}"
            )
        if run.parts.filter(status=PartStatus.FAILED).exists():
            raise CommandError(f"Some parts failed: resume with --resume {run.pk}.")
