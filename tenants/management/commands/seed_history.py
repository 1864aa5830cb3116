import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants import demo_history


class Command(BaseCommand):
    help = (
        "Seed the demo city's year (about 2,000 petitions walked through the case services on believable "
        "dates), once; resumes a replay that was stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--petitions", type=int, default=settings.HALL_DEMO_HISTORY_PETITIONS)

    def handle(self, *args, **options):
        started = time.monotonic()
        shown = {"percent": -1}

        def progress(marker) -> None:
            percent = marker.percent
            if percent // 5 != shown["percent"] // 5 or marker.steps_done == marker.steps_total:
                shown["percent"] = percent
                self.stdout.write(f"演示数据生成中 {percent}% ({demo_history.timed(marker, started)})")

        refused: Counter[str] = Counter()
        marker = demo_history.run_locked(petitions=options["petitions"], progress=progress, refused=refused)
        if marker is None:
            self.stdout.write("Demo history: another process is seeding it.")
            return
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Demo history ready: {marker.petitions} petitions, {marker.steps_total} steps "
            f"({seconds:.0f} s this run)."
        )
        if refused and options["verbosity"] > 1:
            for what, count in refused.most_common():
                self.stdout.write(f"  refused by the procedure: {what} ×{count}")
