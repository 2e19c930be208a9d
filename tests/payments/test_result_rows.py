"""The payment result is written directly by payment_result_data (issue 13: reads close to
their floor: the QR code page polls it); PaymentResultSerializer stays the documented shape
and both must write the same JSON, paid or not yet, in Shanghai time and in UTC."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from luffy.payments.serializers import PaymentResultSerializer, payment_result_data


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("paid", [True, False])
def test_the_result_writes_what_its_serializer_documents(zone, paid):
    summary = {
        "order_number": "202612031453018959860000000050",
        "pay_time": timezone.now() if paid else None,
        "real_price": Decimal("177.20"),
        "user_credit": 490,
        "course_list": [{"id": 3, "name": "Python 入门"}, {"id": 4, "name": "Django"}],
    }
    with timezone.override(zone):
        written = json.loads(JSONRenderer().render(payment_result_data(summary)))
        documented = json.loads(JSONRenderer().render(PaymentResultSerializer(summary).data))
    assert written == documented
    assert written["real_price"] == "177.20"
