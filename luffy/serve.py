"""`python -m luffy.serve [all|web|worker|beat|sandbox|wechat-sandbox]`: start the store, or
one part of it.

`all` (the default, `make run`): the whole store on this machine with zero configuration. Starts
the embedded Redis (unless REDIS_URL is set), applies migrations, collects static files, then
runs gunicorn and one Celery worker with beat; when ALIPAY_GATEWAY is the default, also the
offline Alipay sandbox (its own gunicorn, settings and database) on ALIPAY_SANDBOX_PORT, and
when WECHAT_API_BASE is the default, the offline WeChat Pay sandbox on WECHAT_SANDBOX_PORT.

One part alone, for several nodes (docs/deployment.md): `web` (gunicorn only), `worker` (a
Celery worker, no beat), `beat` (the scheduler: one per site), `sandbox` (the offline Alipay
gateway and its notify worker), `wechat-sandbox` (the same for WeChat Pay). These run no set-up
step: `manage.py migrate` and `collectstatic` run once per release, before them. Without
REDIS_URL each part starts the embedded Redis, or uses the one already answering in
LUFFY_VAR_DIR.

Ctrl-C (or SIGTERM) stops every child process; so does the death of this one (children get
SIGTERM from the kernel). The Vue front end is built first when missing or stale
(luffy.webbuild)."""

from __future__ import annotations

import argparse
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


PARTS = ("all", "web", "worker", "beat", "sandbox", "wechat-sandbox")
GUNICORN_CONFIG = "python:luffy.config.gunicorn"


def spawn(command: list[str], env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        preexec_fn=embedded_redis.die_with_parent,
        start_new_session=True,  # Ctrl-C reaches only this supervisor, which stops it
    )


def sandbox_environ(environ) -> dict:
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": "luffy.alipay_sandbox.settings",
        "ALIPAY_SANDBOX_NOTIFY_RUNNER": "celery",
    }


def sandbox_commands(*, port: str, var_dir: Path, environ) -> list[list[str]]:
    """The offline Alipay gateway: its own processes, settings and database (never the store's):
    a Celery worker with beat that delivers its notifies, and the web server (on
    ALIPAY_SANDBOX_HOST, default 127.0.0.1)."""
    host = environ.get("ALIPAY_SANDBOX_HOST", "127.0.0.1")
    worker = [
        sys.executable, "-m", "celery", "-A", "luffy.alipay_sandbox.celery", "worker",
        "--beat", "--queues", "alipay_sandbox", "--pool", "threads", "--concurrency", "4",
        "--loglevel", "WARNING", "--schedule", str(var_dir / "alipay-sandbox-beat"),
        "--hostname", "alipay-sandbox@%h",  # its own node name: see worker_command
    ]  # fmt: skip
    web = [
        sys.executable, "-m", "gunicorn", "luffy.alipay_sandbox.wsgi:application",
        "--config", GUNICORN_CONFIG, "--bind", f"{host}:{port}",
        "--workers", "1", "--threads", "4", "--graceful-timeout", "5",
        *_control_socket(environ, f"sandbox-{port}"),
    ]  # fmt: skip
    return [worker, web]


def start_alipay_sandbox(port: str, var_dir: Path) -> list[subprocess.Popen]:
    env = sandbox_environ(os.environ)
    run_step("migrate", "--noinput", "-v", "0", env=env)
    return [spawn(c, env) for c in sandbox_commands(port=port, var_dir=var_dir, environ=env)]


def wechat_sandbox_environ(environ) -> dict:
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": "luffy.wechat_sandbox.settings",
        "WECHAT_SANDBOX_NOTIFY_RUNNER": "celery",
    }


