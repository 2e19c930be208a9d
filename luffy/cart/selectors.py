"""Cart reads: 1 Redis round trip and 3 SQL queries, whatever the number of lines."""

from __future__ import annotations

import logging

from django.utils import timezone

from luffy.cart.store import CartStore, StoredLine
from luffy.catalog.selectors import CourseOffer, OptionPrice, course_offers_cached
from luffy.common.money import ZERO

logger = logging.getLogger(__name__)

OFFLINE = "This course is no longer on sale."
OPTION_GONE = "The chosen validity option is no longer offered; pick another."
SELECTED_FIELDS = ("course_id", "name", "cover", "expire_id", "expire_text", "price", "real_price",
                   "discount_name")  # fmt: skip


def _option(q: OptionPrice) -> dict:
    return {
        "id": q.expire_id,
        "text": q.text,
        "days": q.days,
        "price": q.price,
        "real_price": q.real_price,
    }


def cart_line(stored: StoredLine, offer: CourseOffer) -> dict:
    """One line as the cart page shows it; unavailable lines are never selected."""
    option = offer.option(stored.expire_id)
    reason = OFFLINE if not offer.on_sale else (OPTION_GONE if option is None else None)
    return {
        "course_id": offer.course_id,
        "name": offer.name,
        "cover": offer.cover,
        "expire_id": stored.expire_id,
        "expire_text": option.text if option else None,
        "expire_options": [_option(q) for q in offer.options] if offer.on_sale else [],
        "price": option.price if option else None,
        "real_price": option.real_price if option else None,
        "discount_name": option.discount_name if option else None,
        "selected": stored.selected and reason is None,
        "available": reason is None,
        "unavailable_reason": reason,
    }


def _priced_lines(user_id: int) -> list[dict]:
    store = CartStore(user_id)
    stored = store.lines()
    offers = course_offers_cached(course_ids=[line.course_id for line in stored], at=timezone.now())
    gone = [line.course_id for line in stored if line.course_id not in offers]
    if gone:  # deleted courses cannot be shown or bought
        logger.warning("cart of user %s: dropping deleted courses %s", user_id, gone)
        store.remove(*gone)
    return [cart_line(line, offers[line.course_id]) for line in stored if line.course_id in offers]


def _totals(lines: list[dict]) -> dict:
    chosen = [line for line in lines if line["selected"]]
    return {
        "selected_count": len(chosen),
        "total_price": sum((line["price"] for line in chosen), ZERO),
        "total_real_price": sum((line["real_price"] for line in chosen), ZERO),
    }


def cart_get(*, user_id: int) -> dict:
    lines = _priced_lines(user_id)
    return {"lines": lines, "cart_num": len(lines), **_totals(lines)}


def cart_selected(*, user_id: int) -> dict:
    """The selected, available lines as the order-confirmation page needs them."""
    lines = _priced_lines(user_id)
    totals = _totals(lines)
    return {
        "lines": [
            {key: line[key] for key in SELECTED_FIELDS} for line in lines if line["selected"]
        ],
        "count": totals.pop("selected_count"),
        **totals,
    }


def cart_count(*, user_id: int) -> int:
    return CartStore(user_id).count()


def cart_selected_items(*, user_id: int) -> list[tuple[int, int]]:
    """(course_id, expire_id) of the selected lines, for checkout (which re-prices them)."""
    lines = CartStore(user_id).lines()
    return [(line.course_id, line.expire_id) for line in lines if line.selected]
