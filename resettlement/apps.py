"""Through the Gate resettlement: resettlement prisons, custody screening and plans (DOMAIN.md
7).
"""

from django.apps import AppConfig


class ResettlementConfig(AppConfig):
    name = "resettlement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from probation.signals import provider_changed
        from resettlement import custody, workflows  # noqa: F401  registers the plan's workflow

        provider_changed.connect(custody.refresh_for_person, dispatch_uid="resettlement-refresh")
