from django.apps import AppConfig


class ResettlementConfig(AppConfig):
    name = "resettlement"
    default_auto_field = "django.db.models.BigAutoField"
