from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.migrating import migrate_agencies


class Command(BaseCommand):
    help = (
        "Apply new migrations: the public schema, then every agency schema by replaying the recorded "
        "delta in parallel (resumable: run it again after a failure)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4, help="database connections used at once")
        parser.add_argument("--schema", action="append", dest="schemas", help="only these schemas")
        parser.add_argument("--skip-shared", action="store_true", help="leave the public schema alone")

    def handle(self, *args, **opts):
        if not opts["skip_shared"]:
            call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
        quiet = opts["verbosity"] == 0
        bars: list[tqdm] = []

        def progress(total: int):
            bar = tqdm(total=total, desc="agency schemas", unit="schema", disable=quiet, file=self.stderr)
            bars.append(bar)
            return bar.update

        try:
            report = migrate_agencies(schemas=opts["schemas"], workers=opts["workers"], progress=progress)
        finally:
            for bar in bars:
                bar.close()
        if not quiet:
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(
                f"{len(report.failed)} schema(s) not migrated; the others are done. Run the command again."
            )
