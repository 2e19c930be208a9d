"""Order writes, one module per use case. Each function here only records a state; the use
cases that must ask the gateway first (settle from a gateway message, cancel, expire, refund)
are in `luffy.payments.services`.

- checkout: `order_create` (the selected cart lines become an unpaid order; its money is
  `luffy.orders.quote.checkout_quote`, which the preview endpoint shows)
- settlement: `order_record_paid`, `order_record_late_payment`
- cancel: `order_record_cancelled`
- timeout: `orders_time_out_due` (the sweep's orders past their deadline, batch by batch,
  batches side by side) and `orders_record_timed_out` (one set-based batch)
- refund: `order_record_refund` (a confirmed refund's amount), `order_record_refunded`
- put_back: `order_courses_to_cart` (a closed order's courses back in the cart)
- transitions: the one TRANSITIONS table, `order_transition`, its set-based
  `order_transition_many` (the sweep) and `order_record_created` (checkout's first audit row)
- locks: the row locks, in the one lock order

The names below are the package's public entry points."""

from luffy.orders.services.cancel import order_record_cancelled
from luffy.orders.services.checkout import CheckoutResult, order_create
from luffy.orders.services.put_back import order_courses_to_cart
from luffy.orders.services.refund import order_record_refund, order_record_refunded
from luffy.orders.services.settlement import (
    LateDecision,
    order_record_late_payment,
    order_record_paid,
)
from luffy.orders.services.timeout import orders_record_timed_out, orders_time_out_due
from luffy.orders.services.transitions import (
    TRANSITIONS,
    order_record_created,
    order_transition,
    order_transition_many,
)

__all__ = [
    "TRANSITIONS",
    "CheckoutResult",
    "LateDecision",
    "order_courses_to_cart",
    "order_create",
    "order_record_cancelled",
    "order_record_created",
    "order_record_late_payment",
    "order_record_paid",
    "order_record_refund",
    "order_record_refunded",
    "order_transition",
    "order_transition_many",
    "orders_record_timed_out",
    "orders_time_out_due",
]
