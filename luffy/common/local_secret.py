"""A random secret kept in a file of the var folder: generated on first use, never committed.

Used when no secret comes from the environment (`make run`, the offline sandbox): the file is
created with mode 0600 and kept across restarts. Creation is atomic: the secret is written to a
private temporary file, then hard-linked to its final name, which fails if another process got
there first; every process then reads the one file, so processes starting together agree."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def load_or_create(path: Path, *, nbytes: int = 48) -> str:
    """The secret stored at `path`, creating it (random, URL-safe, mode 0600) when missing."""
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_text().strip()
        if existing:
            return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(nbytes) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: theirs is the secret
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"{path} is empty: delete it to generate a new secret")
    return secret
