"""Bad input anywhere under /api/ is a JSON error {detail, code}: never a 500, never HTML,
whatever DEBUG is (issue 11, section 3)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from luffy.orders.models import Order

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"detail", "code"} and body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


class TestDeepJson:
    @pytest.mark.parametrize("path", ["/api/users/login/", "/api/users/register/"])
    def test_deeply_nested_body_is_400(self, client, path):
        response = client.post(path, DEEP, content_type="application/json")
        assert_json_error(response, 400, "too_deep")

    def test_moderately_nested_body_over_the_limit_is_400(self, client):
        body = '{"username": ' + "[" * 40 + "1" + "]" * 40 + "}"
        response = client.post("/api/users/login/", body, content_type="application/json")
        assert_json_error(response, 400, "too_deep")


class TestNul:
    def test_in_an_order_number_in_the_path(self, auth_client):
        assert_json_error(auth_client.get("/api/orders/2026%00x/"), 400, "nul_character")
        assert_json_error(auth_client.post("/api/orders/2026%00x/cancel/"), 400, "nul_character")

    def test_in_a_query_string(self, auth_client):
        response = auth_client.get("/api/payments/alipay/result/?out_trade_no=1%002")
        assert_json_error(response, 400, "nul_character")

    def test_in_a_json_text_field(self, client):
        response = client.post(
            "/api/users/login/",
            {"username": "a\x00b", "password": "x"},
            content_type="application/json",
        )
        assert_json_error(response, 400, "nul_character")

    def test_in_a_json_key(self, client):
        response = client.post(
            "/api/users/login/", '{"user\\u0000": 1}', content_type="application/json"
        )
        assert_json_error(response, 400, "nul_character")

    def test_in_a_form_field(self, client):
        response = client.post(
            "/api/users/login/",
            "username=a%00b&password=x",
            content_type="application/x-www-form-urlencoded",
        )
        assert_json_error(response, 400, "nul_character")

    def test_in_a_notify_field(self, client):
        response = client.post(
            "/api/payments/alipay/result/",
            "out_trade_no=1%002&sign=x",
            content_type="application/x-www-form-urlencoded",
        )
        assert_json_error(response, 400, "nul_character")

    def test_in_a_mobile_number_in_the_path(self, client):
        assert_json_error(client.get("/api/users/mobile/138%00/"), 400, "nul_character")


class TestHugeIntegers:
    def test_course_id_on_the_cart_is_400(self, auth_client):
        response = auth_client.post("/api/cart/", {"course_id": 10**30}, format="json")
        body = assert_json_error(response, 400, "invalid")
        assert "course_id" in body["errors"]

    def test_expire_id_on_the_cart_is_400(self, auth_client, course):
        response = auth_client.post(
            "/api/cart/", {"course_id": course.id, "expire_id": 10**30}, format="json"
        )
        assert "expire_id" in assert_json_error(response, 400, "invalid")["errors"]

    def test_checkout_coupon_and_credit_are_400(self, auth_client):
        for field in ("coupon_id", "credit"):
            response = auth_client.post(
                "/api/orders/", {"pay_type": "alipay", field: 10**30}, format="json"
            )
            assert field in assert_json_error(response, 400, "invalid")["errors"]

    def test_catalog_query_is_400(self, client):
        response = client.get(f"/api/courses/?category={10**30}&page={10**30}")
        body = assert_json_error(response, 400, "invalid")
        assert set(body["errors"]) == {"category", "page"}

    @pytest.mark.parametrize(
        "path",
        [
            f"/api/cart/{10**30}/",
            f"/api/courses/{10**30}/",
            f"/api/courses/{10**30}/access/",
            f"/api/courses/{10**30}/lessons/1/",
        ],
    )
    def test_in_a_path_is_404(self, auth_client, path, debug):
        assert_json_error(auth_client.get(path), 404, "not_found")


@pytest.fixture
def course(make_course):
    return make_course(price="100.00")


class TestErrorShape:
    def test_unknown_api_url(self, client, debug):
        assert_json_error(client.get("/api/no-such-thing/"), 404, "not_found")
        assert_json_error(client.post("/api/no/such/thing"), 404, "not_found")

    def test_non_integer_id_in_a_path(self, auth_client, debug):
        assert_json_error(auth_client.get("/api/courses/abc/"), 404, "not_found")
        assert_json_error(auth_client.delete("/api/cart/1.5/"), 404, "not_found")

    def test_body_over_the_size_limit_is_413(self, client, settings, debug):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        for content_type, body in [
            ("application/json", '{"username": "' + "x" * 2000 + '"}'),
            ("application/x-www-form-urlencoded", "username=" + "x" * 2000),
        ]:
            response = client.post("/api/users/login/", body, content_type=content_type)
            assert_json_error(response, 413, "request_too_large")

    def test_notify_over_the_size_limit_is_413(self, client, settings, debug):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = client.post(
            "/api/payments/alipay/result/",
            "sign=" + "x" * 2000,
            content_type="application/x-www-form-urlencoded",
        )
        assert_json_error(response, 413, "request_too_large")

    def test_too_many_form_fields_is_400(self, client, settings, debug):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
        body = "&".join(f"f{i}=1" for i in range(50))
        response = client.post(
            "/api/users/login/", body, content_type="application/x-www-form-urlencoded"
        )
        assert_json_error(response, 400, "bad_request")

    def test_too_many_query_fields_is_400(self, client, settings, debug):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
        query = "&".join(f"f{i}=1" for i in range(50))
        assert_json_error(client.get(f"/api/courses/?{query}"), 400)

    def test_method_not_allowed_is_json(self, client, debug):
        assert_json_error(client.delete("/api/courses/"), 405)

    def test_a_crash_in_a_view_is_a_json_500(self, client, debug, monkeypatch):
        from luffy.catalog import api

        def boom(*args, **kwargs):
            raise RuntimeError("bug")

        monkeypatch.setattr(api.CourseListApi, "get", boom)
        client.raise_request_exception = False
        assert_json_error(client.get("/api/courses/"), 500, "server_error")

    def test_pages_outside_the_api_stay_html(self, client, debug):
        with override_settings(DEBUG=debug):
            response = client.get("/admin/no-such-page/")
        assert response.status_code in (302, 404)
        assert not response["Content-Type"].startswith("application/json")


def test_nothing_was_written(auth_client):
    auth_client.get("/api/orders/2026%00x/")
    assert Order.objects.count() == 0
