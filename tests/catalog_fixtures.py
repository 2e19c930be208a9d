"""Catalog factories shared by the catalog, cart and order tests."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.catalog.models import (
    Activity,
    Course,
    CourseCategory,
    CourseChapter,
    CourseExpire,
    CourseLesson,
    CoursePriceDiscount,
    Discount,
    DiscountType,
    Teacher,
)

_names = itertools.count(1)


@pytest.fixture
def category(db):
    return CourseCategory.objects.create(name="Python")


@pytest.fixture
def teacher(db):
    return Teacher.objects.create(
        name="Alex", title="Lecturer", signature="Hi", brief="<p>ten years</p>"
    )


@pytest.fixture
def make_course(db, category, teacher):
    def make(*, price="100.00", options=(), chapters=1, lessons=2, **fields):
        course = Course.objects.create(
            name=fields.pop("name", f"Course {next(_names)}"),
            category=fields.pop("category", category),
            teacher=fields.pop("teacher", teacher),
            price=Decimal(price),
            # New courses start as drafts; the factory's courses are on sale unless told.
            status=fields.pop("status", Course.Status.ONLINE),
            **fields,
        )
        for days, option_price in options:
            CourseExpire.objects.create(
                course=course, days=days, text=f"{days}天有效", price=Decimal(option_price)
            )
        for number in range(1, chapters + 1):
            chapter = CourseChapter.objects.create(
                course=course, number=number, name=f"Ch {number}"
            )
            for order in range(1, lessons + 1):
                CourseLesson.objects.create(
                    chapter=chapter,
                    course=course,
                    name=f"{number}.{order}",
                    order=order,
                    link=f"v-{number}-{order}",
                    show_on_list=True,
                    free_trial=order == 1,
                )
        return course

    return make


@pytest.fixture
def make_discount(db):
    """Put courses on sale: make_discount(course, rule="*0.8", start=..., end=...)."""

    def make(*courses, rule="*0.8", condition="0", type_name="限时折扣", start=None, end=None):
        now = timezone.now()
        dtype, _ = DiscountType.objects.get_or_create(name=type_name)
        discount = Discount.objects.create(type=dtype, sale=rule, condition=Decimal(condition))
        activity = Activity.objects.create(
            name=f"Sale {next(_names)}",
            start=start or now - timedelta(days=1),
            end=end or now + timedelta(days=1),
        )
        for course in courses:
            CoursePriceDiscount.objects.create(course=course, activity=activity, discount=discount)
        return activity

    return make
