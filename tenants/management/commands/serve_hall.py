import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants import demo_history
from tenants.demo import DEMO_PASSWORD, DEMO_USERS, demo_summary
from tenants.hosts import portal_url
from tenants.models import SchemaJournal
from tenants.provisioning import current_journal, migration_fingerprint


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
            # The tenant migrations changed since the agency schemas were made: bring them up to date.
            self.stdout.write("Migrating agency schemas")
            call_command("migrate_schemas", tenant=True, verbosity=0, interactive=False)
            current_journal()  # record the new state, so the next start skips this
        call_command("seed_demo", verbosity=1)
        demo_history.start_for_serve(self.stdout, empty=options["empty"], wait=options["no_serve"])
        # DEBUG is off here as in production: WhiteNoise serves the collected, hashed static files.
        call_command("collectstatic", interactive=False, verbosity=0)
        self._banner()
        if not options["no_serve"]:
            host = os.environ.get("HOST", "127.0.0.1")
            call_command("runserver", f"{host}:{settings.HALL_PORT}", use_reloader=False)

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
        out("=" * 72)
