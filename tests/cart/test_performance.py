"""Query counts and Redis round trips are part of the contract: constant in the cart size."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.test import override_settings

from luffy.cart.store import CartStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Counts the commands (or pipelines) sent to Redis: one send = one round trip."""
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.fixture
def filled_cart(auth_client, make_course, make_discount):
    def fill(lines: int):
        courses = [
            make_course(options=[(30, "10.00"), (90, "20.00")], chapters=0) for _ in range(lines)
        ]
        make_discount(*courses[: lines // 2 + 1], rule="*0.9")
        for course in courses:
            assert auth_client.post("/api/cart/", {"course_id": course.id}).status_code == 201
        return courses

    return fill


@pytest.mark.parametrize("lines", [1, 20, 100])
@pytest.mark.parametrize("path", ["/api/cart/", "/api/cart/selected/"])
def test_listing_cost_does_not_grow_with_the_cart(
    auth_client, filled_cart, django_assert_num_queries, redis_round_trips, lines, path
):
    filled_cart(lines)
    # Cold catalog cache: three queries whatever the size.
    with django_assert_num_queries(3):
        response = auth_client.get(path)
    assert response.status_code == 200
    assert len(response.json()["lines"]) == lines
    # Warm: no SQL; the account's active flag (luffy.users.active_cache) + cart (1 pipeline)
    # + catalog version + one MGET of the course facts.
    redis_round_trips.clear()
    with django_assert_num_queries(0):
        again = auth_client.get(path)
    assert again.json() == response.json()
    assert len(redis_round_trips) == 4


def test_cached_course_facts_follow_catalog_changes(auth_client, filled_cart):
    from luffy.catalog.models import Course

    course = filled_cart(2)[0]
    assert auth_client.get("/api/cart/").json()["lines"][1]["available"] is True
    course.status = Course.Status.OFFLINE
    course.save()
    line = auth_client.get("/api/cart/").json()["lines"][1]
    assert line["course_id"] == course.id and line["available"] is False


def test_count_needs_no_sql(auth_client, filled_cart, django_assert_num_queries):
    filled_cart(3)
    with django_assert_num_queries(0):
        assert auth_client.get("/api/cart/count/").json() == {"cart_num": 3}


@override_settings(CART_MAX_LINES=10)
def test_concurrent_adds_never_pass_the_limit(user, make_course):
    courses = [make_course(chapters=0) for _ in range(30)]
    store = CartStore(user.id)

    def add(course):
        return store.add(course_id=course.id, expire_id=0, max_lines=10)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(add, courses))
    assert sum(result is not None for result in results) == 10
    assert store.count() == 10
    assert sorted(r for r in results if r is not None) == list(range(1, 11))
