"""GET /api/users/me/ and the credit history are written directly (me_data,
credit_entries_data), not by their serializers (issue 13: reads close to their floor); the
serializers stay the documented shape and both must write the same JSON."""

import json

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from luffy.orders.models import Order
from luffy.users.models import CreditEntry
from luffy.users.serializers import CreditEntrySerializer, UserOutputSerializer
from tests.conftest import client_for


def as_json(data):
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize(
    "fields",
    [
        {},  # the username is the mobile: masked
        {"nickname": "小飞", "avatar": "avatars/2026/12/me.png", "credit": 1234},
        {"username": "luffy_fan", "credit": 5},
    ],
)
def test_me_writes_what_the_serializer_documents(make_user, fields):
    mobile = "13812345678"
    user = make_user(mobile=mobile, username=fields.pop("username", mobile), **fields)
    body = client_for(user).get("/api/users/me/").json()
    request = RequestFactory().get("/api/users/me/", HTTP_HOST="testserver")
    assert body == as_json(UserOutputSerializer(user, context={"request": request}).data)
    if "avatar" in fields:
        assert body["avatar"] == "http://testserver/media/avatars/2026/12/me.png"


def test_me_costs_one_query(user, django_assert_num_queries):
    with django_assert_num_queries(1):  # the user (JWT authentication loads it)
        assert client_for(user).get("/api/users/me/").status_code == 200


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_credit_history_writes_what_the_serializer_documents(make_user, zone):
    user = make_user(credit=300)
    order = Order.objects.create(
        order_number="C1", user=user, title="t", total_price=100, discounted_price=100,
        real_price=90, credit=100, credit_amount=10, pay_deadline=timezone.now(),
    )  # fmt: skip
    for amount, reason, with_order in (
        (-100, CreditEntry.Reason.ORDER_RESERVE, True),
        (100, CreditEntry.Reason.ORDER_RELEASE, True),
        (50, CreditEntry.Reason.GRANT, False),
    ):
        CreditEntry.objects.create(
            user=user, amount=amount, balance_after=300 + amount, reason=reason,
            order=order if with_order else None, note="运营补偿" if not with_order else "",
        )  # fmt: skip
    with timezone.override(zone):
        body = client_for(user).get("/api/users/me/credits/").json()
        entries = CreditEntry.objects.filter(user=user).select_related("order").order_by("-id")
        documented = as_json(CreditEntrySerializer(entries, many=True).data)
    assert body["count"] == 3
    assert body["results"] == documented
    assert [e["order_number"] for e in body["results"]] == [None, "C1", "C1"]


def test_the_credit_history_costs_two_queries(user, django_assert_num_queries):
    for balance in range(1, 25):
        CreditEntry.objects.create(
            user=user, amount=1, balance_after=balance, reason=CreditEntry.Reason.GRANT
        )
    client = client_for(user)
    client.get("/api/users/me/credits/")  # the token's account stamp is cached from now on
    with django_assert_num_queries(2):  # the count, the page (the token alone authenticates)
        assert client.get("/api/users/me/credits/").status_code == 200
