import os
import signal
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.runserver import Command as RunServer

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

    def handle(self, *args, **options):
        call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
        fingerprint = migration_fingerprint()
        if (
            SchemaJournal.objects.exists()
            and not SchemaJournal.objects.filter(fingerprint=fingerprint).exists()
        ):
            # The tenant migrations changed since the agency schemas were made: bring them up to date.
            self.stdout.write("Migrating agency schemas")
            call_command("migrate_schemas", tenant=True, verbosity=0, interactive=False)
            current_journal()  # record the new state, so the next start skips this
        call_command("seed_demo", verbosity=1)
        # DEBUG is off here as in production: WhiteNoise serves the collected, hashed static files.
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["no_serve"]:
            self._banner()
            return
        # SIGTERM (kill, a process manager) ends the server like Ctrl-C does, so the finally runs.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            self._serve()
        finally:
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
