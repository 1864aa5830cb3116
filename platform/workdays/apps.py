from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "Working-day calendar"
    default_auto_field = "django.db.models.BigAutoField"
