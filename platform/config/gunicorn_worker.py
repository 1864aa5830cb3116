"""gunicorn's gthread worker, telling the admission gate how long each request waited for a thread.

gthread accepts every connection and queues it for its thread pool without bound: under overload a
request could wait there for 30 s before any of the hall's code ran. This worker stamps a connection
when it is queued (a new connection, or a keep-alive one whose next request arrived) and, when a
thread takes it, tells ``config.admission`` how long it waited for that thread, so the gate counts
that wait against ``HALL_ADMISSION_WAIT`` and refuses a request that already waited too long (503 +
Retry-After, about a millisecond) instead of working on it after its client gave up. Only the wait
for a thread counts: a client slow to send its request (a browser's preconnect, a slow network) is
the client's time, not the server's queue.
"""

import time

from gunicorn.workers.gthread import ThreadWorker

from config import admission


class HallThreadWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.hall_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        queued_at = getattr(conn, "hall_queued_at", None)
        admission.note_server_wait(0.0 if queued_at is None else time.monotonic() - queued_at)
        try:
            return super().handle(conn)
        finally:
            admission.note_server_wait(0.0)
