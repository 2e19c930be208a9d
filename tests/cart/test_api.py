from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course, CourseExpire
from luffy.common.redis import redis_client, redis_key
from tests.cart.conftest import option_id
from tests.common.test_smoke import DEAD_REDIS
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def add(client, course_id, expire_id=None):
    payload = {"course_id": course_id}
    if expire_id is not None:
        payload["expire_id"] = expire_id
    return client.post("/api/cart/", payload, format="json")


def cart(client) -> dict:
    response = client.get("/api/cart/")
    assert response.status_code == 200
    return response.json()


class TestAdd:
    def test_default_option_is_permanent(self, auth_client, course):
        response = add(auth_client, course.id)
        assert response.status_code == 201
        assert response.json() == {"cart_num": 1}
        line = cart(auth_client)["lines"][0]
        assert line["expire_id"] == 0 and line["expire_text"] == "永久有效"
        assert line["selected"] is True and line["price"] == "100.00"

    def test_default_is_the_shortest_option_without_permanent(self, auth_client, make_course):
        course = make_course(price="0", options=[(90, "70.00"), (30, "30.00")])
        add(auth_client, course.id)
        line = cart(auth_client)["lines"][0]
        assert line["expire_id"] == option_id(course, 30)
        assert [o["days"] for o in line["expire_options"]] == [30, 90]

    def test_chosen_option(self, auth_client, course):
        assert add(auth_client, course.id, option_id(course, 90)).status_code == 201
        line = cart(auth_client)["lines"][0]
        assert (line["expire_text"], line["price"]) == ("90天有效", "70.00")

    def test_adding_again_replaces_the_option(self, auth_client, course):
        add(auth_client, course.id)
        assert add(auth_client, course.id, option_id(course, 30)).json() == {"cart_num": 1}
        assert cart(auth_client)["lines"][0]["price"] == "30.00"

    @pytest.mark.parametrize("status", [Course.Status.OFFLINE, Course.Status.PRE_LAUNCH])
    def test_offline_course_is_404(self, auth_client, make_course, status):
        course = make_course(status=status)
        response = add(auth_client, course.id)
        assert response.status_code == 404
        assert response.json()["code"] == "course_not_found"
        assert cart(auth_client)["cart_num"] == 0

    def test_unknown_course_is_404(self, auth_client):
        assert add(auth_client, 999999).status_code == 404

    def test_option_of_another_course_is_400(self, auth_client, course, make_course):
        other = make_course(options=[(30, "10.00")])
        response = add(auth_client, course.id, option_id(other, 30))
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_expire"
        assert "expire_id" in response.json()["errors"]
        assert cart(auth_client)["cart_num"] == 0

    def test_permanent_on_a_course_without_it_is_400(self, auth_client, make_course):
        course = make_course(price="0", options=[(30, "10.00")])
        assert add(auth_client, course.id, 0).status_code == 400

    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"course_id": "abc"},
            {"course_id": 1, "expire_id": "x"},
            {"course_id": -1},
            {"course_id": 1, "expire_id": -3},
            {"course_id": [1]},
        ],
    )
    def test_bad_input_is_400_and_stores_nothing(self, auth_client, course, payload):
        response = auth_client.post("/api/cart/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"]
        assert cart(auth_client)["cart_num"] == 0

    def test_course_without_any_price_is_409(self, auth_client, make_course):
        course = make_course(price="0")
        response = add(auth_client, course.id)
        assert response.status_code == 409
        assert response.json()["code"] == "no_price"

    @override_settings(CART_MAX_LINES=3)
    def test_cart_is_limited(self, auth_client, make_course):
        courses = [make_course() for _ in range(4)]
        for c in courses[:3]:
            assert add(auth_client, c.id).status_code == 201
        response = add(auth_client, courses[3].id)
        assert response.status_code == 409
        assert response.json()["code"] == "cart_full"
        # changing a line of a full cart is fine
        assert add(auth_client, courses[0].id, 0).status_code == 201
        assert cart(auth_client)["cart_num"] == 3

    def test_needs_login(self, api_client, course):
        assert add(api_client, course.id).status_code == 401
        assert api_client.get("/api/cart/").status_code == 401


