from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import DateTimeField, DecimalField, Prefetch
from django.utils.translation import gettext as _

from luffy.common.errors import NotFound
from luffy.common.sql import int_literals
from luffy.orders.models import Order, OrderLine


def unpaid_courses(*, user_id: int, course_ids, at: datetime) -> dict[int, str]:
    """Courses among `course_ids` in the user's unpaid orders still open for payment:
    {course_id: order_number}. One query."""
    return dict(
        OrderLine.objects.filter(
            order__user_id=user_id,
            order__status=Order.Status.UNPAID,
            order__pay_deadline__gt=at,
            course_id__in=list(course_ids),
        ).values_list("course_id", "order__order_number")
    )


def _with_lines(orders):
    lines = OrderLine.objects.select_related("course").only(
        "order_id", "course_id", "course_name", "expire_id", "expire_text", "expire_days",
        "price", "real_price", "discount_name", "course__cover",
    ).order_by("id")  # fmt: skip
    return orders.prefetch_related(Prefetch("lines", queryset=lines))


# What "my orders" and the order page show, read as plain rows: model instances and DRF fields
# cost many times the SQL on a page of 50 orders (docs/benchmarks.md, "Reads against their
# floor"); luffy.orders.serializers.orders_data writes them in OrderSerializer's shape.
ORDER_ROW_FIELDS = (
    "id", "order_number", "title", "created_at", "status", "pay_deadline", "paid_at",
    "total_price", "discounted_price", "coupon_amount", "credit", "credit_amount", "real_price",
    "refunded_amount", "refunded_at",
)  # fmt: skip
LINE_ROW_FIELDS = (
    "order_id", "course_id", "course_name", "expire_text", "expire_days", "price", "real_price",
    "discount_name", "course__cover",
)  # fmt: skip


@dataclass(frozen=True)
class _RowStatements:
    """The row reads' SQL for one database vendor, written once from the models' tables and
    columns: building and compiling the querysets cost each request more than running them
    (docs/benchmarks.md, "my orders"). `%s` parameters on every backend (Django's cursor)."""

    page: str  # + user_id[, status], limit, offset
    page_by_status: str
    count: str  # + user_id
    count_by_status: str  # + user_id, status
    by_number: str  # + user_id, order_number
    lines: str  # .format(ids=int_literals(order ids))
    order_money: tuple[int, ...]  # positions of the money columns in a row
    order_times: tuple[int, ...]  # ... and of the datetime columns
    line_money: tuple[int, ...]
    money_as_text: bool  # SQLite: money read as its text (it stores floats), made Decimal

    @classmethod
    def for_connection(cls, connection) -> _RowStatements:
        quote = connection.ops.quote_name
        money_as_text = connection.vendor == "sqlite"

        def columns(model, names, prefix=""):
            out = []
            for name in names:
                field = model._meta.get_field(name)
                column = prefix + quote(field.column)
                if money_as_text and isinstance(field, DecimalField):
                    # SQLite stores a float; its text has 15 significant digits, the
                    # two-place amount exactly (Django rounds the float the same way), and
                    # orders_data writes two places of it in any case.
                    column = f"CAST({column} AS TEXT)"
                out.append(column)
            return ", ".join(out)

        def positions(model, names, kind):
            return tuple(
                i for i, name in enumerate(names) if isinstance(model._meta.get_field(name), kind)
            )

        # Only the models' names and %s placeholders go into the text (the lines' order ids:
        # int_literals, digits only).
        orders = quote(Order._meta.db_table)
        user = quote(Order._meta.get_field("user").column)
        status = quote(Order._meta.get_field("status").column)
        number = quote(Order._meta.get_field("order_number").column)
        created = quote(Order._meta.get_field("created_at").column)
        order_id = quote(Order._meta.pk.column)
        where = f"FROM {orders} WHERE {user} = %s"
        select = f"SELECT {columns(Order, ORDER_ROW_FIELDS)} {where}"
        count = f"SELECT COUNT(*) {where}"
        newest = f" ORDER BY {created} DESC, {order_id} DESC LIMIT %s OFFSET %s"
        course_field = OrderLine._meta.get_field("course")
        course = course_field.related_model
        line_fields = LINE_ROW_FIELDS[:-1]  # the last is the course's cover, joined
        line_order = quote(OrderLine._meta.get_field("order").column)
        lines = (
            f"SELECT {columns(OrderLine, line_fields, 'l.')},"  # noqa: S608
            f" c.{quote(course._meta.get_field('cover').column)}"
            f" FROM {quote(OrderLine._meta.db_table)} l"
            f" INNER JOIN {quote(course._meta.db_table)} c"
            f" ON c.{quote(course._meta.pk.column)} = l.{quote(course_field.column)}"
            f" WHERE l.{line_order} IN ({{ids}}) ORDER BY l.{quote(OrderLine._meta.pk.column)}"
        )
        return cls(
            page=select + newest,
            page_by_status=f"{select} AND {status} = %s{newest}",
            count=count,
            count_by_status=f"{count} AND {status} = %s",
            by_number=f"{select} AND {number} = %s",
            lines=lines,
            order_money=positions(Order, ORDER_ROW_FIELDS, DecimalField),
            order_times=positions(Order, ORDER_ROW_FIELDS, DateTimeField),
            line_money=positions(OrderLine, line_fields, DecimalField),
            money_as_text=money_as_text,
        )


