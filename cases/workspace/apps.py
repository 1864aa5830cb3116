from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The agency workspaces: the bureau's queue, every agency's inbox, case pages and settings."""

    name = "cases.workspace"
    label = "workspace"
    verbose_name = "Agency workspaces"
    default_auto_field = "django.db.models.BigAutoField"
