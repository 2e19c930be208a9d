"""Rows are locked in one place only (luffy.common.locks.lock_rows), in primary-key order."""

from __future__ import annotations

import re
from pathlib import Path

from luffy.common.locks import lock_rows
from luffy.users.models import User

LUFFY = Path(__file__).resolve().parents[2] / "luffy"
# The ORM's lock, and the lock clause of a raw statement (common.locks.lock_clause builds it).
LOCKING = re.compile(r"\.select_for_update\(|for_update_sql\(")


def lockers(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.relative_to(root).as_posix() != "common/locks.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LOCKING.search(line)
    ]


def test_only_common_locks_takes_row_locks():
    assert lockers(LUFFY) == [], "lock rows with luffy.common.locks.lock_rows (one lock order)"


def test_the_scan_finds_a_lock_taken_elsewhere(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(
        "User.objects.select_for_update().get(id=1)\nsql += connection.ops.for_update_sql()\n"
    )
    assert lockers(tmp_path) == ["app/services.py:1", "app/services.py:2"]


def test_lock_rows_locks_in_primary_key_order():
    query = lock_rows(User.objects.filter(id__in=[3, 1, 2]), skip_locked=True).query
    assert (query.select_for_update, query.select_for_update_skip_locked) == (True, True)
    assert query.order_by == ("pk",)
