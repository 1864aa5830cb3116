"""gunicorn settings for Petition Hall: `gunicorn -c infra/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

pythonpath = "platform"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# More threads than admission slots (config/admission.py): a request beyond the slots waits in the
# hall for at most HALL_ADMISSION_WAIT seconds; beyond the slots and the queue it gets 503 +
# Retry-After at once, which costs about a millisecond, so the server's own queue drains quickly even
# at twice the peak. Each thread keeps its own database connection (CONN_MAX_AGE).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# gthread, noting when each request was queued so the admission gate counts that wait too.
worker_class = "config.gunicorn_worker.HallThreadWorker"
os.environ.setdefault("HALL_ADMISSION_SLOTS", "3")
os.environ.setdefault("HALL_ADMISSION_QUEUE", str(max(0, threads - int(os.environ["HALL_ADMISSION_SLOTS"]))))
# The application is loaded once, in the master, and every worker is forked from it: what loading
# makes (Django, the hall, the PDF stack, frozen by config/heap.py) is shared and not rebuilt per
# worker, so a worker (re)started by max_requests serves at once instead of spending seconds of CPU
# importing beside the others. Nothing connects while loading: each worker opens its own database,
# Redis and broker connections on first use.
preload_app = True
timeout = 60
# How long an idle keep-alive connection stays open. Longer than nginx keeps its idle connections to
# us (``keepalive_timeout`` in infra/nginx.conf's upstream, 60 s), so that nginx always closes one
# first: with gunicorn's default of 2 s it closed connections nginx was about to reuse, and a POST
# sent on one at that moment fails (nginx does not resend a non-idempotent request: a 502 for the
# petitioner; the intake benchmark's clients saw it at 100 filings/s offered). An idle connection
# holds no thread (gthread keeps it in its poller).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
graceful_timeout = 30
max_requests = 10000
max_requests_jitter = 1000
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
