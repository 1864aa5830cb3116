"""Storage housekeeping run by Celery beat."""

from datetime import timedelta

from celery import shared_task
from django.core.files.storage import default_storage
from django.utils import timezone

from filestore.models import StagedUpload

# Longer than a session lives unused (Django's default: two weeks after the last change), so a draft
# that can still be filed never loses its files; filing also checks they are all still there.
ABANDONED_AFTER = timedelta(days=15)


@shared_task
def purge_abandoned_uploads() -> int:
    """Delete draft uploads never filed (the session that held the draft has expired by then).
    Returns how many were removed."""
    cutoff = timezone.now() - ABANDONED_AFTER
    removed = 0
    for staged in StagedUpload.objects.filter(created_at__lt=cutoff).order_by("created_at")[:5000]:
        default_storage.delete(staged.key)
        staged.delete()
        removed += 1
    return removed
