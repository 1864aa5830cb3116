"""What the API keeps between requests, in the public schema: the answers to creates made with an
``Idempotency-Key`` (api.idempotency)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """One create made with an ``Idempotency-Key`` and the answer it got, for 24 hours.

    ``owner`` scopes the key (a token or a signed-in user, never shared between them); ``fingerprint``
    is a digest of the method, path and body, so a key reused for another request is refused.
    """

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=120)
    body = models.BinaryField()
    headers = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
