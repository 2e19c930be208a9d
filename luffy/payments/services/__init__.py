"""The payment use cases, one module per use case, on the gateway interface
(luffy.payments.gateway). Nothing here reads a gateway's own codes or field names, and network
calls to the gateway never happen inside a database transaction.

- pay: `payment_url_create` (and the Trade it starts)
- confirm: `payment_confirm`, the one confirmation path that return (`payment_result`),
  notify (`payment_notify`), query (`payment_query`), the WeChat Pay poll (`payment_poll`) and
  reconciliation all end in; late payments and payments through a second gateway are decided
  there; `refund_notify` (WeChat Pay's refund notifies)
- cancel: `order_cancel` (asks the gateway first)
- refunds: `order_refund` (staff), `refund_send`
- jobs: `orders_expire` (the timeout sweep), `payments_reconcile`
- messages: `message_record` and the `Outcome` of a message

The names below are the package's public entry points."""

from luffy.payments.services.cancel import order_cancel
from luffy.payments.services.confirm import (
    payment_confirm,
    payment_notify,
    payment_poll,
    payment_query,
    payment_result,
    refund_notify,
)
from luffy.payments.services.jobs import orders_expire, payments_reconcile
from luffy.payments.services.messages import PAID_OUTCOMES, Outcome, message_record
from luffy.payments.services.pay import payment_url_create
from luffy.payments.services.refunds import order_refund, refund_send

__all__ = [
    "PAID_OUTCOMES",
    "Outcome",
    "message_record",
    "order_cancel",
    "order_refund",
    "orders_expire",
    "payment_confirm",
    "payment_notify",
    "payment_poll",
    "payment_query",
    "payment_result",
    "payment_url_create",
    "payments_reconcile",
    "refund_notify",
    "refund_send",
]
