"""Create a partner system's API client for one organisation and print its token once."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from probation import audit
from probation.models import ApiToken, Organisation, User, UserKind


class Command(BaseCommand):
    help = "Create an API client scoped exactly like staff of ORGANISATION; print its token."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="Organisation code, e.g. CRC11")
        parser.add_argument("--name", required=True, help="The partner system's name")

    def handle(self, *args, organisation, name, **options):
        org = Organisation.objects.filter(code=organisation.strip().upper()).first()
        if org is None:
            raise CommandError(f"No organisation has the code {organisation!r}.")
        if org.kind not in ("CRC", "NPS_DIVISION", "NOMS", "NOMS_UNIT"):
            raise CommandError(
                "API clients act for a CRC, an NPS division, NOMS or a NOMS unit; "
                f"{org.code} is a {org.get_kind_display()}."
            )
        base = "api-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        username = f"{base}-{org.code.lower()}"[:140]
        with transaction.atomic(), audit.channel("command"):
            suffix = 1
            candidate = username
            while User.objects.filter(username=candidate).exists():
                suffix += 1
                candidate = f"{username}-{suffix}"
            client = User(
                username=candidate,
                first_name=name[:150],
                kind=UserKind.API_CLIENT,
                organisation=org,
            )
            client.set_unusable_password()
            client.save()
            token, key = ApiToken.issue(user=client)
            audit.record_create(actor=None, instance=client)
        self.stderr.write(f"Created API client {client.username} for {org.code} ({org.name}).")
        self.stdout.write(key)
