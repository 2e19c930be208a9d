"""Nothing under luffy/ changes Order.status except orders/services/transitions.py
(order_transition, order_transition_many, order_record_created): a scan of the source.

It looks for the ways Django code writes a status: `.update(status=...)`, `.create(status=...)`
and `bulk_update(..., ["status", ...])` on an Order queryset (a chain that starts at `Order`),
`<order>.status = ...` in a function that then calls `<order>.save(...)`, and raw SQL that
updates the orders table's status. `order.status = X` alone (keeping an instance in step with
a transition that just ran) is allowed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

LUFFY = Path(__file__).resolve().parents[2] / "luffy"
ALLOWED = {"orders/services/transitions.py"}
RAW_UPDATE = re.compile(r"UPDATE\s+\W?orders_order\W?\s+SET\b[^;]*\bstatus\b", re.I | re.S)
WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def _root(node: ast.AST) -> str | None:
    """The name a call chain starts at: Order.objects.filter(...).update -> "Order"."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _names_status(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "status" for n in ast.walk(node))


def status_writes(source: str, filename: str = "<snippet>") -> list[str]:
    """Where `source` changes an Order's status: "file:line what"."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, on_order = node.func.attr, _root(node.func.value) == "Order"
            if on_order and name in WRITES and any(k.arg == "status" for k in node.keywords):
                found.append(f"{filename}:{node.lineno} {name}(status=...)")
            if on_order and name == "bulk_update" and any(map(_names_status, node.args[1:])):
                found.append(f"{filename}:{node.lineno} bulk_update of status")
            fields = [k.value for k in node.keywords if k.arg == "fields"]
            if on_order and name == "bulk_update" and any(map(_names_status, fields)):
                found.append(f"{filename}:{node.lineno} bulk_update of status")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _assigned_then_saved(node, filename)
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and RAW_UPDATE.search(node.value):
            found.append(f"{filename}:{node.lineno} raw UPDATE of the orders' status")
    return found


def _assigned_then_saved(function: ast.AST, filename: str) -> list[str]:
    assigned: dict[str, int] = {}
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "status"
                and isinstance(target.value, ast.Name)
                and "order" in target.value.id.lower()
            ):
                assigned.setdefault(target.value.id, node.lineno)
    return [
        f"{filename}:{assigned[node.func.value.id]} {node.func.value.id}.status = ... then save()"
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in assigned
    ]


def test_only_transitions_change_an_order_status():
    found = []
    for path in sorted(LUFFY.rglob("*.py")):
        relative = path.relative_to(LUFFY).as_posix()
        if relative in ALLOWED or "/migrations/" in relative:
            continue
        found += status_writes(path.read_text(), relative)
    assert found == [], "change Order.status through orders.services.transitions"


def test_the_scan_finds_each_kind_of_status_write():
    snippet = """
def a(order_id):
    Order.objects.filter(id=order_id, status=0).update(status=2, updated_at=now)

def b(order):
    order.status = Order.Status.PAID
    order.save(update_fields=["status"])

def c(orders):
    Order.objects.bulk_update(orders, ["status", "updated_at"])

def d(cursor):
    cursor.execute("UPDATE orders_order SET status = 3 WHERE id = %s", [1])

def e(user):
    Order.objects.create(user=user, status=1)
"""
    found = status_writes(snippet)
    lines = sorted(int(place.split(" ", 1)[0].split(":")[1]) for place in found)
    assert lines == [3, 6, 10, 13, 16], found


def test_the_scan_leaves_allowed_code_alone():
    snippet = """
def a(order, user_coupon_id):
    order.status = Order.Status.PAID  # in step with a transition that ran
    UserCoupon.objects.filter(id=user_coupon_id).update(status=1)
    Order.objects.filter(status=0).update(sent_to_gateway_at=now)
    refund.status = "failed"
    refund.save()
"""
    assert status_writes(snippet) == []


def test_the_scan_would_have_caught_the_sweeps_own_update():
    """Before order_transition_many, the sweep wrote the status itself."""
    before = "Order.objects.filter(id__in=ids, status=S.UNPAID).update(status=S.TIMED_OUT)\n"
    assert len(status_writes(before)) == 1
