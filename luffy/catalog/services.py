"""Catalog writes an operator makes: publishing courses, setting up a time-limited sale."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from luffy.catalog import cache
from luffy.catalog.models import (
    Activity,
    Course,
    CourseExpire,
    CoursePriceDiscount,
    Discount,
    DiscountType,
)
from luffy.catalog.selectors import with_lesson_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    published: list[int]  # course ids now online
    problems: dict[int, tuple[str, list[str]]]  # course id -> (name, what is missing)


def _option_count() -> Coalesce:
    options = (
        CourseExpire.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(options), 0)


def course_publish_problems(*, cover: str, price, lessons: int, options: int) -> list[str]:
    """What a course lacks before it can go on sale; empty when it is complete."""
    problems = []
    if not cover:
        problems.append(_("Upload a cover image."))
    if lessons < 1:
        problems.append(_("Add at least one lesson."))
    if options < 1 and not price > 0:
        problems.append(_("Set at least one price: a permanent price or a validity option."))
    return problems


def courses_publish(*, course_ids: Iterable[int]) -> PublishResult:
    """Put complete courses online (one read, one UPDATE); report what the others lack.

    Courses already online are left as they are and count as published."""
    ids = set(course_ids)
    with transaction.atomic():
        rows = (
            with_lesson_counts(Course.objects.filter(id__in=ids))
            .annotate(options=_option_count())
            .values_list("id", "name", "cover", "price", "lessons_count", "options")
        )
        ready, problems = [], {}
        for course_id, name, cover, price, lessons, options in rows:
            missing = course_publish_problems(
                cover=cover, price=price, lessons=lessons, options=options
            )
            if missing:
                problems[course_id] = (name, missing)
            else:
                ready.append(course_id)
        if ready:
            Course.objects.filter(id__in=ready).exclude(status=Course.Status.ONLINE).update(
                status=Course.Status.ONLINE
            )
            cache.catalog_changed()  # update() sends no post_save
    logger.info("courses published ids=%s incomplete=%s", sorted(ready), sorted(problems))
    return PublishResult(sorted(ready), problems)


def courses_unpublish(*, course_ids: Iterable[int]) -> int:
    """Take courses off sale (offline): no longer listed nor sold; buyers keep their access."""
    with transaction.atomic():
        count = Course.objects.filter(id__in=set(course_ids), status=Course.Status.ONLINE).update(
            status=Course.Status.OFFLINE
        )
        cache.catalog_changed()
    logger.info("courses taken off sale count=%s", count)
    return count


# --- a time-limited sale, set up in one form -------------------------------------------------
# The store keeps a sale as four rows: DiscountType (the name students see, e.g. 限时折扣),
# Discount (type + minimum price + rule text), Activity (name, start, end) and one
# CoursePriceDiscount per course linking the three. The sale form edits them as one thing.


def sale_save(
    *,
    activity: Activity | None,
    name: str,
    label: str,
    course_ids: Iterable[int],
    start: datetime,
    end: datetime,
    rule: str,
    condition: Decimal,
) -> Activity:
    """Create a sale (activity None) or change one: its courses, time and rule. One
    transaction; the course links are replaced set-based (one DELETE, one INSERT)."""
    course_ids = set(course_ids)
    with transaction.atomic():
        dtype, _created = DiscountType.objects.get_or_create(name=label)
        # A Discount may be shared by other activities: reuse an identical one, never edit it.
        discount = Discount.objects.filter(type=dtype, sale=rule, condition=condition).first()
        discount = discount or Discount.objects.create(type=dtype, sale=rule, condition=condition)
        if activity is None:
            activity = Activity.objects.create(name=name, start=start, end=end)
        else:
            activity.name, activity.start, activity.end = name, start, end
            activity.save(update_fields=["name", "start", "end"])
        links = CoursePriceDiscount.objects.filter(activity=activity)
        links.exclude(course_id__in=course_ids, discount=discount).delete()
        kept = set(links.values_list("course_id", flat=True))
        CoursePriceDiscount.objects.bulk_create(
            CoursePriceDiscount(course_id=course_id, activity=activity, discount=discount)
            for course_id in sorted(course_ids - kept)
        )
        cache.catalog_changed()  # bulk writes send no post_save
    logger.info(
        "sale saved activity=%s courses=%s rule=%r start=%s end=%s",
        activity.id, sorted(course_ids), rule, start.isoformat(), end.isoformat(),
    )  # fmt: skip
    return activity
