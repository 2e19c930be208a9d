"""Pluggable SMS sending. SMS_BACKEND names a class with `send(mobile, message)`."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

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


class FileBackend:
    """For end-to-end tests: the last message per mobile in $LUFFY_VAR_DIR/sms/<mobile>.txt,
    so a test driving a real browser can read the code the worker sent."""

    def send(self, mobile: str, message: str) -> None:
        folder = Path(settings.VAR_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{mobile}.txt"
        partial = target.with_suffix(".tmp")
        partial.write_text(message, encoding="utf-8")
        partial.replace(target)  # readers never see half a message


@cache
def _backend(path: str):
    return import_string(path)()


def send_sms(mobile: str, message: str) -> None:
    _backend(settings.SMS_BACKEND).send(mobile, message)
