"""Compile the translation catalogs (.po -> .mo) with Babel, so no machine needs GNU gettext.

Django reads only compiled .mo files, and `compilemessages` shells out to GNU msgfmt, which a
fresh machine (or a slim container) may not have. The .po files are the source in git; the .mo
files are build output (git-ignored), written here when missing or older than their .po: at
start-up of every process (CommonConfig.ready), so `make run`, `make test`, gunicorn and celery
all find them. Writing is atomic (a temporary file, then os.replace), so two processes starting
together are safe; a read-only install that already has the .mo files just uses them."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


def stale_catalogs(locale_dirs) -> list[Path]:
    stale = []
    for locale_dir in locale_dirs:
        for po in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


def compile_catalog(po: Path) -> Path:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    mo = po.with_suffix(".mo")
    fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the catalog is for every process
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return mo


def ensure_compiled(locale_dirs) -> list[Path]:
    compiled = []
    for po in stale_catalogs(locale_dirs):
        try:
            compiled.append(compile_catalog(po))
        except OSError as exc:  # a read-only install: use what is there, say so once
            logger.warning("could not compile %s: %s", po, exc)
    return compiled
