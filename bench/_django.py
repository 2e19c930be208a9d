"""What every in-process benchmark starts with: Django on the test settings, a throw-away SQLite
file and a private embedded Redis (or DATABASE_URL / REDIS_URL when set), and a demo catalog.

Import it first: `import _django` (the benchmarks run as `python bench/<name>.py`)."""

import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LUFFY_VAR_DIR", tempfile.mkdtemp(prefix="luffy-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "luffy.config.settings.test"
# Set-up inserts and whole-table sweeps may run longer than a request may: no database
# statement timeout for the benchmarks unless asked for (the lock timeout stays).
os.environ.setdefault("DB_STATEMENT_TIMEOUT", "0")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from luffy.catalog import models as catalog  # noqa: E402


def make_courses(
    count: int, *, options=((30, "1个月有效", "29"),), discounted_every: int = 0
) -> list[catalog.Course]:
    """`count` courses at 99.00 with the given validity options; every n-th on a running
    20 % discount when `discounted_every` is n."""
    activity = discount = None
    if discounted_every:
        now = timezone.now()
        dtype = catalog.DiscountType.objects.create(name="限时折扣")
        discount = catalog.Discount.objects.create(type=dtype, sale="*0.8", condition=Decimal(0))
        activity = catalog.Activity.objects.create(
            name="bench",
            start=now - timezone.timedelta(days=1),
            end=now + timezone.timedelta(days=1),
        )
    courses = []
    for i in range(count):
        course = catalog.Course.objects.create(
            name=f"Course {i}", price=Decimal("99.00"), status=catalog.Course.Status.ONLINE
        )
        for days, text, price in options:
            catalog.CourseExpire.objects.create(
                course=course, days=days, text=text, price=Decimal(price)
            )
        if discounted_every and i % discounted_every == 0:
            catalog.CoursePriceDiscount.objects.create(
                course=course, activity=activity, discount=discount
            )
        courses.append(course)
    return courses
