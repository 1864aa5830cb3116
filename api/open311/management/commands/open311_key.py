"""Issue or revoke an Open311 API key (until the API's own tokens, issued in the workspace settings by an
agency admin with the second factor, replace these keys: api.open311.keys)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.access import agency_roles
from accounts.models import User
from api.open311.keys import issue_key, revoke_key
from api.open311.models import Open311Key
from tenants.models import Agency


class Command(BaseCommand):
    help = "Issue an Open311 api_key for a citizen's app (--user) or a staff system (--user and --agency)."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="the account the key acts as (e-mail)")
        parser.add_argument("--agency", default="", help="staff system: the agency code it registers for")
        parser.add_argument("--label", default="Open311", help="what the key is for")
        parser.add_argument("--revoke", default="", help="revoke the key with this id instead")

    def handle(self, *args, **options):
        if options["revoke"]:
            key = Open311Key.objects.filter(pk=options["revoke"]).first()
            if key is None:
                raise CommandError("no such key")
            revoke_key(key=key)
            self.stdout.write(f"revoked {key.pk}")
            return
        user = User.objects.filter(email__iexact=options["user"] or "").first()
        if user is None:
            raise CommandError("--user: no account with that e-mail")
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"].lower()).first()
            if agency is None:
                raise CommandError("--agency: no agency with that code")
            if not agency_roles(user, agency):
                raise CommandError("--agency: the user is not a member of that agency")
        key, plain = issue_key(user=user, label=options["label"], agency=agency)
        # Shown once: only its hash is kept.
        self.stdout.write(f"id {key.pk}\napi_key {plain}")
