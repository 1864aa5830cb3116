"""Open311 API keys and the requests filed with them (public schema)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Key(models.Model):
    """A key an application files service requests with (GeoReport v2 ``api_key``).

    Kept as a keyed hash only (the key is shown once, when issued). ``agency`` empty: a citizen's own
    app, filing as that citizen with their real-name profile. ``agency`` set: a staff system (the 12345
    hotline) registering calls for ``agency`` as its member ``user``. To be backed by the API's tokens
    (issue 12, item 3) once they exist: only ``keys.open311_key_agent`` reads this table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=8, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(
        "tenants.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 密钥")

    def __str__(self) -> str:
        return f"{self.label} ({self.key_prefix}…)"


class Open311Request(models.Model):
    """A petition filed through Open311: its token (GeoReport ``tokens/{id}``) and the key it came with."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.ForeignKey(Open311Key, on_delete=models.CASCADE, related_name="requests")
    case_uuid = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.token)
