import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.runserver import Command as RunServer

from tenants import demo_history
from tenants.demo import DEMO_PASSWORD, DEMO_USERS, demo_summary
from tenants.hosts import portal_url
from tenants.models import SchemaJournal
from tenants.provisioning import current_journal, migration_fingerprint


class HallRunServer(RunServer):
    """runserver that prints ``banner()`` once its socket listens, instead of its own lines."""

    banner: Callable[[], None] = staticmethod(lambda: None)

    def on_bind(self, server_port):
        self.banner()


class Command(BaseCommand):
    help = "What `./run` does: migrate, seed the demo city once, print the URLs and logins, serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up and print, but do not serve")
        parser.add_argument("--empty", action="store_true", help="skip the demo city's year of petitions")

    def handle(self, *args, **options):
        call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
        fingerprint = migration_fingerprint()
        if (
            SchemaJournal.objects.exists()
            and not SchemaJournal.objects.filter(fingerprint=fingerprint).exists()
        ):
            # The tenant migrations changed since the agency schemas were made: bring them up to date,
            # every schema in parallel from one recorded delta (a deploy step: `manage.py migrate_agencies`).
            self.stdout.write("Waiting for the agency schemas to be migrated (manage.py migrate_agencies)")
            call_command("migrate_agencies", skip_shared=True, verbosity=1)
            current_journal()  # record the new state, so the next start skips this
        call_command("seed_demo", verbosity=1)
        demo_history.start_for_serve(self.stdout, empty=options["empty"], wait=options["no_serve"])
        # DEBUG is off here as in production: WhiteNoise serves the collected, hashed static files.
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["no_serve"]:
            self._banner()
            return
        # SIGTERM (a service manager, `kill`) ends the server like Ctrl-C does, so the finally below
        # stops the worker and the embedded database too.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        # Ctrl-C too, even when started from a shell that ignores SIGINT for background jobs.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        worker = self._start_background_work()
        try:
            self._serve()
        finally:
            stop_worker(worker)
            self._stop_embedded_database()

    def _serve(self) -> None:
        """runserver, with the banner printed once the socket listens, in place of runserver's own
        "Starting development server at http://127.0.0.1:PORT/": that address answers 404 (the hall
        routes by host name), so the last line printed is the portal's URL."""
        server = HallRunServer()
        server.banner = self._banner
        host = os.environ.get("HOST", "127.0.0.1")
        call_command(server, f"{host}:{settings.HALL_PORT}", use_reloader=False)

    def _stop_embedded_database(self) -> None:
        """Ctrl-C stops the embedded PostgreSQL this ./run started (one already running is left)."""
        from config.embedded_db import stop_embedded_databases

        for data_dir in stop_embedded_databases():
            self.stdout.write(f"Stopped the embedded PostgreSQL ({data_dir}).")

    def _start_background_work(self) -> subprocess.Popen | None:
        """Start what runs beside the web server: the Celery worker with beat. Other background work
        that starts with the server (a demo-history seeder, ...) goes here too."""
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("  Tasks run inline (CELERY_TASK_ALWAYS_EAGER): no worker started.")
            return None
        worker = start_worker(beat=True)
        broker = settings.CELERY_BROKER_URL.split("@")[-1]  # never print a broker password
        self.stdout.write(f"  Celery worker and beat started (pid {worker.pid}, broker {broker})")
        return worker

    def _banner(self) -> None:
        out = self.stdout.write
        out("")
        out("=" * 72)
        out(f"  网上信访大厅 Petition Hall — portal: {portal_url()}")
        out("  Workspaces:")
        for label, url in demo_summary():
            out(f"    {label:24} {url}")
        out(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            where = demo.agency_code or "portal"
            out(f"    {demo.email:28} {where:6} {', '.join(demo.roles) or 'citizen'}")
        out("  *.localhost resolves to 127.0.0.1 in Chromium and Firefox; for curl use --resolve.")
        out("  Quit with CONTROL-C (this also stops the embedded PostgreSQL that ./run started).")
        out("=" * 72)
        # The last line: what to open (the bare 127.0.0.1:PORT answers 404, the hall routes by host).
        out(f"Open the portal: {portal_url()}")


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the worker is sent SIGTERM if serve_hall itself is killed (even by SIGKILL): no orphans.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker_command(*, beat: bool, queue: str | None = None, concurrency: int = 2) -> list[str]:
    """The Celery worker command line (from the virtualenv that runs this process)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "--workdir",
        str(Path(settings.ROOT_DIR) / "platform"),
        "-A",
        "config.celery_app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "-Q",
        queue or settings.CELERY_TASK_DEFAULT_QUEUE,
        "--hostname",
        f"hall-{os.getpid()}@%h",
    ]
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # The folder broker has no broadcast: no remote control, no worker-to-worker chatter.
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    if beat:
        command += ["--beat", "--schedule", str(Path(settings.DATA_DIR) / "celerybeat-schedule")]
    return command


def start_worker(
    *, beat: bool, env: dict[str, str] | None = None, output: IO[bytes] | None = None, **kwargs
) -> subprocess.Popen:
    """The worker in a process group of its own (so stopping it stops its pool processes too); its
    log to ``output`` when given (stdout and stderr), else to this process's."""
    return subprocess.Popen(  # noqa: S603
        worker_command(beat=beat, **kwargs),
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )


def stop_worker(worker: subprocess.Popen | None, *, timeout: float = 20.0) -> None:
    """Warm shutdown (SIGTERM: finish the running tasks), then SIGKILL for the whole group."""
    if worker is None or worker.poll() is not None:
        return
    # The main process only: it stops its pool and beat itself; the group is killed if it hangs.
    worker.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.2)
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # what is left of the group (pool processes too)
    except ProcessLookupError:
        pass
    worker.wait(timeout=10)
