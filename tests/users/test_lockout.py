"""An account is locked after N failed logins whatever the source IP: API and admin alike."""

import time

import pytest
from django.test import override_settings

from luffy.common.i18n import duration_words
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
IPS = [f"10.0.{i}.{i + 1}" for i in range(12)]


def api_login(api_client, username, password=PASSWORD, ip="10.9.9.9"):
    return api_client.post(
        "/api/users/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def admin_login(client, username, password=PASSWORD, ip="10.9.9.9"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


class TestApi:
    def test_twelve_ips_guessing_one_account_lock_it(self, api_client, make_user):
        make_user(username="hana")
        for ip in IPS:
            response = api_login(api_client, "hana", "wrong-pass", ip=ip)
            assert response.status_code in (401, 429)
        locked = api_login(api_client, "hana", ip="10.200.0.1")  # the right one, a fresh IP
        assert locked.status_code == 429
        body = locked.json()
        assert body["code"] == "account_locked"
        assert 0 < body["retry_after"] <= 900
        assert duration_words(body["retry_after"]) in body["detail"]
        assert locked["Retry-After"] == str(body["retry_after"])

    def test_username_and_mobile_count_as_one_account(self, api_client, make_user):
        make_user(username="ivan", mobile="13600001111")
        for i, ip in enumerate(IPS[:10]):
            name = "ivan" if i % 2 else "13600001111"
            assert api_login(api_client, name, "wrong-pass", ip=ip).status_code == 401
        assert api_login(api_client, "ivan", ip="10.200.0.2").json()["code"] == "account_locked"

    def test_other_accounts_are_not_affected(self, api_client, make_user):
        make_user(username="jade")
        make_user(username="kurt")
        for ip in IPS:
            api_login(api_client, "jade", "wrong-pass", ip=ip)
        assert api_login(api_client, "kurt", ip="10.200.0.3").status_code == 200

    # The window starts at the first failure: 3 s, so ten failed logins on a loaded machine
    # (more than a second in one CI run) all fall inside it.
    @override_settings(LOGIN_FAILURE_WINDOW=3)
    def test_lock_ends_after_the_window(self, api_client, make_user):
        make_user(username="lena")
        for ip in IPS[:10]:
            api_login(api_client, "lena", "wrong-pass", ip=ip)
        assert api_login(api_client, "lena").status_code == 429
        time.sleep(3.1)
        assert api_login(api_client, "lena").status_code == 200

    def test_unknown_names_lock_the_same_way(self, api_client):
        for ip in IPS:
            api_login(api_client, "nobody-here", "wrong-pass", ip=ip)
        assert api_login(api_client, "nobody-here").json()["code"] == "account_locked"


class TestAdmin:
    def test_right_password_after_many_wrong_ones_is_refused(self, client, make_user):
        make_user(username="boss", is_staff=True, is_superuser=True)
        for ip in IPS:
            response = admin_login(client, "boss", "wrong-pass", ip=ip)
            assert response.status_code == 200  # the form again, with an error
        response = admin_login(client, "boss", ip="10.200.0.4")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        text = response.content.decode()
        assert "登录失败次数过多，账号已暂时锁定" in text
        assert client.get("/admin/").status_code == 302  # still sent to the login page

    def test_right_password_works_before_the_limit(self, client, make_user):
        make_user(username="chief", is_staff=True)
        for ip in IPS[:3]:
            admin_login(client, "chief", "wrong-pass", ip=ip)
        response = admin_login(client, "chief")
        assert response.status_code == 302
        assert client.session["_auth_user_id"]

    def test_admin_and_api_failures_add_up(self, client, api_client, make_user):
        make_user(username="dana", is_staff=True)
        for ip in IPS[:5]:
            admin_login(client, "dana", "wrong-pass", ip=ip)
        for ip in IPS[5:10]:
            api_login(api_client, "dana", "wrong-pass", ip=ip)
        assert api_login(api_client, "dana").json()["code"] == "account_locked"

    def test_redis_down_refuses_the_login_with_a_message_not_a_500(
        self, client, make_user, monkeypatch
    ):
        """Failures can't be counted without Redis, so the login is refused (fails closed),
        on the login page with a message instead of a server error."""
        import redis

        from luffy.users import services

        make_user(username="eve", is_staff=True)

        def down():
            raise redis.ConnectionError("Redis is down")

        monkeypatch.setattr(services, "redis_client", down)
        response = admin_login(client, "eve")
        assert response.status_code == 200
        assert "登录服务暂时不可用" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_non_staff_cannot_log_in(self, client, make_user):
        make_user(username="pleb")
        response = admin_login(client, "pleb")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


class TestMobileLookup:
    def test_is_throttled_per_ip(self, api_client, settings):
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["mobile_ip"]
        allowed = int(rate.split("/")[0])
        assert allowed <= 60
        for i in range(allowed):
            response = api_client.get(f"/api/users/mobile/138000{i:05d}/")
            assert response.status_code == 200
        refused = api_client.get("/api/users/mobile/13800001234/")
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert refused.json()["retry_after"] > 0
        other = api_client.get("/api/users/mobile/13800001234/", REMOTE_ADDR="10.3.3.3")
        assert other.status_code == 200
