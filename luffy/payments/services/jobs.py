"""The periodic jobs: the timeout sweep (gateway asked first about orders that reached it,
inside a grace margin after their deadline) and reconciliation with the gateway, each in time-
budgeted slices that the next run continues."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from luffy.common.redis import claims_release, claims_take, cursor_load, cursor_save
from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.payments.gateway import (
    CloseResult,
    GatewayUnavailable,
    gateway_for,
)
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.payments.services.confirm import payment_query
from luffy.payments.services.messages import FLAGGED, PAID_OUTCOMES, Outcome, judge
from luffy.payments.services.pay import order_gateways
from luffy.payments.services.refunds import refund_send

S = Order.Status
logger = logging.getLogger(__name__)

# The per-order claim every job takes before asking a gateway about an order (Redis SET NX with
# expiry), so two sweeps, or a sweep and the reconciliation, never ask about one order at the
# same time. Its expiry outlasts one page of asking (4 orders a thread, each at most 2 gateways
# x query + close x the 5 s HTTP timeout = 80 s) with room to spare.
GATEWAY_CLAIM = "gateway-ask"
GATEWAY_CLAIM_SECONDS = 300
ORDERS_PER_WORKER = 4  # a page of the sweep's asking: workers x this many orders


class Asked(StrEnum):
    """What asking the gateways about one expired order came to."""

    PAID = "paid"  # paid there: settled now (or refunded as a late payment)
    CLOSED = "closed"  # closed at every gateway it was sent to: it may time out
    OPEN = "open"  # could not be closed (paid meanwhile?): the next run asks again


@dataclass
class SweepReport:
    timed_out: int = 0  # every order this run timed out
    unasked: int = 0  # reached a cashier, past the grace margin: timed out without a call
    asked: int = 0  # inside the grace window: asked the gateways
    settled: int = 0  # ... and paid there
    busy: int = 0  # claimed by another sweep or the reconciliation meanwhile
    gateway_down: bool = False
    complete: bool = True  # False: the time budget ran out; the next run continues


def orders_expire(
    *, now: datetime, batch_size: int | None = None, budget_seconds: float | None = None
) -> SweepReport:
    """The timeout sweep, in three steps, each batch by batch:
    1. unpaid orders past their deadline that never reached a gateway time out
       (orders_time_out_due, SWEEP_DB_WORKERS batches at a time);
    2. those that reached one and are past their deadline by more than the grace margin
       (settings.SWEEP_GATEWAY_GRACE_SECONDS) time out without a gateway call: the pay URL
       expired at the deadline, and a payment that still arrives takes the late-payment path;
    3. those inside the grace window are asked about, SWEEP_GATEWAY_WORKERS at a time, each
       under a per-order claim: paid there -> settled instead; closed there -> timed out.
    Stops starting new work after `budget_seconds` (settings.SWEEP_TIME_BUDGET_SECONDS): the
    next run continues. Safe twice and beside another copy: every change is conditional on the
    order still being unpaid."""
    budget = settings.SWEEP_TIME_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    until = time.monotonic() + budget
    report = SweepReport()

    def out_of_time() -> bool:
        if time.monotonic() < until:
            return False
        report.complete = False
        return True

    report.timed_out = orders.orders_time_out_due(
        now=now, batch_size=batch_size, out_of_time=out_of_time
    )
    cutoff = now - timedelta(seconds=settings.SWEEP_GATEWAY_GRACE_SECONDS)
    report.unasked = orders.orders_time_out_due(
        now=now, deadline_before=cutoff, reached_gateway=True, batch_size=batch_size,
        out_of_time=out_of_time,
    )  # fmt: skip
    report.timed_out += report.unasked
    reached = Order.objects.filter(status=S.UNPAID, sent_to_gateway_at__isnull=False)
    _ask_grace_window(reached.filter(pay_deadline__gt=cutoff, pay_deadline__lte=now), now=now,
                      report=report, out_of_time=out_of_time)  # fmt: skip
    logger.info("timeout sweep: %s", report)
    return report


def _ask_grace_window(candidates, *, now: datetime, report: SweepReport, out_of_time) -> None:
    """Step 3 of the sweep: page through `candidates` (keyset on deadline, id), ask the
    gateways about each page's orders under their claims (gateway_ask), time out the ones
    closed there before the claims are given back."""
    workers = max(settings.SWEEP_GATEWAY_WORKERS, 1)
    token = uuid.uuid4().hex

    def time_out_closed(answers: dict[int, Asked]) -> None:
        closed = [order_id for order_id, a in answers.items() if a is Asked.CLOSED]
        while closed and (done := orders.orders_record_timed_out(
            now=now, batch_size=len(closed), gateway_checked=closed
        )):  # fmt: skip
            report.timed_out += done

    after = None
    while not out_of_time():
        page = candidates.order_by("pay_deadline", "id")
        if after:
            page = page.filter(
                Q(pay_deadline__gt=after[0]) | Q(pay_deadline=after[0], id__gt=after[1])
            )
        keys = list(page.values_list("pay_deadline", "id")[: workers * ORDERS_PER_WORKER])
        if not keys:
            return
        after = keys[-1]

        asked = gateway_ask(
            [order_id for _, order_id in keys], token=token, workers=workers,
            # Re-read after claiming: another sweep may have timed one out and given its
            # claim back between our page's read and our claim.
            load=lambda mine: Order.objects.filter(id__in=mine, status=S.UNPAID).order_by("id"),
            ask=_ask, then=time_out_closed, job="timeout sweep",
        )  # fmt: skip
        report.busy += len(keys) - len(asked.claimed)
        report.asked += len(asked.answers) + len(asked.failed)
        report.settled += sum(1 for a in asked.answers.values() if a is Asked.PAID)
        if asked.failed:
            logger.warning("timeout sweep: a gateway is down; the rest wait for the next sweep")
            report.gateway_down = True
            return


@dataclass
class GatewayAsked:
    claimed: set  # the ids this caller claimed (the others: another job is asking about them)
    answers: dict  # order id -> what `ask` returned, for the orders asked about
    failed: set  # orders whose gateway did not answer: the asking stopped early


def gateway_ask(
    ids: list[int], *, token: str, workers: int, load, ask, then=None, job: str
) -> GatewayAsked:
    """Ask the gateways about orders the way every job does (the sweep's step 3 and the
    reconciliation): claim `ids` in Redis (GATEWAY_CLAIM, one round trip; ids another job holds
    are left out), `load(claimed ids)` the orders to ask about, call `ask(order)` for each,
    `workers` at a time, each thread on its own DB connection (closed when it is done), then
    `then(answers)` in the caller's thread, and give the claims back (after `then`: whoever
    claims an order next sees what `then` committed). A gateway that does not answer
    (GatewayUnavailable) stops the asking: the orders in flight finish, nobody starts another,
    and those are left out of the answers (at most `workers` calls fail: `failed`)."""
    mine = claims_take(GATEWAY_CLAIM, ids, seconds=GATEWAY_CLAIM_SECONDS, token=token)
    try:
        answers, failed = _ask_each(list(load(mine)) if mine else [], workers=workers,
                                    ask=ask, job=job)  # fmt: skip
        if then is not None:
            then(answers)
    finally:
        claims_release(GATEWAY_CLAIM, mine, token=token)
    return GatewayAsked(claimed=mine, answers=answers, failed=failed)


def _ask_each(todo: list, *, workers: int, ask, job: str) -> tuple[dict, set]:
    answers: dict = {}
    failed: set = set()
    stop = threading.Event()

    def one(order) -> None:
        try:
            answers[order.id] = ask(order)
        except GatewayUnavailable:
            logger.warning("%s: gateway down; %s waits for the next run", job, order)
            failed.add(order.id)
            stop.set()

    if workers == 1 or len(todo) <= 1:
        for order in todo:
            one(order)
            if stop.is_set():
                break
        return answers, failed
    lock = threading.Lock()
    pending = iter(todo)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not stop.is_set():
                with lock:
                    order = next(pending, None)
                if order is None:
                    return
                one(order)
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)
            stop.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(todo)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return answers, failed


def _ask(order: Order) -> Asked:
    """Ask each gateway the order was sent to: paid there -> settled (payment_query);
    otherwise close the trade there. GatewayUnavailable goes to gateway_ask."""
    if payment_query(order=order) in PAID_OUTCOMES:
        return Asked.PAID
    closed = [gateway_for(kind).close(order.order_number) for kind in order_gateways(order)]
    if all(result in (CloseResult.CLOSED, CloseResult.NO_TRADE) for result in closed):
        return Asked.CLOSED
    # e.g. paid between the query and the close: the next query settles it
    logger.warning("timeout sweep: could not close %s: %s", order, closed)
    return Asked.OPEN


# Reconciliation pages through these, in this order, keyset on id; its cursor is (kind, id).
RECONCILE_KINDS = ("unpaid", "closed", "paid", "refunds")
RECONCILE_CURSOR = "reconcile-payments"
RECONCILE_CURSOR_SECONDS = 2 * 24 * 3600  # an abandoned cursor lapses; losing one repeats work


def _reconcile_rows(kind: str, paid_since: datetime):
    reached = Order.objects.filter(sent_to_gateway_at__isnull=False)
    if kind == "unpaid":
        return reached.filter(status=S.UNPAID)
    if kind == "closed":
        # The pay URL can be used until the deadline (time_expire), even after a cancel.
        return reached.filter(status__in=[S.CANCELLED, S.TIMED_OUT], pay_deadline__gte=paid_since)
    if kind == "paid":
        # Paid through the gateway: a Trade holds the gateway's number.
        gateway_paid = Exists(Trade.objects.filter(order_id=OuterRef("id"), trade_no__isnull=False))
        return Order.objects.filter(gateway_paid, status=S.PAID, paid_at__gte=paid_since)
    # Late refunds, and payments through a second gateway (DUP: the order stays paid).
    return (
        Refund.objects.filter(
            Q(out_request_no__endswith="LATE", order__status=S.REFUNDED)
            | Q(out_request_no__endswith="DUP")
        )
        .exclude(status=Refund.Status.SUCCEEDED)
        .select_related("order")
    )


@dataclass
class ReconcileReport:
    checked: int = 0  # orders asked about
    settled: int = 0
    refunded: int = 0
    flagged: int = 0
    busy: int = 0  # claimed by the sweep meanwhile (it is asking about them)
    by_kind: dict = field(default_factory=lambda: dict.fromkeys(RECONCILE_KINDS, 0))
    resumed: bool = False  # this run continued where the last one stopped
    complete: bool = False  # True: it reached the end of its window
    gateway_down: bool = False
    # Orders this run settled: already confirmed, not asked again among the paid ones.
    just_settled: set = field(default_factory=set, repr=False)

    def as_dict(self) -> dict:
        fields = {k: v for k, v in self.__dict__.items() if k != "just_settled"}
        return {**fields, "by_kind": dict(self.by_kind)}


def payments_reconcile(
    *, now: datetime, paid_since: datetime, budget_seconds: float | None = None,
    page_size: int | None = None,
) -> dict:  # fmt: skip
    """Compare the gateway with our orders, every order in the window: unpaid orders that
    reached a gateway (paid there: a lost notify, settled), cancelled or timed-out ones whose
    deadline is since `paid_since` (paid there before it: the late-payment path), orders paid
    since then (not confirmed there: flagged), then late refunds the gateway has not confirmed
    (asked again). Pages of RECONCILE_PAGE_SIZE, keyset on id; after `budget_seconds`
    (RECONCILE_TIME_BUDGET_SECONDS), or when a gateway stops answering, it saves where it was
    and the next run resumes there. Orders the sweep is asking about (their claim) are skipped.
    Returns ReconcileReport.as_dict()."""
    budget = settings.RECONCILE_TIME_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    until = time.monotonic() + budget
    size = page_size or settings.RECONCILE_PAGE_SIZE
    report = ReconcileReport()
    cursor = cursor_load(RECONCILE_CURSOR)
    report.resumed = bool(cursor)
    start = RECONCILE_KINDS.index(cursor["kind"]) if cursor else 0
    token = uuid.uuid4().hex
    for kind in RECONCILE_KINDS[start:]:
        after = cursor["after"] if cursor and cursor["kind"] == kind else 0
        while True:
            if time.monotonic() >= until:
                cursor_save(RECONCILE_CURSOR, {"kind": kind, "after": after},
                            seconds=RECONCILE_CURSOR_SECONDS)  # fmt: skip
                return _reconcile_done(report)
            page = list(
                _reconcile_rows(kind, paid_since).filter(id__gt=after).order_by("id")[:size]
            )
            if not page:
                break
            after = _reconcile_page(kind, page, report, token=token, after=after)
            if report.gateway_down:
                logger.warning("reconciliation: a gateway is down; the next run resumes here")
                cursor_save(RECONCILE_CURSOR, {"kind": kind, "after": after},
                            seconds=RECONCILE_CURSOR_SECONDS)  # fmt: skip
                return _reconcile_done(report)
    cursor_save(RECONCILE_CURSOR, None, seconds=RECONCILE_CURSOR_SECONDS)
    report.complete = True
    return _reconcile_done(report)


def _reconcile_page(kind: str, page: list, report: ReconcileReport, *, token: str,
                    after: int) -> int:  # fmt: skip
    """Check one page, RECONCILE_GATEWAY_WORKERS orders at a time under their claims
    (gateway_ask), claimed a slice of workers x ORDERS_PER_WORKER at a time as the sweep does
    (so a slice in flight ends long before its claims expire); returns the id the next page
    starts after: the page's last, or when a gateway stops answering midway
    (report.gateway_down), the last one before the first order left unasked (orders after it
    that were asked are asked again next run: harmless)."""
    if kind == "refunds":
        for refund in page:
            if refund_send(refund=refund) and refund.status == Refund.Status.SUCCEEDED:
                report.refunded += 1
            report.by_kind[kind] += 1
            after = refund.id
        return after
    workers = max(settings.RECONCILE_GATEWAY_WORKERS, 1)
    step = workers * ORDERS_PER_WORKER
    for part in (page[i : i + step] for i in range(0, len(page), step)):
        ids = {order.id for order in part if order.id not in report.just_settled}
        asked = gateway_ask(
            [order.id for order in part if order.id in ids], token=token, workers=workers,
            load=lambda mine, part=part: [order for order in part if order.id in mine],
            ask=_reconcile_order, job="reconciliation",
        )  # fmt: skip
        for order_id, (outcome, flagged) in asked.answers.items():
            report.checked += 1
            report.by_kind[kind] += 1
            if outcome in (Outcome.SETTLED, Outcome.LATE_SETTLED):
                report.settled += 1
                report.just_settled.add(order_id)
            elif outcome == Outcome.REFUNDED:
                report.refunded += 1
            report.flagged += flagged
        for order in part:
            if order.id in asked.claimed and order.id not in asked.answers:
                report.gateway_down = True  # left unasked: the next run starts here
                return after
            if order.id in ids and order.id not in asked.claimed:
                report.busy += 1
            after = order.id
    return after


def _reconcile_order(order: Order) -> tuple[str | None, bool]:
    """Ask about one order (in a worker thread): its outcome, and whether it was flagged."""
    was_paid = order.status == S.PAID
    outcome = payment_query(order=order, source=PaymentMessage.Source.RECONCILE)
    if was_paid and outcome not in (Outcome.ALREADY_PAID, Outcome.SETTLED):
        message = PaymentMessage.objects.filter(out_trade_no=order.order_number).latest("id")
        judge(message, outcome or "no_trade", "paid here, not confirmed there", flagged=True)
        return outcome, True
    return outcome, outcome in FLAGGED


def _reconcile_done(report: ReconcileReport) -> dict:
    if report.flagged:
        logger.error("payment reconciliation found mismatches (see flagged messages): %s", report)
    else:
        logger.info("payment reconciliation: %s", report)
    return report.as_dict()
