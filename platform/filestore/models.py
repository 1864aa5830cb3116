"""Files stored before anything refers to them (a citizen's draft uploads)."""

from django.conf import settings
from django.db import models


class StagedUpload(models.Model):
    """An upload kept for a draft petition. Filing the petition releases it; one never filed is
    deleted, file and all, by ``filestore.tasks.purge_abandoned_uploads`` after a grace period.

    A draft's uploads are rows here (``owner`` and ``draft``), not a list in the session: several
    files sent at once are parallel requests, and each inserts its own row, so none can overwrite
    another's (a session is saved whole by whichever request finishes last)."""

    key = models.CharField(max_length=400, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    draft = models.UUIDField(null=True, blank=True)
    token = models.CharField(max_length=32, blank=True)
    # For display only, with the extension of the detected type; what the file is served as follows the key.
    name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["owner", "draft"], name="filestore_staged_draft")]

    def __str__(self) -> str:
        return self.key
