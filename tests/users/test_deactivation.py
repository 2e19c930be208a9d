"""A deactivated or deleted account loses access at once on every authenticated endpoint,
including the token-only ones (cart, pay URL, course access, lessons)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.common.redis import redis_client
from luffy.users import active_cache
from luffy.users.authentication import ActiveTokenUserAuthentication
from luffy.users.models import User
from tests.conftest import client_for

METHODS = ("get", "post", "put", "patch", "delete")
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


def _api_views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_views(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            view = getattr(entry.callback, "cls", None)
            if view is not None and view().get_authenticators():
                yield (
                    "/" + CONVERTER.sub(lambda m: "1" if m[1] in ("int", "id") else "x", route),
                    view,
                )


def authenticated_endpoints() -> list[tuple[str, str]]:
    """(method, path) of every API endpoint that takes a bearer token, except the docs."""
    found = []
    for path, view in _api_views():
        if path.startswith(("/api/schema/", "/api/docs/")):
            continue
        for method in METHODS:
            if hasattr(view, method):
                found.append((method, path))
    return found


def test_the_scan_finds_the_token_only_endpoints():
    endpoints = {path for _, path in authenticated_endpoints()}
    assert {
        "/api/cart/",
        "/api/payments/alipay/",
        "/api/courses/1/access/",
        "/api/courses/1/lessons/1/",
        "/api/users/me/",
        "/api/orders/",
    } <= endpoints
    protected = [v for _, v in _api_views() if IsAuthenticated in v.permission_classes]
    assert len(protected) >= 8


def _answers(client, method: str, path: str) -> int:
    return getattr(client, method)(path, {}, format="json").status_code


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_every_authenticated_endpoint_refuses_at_once(make_user, how):
    user = make_user()
    client = client_for(user)
    endpoints = authenticated_endpoints()
    before = {(m, p): _answers(client, m, p) for m, p in endpoints}
    assert 401 not in before.values(), before  # the token works everywhere to begin with
    if how == "deactivated":
        user.is_active = False
        user.save(update_fields=["is_active"])
    else:
        user.delete()
    after = {(m, p): _answers(client, m, p) for m, p in endpoints}
    assert after == dict.fromkeys(endpoints, 401), after
    response = client.get("/api/cart/")
    assert response.json()["code"] in {"user_inactive", "user_not_found"}


def test_reactivated_account_works_again_at_once(make_user):
    user = make_user()
    client = client_for(user)
    User.objects.filter(id=user.id).update(is_active=False)  # bypasses the signals ...
    active_cache.user_active_cache_set(user_id=user.id, active=False)  # ... as a sweep would
    assert client.get("/api/cart/").status_code == 401
    user.refresh_from_db()
    user.is_active = True
    user.save()
    assert client.get("/api/cart/").status_code == 200


def test_admin_deactivation_takes_effect_at_once(make_user, client):
    admin = make_user(is_staff=True, is_superuser=True)
    user = make_user()
    api = client_for(user)
    assert api.get("/api/cart/").status_code == 200  # the "active" flag is now cached
    client.force_login(admin)
    data = {  # the change form as the admin sends it, with "active" unticked
        "username": user.username,
        "mobile": user.mobile,
        "email": "",
        "first_name": "",
        "last_name": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    response = client.post(f"/admin/users/user/{user.id}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(id=user.id).is_active
    assert api.get("/api/cart/").status_code == 401


def _token_request(user):
    token = RefreshToken.for_user(user).access_token
    return APIRequestFactory().get("/api/cart/", HTTP_AUTHORIZATION=f"Bearer {token}")


class _CountingRedis:
    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        attr = getattr(self.real, name)
        if callable(attr):

            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)

            return counted
        return attr


def test_cost_of_the_token_only_check(make_user, monkeypatch):
    """A hit is one Redis GET and no query; a miss one query and a GET + SET."""
    user = make_user()
    redis_client().delete(active_cache._key(user.id))
    counting = _CountingRedis(redis_client())
    monkeypatch.setattr(active_cache, "redis_client", lambda: counting)
    authentication = ActiveTokenUserAuthentication()
    with CaptureQueriesContext(connection) as miss:
        authentication.authenticate(_token_request(user))
    assert len(miss.captured_queries) == 1
    assert counting.calls == ["get", "set"]
    counting.calls.clear()
    with CaptureQueriesContext(connection) as hit:
        found, _token = authentication.authenticate(_token_request(user))
    assert str(found.id) == str(user.id)
    assert len(hit.captured_queries) == 0
    assert counting.calls == ["get"]


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_refresh_token_of_a_disabled_account_gives_no_new_access(api_client, make_user, how):
    user = make_user()
    refresh = str(RefreshToken.for_user(user))
    if how == "deactivated":
        User.objects.filter(id=user.id).update(is_active=False)
    else:
        user.delete()
    response = api_client.post("/api/users/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401, response.content
