"""Generate a realistic, reproducible demo population (up to the national caseload)."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from probation import audit, clock, demo
from probation.models import Person


class Command(BaseCommand):
    help = (
        "Create demo users for every role (password in README.md) and N people on probation "
        "spread over every CRC and LDU, with offender managers for their caseloads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offenders", type=int, default=2000, help="people to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible)")
        parser.add_argument(
            "--append",
            action="store_true",
            help="add to existing people instead of refusing when some exist",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (successfully) when people already exist",
        )
        parser.add_argument(
            "--pending-allocations",
            type=int,
            default=demo.PENDING_ALLOCATIONS_PER_DIVISION,
            help="people just sentenced and awaiting allocation, per NPS division "
            "(every other managed sentence is allocated)",
        )

    def handle(self, *args, offenders, seed, append, if_empty, pending_allocations, **options):
        if offenders < 0:
            raise CommandError("--offenders must be zero or more")
        if pending_allocations < 0:
            raise CommandError("--pending-allocations must be zero or more")
        if if_empty and Person.objects.exists():
            self.stdout.write("People already exist; demo data left as it is.")
            return
        if Person.objects.exists() and not append:
            raise CommandError(
                "People already exist; use --append to add more, or start from an empty database"
            )
        bar = tqdm(total=offenders, unit="people", disable=options["verbosity"] < 1)
        with bar, audit.channel("command"):
            counts = demo.seed(
                offenders=offenders,
                seed=seed,
                today=clock.today(),
                progress=bar.update,
                pending_allocations=pending_allocations,
            )
        self.stdout.write(
            f"Created {counts['people']} people, {counts['staff']} offender managers and "
            f"{counts['demo_users']} demo users (password: {demo.DEMO_PASSWORD}); "
            f"{counts['awaiting_allocation']} sentences await allocation."
        )
