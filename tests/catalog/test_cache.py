from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.catalog.models import (
    Banner,
    CourseChapter,
    CourseExpire,
    CourseLesson,
    CoursePriceDiscount,
    Discount,
    Navigation,
)
from tests.catalog.test_selectors import DETAIL_QUERIES, LIST_QUERIES

pytestmark = pytest.mark.django_db


def test_cache_hit_runs_no_queries(api_client, make_course, django_assert_num_queries):
    course = make_course()
    first = api_client.get(f"/api/courses/{course.id}/").json()
    listing = api_client.get("/api/courses/").json()
    with django_assert_num_queries(0):
        assert api_client.get(f"/api/courses/{course.id}/").json() == first
        assert api_client.get("/api/courses/").json() == listing
    categories = api_client.get("/api/courses/categories/").json()
    banners = api_client.get("/api/home/banners/").json()
    with django_assert_num_queries(0):
        assert api_client.get("/api/courses/categories/").json() == categories
        assert api_client.get("/api/home/banners/").json() == banners


def test_cache_keys_differ_by_query(api_client, make_course):
    make_course(students=1)
    make_course(students=2)
    asc = [r["id"] for r in api_client.get("/api/courses/?ordering=students").json()["results"]]
    desc = [r["id"] for r in api_client.get("/api/courses/?ordering=-students").json()["results"]]
    assert asc == desc[::-1]


def _change_course(course, **_):
    course.name = "Renamed"
    course.save()


def _add_option(course, **_):
    CourseExpire.objects.create(course=course, days=7, text="7天", price=Decimal(1))


def _rename_chapter(course, **_):
    chapter = CourseChapter.objects.filter(course=course).first()
    chapter.name = "Renamed"
    chapter.save()


def _delete_lesson(course, **_):
    CourseLesson.objects.filter(course=course).last().delete()


def _change_teacher(course, **_):
    course.teacher.title = "Professor"
    course.teacher.save()


def _end_activity(course, activity, **_):
    activity.end = timezone.now() - timedelta(seconds=1)
    activity.start = activity.end - timedelta(days=1)
    activity.save()


def _change_discount_rule(course, **_):
    discount = Discount.objects.get()
    discount.sale = "*0.1"
    discount.save()


def _unlink(course, **_):
    CoursePriceDiscount.objects.filter(course=course).delete()


@pytest.mark.parametrize(
    "change",
    [
        _change_course,
        _add_option,
        _rename_chapter,
        _delete_lesson,
        _change_teacher,
        _end_activity,
        _change_discount_rule,
        _unlink,
    ],
)
def test_changes_invalidate_cached_pages(
    api_client, make_course, make_discount, change, django_assert_num_queries
):
    course = make_course(options=[(30, "10")])
    activity = make_discount(course, rule="*0.5")
    url = f"/api/courses/{course.id}/"
    before = api_client.get(url).json()
    api_client.get("/api/courses/")
    with django_assert_num_queries(0):  # both cached
        api_client.get(url)
        api_client.get("/api/courses/")
    change(course, activity=activity)
    with django_assert_num_queries(DETAIL_QUERIES):  # rebuilt from the database
        assert api_client.get(url).json() != before
    with django_assert_num_queries(LIST_QUERIES):
        api_client.get("/api/courses/")


def test_specific_invalidation_values(api_client, make_course, make_discount):
    course = make_course()
    make_discount(course, rule="*0.5")
    url = f"/api/courses/{course.id}/"
    assert api_client.get(url).json()["real_price"] == "50.00"
    _change_discount_rule(course)
    assert api_client.get(url).json()["real_price"] == "10.00"
    _unlink(course)
    assert api_client.get(url).json()["real_price"] == "100.00"


def test_home_invalidation(api_client, db):
    assert api_client.get("/api/home/banners/").json() == []
    Banner.objects.create(title="new")
    assert [b["title"] for b in api_client.get("/api/home/banners/").json()] == ["new"]
    nav = Navigation.objects.create(position="footer", title="a", link="/a")
    assert len(api_client.get("/api/home/navs/?position=footer").json()) == 1
    nav.delete()
    assert api_client.get("/api/home/navs/?position=footer").json() == []


@pytest.fixture
def clock(monkeypatch):
    """Move django.utils.timezone.now() forward without touching the database."""
    state = {"offset": timedelta(0)}
    real_now = timezone.now

    def fake_now():
        return real_now() + state["offset"]

    monkeypatch.setattr(timezone, "now", fake_now)
    return state


def test_cached_price_follows_activity_start_and_end(api_client, make_course, make_discount, clock):
    course = make_course()
    now = timezone.now()
    make_discount(course, rule="-30", start=now + timedelta(hours=1), end=now + timedelta(hours=2))
    url = f"/api/courses/{course.id}/"
    assert api_client.get(url).json()["real_price"] == "100.00"  # cached until the start
    clock["offset"] = timedelta(hours=1)
    body = api_client.get(url).json()
    assert (body["real_price"], body["discount_name"]) == ("70.00", "限时折扣")
    assert 3590 <= body["discount_seconds_left"] <= 3600
    clock["offset"] = timedelta(hours=1, minutes=30)
    assert 1790 <= api_client.get(url).json()["discount_seconds_left"] <= 1800  # per request
    clock["offset"] = timedelta(hours=2)
    body = api_client.get(url).json()
    assert (body["real_price"], body["discount_seconds_left"]) == ("100.00", None)
    listing = api_client.get("/api/courses/").json()["results"][0]
    assert listing["real_price"] == "100.00"


def test_cache_ttl_is_capped_by_next_activity_boundary(make_course, make_discount, settings):
    from django.core.cache import cache as django_cache

    from luffy.catalog import cache, selectors

    course = make_course()
    now = timezone.now()
    make_discount(course, start=now + timedelta(seconds=120), end=now + timedelta(hours=5))
    selectors.course_detail(course_id=course.id)
    ttl = django_cache.ttl(f"catalog:{cache.version()}:detail:{course.id}")
    assert 100 <= ttl <= 120 < settings.CATALOG_CACHE_TTL
