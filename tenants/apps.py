from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Agencies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tenants.middleware import forget_tenants
        from tenants.models import Agency, Domain

        # The host routing's copy of the agencies (tenants.middleware) follows every edit here.
        for model in (Agency, Domain):
            post_save.connect(
                forget_tenants, sender=model, dispatch_uid=f"forget_tenants_saved_{model.__name__}"
            )
            post_delete.connect(
                forget_tenants, sender=model, dispatch_uid=f"forget_tenants_deleted_{model.__name__}"
            )