def wechat_sandbox_commands(*, port: str, var_dir: Path, environ) -> list[list[str]]:
    """The offline WeChat Pay gateway, like the Alipay one: its notify worker with beat (its own
    queue) and its web server (on WECHAT_SANDBOX_HOST, default 127.0.0.1)."""
    host = environ.get("WECHAT_SANDBOX_HOST", "127.0.0.1")
    worker = [
        sys.executable, "-m", "celery", "-A", "luffy.wechat_sandbox.celery", "worker",
        "--beat", "--queues", "wechat_sandbox", "--pool", "threads", "--concurrency", "4",
        "--loglevel", "WARNING", "--schedule", str(var_dir / "wechat-sandbox-beat"),
    ]  # fmt: skip
    web = [
        sys.executable, "-m", "gunicorn", "luffy.wechat_sandbox.wsgi:application",
        "--config", GUNICORN_CONFIG, "--bind", f"{host}:{port}",
        "--workers", "1", "--threads", "4", "--graceful-timeout", "5",
        *_control_socket(environ, f"wechat-sandbox-{port}"),
    ]  # fmt: skip
    return [worker, web]


def start_wechat_sandbox(port: str, var_dir: Path) -> list[subprocess.Popen]:
    env = wechat_sandbox_environ(os.environ)
    run_step("migrate", "--noinput", "-v", "0", env=env)
    commands = wechat_sandbox_commands(port=port, var_dir=var_dir, environ=env)
    return [spawn(c, env) for c in commands]


def _control_socket(environ, name: str) -> list[str]:
    """gunicorn 27's control socket defaults to one file in the home folder that every instance
    on the host would share (the last one started wins). Off, unless GUNICORN_CONTROL_SOCKET
    names a folder: then each instance gets its own `<folder>/gunicorn-<name>.ctl`."""
    folder = environ.get("GUNICORN_CONTROL_SOCKET", "")
    if not folder:
        return ["--no-control-socket"]
    return ["--control-socket", str(Path(folder) / f"gunicorn-{name}.ctl")]


def gunicorn_command(*, host: str, port: str, environ) -> list[str]:
    """The store's web server: WEB_CONCURRENCY processes of GUNICORN_THREADS threads each
    (gthread), so a request stuck on a row lock or a slow gateway holds one thread, not the
    whole site; GUNICORN_TIMEOUT stays above the database's statement timeout."""
    return [
        sys.executable, "-m", "gunicorn", "luffy.config.wsgi:application",
        "--config", GUNICORN_CONFIG,  # access log on; the store's log format (time zone, JSON)
        "--bind", f"{host}:{port}",
        "--worker-class", "gthread",
        "--workers", environ.get("WEB_CONCURRENCY", "2"),
        "--threads", environ.get("GUNICORN_THREADS", "8"),
        "--timeout", environ.get("GUNICORN_TIMEOUT", "30"),
        "--access-logfile", "-",
        "--graceful-timeout", "5",
        *_control_socket(environ, port),
    ]  # fmt: skip


def worker_command(*, environ, beat_schedule: Path | None = None) -> list[str]:
    """A Celery worker of the store; with `beat_schedule`, also the scheduler (`make run`).

    Each worker on a broker needs its own node name: Celery's default, celery@<host>, names its
    remote-control queue, which RabbitMQ gives to one connection only, so a second worker on the
    host (another store worker, the sandbox's) would die with RESOURCE_LOCKED."""
    beat = ["--beat", "--schedule", str(beat_schedule)] if beat_schedule else []
    return [
        sys.executable, "-m", "celery", "-A", "luffy", "worker", *beat,
        "--loglevel", "INFO", "--concurrency", environ.get("CELERY_CONCURRENCY", "2"),
        "--hostname", f"luffy-{os.getpid()}@%h",
    ]  # fmt: skip


def beat_command(*, var_dir: Path) -> list[str]:
    """The scheduler alone: one per site (a second copy is harmless, every task being safe to
    run twice, but it doubles the work)."""
    return [
        sys.executable, "-m", "celery", "-A", "luffy", "beat", "--loglevel", "INFO",
        "--schedule", str(var_dir / "celerybeat-schedule"),
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m luffy.serve",
        description="Start the store (all, the default) or one part of it.",
    )
    parser.add_argument(
        "part",
        nargs="?",
        default="all",
        choices=PARTS,
        help="all: everything on this machine (make run); web: gunicorn; worker: a Celery "
        "worker; beat: the scheduler; sandbox: the offline Alipay gateway; wechat-sandbox: the "
        "offline WeChat Pay gateway",
    )
    return parser.parse_args(argv)


