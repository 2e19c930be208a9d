"""The notify runner every sandbox uses: notifies are queued with the state change they report
and delivered by `deliver_due` on the gateway's retry schedule until the merchant accepts one.

Delivery never runs in a request: a loop thread in the sandbox server process, or its Celery
worker, calls `deliver_due`. It is safe to run in several places at once: each attempt is claimed
with a conditional update, so no attempt is sent twice.

A sandbox subclasses NotifyRunner with its protocol: what one delivery sends (`prepare`, which
applies the faults that change the message), and which answer counts as accepted."""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .faults import FaultSwitches
from .models import NotifyBase


@dataclass(frozen=True)
class Delivery:
    """One delivery as it goes out, and what its attempt rows keep of it."""

    data: bytes  # the request body
    headers: dict[str, str]  # every request header sent
    stored: dict = field(default_factory=dict)  # the attempt model's protocol fields
    note: str = ""  # the fault `prepare` applied, recorded on the attempt


def post(url: str, delivery: Delivery, *, timeout: float) -> tuple[int | None, str, str]:
    """POST one delivery: (HTTP status or None, the answer's first 2000 characters, error)."""
    request = urllib.request.Request(  # noqa: S310 - the merchant's own notify_url
        url, data=delivery.data, headers=delivery.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(2000).decode(errors="replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace"), ""
    except OSError as exc:
        return None, "", f"{exc.__class__.__name__}: {exc}"[:256]


class NotifyRunner:
    """Queues, claims, sends and reschedules one sandbox's notifies. Subclasses set the class
    attributes and implement `prepare`, `accepted` and `describe`."""

    model: type[NotifyBase]  # the sandbox's Notify (its attempts: `notify.attempts`)
    fault_switches: FaultSwitches  # the sandbox's (drop, duplicate and reorder fire here)
    retry_gaps: list[timedelta]  # after delivery n fails, the next comes retry_gaps[n-1] later
    send_timeout: float  # seconds per POST
    log_event: str  # the log line's first word, e.g. "sandbox.notify_sent"

    def __init__(self) -> None:
        # The sandbox's app names the rest: app "alipay_sandbox" reads the settings
        # ALIPAY_SANDBOX_NOTIFY_*, queues luffy.alipay_sandbox.tasks.deliver_notifies and runs
        # the loop thread "alipay-sandbox-notify".
        app = self.model._meta.app_label
        self.settings_prefix = app.upper()
        self.celery_task = f"luffy.{app}.tasks.deliver_notifies"
        self.thread_name = f"{app.replace('_', '-')}-notify"
        self.logger = logging.getLogger(type(self).__module__)
        self._loop_lock = threading.Lock()
        self._loop_started_in: int | None = None

    # --- The protocol's part ---------------------------------------------------------------

    def prepare(self, notify: NotifyBase) -> Delivery:
        """What one delivery of `notify` sends, with any message fault applied."""
        raise NotImplementedError

    def accepted(self, status: int | None, answer: str) -> bool:
        """Whether the merchant's answer ends the retries."""
        raise NotImplementedError

    def describe(self, notify: NotifyBase) -> str:
        """The notify's identifying fields for the log line (e.g. "order=... trade_no=...")."""
        raise NotImplementedError

    # --- Shared ------------------------------------------------------------------------------

    @property
    def max_attempts(self) -> int:
        return len(self.retry_gaps) + 1

    @property
    def lease(self) -> timedelta:
        """How long a claimed attempt is kept: one whose runner died comes back after it."""
        return timedelta(seconds=self.send_timeout * 3)

    def setting(self, name: str):
        return getattr(settings, f"{self.settings_prefix}_{name}")

    def queue(self, *, delay: timedelta | None = None, **fields) -> NotifyBase:
        """Create a notify (call in the transaction of the change it reports), due now or after
        `delay` (times the time scale); reorder_notify holds it back until the trade's next
        notify was sent."""
        held = self.fault_switches.consume("reorder_notify")
        if self.setting("NOTIFY_RUNNER") == "celery" and not (held or delay):
            # The first attempt goes out now, not at the next beat tick.
            transaction.on_commit(import_string(self.celery_task).delay)
        due = timezone.now()
        if delay:
            due += delay * self.setting("NOTIFY_TIME_SCALE")
        return self.model.objects.create(held=held, next_due_at=None if held else due, **fields)

    def send(self, notify: NotifyBase, number: int) -> bool:
        """Delivery `number` of `notify` (with any fault applied); True once accepted."""
        delivery = self.prepare(notify)
        if self.fault_switches.consume("drop_notify"):
            notify.attempts.create(
                number=number, sent_at=timezone.now(), **delivery.stored, error="fault: dropped"
            )
            return False
        copies = 2 if self.fault_switches.consume("duplicate_notify") else 1
        delivered = False
        for copy_number in range(copies):
            sent_at = timezone.now()
            status, answer, error = post(notify.url, delivery, timeout=self.send_timeout)
            notify.attempts.create(
                number=number,
                sent_at=sent_at,
                **delivery.stored,
                http_status=status,
                response_body=answer,
                error=error or delivery.note or ("fault: duplicate" if copy_number else ""),
            )
            delivered = delivered or self.accepted(status, answer)
            self.logger.info(
                "%s %s attempt=%s status=%s answer=%r%s",
                self.log_event, self.describe(notify), number, status, answer[:40],
                f" error={error}" if error else "",
            )  # fmt: skip
        return delivered

    def deliver_due(self, now: datetime | None = None) -> int:
        """Send every notify attempt due at `now`; returns how many were sent. Idempotent."""
        now = now or timezone.now()
        notifies = self.model.objects
        due = notifies.filter(next_due_at__lte=now, held=False).values_list("pk", "attempts_made")
        sent = 0
        for pk, made in list(due[:100]):
            number = made + 1
            claimed = notifies.filter(pk=pk, attempts_made=made, next_due_at__lte=now).update(
                attempts_made=number, next_due_at=timezone.now() + self.lease
            )
            if not claimed:
                continue  # another runner has this attempt
            notify = notifies.get(pk=pk)
            delivered = self.send(notify, number)
            sent += 1
            if delivered or number >= self.max_attempts:
                next_due = None
            else:
                gap = self.retry_gaps[number - 1] * self.setting("NOTIFY_TIME_SCALE")
                next_due = timezone.now() + gap
            # Conditional: a reset (next_due_at cleared) during the send is not undone.
            notifies.filter(pk=pk, attempts_made=number, next_due_at__isnull=False).update(
                next_due_at=next_due, delivered=delivered
            )
            # reorder_notify: what was held back for this trade goes after this one.
            notifies.filter(trade_id=notify.trade_id, held=True).update(
                held=False, next_due_at=timezone.now()
            )
        return sent

    def stop_pending(self) -> int:
        """Give up every pending delivery (sandbox reset)."""
        pending = Q(next_due_at__isnull=False) | Q(held=True)
        return self.model.objects.filter(pending).update(next_due_at=None, held=False)

    def start_loop(self) -> None:
        """A daemon thread in this (server) process that calls deliver_due, once per process."""
        with self._loop_lock:
            if self._loop_started_in == os.getpid():
                return
            self._loop_started_in = os.getpid()
        threading.Thread(target=self._loop, name=self.thread_name, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                self.deliver_due()
            except Exception:  # keep delivering after a bad moment (e.g. a locked database)
                self.logger.exception("notify delivery failed")
            finally:
                close_old_connections()
            time.sleep(self.setting("NOTIFY_POLL_SECONDS"))
