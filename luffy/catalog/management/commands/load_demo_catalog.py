from django.core.management.base import BaseCommand

from luffy.catalog.demo import demo_catalog_load
from luffy.catalog.models import Course


class Command(BaseCommand):
    help = "Load a demo catalog (courses, options, lessons, activities, banners, navs). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only when there are no courses yet (what `make run` does on first start)",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Course.objects.exists():
            self.stdout.write("Catalog already has courses; demo catalog not loaded.")
            return
        created = demo_catalog_load()
        summary = ", ".join(f"{n} {name}" for name, n in created.items() if n) or "nothing new"
        self.stdout.write(f"Demo catalog loaded: {summary}.")
