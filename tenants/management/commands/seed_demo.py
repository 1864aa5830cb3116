from django.core.management.base import BaseCommand
from tqdm import tqdm

from tenants.demo import seed_agencies, seed_users


class Command(BaseCommand):
    help = (
        "Create the demo city (bureau, 20 departments, 8 counties, oversight, discipline inspection) "
        "and demo users, once."
    )

    def handle(self, *args, **options):
        from tenants.city import CITY

        with tqdm(total=len(CITY), desc="agencies", unit="schema", disable=options["verbosity"] == 0) as bar:
            from tenants.models import Agency

            bar.update(Agency.objects.filter(code__in=[s.code for s in CITY]).count())

            def advance(result):
                bar.set_postfix_str(f"{result.agency.code} {result.milliseconds:.0f} ms")
                bar.update(1)

            created = seed_agencies(progress=advance)
        users = seed_users()
        if options["verbosity"]:
            self.stdout.write(f"{len(created)} agencies and {users} demo users created.")
