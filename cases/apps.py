from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Petition cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.queries import notification_summary
        from cases.tasks import on_calendar_changed
        from notifications.services import install_case_summary
        from workdays.signals import calendar_changed

        # Deadlines already computed follow an edit of the working-day calendar.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="cases_recompute_deadlines")
        # The citizens' notifications name the case and its holder; the cases say how.
        install_case_summary(notification_summary)
