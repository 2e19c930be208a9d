"""Cart writes. The cart is a draft: checkout re-reads every price."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luffy.access.selectors import active_access
from luffy.cart.selectors import cart_line
from luffy.cart.store import CartStore, CartUnavailable, StoredLine
from luffy.catalog.selectors import CourseOffer, course_offers
from luffy.common.errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)


def _offer_on_sale(course_id: int) -> CourseOffer:
    offer = course_offers(course_ids=[course_id]).get(course_id)
    if offer is None or not offer.on_sale:
        raise NotFound(_("This course does not exist or is not on sale."), code="course_not_found")
    return offer


def _check_option(offer: CourseOffer, expire_id: int) -> None:
    if offer.option(expire_id) is None:
        choices = ", ".join(f"{q.expire_id} ({q.text})" for q in offer.options)
        raise ValidationFailed(
            _("This validity option does not belong to the course; choose one of: %(choices)s.")
            % {"choices": choices},
            code="invalid_expire",
            field="expire_id",
        )


def _refuse_if_owned(user_id: int, course_id: int) -> None:
    """Permanent access cannot be bought again; time-limited access can be extended (a renewal:
    the days bought are added to its end)."""
    access = active_access(user_id=user_id, course_ids=[course_id]).get(course_id)
    if access is None or access.expires_at is not None:
        return
    raise Conflict(
        _("You already have permanent access to this course."),
        code="already_purchased",
        extra={"access_until": None},
    )


def cart_add(*, user_id: int, course_id: int, expire_id: int | None = None) -> int:
    """Put a course in the cart (selected); returns the number of lines."""
    offer = _offer_on_sale(course_id)
    if expire_id is None:
        expire_id = offer.default_expire_id
        if expire_id is None:
            raise Conflict(_("This course has no price yet."), code="no_price")
    else:
        _check_option(offer, expire_id)
    _refuse_if_owned(user_id, course_id)
    count = CartStore(user_id).add(
        course_id=course_id, expire_id=expire_id, max_lines=settings.CART_MAX_LINES
    )
    if count is None:
        raise Conflict(
            _("Your cart is full (%(count)d courses); remove some first.")
            % {"count": settings.CART_MAX_LINES},
            code="cart_full",
        )
    return count


def cart_update_line(
    *, user_id: int, course_id: int, expire_id: int | None = None, selected: bool | None = None
) -> dict:
    """Change a line's validity option and/or selection; returns the line re-priced."""
    if expire_id is None and selected is None:
        raise ValidationFailed(_("Send `selected` and/or `expire_id`."), code="nothing_to_change")
    store = CartStore(user_id)
    stored = next((line for line in store.lines() if line.course_id == course_id), None)
    if stored is None:
        raise NotFound(_("This course is not in your cart."), code="not_in_cart")
    offer = course_offers(course_ids=[course_id]).get(course_id)
    if offer is None or (not offer.on_sale and (selected or expire_id is not None)):
        raise Conflict(_("This course is no longer on sale."), code="course_unavailable")
    if expire_id is not None:
        _check_option(offer, expire_id)
    elif selected and offer.option(stored.expire_id) is None:
        raise Conflict(
            _("The chosen validity option is no longer offered; pick another first."),
            code="option_unavailable",
        )
    if not store.update(course_id=course_id, expire_id=expire_id, selected=selected):
        raise NotFound(
            _("This course is not in your cart."), code="not_in_cart"
        )  # removed meanwhile
    updated = StoredLine(
        course_id,
        stored.expire_id if expire_id is None else expire_id,
        stored.added_ms,
        stored.selected if selected is None else selected,
    )
    return cart_line(updated, offer)


def cart_select_all(*, user_id: int, selected: bool) -> None:
    """Select every available line, or clear the selection."""
    store = CartStore(user_id)
    if not selected:
        store.select_only([])
        return
    lines = store.lines()
    offers = course_offers(course_ids=[line.course_id for line in lines])
    store.select_only(
        [
            line.course_id
            for line in lines
            if (offer := offers.get(line.course_id))
            and offer.on_sale
            and offer.option(line.expire_id)
        ]
    )


def cart_remove(*, user_id: int, course_id: int) -> None:
    if not CartStore(user_id).remove(course_id):
        raise NotFound(_("This course is not in your cart."), code="not_in_cart")


