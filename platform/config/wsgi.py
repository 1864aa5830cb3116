import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from config.heap import freeze_loaded_objects  # noqa: E402

application = get_wsgi_application()
# Everything loaded so far lives as long as the process: no full garbage collection walks it again.
freeze_loaded_objects()
