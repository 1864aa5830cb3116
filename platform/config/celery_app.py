"""The Celery app. tenant-schemas-celery carries the tenant schema into every task.

``./run`` starts a worker with beat (the daily deadline sweep, settings.CELERY_BEAT_SCHEDULE) beside the
web server (tenants.management.commands.serve_hall); by hand, from the repository root:
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


@app.on_after_configure.connect
def _make_the_broker_folder(sender, **_kwargs) -> None:
    # The filesystem transport (no CELERY_BROKER_URL) writes messages into this folder.
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        (Path(settings.HALL_BROKER_DIR) / "control").mkdir(parents=True, exist_ok=True)
