from luffy.orders.models import Order
from luffy.users.models import User


def payment_result_summary(*, order: Order) -> dict:
    """What the result page shows for a paid order. The buyer's credit comes with the order
    when it was read with it (`buyer_credit`, payment_result's read), otherwise it is read."""
    lines = order.lines.order_by("id").values_list("course_id", "course_name")
    credit = getattr(order, "buyer_credit", None)
    if credit is None:
        credit = User.objects.values_list("credit", flat=True).get(id=order.user_id)
    return {
        "order_number": order.order_number,
        "pay_time": order.paid_at,
        "real_price": order.real_price,
        "user_credit": credit,
        "course_list": [{"id": course_id, "name": name} for course_id, name in lines],
    }
