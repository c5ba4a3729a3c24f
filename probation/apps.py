from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProbationConfig(AppConfig):
    name = "probation"
    verbose_name = "Probation core records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Roles need the permissions Django creates after migrating, so they are synced
        # (idempotently) after every migrate rather than in a data migration.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="probation-sync-roles")


def _sync_roles(sender, using="default", **kwargs):
    from probation.roles import sync_roles

    sync_roles(using=using)
