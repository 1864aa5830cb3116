from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.city import AgencySpec
from tenants.models import Agency, AgencyKind
from tenants.provisioning import ProvisioningError, provision_agency


class Command(BaseCommand):
    help = "Add an agency at run time: its row, its host and its schema (replayed from the journal)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="short code, also the subdomain (lowercase letters and digits)")
        parser.add_argument(
            "--kind",
            required=True,
            choices=[
                AgencyKind.DEPARTMENT,
                AgencyKind.COUNTY,
                AgencyKind.BUREAU,
                AgencyKind.OVERSIGHT,
                AgencyKind.DISCIPLINE,
            ],
        )
        parser.add_argument("--name-zh", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--responsibilities", default="")
        parser.add_argument("--keywords", default="")

    def handle(self, *args, **opts):
        code = opts["code"].strip().lower()
        if not code.isalnum() or not code.isascii():
            raise CommandError(f"code {code!r} must be lowercase ASCII letters and digits only")
        if Agency.objects.filter(code=code).exists():
            raise CommandError(f"an agency with code {code!r} already exists")
        spec = AgencySpec(
            code, opts["kind"], opts["name_zh"], opts["name_en"], opts["responsibilities"], opts["keywords"]
        )
        with tqdm(total=2, desc=f"provisioning {code}", disable=opts["verbosity"] == 0) as bar:
            from tenants.provisioning import current_journal

            journal = current_journal()
            bar.update(1)
            try:
                result = provision_agency(spec, journal=journal, sort_order=Agency.objects.count())
            except ProvisioningError as exc:
                raise CommandError(str(exc)) from exc
            bar.update(1)
        from tenants.hosts import agency_url

        self.stdout.write(
            f"{result.agency.name_zh} ready in {result.milliseconds:.0f} ms at {agency_url(code)}"
        )
