from django.apps import AppConfig


class CaseIndexConfig(AppConfig):
    """The public-schema index of every case (one row per petition, whatever agency holds it)."""

    name = "cases.index"
    label = "caseindex"
    verbose_name = "Case index"
    default_auto_field = "django.db.models.BigAutoField"
