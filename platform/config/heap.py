"""The objects a process makes while it loads the hall, set aside from the garbage collector."""

import gc
import importlib

from django.conf import settings


def freeze_loaded_objects() -> None:
    """Load every URL conf (and so every view a request can reach), collect once, then move every
    object the process tracks into the collector's permanent generation (``gc.freeze``), where no
    later collection walks it. Called by the WSGI and ASGI entry points once the application is
    loaded (and by benchmarks/oversight_scale.py, which times the views' functions in-process).

    What loading Django and the hall makes (~80,000 tracked objects: modules, classes, functions,
    settings) lives as long as the process, and a full collection walks every tracked object: on the
    2-core machine one took 25-70 ms, and a view that builds a large table sets one off every few
    dozen requests (the KPI table at 1,000 agencies keeps ~4,000 objects: one every ~20 tables, which
    was its p95). With them frozen a full collection takes ~2 ms. The price: a reference cycle among
    the frozen objects that becomes garbage later is never freed; none is expected of what a process
    loads once.
    """
    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF, settings.OVERSIGHT_URLCONF):
        importlib.import_module(urlconf)
    gc.collect()
    gc.freeze()
