"""The unread count for the header's inbox link, on the portal only, counted only when rendered."""

from django.utils.functional import SimpleLazyObject
from django_tenants.utils import get_public_schema_name


def inbox(request):
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    on_portal = tenant is None or tenant.schema_name == get_public_schema_name()
    if user is None or not user.is_authenticated or not on_portal:
        return {"show_inbox": False, "unread_notifications": 0}

    def count() -> int:
        from notifications.services import unread_count

        return unread_count(user)

    return {"show_inbox": True, "unread_notifications": SimpleLazyObject(count)}