def _sandbox_gateway() -> str:
    return f"http://127.0.0.1:{os.environ.get('ALIPAY_SANDBOX_PORT', '8001')}/gateway.do"


def _wechat_sandbox_base() -> str:
    return f"http://127.0.0.1:{os.environ.get('WECHAT_SANDBOX_PORT', '8002')}"


def start_part(part: str, *, host: str, port: str, var_dir: Path) -> list[subprocess.Popen]:
    """Start one part (set-up steps first for `all`); returns the processes started."""
    sandbox_port = os.environ.get("ALIPAY_SANDBOX_PORT", "8001")
    wechat_port = os.environ.get("WECHAT_SANDBOX_PORT", "8002")
    if part == "sandbox":
        children = start_alipay_sandbox(sandbox_port, var_dir)
        log(f"offline Alipay sandbox at http://127.0.0.1:{sandbox_port}/sandbox/")
        return children
    if part == "wechat-sandbox":
        children = start_wechat_sandbox(wechat_port, var_dir)
        log(f"offline WeChat Pay sandbox at http://127.0.0.1:{wechat_port}/sandbox/")
        return children
    if part == "worker":
        children = [spawn(worker_command(environ=os.environ))]
        log("background worker (Celery) started")
        return children
    if part == "beat":
        children = [spawn(beat_command(var_dir=var_dir))]
        log("scheduler (Celery beat) started")
        return children
    children = []
    if part == "all":
        if os.environ.get("ALIPAY_GATEWAY", _sandbox_gateway()) == _sandbox_gateway():
            children.extend(start_alipay_sandbox(sandbox_port, var_dir))
            log(f"offline Alipay sandbox at http://127.0.0.1:{sandbox_port}/sandbox/")
        if os.environ.get("WECHAT_API_BASE", _wechat_sandbox_base()) == _wechat_sandbox_base():
            children.extend(start_wechat_sandbox(wechat_port, var_dir))
            log(f"offline WeChat Pay sandbox at http://127.0.0.1:{wechat_port}/sandbox/")
        run_step("migrate", "--noinput", "-v", "0")
        run_step("collectstatic", "--noinput", "-v", "0")
        if os.environ.get("LOAD_DEMO_CATALOG", "true").lower() not in ("0", "false", "no"):
            run_step("load_demo_catalog", "--if-empty")
        if not webbuild.build():  # says why; the API is useful without the pages
            log("web front end unavailable: serving the API only")
    children.append(spawn(gunicorn_command(host=host, port=port, environ=os.environ)))
    if part == "all":
        beat_schedule = var_dir / "celerybeat-schedule"
        children.append(spawn(worker_command(environ=os.environ, beat_schedule=beat_schedule)))
        log("background worker (Celery, with beat) started")
    url = f"{_public_url(host, port)}/"
    log(f"store running at {url}")
    log(f"API docs at {url}api/docs/ ; admin at {url}admin/ (`make superuser` makes an account)")
    return children


def _public_url(host: str, port: str) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104


def main(argv: list[str] | None = None) -> int:
    part = parse_args(argv).part
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
                children.append(embedded_redis.start(var_dir, persist=True))
                log(f"embedded Redis started on {var_dir / embedded_redis.SOCKET_NAME}")
        # The gateway sends the buyer and its notifies back to this server, wherever it listens.
        public = _public_url(host, port)
        os.environ.setdefault("ALIPAY_RETURN_URL", f"{public}/payments/result")
        os.environ.setdefault("ALIPAY_NOTIFY_URL", f"{public}/api/payments/alipay/result/")
        os.environ.setdefault("WECHAT_NOTIFY_URL", f"{public}/api/payments/wechat/notify/")
        os.environ.setdefault("WECHAT_H5_RETURN_URL", f"{public}/payments/result")
        os.environ.setdefault(
            "WECHAT_REFUND_NOTIFY_URL", f"{public}/api/payments/wechat/refund-notify/"
        )
        children.extend(start_part(part, host=host, port=port, var_dir=var_dir))
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
