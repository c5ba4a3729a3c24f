"""``manage.py refresh_facts``: compute the monthly performance facts here, one month after
another (the nightly job does the same on the workers).

Without options the months due (``performance.facts.months_to_refresh``: never computed,
the open months, and those computed before the latest change of case data); ``--month
YYYY-MM`` (repeatable) chosen months; ``--all`` every month from FACTS_FIRST_MONTH, e.g.
after a change the audit trail does not see (settings, a measure's definition, data loaded
by SQL). Running it twice writes nothing the second time."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from contracts import periods
from performance import facts
from probation import audit, clock


class Command(BaseCommand):
    help = "Compute the monthly performance facts (the months due, chosen months or all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month",
            action="append",
            default=[],
            metavar="YYYY-MM",
            help="a month to compute (repeatable)",
        )
        parser.add_argument("--all", action="store_true", help="every month from FACTS_FIRST_MONTH")

    def handle(self, *args, month, all, **options):  # noqa: A002 - the option's name
        if month and all:
            raise CommandError("Give --month or --all, not both.")
        today = clock.today()
        if all:
            months = facts.all_months(today)
        elif month:
            try:
                months = sorted({periods.parse_month(text) for text in month})
            except ValueError:
                raise CommandError("--month takes a month as YYYY-MM, e.g. 2016-03") from None
        else:
            plan = facts.plan(today)
            facts.mark_checked(plan)
            months = plan.due
        bar = tqdm(total=len(months), unit="months", disable=options["verbosity"] < 1)
        with bar, audit.channel("command"):
            summary = facts.refresh(months, progress=lambda done: bar.update())
        self.stdout.write(
            f"Computed {summary['months']} months: {summary['facts']} facts, "
            f"{summary['changed']} added, changed or removed."
        )
