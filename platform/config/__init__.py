# The Celery app is loaded with Django, so @shared_task uses it (its broker, or eager mode when
# no broker is configured) rather than Celery's default app.
from config.celery_app import app as celery_app

__all__ = ["celery_app"]
