"""`python -m luffy.serve`: start the whole store on this machine with zero configuration.

Starts the embedded Redis (unless REDIS_URL is set), applies migrations, collects static files,
then runs gunicorn and one Celery worker with beat; when ALIPAY_GATEWAY is the default, also the
offline Alipay sandbox (its own gunicorn, settings and database) on ALIPAY_SANDBOX_PORT.
Ctrl-C (or SIGTERM) stops every child process; so does the death of this one (children get
SIGTERM from the kernel). The Vue front end is built first when missing or stale
(luffy.webbuild)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from luffy import webbuild
from luffy.common import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def log(message: str) -> None:
    print(f"[luffy] {message}", flush=True)


def run_step(*args: str, env: dict | None = None) -> None:
    subprocess.run([*MANAGE, *args], check=True, cwd=ROOT, env=env)


def start_alipay_sandbox(port: str, var_dir: Path) -> list[subprocess.Popen]:
    """The offline Alipay gateway: its own processes, settings and database (never the store's):
    the web server, and a Celery worker with beat that delivers its notifies."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "luffy.alipay_sandbox.settings",
        "ALIPAY_SANDBOX_NOTIFY_RUNNER": "celery",
    }
    run_step("migrate", "--noinput", "-v", "0", env=env)
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "luffy.alipay_sandbox.celery", "worker",
            "--beat", "--queues", "alipay_sandbox", "--pool", "threads", "--concurrency", "4",
            "--loglevel", "WARNING", "--schedule", str(var_dir / "alipay-sandbox-beat"),
        ],
        cwd=ROOT,
        env=env,
        preexec_fn=embedded_redis.die_with_parent,
        start_new_session=True,
    )  # fmt: skip
    return [worker, _sandbox_web(port, env)]


def _sandbox_web(port: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "luffy.alipay_sandbox.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        preexec_fn=embedded_redis.die_with_parent,
        start_new_session=True,
    )


def gunicorn_command(*, host: str, port: str, environ) -> list[str]:
    """The store's web server: WEB_CONCURRENCY processes of GUNICORN_THREADS threads each
    (gthread), so a request stuck on a row lock or a slow gateway holds one thread, not the
    whole site; GUNICORN_TIMEOUT stays above the database's statement timeout."""
    return [
        sys.executable, "-m", "gunicorn", "luffy.config.wsgi:application",
        "--bind", f"{host}:{port}",
        "--worker-class", "gthread",
        "--workers", environ.get("WEB_CONCURRENCY", "2"),
        "--threads", environ.get("GUNICORN_THREADS", "8"),
        "--timeout", environ.get("GUNICORN_TIMEOUT", "30"),
        "--access-logfile", "-",
        "--graceful-timeout", "5",
    ]  # fmt: skip


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    # Each child leads its own process group (start_new_session): this reaches its own
    # children too (gunicorn and Celery workers), which the kernel's parent-death signal does not.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def stop_all(children: list[subprocess.Popen]) -> None:
    for child in reversed(children):  # web first, Redis last
        if child.poll() is None:
            _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in reversed(children):
        try:
            child.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            log(f"{' '.join(map(str, child.args[:3]))} did not stop; killing it")
            child.kill()
            child.wait()
        _signal_group(child, signal.SIGKILL)  # whatever it left behind


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.config.settings.local")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    var_dir = Path(os.environ.get("LUFFY_VAR_DIR", ROOT / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    # Explicit for SIGINT too: a shell starting us in the background would have it ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if "REDIS_URL" not in os.environ:
            if embedded_redis.is_running(var_dir):
                log(f"embedded Redis already answers on {var_dir / embedded_redis.SOCKET_NAME}")
            else:
                children.append(embedded_redis.start(var_dir))
                log(f"embedded Redis started on {var_dir / embedded_redis.SOCKET_NAME}")
        # The gateway sends the buyer and its notifies back to this server, wherever it listens.
        public = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
        os.environ.setdefault("ALIPAY_RETURN_URL", f"{public}/payments/result")
        os.environ.setdefault("ALIPAY_NOTIFY_URL", f"{public}/api/payments/alipay/result/")
        sandbox_port = os.environ.get("ALIPAY_SANDBOX_PORT", "8001")
        sandbox_gateway = f"http://127.0.0.1:{sandbox_port}/gateway.do"
        if os.environ.get("ALIPAY_GATEWAY", sandbox_gateway) == sandbox_gateway:
            children.extend(start_alipay_sandbox(sandbox_port, var_dir))
            log(f"offline Alipay sandbox at http://127.0.0.1:{sandbox_port}/sandbox/")
        run_step("migrate", "--noinput", "-v", "0")
        run_step("collectstatic", "--noinput", "-v", "0")
        if os.environ.get("LOAD_DEMO_CATALOG", "true").lower() not in ("0", "false", "no"):
            run_step("load_demo_catalog", "--if-empty")
        if not webbuild.build():  # says why; the API is useful without the pages
            log("web front end unavailable: serving the API only")
        gunicorn = subprocess.Popen(
            gunicorn_command(host=host, port=port, environ=os.environ),
            cwd=ROOT,
            preexec_fn=embedded_redis.die_with_parent,
            start_new_session=True,  # Ctrl-C reaches only this supervisor, which stops it
        )
        children.append(gunicorn)
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "luffy", "worker", "--beat",
                "--loglevel", "INFO",
                "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2"),
                "--schedule", str(var_dir / "celerybeat-schedule"),
            ],
            cwd=ROOT,
            preexec_fn=embedded_redis.die_with_parent,
            start_new_session=True,
        )  # fmt: skip
        children.append(worker)
        log("background worker (Celery, with beat) started")
        url = f"{public}/"
        log(f"store running at {url}")
        log(
            f"API docs at {url}api/docs/ ; admin at {url}admin/ "
            "(create an account with `make superuser`)"
        )
        log("press Ctrl-C to stop")
        while True:
            for child in children:
                if child.poll() is not None:
                    log(f"process {child.args[0]} exited with code {child.returncode}; stopping")
                    return child.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        log("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        log(f"set-up step failed: {exc}")
        return exc.returncode or 1
    finally:
        stop_all(children)


if __name__ == "__main__":
    sys.exit(main())
