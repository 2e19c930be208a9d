import re

import pytest
from django.test import override_settings

from luffy.common.i18n import duration_words
from luffy.common.redis import redis_client, redis_key
from luffy.users.models import User

MOBILE = "13912345678"
PASSWORD = "Sturdy-pass-2026"


def request_code(api_client, sms_outbox, mobile=MOBILE) -> str:
    response = api_client.get(f"/api/users/sms/{mobile}/")
    assert response.status_code == 200, response.json()
    sent_to, message = sms_outbox[-1]
    assert sent_to == mobile
    return re.search(r"(?<!\d)(\d{6})(?!\d)", message).group(1)


def register(api_client, code, mobile=MOBILE, password=PASSWORD):
    return api_client.post(
        "/api/users/register/", {"mobile": mobile, "password": password, "sms_code": code}
    )


@pytest.mark.django_db
class TestSmsCode:
    def test_sends_six_digit_code_valid_for_five_minutes(self, api_client, sms_outbox):
        response = api_client.get(f"/api/users/sms/{MOBILE}/")
        assert response.status_code == 200
        assert response.json() == {
            "detail": "验证码已发送。",
            "resend_after": 60,
            "expires_in": 300,
        }
        assert len(sms_outbox) == 1
        ttl = redis_client().ttl(redis_key("sms", "code", "register", MOBILE))
        assert 295 <= ttl <= 300

    def test_resend_within_a_minute_is_refused_with_seconds_left(self, api_client, sms_outbox):
        request_code(api_client, sms_outbox)
        response = api_client.get(f"/api/users/sms/{MOBILE}/")
        assert response.status_code == 429
        body = response.json()
        assert body["code"] == "sms_too_soon"
        assert 55 <= body["retry_after"] <= 60
        assert duration_words(body["retry_after"]) in body["detail"]
        assert response["Retry-After"] == str(body["retry_after"])
        assert len(sms_outbox) == 1

    def test_resend_allowed_once_the_minute_is_over(self, api_client, sms_outbox):
        first = request_code(api_client, sms_outbox)
        redis_client().delete(redis_key("sms", "lock", MOBILE))  # the 60 s lock ran out
        second = request_code(api_client, sms_outbox)
        assert len(sms_outbox) == 2
        assert register(api_client, first).status_code == 400  # only the newest code counts
        assert register(api_client, second).status_code == 201

    def test_more_than_ten_per_hour_from_one_ip_is_refused(self, api_client, sms_outbox):
        for i in range(10):
            response = api_client.get(f"/api/users/sms/1391234560{i}/")
            assert response.status_code == 200
        response = api_client.get("/api/users/sms/13712345678/")
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert response.json()["retry_after"] > 0
        assert len(sms_outbox) == 10
        other_ip = api_client.get("/api/users/sms/13712345678/", REMOTE_ADDR="10.0.0.9")
        assert other_ip.status_code == 200

    @pytest.mark.parametrize("bad", ["1391234567", "139123456789", "23912345678", "1291234567a"])
    def test_bad_mobile_is_400(self, api_client, sms_outbox, bad):
        response = api_client.get(f"/api/users/sms/{bad}/")
        assert response.status_code == 400
        assert response.json()["errors"]["mobile"]
        assert sms_outbox == []

    def test_broker_down_releases_the_lock(self, api_client, monkeypatch):
        from kombu.exceptions import OperationalError

        from luffy.users.tasks import send_sms_task

        def broker_down(*args, **kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(send_sms_task, "delay", broker_down)
        response = api_client.get(f"/api/users/sms/{MOBILE}/")
        assert response.status_code == 503
        assert response.json()["code"] == "sms_failed"
        assert not redis_client().exists(redis_key("sms", "lock", MOBILE))
        assert not redis_client().exists(redis_key("sms", "code", "register", MOBILE))


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def real_broker():
    """Send tasks through a real broker URL (not eagerly), then restore the test set-up."""
    from luffy.config.celery import app

    saved = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    yield use
    app.conf.task_always_eager = True
    app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db
class TestBrokerErrors:
    """Any broker error is a 503 that leaves no resend lock (it used to be a 500 with the
    number locked out for 60 s on every node)."""

    def assert_503_without_lock(self, api_client):
        response = api_client.get(f"/api/users/sms/{MOBILE}/")
        assert response.status_code == 503, response.content
        assert response.json()["code"] == "sms_failed"
        assert not redis_client().exists(redis_key("sms", "lock", MOBILE))
        assert not redis_client().exists(redis_key("sms", "code", "register", MOBILE))

    @pytest.mark.skipif(not _listening(5672), reason="no RabbitMQ on 127.0.0.1:5672")
    def test_rabbitmq_wrong_password(self, api_client, real_broker):
        real_broker("amqp://guest:wrong-password@127.0.0.1:5672//")
        self.assert_503_without_lock(api_client)

    @pytest.mark.parametrize("scheme", ["amqp", "redis"])
    def test_unreachable_broker(self, api_client, real_broker, scheme):
        real_broker(f"{scheme}://guest:guest@127.0.0.1:1//")
        self.assert_503_without_lock(api_client)

    @pytest.mark.parametrize(
        "error",
        ["redis.exceptions.AuthenticationError", "amqp.exceptions.AccessRefused", "OSError"],
    )
    def test_other_broker_errors(self, api_client, monkeypatch, error):
        from django.utils.module_loading import import_string

        from luffy.users.tasks import send_sms_task

        exc_class = OSError if error == "OSError" else import_string(error)

        def refuse(*args, **kwargs):
            raise exc_class("refused")

        monkeypatch.setattr(send_sms_task, "delay", refuse)
        self.assert_503_without_lock(api_client)

    def test_the_number_can_ask_again_at_once(self, api_client, monkeypatch, sms_outbox):
        from luffy.users.tasks import send_sms_task

        real_delay = send_sms_task.delay
        import amqp.exceptions

        def refuse(*args, **kwargs):
            raise amqp.exceptions.AccessRefused("wrong password")

        monkeypatch.setattr(send_sms_task, "delay", refuse)
        self.assert_503_without_lock(api_client)
        monkeypatch.setattr(send_sms_task, "delay", real_delay)
        assert api_client.get(f"/api/users/sms/{MOBILE}/").status_code == 200
        assert len(sms_outbox) == 1


@pytest.mark.django_db
class TestRegister:
    def test_good_path_creates_user_and_logs_in(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        response = register(api_client, code)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["access"] and body["refresh"]
        assert body["mobile"] == MOBILE and body["username"] == MOBILE
        assert body["credit"] == 0 and body["credit_to_money"] == 10
        user = User.objects.get(mobile=MOBILE)
        assert user.check_password(PASSWORD)
        me = api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert me.json()["id"] == user.id

    def test_code_is_single_use(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        assert register(api_client, code).status_code == 201
        again = register(api_client, code)
        assert again.status_code == 400
        assert User.objects.count() == 1

    def test_wrong_code(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        wrong = "000000" if code != "000000" else "111111"
        response = register(api_client, wrong)
        assert response.status_code == 400
        assert response.json()["code"] == "sms_code_wrong"
        assert response.json()["errors"] == {"sms_code": ["验证码错误。"]}
        assert not User.objects.exists()
        assert register(api_client, code).status_code == 201  # one slip is not fatal

    def test_too_many_wrong_codes_burn_the_code(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        wrong = "000000" if code != "000000" else "111111"
        codes = [register(api_client, wrong).json()["code"] for _ in range(5)]
        assert codes == ["sms_code_wrong"] * 4 + ["sms_code_exhausted"]
        assert register(api_client, code).json()["code"] == "sms_code_expired"
        assert not User.objects.exists()

    def test_expired_code(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        redis_client().delete(
            redis_key("sms", "code", "register", MOBILE)
        )  # what the 5-minute TTL does
        response = register(api_client, code)
        assert response.status_code == 400
        assert response.json()["code"] == "sms_code_expired"
        assert not User.objects.exists()

    @override_settings(SMS_CODE_TTL=1)
    def test_code_really_expires(self, api_client, sms_outbox):
        import time

        code = request_code(api_client, sms_outbox)
        time.sleep(1.6)
        assert register(api_client, code).json()["code"] == "sms_code_expired"

    def test_taken_mobile(self, api_client, sms_outbox, make_user):
        code = request_code(api_client, sms_outbox)
        make_user(mobile=MOBILE)  # registered meanwhile (no code is sent for a taken number)
        response = register(api_client, code)
        assert response.status_code == 400
        assert response.json()["code"] == "mobile_taken"
        assert "mobile" in response.json()["errors"]
        assert User.objects.count() == 1

    def test_mobile_status(self, api_client, make_user):
        assert api_client.get(f"/api/users/mobile/{MOBILE}/").json() == {
            "mobile": MOBILE,
            "registered": False,
        }
        make_user(mobile=MOBILE)
        assert api_client.get(f"/api/users/mobile/{MOBILE}/").json()["registered"] is True
        bad = api_client.get("/api/users/mobile/12345/")
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_mobile"

    def test_bad_mobile(self, api_client):
        response = register(api_client, "123456", mobile="12345678901")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_mobile"

    def test_weak_password_is_refused_before_the_code_is_used(self, api_client, sms_outbox):
        code = request_code(api_client, sms_outbox)
        response = register(api_client, code, password="123")
        assert response.status_code == 400
        assert "password" in response.json()["errors"]
        assert register(api_client, code).status_code == 201

    @pytest.mark.parametrize(
        "payload",
        [{}, {"mobile": MOBILE}, {"mobile": MOBILE, "password": PASSWORD}, {"mobile": ["x"]}],
    )
    def test_missing_fields(self, api_client, payload):
        response = api_client.post("/api/users/register/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert response.json()["errors"]
