from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "Working-day calendar"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workdays import signals  # noqa: F401 - connects the version bump to CalendarDay edits
