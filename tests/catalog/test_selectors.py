from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.catalog.models import Course
from luffy.catalog.selectors import PERMANENT_ID, course_offers

pytestmark = pytest.mark.django_db

LIST_QUERIES = 6  # count, page, list lessons, options, running discounts, next price change
DETAIL_QUERIES = 6  # course+teacher, chapters, lessons, options, running discounts, next change


def course_prices(*, items, at=None):
    """The options of (course_id, expire_id) pairs that are for sale, as checkout reads them
    (course_offers: 3 queries, uncached); a pair left out is "no longer for sale"."""
    wanted = set(items)
    offers = course_offers(course_ids={course_id for course_id, _ in wanted}, at=at)
    return {
        (o.course_id, o.expire_id): o
        for offer in offers.values()
        if offer.on_sale
        for o in offer.options
        if (o.course_id, o.expire_id) in wanted
    }


def _catalog(make_course, make_discount, n):
    courses = [
        make_course(options=[(30, "10"), (90, "20"), (180, "30")], chapters=2, lessons=3)
        for _ in range(n)
    ]
    make_discount(*courses, rule="*0.9")
    make_discount(*courses[::2], rule="满50-10", type_name="满减")
    return courses


@pytest.mark.parametrize("n", [2, 15])
def test_list_query_count_is_constant(
    api_client, category, make_course, make_discount, n, django_assert_num_queries
):
    _catalog(make_course, make_discount, n)
    with django_assert_num_queries(LIST_QUERIES):
        body = api_client.get("/api/courses/?size=50").json()
    assert len(body["results"]) == n
    assert all(len(item["list_lessons"]) == 4 for item in body["results"])
    with django_assert_num_queries(LIST_QUERIES + 1):  # + the category check
        body = api_client.get(f"/api/courses/?size=50&category={category.id}").json()
    assert body["count"] == n


@pytest.mark.parametrize("n", [2, 15])
def test_detail_query_count_is_constant(
    api_client, make_course, make_discount, n, django_assert_num_queries
):
    course = make_course(options=[(d, str(d)) for d in range(1, n + 1)], chapters=n, lessons=n)
    make_discount(course)
    with django_assert_num_queries(DETAIL_QUERIES):
        body = api_client.get(f"/api/courses/{course.id}/").json()
    assert len(body["expire_options"]) == n + 1
    assert sum(len(ch["lessons"]) for ch in body["chapters"]) == n * n


@pytest.mark.parametrize("n", [2, 15])
def test_course_prices_query_count_is_constant(
    make_course, make_discount, n, django_assert_num_queries
):
    courses = _catalog(make_course, make_discount, n)
    items = [(c.id, e.id) for c in courses for e in c.expire_options.all()]
    items += [(c.id, PERMANENT_ID) for c in courses]
    with django_assert_num_queries(3):
        quotes = course_prices(items=items)
    assert set(quotes) == set(items)


def test_course_prices_values(make_course, make_discount):
    course = make_course(price="100", options=[(30, "40"), (90, "60")])
    no_permanent = make_course(price="0", options=[(30, "10")])
    offline = make_course(status=Course.Status.OFFLINE)
    other = make_course(options=[(30, "5")])
    make_discount(course, rule="-20", condition="50", type_name="限时减免")
    month, quarter = course.expire_options.order_by("days")
    quotes = course_prices(
        items=[
            (course.id, PERMANENT_ID),
            (course.id, month.id),
            (course.id, quarter.id),
            (no_permanent.id, PERMANENT_ID),  # no permanent option
            (offline.id, PERMANENT_ID),  # not for sale
            (course.id, other.expire_options.get().id),  # another course's option
            (999, PERMANENT_ID),
        ]
    )
    assert set(quotes) == {
        (course.id, PERMANENT_ID),
        (course.id, month.id),
        (course.id, quarter.id),
    }
    permanent = quotes[(course.id, PERMANENT_ID)]
    assert (permanent.text, permanent.days, permanent.price, permanent.real_price) == (
        "永久有效", 0, Decimal("100.00"), Decimal("80.00"),
    )  # fmt: skip
    assert permanent.discount_name == "限时减免" and permanent.discount_ends > timezone.now()
    below_condition = quotes[(course.id, month.id)]
    assert (below_condition.real_price, below_condition.discount_name) == (Decimal("40.00"), None)
    assert quotes[(course.id, quarter.id)].real_price == Decimal("40.00")


def test_course_prices_at_a_given_time(make_course, make_discount):
    course = make_course()
    now = timezone.now()
    make_discount(course, rule="*0.5", start=now + timedelta(days=1), end=now + timedelta(days=2))
    item = (course.id, PERMANENT_ID)
    assert course_prices(items=[item])[item].real_price == Decimal("100.00")
    at = now + timedelta(days=1)
    assert course_prices(items=[item], at=at)[item].real_price == Decimal("50.00")
    at = now + timedelta(days=2)
    assert course_prices(items=[item], at=at)[item].real_price == Decimal("100.00")


def test_overlapping_activities_lowest_price_wins(make_course, make_discount):
    course = make_course(price="300")
    make_discount(course, rule="*0.9", type_name="限时折扣")  # 270
    make_discount(course, rule="满200-50", type_name="满减")  # 250
    make_discount(course, rule="-20", type_name="限时减免")  # 280
    quote = course_prices(items=[(course.id, PERMANENT_ID)])[(course.id, PERMANENT_ID)]
    assert (quote.real_price, quote.discount_name) == (Decimal("250.00"), "满减")
