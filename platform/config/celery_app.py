"""The Celery app. tenant-schemas-celery carries the tenant schema into every task."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp  # noqa: E402

app = TenantAwareCeleryApp("petition_hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
