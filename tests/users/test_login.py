import pytest
from django.test import override_settings

from tests.conftest import PASSWORD


@pytest.mark.django_db
class TestLogin:
    def login(self, api_client, username, password=PASSWORD, **extra):
        return api_client.post(
            "/api/users/login/", {"username": username, "password": password}, **extra
        )

    def test_by_username(self, api_client, make_user):
        user = make_user(username="alice", credit=25)
        response = self.login(api_client, "alice")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == user.id and body["username"] == "alice"
        assert body["credit"] == 25 and body["credit_to_money"] == 10
        assert body["credit_money"] == "2.50"
        assert body["access"] and body["refresh"]

    def test_by_mobile(self, api_client, make_user):
        user = make_user(username="bob", mobile="13511112222")
        response = self.login(api_client, "13511112222")
        assert response.status_code == 200
        assert response.json()["id"] == user.id

    def test_wrong_password_and_unknown_user_look_the_same(self, api_client, make_user):
        make_user(username="carol")
        wrong = self.login(api_client, "carol", "nope-nope")
        unknown = self.login(api_client, "nobody", "nope-nope")
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {
                "detail": "用户名、手机号或密码错误。",
                "code": "invalid_credentials",
            }
        )

    def test_inactive_user_cannot_log_in(self, api_client, make_user):
        make_user(username="dave", is_active=False)
        assert self.login(api_client, "dave").status_code == 401

    def test_repeated_failures_are_throttled_even_with_the_right_password(
        self, api_client, make_user
    ):
        make_user(username="erin")
        for _ in range(5):
            assert self.login(api_client, "erin", "wrong-pass").status_code == 401
        locked = self.login(api_client, "erin")
        assert locked.status_code == 429
        assert locked.json()["code"] == "login_throttled"
        assert 0 < locked.json()["retry_after"] <= 900
        # Another client address is not locked out by someone else's guesses.
        assert self.login(api_client, "erin", REMOTE_ADDR="10.1.2.3").status_code == 200

    def test_success_resets_the_failure_count(self, api_client, make_user):
        make_user(username="frank")
        for _ in range(4):
            self.login(api_client, "frank", "wrong-pass")
        assert self.login(api_client, "frank").status_code == 200
        for _ in range(4):
            self.login(api_client, "frank", "wrong-pass")
        assert self.login(api_client, "frank").status_code == 200

    @override_settings(LOGIN_FAILURE_IP_LIMIT=3)
    def test_one_ip_guessing_many_usernames_is_throttled(self, api_client, make_user):
        make_user(username="gina")
        for name in ("a1", "a2", "a3"):
            assert self.login(api_client, name, "x").status_code == 401
        assert self.login(api_client, "gina").status_code == 429

    def test_missing_fields(self, api_client):
        response = api_client.post("/api/users/login/", {"username": "x"})
        assert response.status_code == 400
        assert response.json()["errors"]["password"]


@pytest.mark.django_db
class TestTokens:
    def test_refresh_gives_a_working_access_token(self, api_client, make_user):
        make_user(username="hank")
        tokens = api_client.post(
            "/api/users/login/", {"username": "hank", "password": PASSWORD}
        ).json()
        response = api_client.post("/api/users/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 200
        access = response.json()["access"]
        me = api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert me.status_code == 200 and me.json()["username"] == "hank"

    def test_bad_refresh_token(self, api_client):
        response = api_client.post("/api/users/token/refresh/", {"refresh": "garbage"})
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
        assert response.json()["detail"]

    def test_access_token_is_not_a_refresh_token(self, api_client, make_user):
        make_user(username="ivy")
        tokens = api_client.post(
            "/api/users/login/", {"username": "ivy", "password": PASSWORD}
        ).json()
        response = api_client.post("/api/users/token/refresh/", {"refresh": tokens["access"]})
        assert response.status_code == 401
