from luffy.orders.models import Order
from luffy.users.models import User


def payment_result_summary(*, order: Order) -> dict:
    """What the result page shows for a paid order."""
    lines = order.lines.order_by("id").values_list("course_id", "course_name")
    return {
        "order_number": order.order_number,
        "pay_time": order.paid_at,
        "real_price": order.real_price,
        "user_credit": User.objects.values_list("credit", flat=True).get(id=order.user_id),
        "course_list": [{"id": course_id, "name": name} for course_id, name in lines],
    }
