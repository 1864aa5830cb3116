"""The objects a process makes while it loads the hall, set aside from the garbage collector."""

import gc
import importlib

from django.conf import settings

# What the request paths import inside functions, on their first use: loaded with the application
# instead, so no worker's first repeat filing or first document pays for it inside a request. The
# PDF stack alone (fpdf, fontTools, PIL: ~200 modules) took ~30% of a worker's CPU in the first 12 s
# of an intake run (py-spy, --gil), and a worker restarted by max_requests paid it again.
LOADED_ON_FIRST_USE = (
    "documents.services",  # a numbered notice in the request (the PDF renders in the worker)
    "notifications.tasks",  # the after-commit message
    "cases.index.tracking",  # a filing's tracking number
    "config.postgresql.side",
    "django.contrib.sessions.serializers",
    "django.contrib.messages.storage.fallback",
    "django_tenants.routers",
)


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
    for module in LOADED_ON_FIRST_USE:
        importlib.import_module(module)
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from config.celery_app import app

    # Built (and their libraries imported) without connecting: each connects on first use.
    if isinstance(caches["default"], RedisCache):
        caches["default"]._cache  # noqa: B018 - the Redis client's module
    app.amqp  # noqa: B018 - the task publisher of the first after-commit send
    app.connection_for_write().transport  # noqa: B018 - the broker's transport module
    app.backend  # noqa: B018
    gc.collect()
    gc.freeze()
