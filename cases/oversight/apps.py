from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The supervising body (督查): reads across every agency, KPIs, reminders and supervision orders.

    Its tables live in the public schema (a shared app): they are about many agencies at once.
    """

    name = "cases.oversight"
    label = "oversight"
    verbose_name = "Oversight"
    default_auto_field = "django.db.models.BigAutoField"
