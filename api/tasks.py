"""API housekeeping run by Celery beat (in the public schema, where the keys live)."""

from celery import shared_task

from api.idempotency import LIFETIME
from api.models import IdempotencyKey
from config import clock


@shared_task
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key answers older than their 24 hours (a lookup ignores them already; this
    keeps the table small). Returns how many were removed."""
    removed, _ = IdempotencyKey.objects.filter(created_at__lt=clock.now() - LIFETIME).delete()
    return removed
