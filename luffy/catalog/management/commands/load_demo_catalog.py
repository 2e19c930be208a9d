from django.core.management.base import BaseCommand

from luffy.catalog.demo import demo_catalog_load


class Command(BaseCommand):
    help = "Load a demo catalog (courses, options, lessons, activities, banners, navs). Idempotent."

    def handle(self, *args, **options):
        created = demo_catalog_load()
        summary = ", ".join(f"{n} {name}" for name, n in created.items() if n) or "nothing new"
        self.stdout.write(f"Demo catalog loaded: {summary}.")
