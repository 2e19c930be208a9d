"""Pluggable SMS sending. SMS_BACKEND names a class with `send(mobile, message)`."""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class LogBackend:
    """Default for local use: the code appears in the server log."""

    def send(self, mobile: str, message: str) -> None:
        logger.info("SMS to %s: %s", mobile, message)


class MemoryBackend:
    """For tests: collects messages in `outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, message: str) -> None:
        self.outbox.append((mobile, message))


@cache
def _backend(path: str):
    return import_string(path)()


def send_sms(mobile: str, message: str) -> None:
    _backend(settings.SMS_BACKEND).send(mobile, message)
