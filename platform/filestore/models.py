"""Files stored before anything refers to them (a citizen's draft uploads)."""

from django.db import models


class StagedUpload(models.Model):
    """An upload kept for a draft petition. Filing the petition releases it; one never filed is
    deleted, file and all, by ``filestore.tasks.purge_abandoned_uploads`` after a grace period."""

    key = models.CharField(max_length=400, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