def cart_remove_lines(*, user_id: int, course_ids: list[int], order_number: str = "") -> None:
    """Checkout calls this after its transaction commits: the order is placed whatever happens
    here, so this never raises. Redis unavailable: the removal is retried by a Celery task, or,
    when the broker is down too (it may be the same Redis), by a thread of this process."""
    try:
        CartStore(user_id).remove(*course_ids)
        return
    except CartUnavailable:
        logger.warning(
            "order %s user %s: cart clean-up failed, retrying later", order_number, user_id
        )
    from luffy.cart.tasks import cart_remove_ordered_lines

    kwargs = {"user_id": user_id, "course_ids": list(course_ids)}
    try:
        # retry=False: do not hold the buyer's answer while kombu retries a dead broker.
        cart_remove_ordered_lines.apply_async(kwargs=kwargs, countdown=1, retry=False)
    except CartUnavailable:  # eager mode (tests): the task's own retries gave up
        logger.error("order %s user %s: cart clean-up gave up", order_number, user_id)
    except Exception as exc:
        logger.warning("order %s: cart clean-up not queued (%r); retrying here", order_number, exc)
        _retry_in_thread(user_id, list(course_ids), order_number)


def _retry_in_thread(user_id: int, course_ids: list[int], order_number: str) -> None:
    from luffy.cart.tasks import MAX_RETRIES, retry_delay

    def run() -> None:
        for attempt in range(MAX_RETRIES):
            time.sleep(retry_delay(attempt))
            try:
                CartStore(user_id).remove(*course_ids)
            except CartUnavailable:
                continue
            logger.info("order %s user %s: cart cleaned up", order_number, user_id)
            return
        logger.error("order %s user %s: cart clean-up gave up", order_number, user_id)

    threading.Thread(target=run, name=f"cart-clean-{user_id}", daemon=True).start()


class SkipReason(StrEnum):
    """Why a course of an earlier order was not put back in the cart."""

    OWNED = "owned"  # the buyer can use it now (bought since, or still running)
    OFF_SALE = "off_sale"  # gone, offline, or without any price
    CART_FULL = "cart_full"


_SKIP_TEXT = {
    SkipReason.OWNED: gettext_lazy("you already have access to it"),
    SkipReason.OFF_SALE: gettext_lazy("it is no longer on sale"),
    SkipReason.CART_FULL: gettext_lazy("your cart is full"),
}


@dataclass(frozen=True)
class PutBack:
    course_id: int
    name: str
    expire_id: int = 0
    option_changed: bool = False  # the old validity option is gone: the course's default
    reason: SkipReason | None = None

    @property
    def reason_text(self) -> str:
        return str(_SKIP_TEXT[self.reason]) if self.reason else ""


def cart_put_back(
    *, user_id: int, lines: list[tuple[int, int, str]]
) -> tuple[list[PutBack], list[PutBack], int]:
    """Put courses back in the cart, selected, each with its validity option where the course
    still offers it (else its default option): `lines` are (course_id, expire_id, name as
    sold). Courses the user can use now, or that are no longer on sale, are skipped, and so
    are the ones that no longer fit. Returns (added, skipped, cart line count). One access
    query plus the (cached) catalog read, and one Redis script per line."""
    course_ids = [course_id for course_id, _, _ in lines]
    offers = course_offers(course_ids=course_ids)
    owned = active_access(user_id=user_id, course_ids=course_ids)
    store = CartStore(user_id)
    added, skipped = [], []
    count = store.count()
    for course_id, expire_id, sold_as in lines:
        offer = offers.get(course_id)
        name = offer.name if offer else sold_as
        if course_id in owned:
            skipped.append(PutBack(course_id, name, reason=SkipReason.OWNED))
            continue
        if offer is None or not offer.on_sale or offer.default_expire_id is None:
            skipped.append(PutBack(course_id, name, reason=SkipReason.OFF_SALE))
            continue
        option = expire_id if offer.option(expire_id) else offer.default_expire_id
        result = store.add(course_id=course_id, expire_id=option, max_lines=settings.CART_MAX_LINES)
        if result is None:
            skipped.append(PutBack(course_id, name, reason=SkipReason.CART_FULL))
            continue
        count = result
        added.append(PutBack(course_id, name, option, option_changed=option != expire_id))
    return added, skipped, count