class TestAlreadyPurchased:
    # Time-limited access is renewed now (issue 16: the days are added to its end), so adding
    # the course is no longer refused (it was 409 already_purchased with the date).
    def test_active_time_limited_access_can_be_renewed(self, auth_client, user, course):
        until = timezone.now() + timedelta(days=10)
        CoursePurchase.objects.create(user=user, course=course, expires_at=until)
        assert add(auth_client, course.id).status_code == 201
        assert cart(auth_client)["cart_num"] == 1

    def test_permanent_access_is_409(self, auth_client, user, course):
        CoursePurchase.objects.create(user=user, course=course, expires_at=None)
        response = add(auth_client, course.id)
        assert response.status_code == 409
        assert response.json()["access_until"] is None
        assert "永久拥有" in response.json()["detail"]

    def test_expired_access_can_be_bought_again(self, auth_client, user, course):
        CoursePurchase.objects.create(
            user=user, course=course, expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert add(auth_client, course.id).status_code == 201

    def test_someone_elses_purchase_does_not_count(self, auth_client, make_user, course):
        CoursePurchase.objects.create(user=make_user(), course=course, expires_at=None)
        assert add(auth_client, course.id).status_code == 201


class TestList:
    def test_prices_discounts_and_totals(self, auth_client, course, make_course, make_discount):
        cheap = make_course(price="50.00")
        make_discount(course, rule="*0.8")
        add(auth_client, course.id)
        add(auth_client, cheap.id)
        body = cart(auth_client)
        assert [line["course_id"] for line in body["lines"]] == [cheap.id, course.id]  # newest
        line = body["lines"][1]
        assert line["price"] == "100.00" and line["real_price"] == "80.00"
        assert line["discount_name"] == "限时折扣"
        assert line["name"] == course.name and line["available"] is True
        assert {o["id"]: o["real_price"] for o in line["expire_options"]} == {
            option_id(course, 30): "24.00",
            option_id(course, 90): "56.00",
            0: "80.00",
        }
        assert body["cart_num"] == 2 and body["selected_count"] == 2
        assert body["total_price"] == "150.00" and body["total_real_price"] == "130.00"

    def test_offline_course_and_removed_option_show_as_unavailable(
        self, auth_client, course, make_course
    ):
        gone_offline = make_course()
        add(auth_client, course.id, option_id(course, 30))
        add(auth_client, gone_offline.id)
        Course.objects.filter(id=gone_offline.id).update(status=Course.Status.OFFLINE)
        CourseExpire.objects.filter(course=course, days=30).delete()
        body = cart(auth_client)
        by_id = {line["course_id"]: line for line in body["lines"]}
        assert by_id[gone_offline.id]["available"] is False
        assert by_id[gone_offline.id]["unavailable_reason"] == "This course is no longer on sale."
        assert by_id[course.id]["available"] is False
        assert by_id[course.id]["price"] is None
        assert "pick another" in by_id[course.id]["unavailable_reason"]
        assert all(line["selected"] is False for line in body["lines"])
        assert body["selected_count"] == 0 and body["total_real_price"] == "0.00"
        # picking a live option makes the line usable again
        fixed = auth_client.patch(f"/api/cart/{course.id}/", {"expire_id": 0}, format="json")
        assert fixed.status_code == 200 and fixed.json()["available"] is True

    def test_deleted_course_leaves_the_cart(self, auth_client, make_course):
        doomed = make_course(chapters=0)
        add(auth_client, doomed.id)
        doomed.delete()
        assert cart(auth_client)["lines"] == []
        assert auth_client.get("/api/cart/count/").json() == {"cart_num": 0}

    def test_unreadable_stored_value_is_dropped_not_500(self, auth_client, user, course, caplog):
        add(auth_client, course.id)
        redis_client().hset(redis_key("cart", user.id), "not-a-number", "junk")
        redis_client().hset(redis_key("cart", user.id), "77", "also:junk")
        body = cart(auth_client)
        assert [line["course_id"] for line in body["lines"]] == [course.id]
        assert "unreadable" in caplog.text
        assert redis_client().hlen(redis_key("cart", user.id)) == 1

    def test_same_cart_on_a_new_device(self, user, course):
        add(client_for(user), course.id)
        assert cart(client_for(user))["lines"][0]["course_id"] == course.id

    def test_users_never_see_each_other(self, make_user, course, make_course):
        alice, bob = make_user(), make_user()
        add(client_for(alice), course.id)
        add(client_for(bob), make_course().id)
        alice_cart, bob_cart = cart(client_for(alice)), cart(client_for(bob))
        assert [line["course_id"] for line in alice_cart["lines"]] == [course.id]
        assert course.id not in [line["course_id"] for line in bob_cart["lines"]]
        assert client_for(bob).delete(f"/api/cart/{course.id}/").status_code == 404
        assert cart(client_for(alice))["cart_num"] == 1


class TestUpdate:
    def test_change_option_returns_the_repriced_line(self, auth_client, course):
        add(auth_client, course.id)
        response = auth_client.patch(
            f"/api/cart/{course.id}/", {"expire_id": option_id(course, 30)}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["price"] == "30.00" and response.json()["selected"] is True
        assert cart(auth_client)["lines"][0]["expire_text"] == "30天有效"

    def test_unselect_and_select(self, auth_client, course):
        add(auth_client, course.id)
        off = auth_client.patch(f"/api/cart/{course.id}/", {"selected": False}, format="json")
        assert off.json()["selected"] is False
        assert cart(auth_client)["selected_count"] == 0
        on = auth_client.patch(f"/api/cart/{course.id}/", {"selected": True}, format="json")
        assert on.json()["selected"] is True

    def test_change_keeps_the_line_position(self, auth_client, course, make_course):
        newer = make_course()
        add(auth_client, course.id)
        add(auth_client, newer.id)
        auth_client.patch(f"/api/cart/{course.id}/", {"expire_id": 0}, format="json")
        assert [line["course_id"] for line in cart(auth_client)["lines"]] == [newer.id, course.id]

    def test_bad_option_is_400_and_changes_nothing(self, auth_client, course):
        add(auth_client, course.id)
        response = auth_client.patch(
            f"/api/cart/{course.id}/", {"expire_id": 424242}, format="json"
        )
        assert response.status_code == 400
        assert cart(auth_client)["lines"][0]["expire_id"] == 0

    @pytest.mark.parametrize("payload", [{}, {"selected": "maybe"}, {"expire_id": "x"}])
    def test_bad_input(self, auth_client, course, payload):
        add(auth_client, course.id)
        assert (
            auth_client.patch(f"/api/cart/{course.id}/", payload, format="json").status_code == 400
        )

    def test_line_not_in_cart_is_404(self, auth_client, course):
        response = auth_client.patch(f"/api/cart/{course.id}/", {"selected": True}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_in_cart"

    def test_offline_course_cannot_be_selected_but_can_be_unselected(self, auth_client, course):
        add(auth_client, course.id)
        Course.objects.filter(id=course.id).update(status=Course.Status.OFFLINE)
        selected = auth_client.patch(f"/api/cart/{course.id}/", {"selected": True}, format="json")
        assert selected.status_code == 409
        unselected = auth_client.patch(
            f"/api/cart/{course.id}/", {"selected": False}, format="json"
        )
        assert unselected.status_code == 200

    def test_select_all_and_none(self, auth_client, course, make_course):
        offline = make_course()
        other = make_course()
        for c in (course, offline, other):
            add(auth_client, c.id)
        Course.objects.filter(id=offline.id).update(status=Course.Status.OFFLINE)
        none = auth_client.patch("/api/cart/", {"selected": False}, format="json")
        assert none.status_code == 200 and none.json()["selected_count"] == 0
        every = auth_client.patch("/api/cart/", {"selected": True}, format="json").json()
        assert every["selected_count"] == 2
        assert {line["course_id"] for line in every["lines"] if line["selected"]} == {
            course.id,
            other.id,
        }
        assert auth_client.patch("/api/cart/", {}, format="json").status_code == 400


class TestRemoveCountSelected:
    def test_remove(self, auth_client, course):
        add(auth_client, course.id)
        assert auth_client.delete(f"/api/cart/{course.id}/").status_code == 204
        assert cart(auth_client)["cart_num"] == 0
        assert auth_client.delete(f"/api/cart/{course.id}/").status_code == 404

    def test_count(self, auth_client, course, make_course):
        assert auth_client.get("/api/cart/count/").json() == {"cart_num": 0}
        add(auth_client, course.id)
        add(auth_client, make_course().id)
        assert auth_client.get("/api/cart/count/").json() == {"cart_num": 2}

    def test_selected_lines_for_checkout(self, auth_client, course, make_course, make_discount):
        unselected = make_course()
        make_discount(course, rule="-10")
        add(auth_client, course.id, option_id(course, 90))
        add(auth_client, unselected.id)
        auth_client.patch(f"/api/cart/{unselected.id}/", {"selected": False}, format="json")
        response = auth_client.get("/api/cart/selected/")
        assert response.status_code == 200
        assert response.json() == {
            "lines": [
                {
                    "course_id": course.id,
                    "name": course.name,
                    "cover": None,
                    "expire_id": option_id(course, 90),
                    "expire_text": "90天有效",
                    "price": "70.00",
                    "real_price": "60.00",
                    "discount_name": "限时折扣",
                }
            ],
            "count": 1,
            "total_price": "70.00",
            "total_real_price": "60.00",
        }


class TestRedisDown:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/cart/"),
            ("get", "/api/cart/selected/"),
            ("get", "/api/cart/count/"),
            ("delete", "/api/cart/1/"),
            ("patch", "/api/cart/1/"),
        ],
    )
    def test_503_not_500(self, auth_client, course, method, path):
        with override_settings(CACHES={"default": DEAD_REDIS}):
            response = getattr(auth_client, method)(path, {"selected": True}, format="json")
        assert response.status_code == 503
        assert response.json() == {
            "detail": "cart temporarily unavailable",
            "code": "cart_unavailable",
        }

    def test_add_is_503(self, auth_client, course):
        with override_settings(CACHES={"default": DEAD_REDIS}):
            response = add(auth_client, course.id)
        assert response.status_code == 503
        assert response.json()["code"] == "cart_unavailable"
