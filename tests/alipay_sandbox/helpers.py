from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from luffy.payments import alipay


def pay_url(out_trade_no: str, amount: str = "1.00", **kwargs) -> str:
    kwargs.setdefault("subject", "Python 入门 course")
    kwargs.setdefault("time_expire", timezone.now() + timedelta(minutes=30))
    return alipay.page_pay_url(out_trade_no=out_trade_no, total_amount=Decimal(amount), **kwargs)


def pay(sandbox, out_trade_no: str, amount: str = "1.00", **kwargs) -> str:
    """Open the cashier and press Pay: the Location of the return redirect."""
    cashier_url, _ = sandbox.open_cashier(pay_url(out_trade_no, amount, **kwargs))
    status, location, body = sandbox.press(cashier_url)
    assert status == 302, body
    return location
