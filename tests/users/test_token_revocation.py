"""A password change or reset refuses every token issued before it: on the stateful endpoints
(user row loaded anyway), on the token-only ones (cached stamp) and at the refresh, with no
extra query per request."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.common.redis import redis_client
from luffy.users import active_cache
from luffy.users.authentication import ActiveTokenUserAuthentication
from luffy.users.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "Another-sturdy-2027"
# A stateful endpoint (JWTAuthentication) and a token-only one (ActiveTokenUserAuthentication).
STATEFUL, TOKEN_ONLY = "/api/users/me/", "/api/cart/"


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def refused_for_password(response) -> bool:
    body = response.json()
    return response.status_code == 401 and body["code"] == "password_changed"


def _change_by_api(user, client):
    response = client.post(
        "/api/users/me/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.json()
    return response.json()


def _reset_by_sms(user, sms_outbox):
    anonymous = APIClient()
    sent = anonymous.get(f"/api/users/sms/{user.mobile}/?purpose=reset_password")
    assert sent.status_code == 200
    code = re.search(r"\d{6}", sms_outbox[-1][1]).group()
    body = {"mobile": user.mobile, "sms_code": code, "password": NEW_PASSWORD}
    assert anonymous.post("/api/users/password/reset/", body).status_code == 200


def _set_in_admin_form(user):
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["changed", "reset", "admin"])
def test_tokens_issued_before_a_new_password_are_refused(make_user, sms_outbox, how):
    user = make_user()
    refresh = RefreshToken.for_user(user)
    old = bearer(refresh.access_token)
    assert old.get(STATEFUL).status_code == 200
    assert old.get(TOKEN_ONLY).status_code == 200  # the stamp is now cached
    if how == "changed":
        _change_by_api(user, bearer(RefreshToken.for_user(user).access_token))
    elif how == "reset":
        _reset_by_sms(user, sms_outbox)
    else:
        _set_in_admin_form(User.objects.get(id=user.id))
    assert refused_for_password(old.get(STATEFUL))
    assert refused_for_password(old.get(TOKEN_ONLY))
    again = APIClient().post("/api/users/token/refresh/", {"refresh": str(refresh)})
    assert refused_for_password(again)
    assert re.search(r"[\u4e00-\u9fff]", again.json()["detail"])  # served in Chinese


@pytest.mark.django_db
def test_the_device_that_changed_it_gets_new_tokens_that_work(user):
    answer = _change_by_api(user, bearer(RefreshToken.for_user(user).access_token))
    assert bearer(answer["access"]).get(STATEFUL).status_code == 200
    assert bearer(answer["access"]).get(TOKEN_ONLY).status_code == 200
    refreshed = APIClient().post("/api/users/token/refresh/", {"refresh": answer["refresh"]})
    assert refreshed.status_code == 200, refreshed.json()
    assert bearer(refreshed.json()["access"]).get(TOKEN_ONLY).status_code == 200


@pytest.mark.django_db
def test_a_login_after_the_change_works(api_client, user):
    _change_by_api(user, bearer(RefreshToken.for_user(user).access_token))
    login = api_client.post(
        "/api/users/login/", {"username": user.mobile, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200
    assert bearer(login.json()["access"]).get(TOKEN_ONLY).status_code == 200


@pytest.mark.django_db
def test_a_token_without_the_stamp_is_refused(user):
    """Tokens minted before the check existed carry no stamp: refused, the user logs in again."""
    token = RefreshToken.for_user(user).access_token
    del token["hash_password"]
    assert refused_for_password(bearer(token).get(STATEFUL))
    assert refused_for_password(bearer(token).get(TOKEN_ONLY))


@pytest.mark.django_db
def test_other_saves_keep_the_tokens(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.patch(STATEFUL, {"nickname": "小明"}).status_code == 200
    User.objects.get(id=user.id).save()  # e.g. last_login, is_staff ...
    assert client.get(TOKEN_ONLY).status_code == 200
    assert client.get(STATEFUL).status_code == 200


@pytest.mark.django_db
def test_a_partly_loaded_user_saved_costs_no_query_and_clears_the_stamp(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.get(TOKEN_ONLY).status_code == 200
    partial = User.objects.only("id", "credit").get(id=user.id)
    with CaptureQueriesContext(connection) as saved:
        partial.save(update_fields=["credit"])
    assert len(saved.captured_queries) == 1  # the UPDATE; no load of the deferred fields
    assert redis_client().get(active_cache._key(user.id)) is None
    assert client.get(TOKEN_ONLY).status_code == 200  # refilled from the row


@pytest.mark.django_db
def test_the_token_only_check_stays_one_redis_get_and_no_query(user):
    token = RefreshToken.for_user(user).access_token
    request = APIRequestFactory().get(TOKEN_ONLY, HTTP_AUTHORIZATION=f"Bearer {token}")
    authentication = ActiveTokenUserAuthentication()
    authentication.authenticate(request)  # fills the cache
    with CaptureQueriesContext(connection) as hit:
        authentication.authenticate(request)
    assert len(hit.captured_queries) == 0


@pytest.mark.django_db
def test_the_stateful_check_costs_no_extra_query(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STATEFUL).status_code == 200
    users = [q for q in queries.captured_queries if "luffy_user" in q["sql"]]
    assert len(users) == 1  # the user row JWTAuthentication loads, nothing more
