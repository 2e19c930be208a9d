"""Chinese for people: the API answers in Chinese by default and for Accept-Language zh-hans,
English for Accept-Language en, and every error code it can return (the registry,
luffy.common.error_codes) has a Chinese text in the front end's messages.js; a scan of the code
makes sure every code it raises is in the registry."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from rest_framework import exceptions as drf_exceptions
from rest_framework_simplejwt import exceptions as jwt_exceptions

from luffy.common.error_codes import ErrorCode
from luffy.common.i18n import duration_words

ROOT = Path(__file__).resolve().parents[2]
SANDBOXES = ("alipay_sandbox", "wechat_sandbox")
CODE_PATTERNS = [
    re.compile(r"""\bcode\s*=\s*["']([a-z_]+)["']"""),  # raise X(..., code="...")
    re.compile(r"""\bdefault_code\s*=\s*["']([a-z_]+)["']"""),  # error classes
    re.compile(
        r"""_\("[^"]*"\)(?:\s*%\s*\{[^}]*\})?,\s*"([a-z_]+)"(?!\s*:)"""
    ),  # error_body / json_error
    re.compile(r"""return \(?\s*"([a-z_]+)",""", re.S),  # (code, message) reasons, e.g. coupons
]


def api_error_codes() -> set[str]:
    """Every code an API error can carry: the registry."""
    return {code.value for code in ErrorCode}


def raised_error_codes() -> set[str]:
    """The codes the code itself names (services, handlers, DRF and Simple JWT)."""
    codes = set()
    for path in (ROOT / "luffy").rglob("*.py"):
        if any(part in SANDBOXES or part == "migrations" for part in path.parts):
            continue
        text = path.read_text()
        for pattern in CODE_PATTERNS:
            codes.update(pattern.findall(text))
    # Simple JWT's authentication raises codes of its own (bad_authorization_header, ...).
    jwt_source = Path(inspect.getfile(jwt_exceptions)).parent / "authentication.py"
    codes.update(CODE_PATTERNS[0].findall(jwt_source.read_text()))
    for module in (drf_exceptions, jwt_exceptions):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, drf_exceptions.APIException) and cls.default_code:
                codes.add(cls.default_code)
    codes.add("error")  # the handler's fallback for a DRF error without a string code
    return codes


def front_end_codes() -> set[str]:
    text = (ROOT / "web" / "src" / "utils" / "messages.js").read_text()
    block = re.search(r"^const ERRORS = \{\n(.*?)^\}", text, re.M | re.S).group(1)
    return set(re.findall(r"^\s+([a-z_]+):\s*'[^']*[\u4e00-\u9fff]", block, re.M))


def test_the_collector_finds_codes_from_services_handlers_and_drf():
    codes = raised_error_codes()
    assert {"sms_code_wrong", "login_throttled", "database_busy", "nul_character"} <= codes
    assert {"throttled", "permission_denied", "token_not_valid", "coupon_reserved"} <= codes
    assert {"bad_authorization_header", "password_changed", "user_not_found"} <= codes


def test_every_code_the_code_raises_is_in_the_registry():
    missing = sorted(raised_error_codes() - api_error_codes())
    assert not missing, f"codes missing from luffy.common.error_codes.ErrorCode: {missing}"


def test_the_schema_publishes_the_registry_on_the_error_shape():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert components["ErrorCodeEnum"]["enum"] == [code.value for code in ErrorCode]
    code = components["Error"]["properties"]["code"]
    assert code["allOf"] == [{"$ref": "#/components/schemas/ErrorCodeEnum"}]
    assert f"`cart_empty` - {ErrorCode.CART_EMPTY.message}" in code["description"]


def test_every_api_error_code_has_a_chinese_text_in_the_front_end():
    missing = sorted(api_error_codes() - front_end_codes())
    assert not missing, f"codes without a Chinese text in web/src/utils/messages.js: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}]
)
def test_messages_are_chinese_by_default_and_for_zh_hans(client, headers):
    response = client.get("/api/courses/99999/", **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "课程不存在或未上架。", "code": "course_not_found"}


@pytest.mark.django_db
def test_english_when_the_client_asks_for_it(client):
    response = client.get("/api/courses/99999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "No such course, or it is not on sale."


@pytest.mark.django_db
def test_drf_own_messages_are_chinese_too(client):
    response = client.get("/api/orders/")
    assert response.status_code == 401
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), response.json()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 秒"),
        (59, "59 秒"),
        (60, "1 分钟"),
        (892, "约 15 分钟"),
        (900, "15 分钟"),
        (3600, "1 小时"),
        (5000, "约 2 小时"),
    ],
)
def test_durations_are_in_words_people_use(seconds, words):
    assert duration_words(seconds) == words
