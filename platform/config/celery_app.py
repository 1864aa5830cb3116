"""The Celery app. tenant-schemas-celery carries the tenant schema into every task.

Start a worker with beat (the daily deadline sweep, settings.CELERY_BEAT_SCHEDULE) from the repository root:
``.venv/bin/celery --workdir platform -A config.celery_app worker -B``. Beat runs in the public schema.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp  # noqa: E402

app = TenantAwareCeleryApp("petition_hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
