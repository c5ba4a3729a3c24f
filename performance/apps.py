from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance and assurance"
    default_auto_field = "django.db.models.BigAutoField"
