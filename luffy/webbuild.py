"""Build the Vue front end (web/ -> web/dist) when the build is missing or stale.

`make run` (luffy.serve) and `make test` call this, so the README's two commands stay the only
set-up. Stale means: a file under web/src or web/public, index.html, package.json,
package-lock.json or the Vite config is newer than the stamp written after the last build.
`python -m luffy.webbuild` runs it from a shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "dist"
STAMP = DIST / ".build-stamp"
INPUTS = ["index.html", "package.json", "package-lock.json", "vite.config.js"]
INPUT_DIRS = ["src", "public"]


def log(message: str) -> None:
    print(f"[luffy] {message}", flush=True)


def _newest_input() -> float:
    paths = [WEB / name for name in INPUTS]
    for folder in INPUT_DIRS:
        paths.extend(p for p in (WEB / folder).rglob("*") if p.is_file())
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def is_stale() -> bool:
    return not STAMP.exists() or _newest_input() > STAMP.stat().st_mtime


def _dependencies_stale() -> bool:
    # npm ci writes node_modules/.package-lock.json; an older one means the lock file changed.
    installed = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    return not installed.exists() or lock.stat().st_mtime > installed.stat().st_mtime


def build(*, force: bool = False) -> bool:
    """True when an up-to-date build exists afterwards. Never raises for a missing Node.js:
    the API works without the front end, so callers go on and say so."""
    if os.environ.get("WEB_BUILD", "true").lower() in ("0", "false", "no"):
        log("WEB_BUILD is off: not building the web front end")
        return (DIST / "index.html").exists()
    if not force and not is_stale():
        return True
    npm = shutil.which("npm")
    if npm is None:
        log(
            "npm not found: cannot build the web front end (install Node.js 20.19+ with npm, then "
            "run this again). The API still runs under /api/."
        )
        return False
    try:
        if _dependencies_stale():
            log("installing front-end dependencies (npm ci)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        log("building the web front end (vite build)")
        subprocess.run([npm, "run", "build", "--silent"], cwd=WEB, check=True)
    except subprocess.CalledProcessError as exc:
        log(f"web front-end build failed ({exc}); the API still runs under /api/")
        return False
    STAMP.touch()
    return True


if __name__ == "__main__":
    sys.exit(0 if build(force="--force" in sys.argv) else 1)
