from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProbationConfig(AppConfig):
    name = "probation"
    verbose_name = "Probation core records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(
            _after_migrate, sender=self, dispatch_uid="probation-reference-data-and-roles"
        )


def _after_migrate(sender, using="default", **kwargs):
    """Roles need the permissions Django creates after migrating, so they are synced here
    (idempotently). The national structure is loaded by migration 0003; it is loaded again
    here only into an empty table (a database flushed by the test framework), so that
    NOMS's later edits to reference data are never overwritten."""
    from probation.models import Organisation
    from probation.reference import load_national_structure
    from probation.roles import sync_roles

    sync_roles(using=using)
    if not Organisation.objects.using(using).exists():
        load_national_structure(Organisation)
