"""A loaded WSGI process has frozen what it loaded (config/heap.py): no full garbage collection walks
Django, the hall's modules or its views again, so one costs a few milliseconds, not tens."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.tenants.test_surface_processes import _test_database_url

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys
import config.wsgi
# Every view module is loaded and frozen with the rest; what is left to walk is a handful of objects.
first_use = ("documents.pdf", "fpdf", "notifications.tasks", "celery.app.amqp")
print(gc.get_freeze_count(), len(gc.get_objects()), "cases.oversight.views" in sys.modules,
      all(name in sys.modules for name in first_use))
"""


def test_the_wsgi_entry_point_freezes_what_it_loaded(django_db_setup):
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PYTHONPATH": str(ROOT / "platform"),
    }
    env.pop("HALL_TEST_DB_NAME", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, tracked, views_loaded, first_use_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert int(tracked) < 1_000
    assert views_loaded == "True"
    # What a request would import on first use (the PDF stack of a numbered notice, the after-commit
    # message's publisher) is loaded with the application, not inside a worker's first requests.
    assert first_use_loaded == "True"