_statements: dict[str, _RowStatements] = {}  # by database vendor


def _row_statements() -> _RowStatements:
    statements = _statements.get(connection.vendor)
    if statements is None:
        statements = _statements[connection.vendor] = _RowStatements.for_connection(connection)
    return statements


def _fetch_rows(sql: str, params, names, money, times=()) -> list[dict]:
    """Rows of `sql` as dicts of `names`, converted as Django's converters would: money a
    Decimal (as stored on PostgreSQL and MariaDB, from its text on SQLite), a datetime aware
    (SQLite and MariaDB hand over naive ones in the connection's time zone)."""
    statements = _row_statements()
    zone = connection.timezone
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not statements.money_as_text:
        money = ()
    rows = []
    for values in fetched:
        if money or times:
            values = list(values)
            for i in money:
                values[i] = Decimal(values[i])
            for i in times:
                value = values[i]
                if value is not None and value.tzinfo is None:
                    values[i] = value.replace(tzinfo=zone)
        rows.append(dict(zip(names, values, strict=True)))
    return rows


class OrderRows:
    """The user's orders, newest first, as rows (dicts, ORDER_ROW_FIELDS), lazily: what
    Django's Paginator needs of a queryset. A slice is one statement; count() is one COUNT(*)."""

    def __init__(self, *, user_id: int, status: int | None = None) -> None:
        self._params = [user_id] if status is None else [user_id, int(status)]

    def count(self) -> int:
        statements = _row_statements()
        sql = statements.count if len(self._params) == 1 else statements.count_by_status
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params)
            return cursor.fetchone()[0]

    def __getitem__(self, rows: slice) -> list[dict]:
        if not isinstance(rows, slice) or rows.step is not None or rows.stop is None:
            raise TypeError("OrderRows takes a slice with an end, e.g. [0:10]")
        offset = rows.start or 0
        limit = max(rows.stop - offset, 0)
        statements = _row_statements()
        sql = statements.page if len(self._params) == 1 else statements.page_by_status
        return _fetch_rows(
            sql, [*self._params, limit, offset], ORDER_ROW_FIELDS, statements.order_money,
            statements.order_times,
        )  # fmt: skip


def order_list(*, user_id: int, status: int | None = None) -> OrderRows:
    """The user's orders, newest first, as rows (dicts, ORDER_ROW_FIELDS), lazily: paginate,
    then add the page's lines with order_rows_with_lines (page, lines: 2 queries; a COUNT(*)
    too when the first page is not also the last: luffy.common.pagination)."""
    return OrderRows(user_id=user_id, status=status)


def order_rows_with_lines(rows) -> list[dict]:
    """`rows` (a slice of order_list's, or order_row_get's), each with its lines under "lines"
    (dicts, LINE_ROW_FIELDS, in line order). One query, however many orders."""
    rows = list(rows)
    lines_of = {row["id"]: [] for row in rows}
    if lines_of:
        statements = _row_statements()
        sql = statements.lines.format(ids=int_literals(lines_of))
        for line in _fetch_rows(sql, None, LINE_ROW_FIELDS, statements.line_money):
            lines_of[line["order_id"]].append(line)
    for row in rows:
        row["lines"] = lines_of[row["id"]]
    return rows


def order_row_get(*, user_id: int, order_number: str) -> dict:
    """One of the user's orders as a row with its lines (as order_rows_with_lines): 2 queries."""
    statements = _row_statements()
    found = _fetch_rows(
        statements.by_number, [user_id, order_number], ORDER_ROW_FIELDS,
        statements.order_money, statements.order_times,
    )  # fmt: skip
    if not found:
        raise NotFound(_("No such order."), code="order_not_found")
    return order_rows_with_lines(found)[0]


def order_get(*, user_id: int, order_number: str) -> Order:
    """One of the user's orders as a model with its lines prefetched (for OrderSerializer)."""
    order = _with_lines(Order.objects.filter(user_id=user_id, order_number=order_number)).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order
