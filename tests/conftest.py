import itertools

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.common.redis import redis_client
from luffy.users.models import User
from luffy.users.sms import MemoryBackend

pytest_plugins = [
    "tests.catalog_fixtures",
    "tests.order_fixtures",
    "tests.sandbox_fixtures",
    "tests.wechat_sandbox_fixtures",
]

PASSWORD = "Sturdy-pass-2026"
_mobiles = itertools.count(13800000000)


@pytest.fixture(autouse=True)
def _clean_redis():
    """Every test starts with an empty Redis database (each test run has its own db number)."""
    redis_client().flushdb()
    MemoryBackend.outbox.clear()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def sms_outbox() -> list[tuple[str, str]]:
    return MemoryBackend.outbox


@pytest.fixture
def make_user(db):
    def make(*, username: str | None = None, mobile: str | None = None, credit: int = 0, **extra):
        mobile = mobile or str(next(_mobiles))
        return User.objects.create_user(
            username=username or f"user{mobile}",
            mobile=mobile,
            password=extra.pop("password", PASSWORD),
            credit=credit,
            **extra,
        )

    return make


@pytest.fixture
def user(make_user) -> User:
    return make_user()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    return client_for(user)
