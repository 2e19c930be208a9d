from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from luffy.payments.wechatpay import WechatPayGateway

gateway = WechatPayGateway()


def code_url(out_trade_no: str, amount: str = "0.30", **kwargs) -> str:
    kwargs.setdefault("subject", "Python 入门课程")
    kwargs.setdefault("deadline", timezone.now() + timedelta(minutes=30))
    return gateway.pay_url(out_trade_no=out_trade_no, amount=Decimal(amount), **kwargs)


def paid(sandbox, out_trade_no: str, amount: str = "0.30") -> str:
    """Order by Native and pay at the cashier; returns the code_url."""
    url = code_url(out_trade_no, amount)
    status, body = sandbox.scan_and_pay(url)
    assert status == 200 and "支付成功" in body, body
    return url
