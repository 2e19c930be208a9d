"""Forgot password, login by SMS code, change password, nickname, the SMS text, and codes that
are never sent when they could not be used."""

import re

import pytest
from django.test import override_settings

from luffy.users.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "Another-sturdy-2027"


def ask_code(client, mobile, purpose=None):
    query = f"?purpose={purpose}" if purpose else ""
    return client.get(f"/api/users/sms/{mobile}/{query}")


def sent_code(sms_outbox, mobile) -> str:
    sent_to, message = sms_outbox[-1]
    assert sent_to == mobile
    return re.search(r"\d{6}", message).group()


@pytest.mark.django_db
class TestSmsText:
    def test_the_sms_is_chinese_with_the_ttl_from_settings(self, api_client, sms_outbox):
        assert ask_code(api_client, "13900001111").status_code == 200
        code = sent_code(sms_outbox, "13900001111")
        assert sms_outbox[-1][1] == f"【路飞学城】您的验证码为{code}，5分钟内有效。"

    @override_settings(SMS_CODE_TTL=600)
    def test_chinese_whatever_the_browser_language(self, api_client, sms_outbox):
        response = api_client.get("/api/users/sms/13900001112/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert sms_outbox[-1][1].endswith("，10分钟内有效。")


@pytest.mark.django_db
class TestCodesThatCouldNotBeUsedAreNotSent:
    def test_registering_a_registered_number_sends_nothing(self, api_client, sms_outbox, user):
        before = len(sms_outbox)
        response = ask_code(api_client, user.mobile)
        assert response.status_code == 409
        assert response.json()["code"] == "mobile_registered"
        assert response.json()["detail"] == "该手机号已注册，请直接登录。"
        assert len(sms_outbox) == before
        # and the refusal does not hold the resend lock for a later, valid request
        assert ask_code(api_client, user.mobile, "login").status_code == 200

    @pytest.mark.parametrize("purpose", ["login", "reset_password"])
    def test_login_or_reset_for_an_unknown_number_sends_nothing(
        self, api_client, sms_outbox, purpose
    ):
        before = len(sms_outbox)
        response = ask_code(api_client, "13900002222", purpose)
        assert response.status_code == 400
        assert response.json()["code"] == "mobile_not_registered"
        assert len(sms_outbox) == before

    def test_change_mobile_needs_login_and_a_free_number(
        self, api_client, auth_client, user, make_user, sms_outbox
    ):
        assert ask_code(api_client, "13900003333", "change_mobile").status_code == 401
        other = make_user()
        taken = ask_code(auth_client, other.mobile, "change_mobile")
        assert taken.status_code == 400 and taken.json()["code"] == "mobile_taken"
        same = ask_code(auth_client, user.mobile, "change_mobile")
        assert same.status_code == 400 and same.json()["code"] == "same_mobile"

    def test_unknown_purpose(self, api_client):
        response = ask_code(api_client, "13900004444", "anything")
        assert response.status_code == 400 and "purpose" in response.json()["errors"]

    def test_a_code_is_good_only_for_its_purpose(self, api_client, user, sms_outbox):
        ask_code(api_client, user.mobile, "reset_password")
        code = sent_code(sms_outbox, user.mobile)
        response = api_client.post(
            "/api/users/login/sms/", {"mobile": user.mobile, "sms_code": code}
        )
        assert response.status_code == 400 and response.json()["code"] == "sms_code_expired"


@pytest.mark.django_db
class TestLoginBySms:
    def test_logs_in_once_per_code(self, api_client, user, sms_outbox):
        ask_code(api_client, user.mobile, "login")
        code = sent_code(sms_outbox, user.mobile)
        body = {"mobile": user.mobile, "sms_code": code}
        response = api_client.post("/api/users/login/sms/", body)
        assert response.status_code == 200, response.json()
        assert response.json()["id"] == user.id and response.json()["access"]
        again = api_client.post("/api/users/login/sms/", body)
        assert again.status_code == 400 and again.json()["code"] == "sms_code_expired"

    def test_wrong_code(self, api_client, user, sms_outbox):
        ask_code(api_client, user.mobile, "login")
        code = sent_code(sms_outbox, user.mobile)
        wrong = "000000" if code != "000000" else "111111"
        response = api_client.post(
            "/api/users/login/sms/", {"mobile": user.mobile, "sms_code": wrong}
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": "验证码错误。",
            "code": "sms_code_wrong",
            "errors": {"sms_code": ["验证码错误。"]},
        }

    def test_disabled_account(self, api_client, make_user, sms_outbox):
        user = make_user(is_active=False)
        response = api_client.post(
            "/api/users/login/sms/", {"mobile": user.mobile, "sms_code": "123456"}
        )
        assert response.status_code == 401 and response.json()["code"] == "user_inactive"

    def test_throttled_like_login(self, api_client, settings):
        from django.core.cache import cache

        cache.clear()
        with override_settings(
            REST_FRAMEWORK={
                **settings.REST_FRAMEWORK,
                "DEFAULT_THROTTLE_RATES": {
                    **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                    "login_ip": "2/min",
                },
            }
        ):
            from rest_framework.settings import api_settings

            api_settings.reload()
            from rest_framework.throttling import SimpleRateThrottle

            old = SimpleRateThrottle.THROTTLE_RATES
            SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
            try:
                for url in ("/api/users/login/sms/", "/api/users/password/reset/"):
                    cache.clear()
                    for _ in range(2):
                        api_client.post(url, {"mobile": "13900005555", "sms_code": "1"})
                    response = api_client.post(url, {"mobile": "13900005555", "sms_code": "1"})
                    assert response.status_code == 429
                    assert response.json()["code"] == "throttled"
                    assert re.search(r"\d+ (秒|分钟)后可重试", response.json()["detail"])
            finally:
                SimpleRateThrottle.THROTTLE_RATES = old
                api_settings.reload()
                cache.clear()


@pytest.mark.django_db
class TestForgotPassword:
    def test_a_code_sets_a_new_password(self, api_client, user, sms_outbox):
        ask_code(api_client, user.mobile, "reset_password")
        code = sent_code(sms_outbox, user.mobile)
        response = api_client.post(
            "/api/users/password/reset/",
            {"mobile": user.mobile, "sms_code": code, "password": NEW_PASSWORD},
        )
        assert response.status_code == 200, response.json()
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        login = api_client.post(
            "/api/users/login/", {"username": user.mobile, "password": NEW_PASSWORD}
        )
        assert login.status_code == 200

    def test_a_weak_password_is_refused_and_the_code_kept(self, api_client, user, sms_outbox):
        ask_code(api_client, user.mobile, "reset_password")
        code = sent_code(sms_outbox, user.mobile)
        body = {"mobile": user.mobile, "sms_code": code, "password": "123"}
        weak = api_client.post("/api/users/password/reset/", body)
        assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
        assert re.search(r"[\u4e00-\u9fff]", weak.json()["detail"])  # Django's own catalog
        body["password"] = NEW_PASSWORD
        assert api_client.post("/api/users/password/reset/", body).status_code == 200

    def test_unknown_number(self, api_client):
        response = api_client.post(
            "/api/users/password/reset/",
            {"mobile": "13900006666", "sms_code": "123456", "password": NEW_PASSWORD},
        )
        assert response.status_code == 400 and response.json()["code"] == "mobile_not_registered"


@pytest.mark.django_db
class TestChangePassword:
    def test_needs_the_old_password(self, auth_client, user):
        wrong = auth_client.post(
            "/api/users/me/password/", {"old_password": "nope", "new_password": NEW_PASSWORD}
        )
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "wrong_password"
        assert "old_password" in wrong.json()["errors"]
        ok = auth_client.post(
            "/api/users/me/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert ok.status_code == 200, ok.json()
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_weak_new_password(self, auth_client):
        response = auth_client.post(
            "/api/users/me/password/", {"old_password": PASSWORD, "new_password": "123"}
        )
        assert response.status_code == 400 and response.json()["code"] == "weak_password"
        assert "new_password" in response.json()["errors"]

    def test_needs_login(self, api_client):
        response = api_client.post("/api/users/me/password/", {})
        assert response.status_code == 401


@pytest.mark.django_db
class TestNickname:
    def test_display_name_is_the_nickname_or_a_masked_mobile(self, auth_client, user):
        user.mobile = user.username = "13812341234"  # as registration makes them
        user.save(update_fields=["mobile", "username"])
        assert auth_client.get("/api/users/me/").json()["display_name"] == "138****1234"
        response = auth_client.patch("/api/users/me/", {"nickname": " 小明 "}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["nickname"] == "小明"
        assert response.json()["display_name"] == "小明"
        assert User.objects.get(id=user.id).nickname == "小明"

    def test_a_chosen_username_is_shown_but_never_one_holding_the_number(self, auth_client, user):
        user.username = f"user{user.mobile}"
        user.save(update_fields=["username"])
        assert "****" in auth_client.get("/api/users/me/").json()["display_name"]
        user.username = "luffy"
        user.save(update_fields=["username"])
        assert auth_client.get("/api/users/me/").json()["display_name"] == "luffy"

    def test_too_long(self, auth_client):
        response = auth_client.patch("/api/users/me/", {"nickname": "x" * 31}, format="json")
        assert response.status_code == 400 and "nickname" in response.json()["errors"]
