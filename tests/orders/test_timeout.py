from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from luffy.coupons.models import UserCoupon
from luffy.orders.models import Order, OrderStatusChange
from luffy.orders.services import orders_record_timed_out
from luffy.payments.tasks import expire_unpaid_orders
from luffy.users.models import CreditEntry, User
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def place_order(make_course, in_cart):
    """place_order(client, user, credit=0, coupon=None) -> an unpaid order."""

    def place(client, user, *, credit=0, coupon=None):
        if credit:
            type(user).objects.filter(id=user.id).update(credit=F("credit") + credit)
        in_cart(client, make_course(price="100.00"))
        payload = {"credit": credit}
        if coupon is not None:
            payload["coupon_id"] = coupon.id
        body = checkout(client, **payload).json()
        return Order.objects.get(order_number=body["order_number"])

    return place


def test_deadline_boundary(auth_client, user, place_order):
    order = place_order(auth_client, user)
    assert orders_record_timed_out(now=order.pay_deadline - timedelta(seconds=1)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID
    assert orders_record_timed_out(now=order.pay_deadline + timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.TIMED_OUT
    changes = OrderStatusChange.objects.filter(order=order).order_by("id")
    assert list(changes.values_list("from_status", "to_status")) == [
        (None, Order.Status.UNPAID),  # created (its audit row since issue 12)
        (Order.Status.UNPAID, Order.Status.TIMED_OUT),
    ]


def test_releases_coupons_and_returns_credit_with_ledger_rows(
    auth_client, user, make_user, place_order, give_coupon
):
    from tests.conftest import client_for

    coupon = give_coupon(user, sale="-10")
    first = place_order(auth_client, user, credit=100, coupon=coupon)
    second = place_order(auth_client, user, credit=50)
    other_user = make_user()
    other = place_order(client_for(other_user), other_user, credit=30)
    later = timezone.now() + timedelta(days=1)

    assert orders_record_timed_out(now=later) == 3
    user.refresh_from_db()
    other_user.refresh_from_db()
    assert (user.credit, other_user.credit) == (150, 30)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
    releases = CreditEntry.objects.filter(reason="order_release").order_by("id")
    assert [(e.order_id, e.amount, e.balance_after) for e in releases] == [
        (first.id, 100, 100),
        (second.id, 50, 150),
        (other.id, 30, 30),
    ]
    # a second sweep finds nothing and returns nothing twice
    assert orders_record_timed_out(now=later) == 0
    assert CreditEntry.objects.filter(reason="order_release").count() == 3


def test_batches_and_paid_orders_are_untouched(auth_client, user, place_order):
    from luffy.orders.services import order_record_paid

    orders = [place_order(auth_client, user) for _ in range(5)]
    order_record_paid(order_number=orders[0].order_number)
    later = timezone.now() + timedelta(days=1)
    assert orders_record_timed_out(now=later, batch_size=2) == 2
    assert orders_record_timed_out(now=later, batch_size=2) == 2
    assert orders_record_timed_out(now=later, batch_size=2) == 0
    statuses = [Order.objects.get(id=o.id).status for o in orders]
    assert statuses == [Order.Status.PAID] + [Order.Status.TIMED_OUT] * 4


def test_orders_sent_to_the_gateway_wait_for_it(auth_client, user, place_order):
    order = place_order(auth_client, user)
    Order.objects.filter(id=order.id).update(sent_to_gateway_at=timezone.now())
    later = timezone.now() + timedelta(days=1)
    assert orders_record_timed_out(now=later) == 0
    assert orders_record_timed_out(now=later, gateway_checked=[order.id]) == 1


def test_queries_grow_with_batches_not_orders(
    auth_client, user, place_order, django_assert_max_num_queries
):
    for _ in range(6):
        place_order(auth_client, user, credit=10)
    later = timezone.now() + timedelta(days=1)
    with django_assert_max_num_queries(12):
        assert orders_record_timed_out(now=later, batch_size=100) == 6


def test_task_runs_every_batch(auth_client, user, place_order, monkeypatch):
    for _ in range(3):
        place_order(auth_client, user)
    Order.objects.update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert expire_unpaid_orders.apply(kwargs={"batch_size": 2}).get() == 3
    assert not Order.objects.filter(status=Order.Status.UNPAID).exists()


def test_oldest_deadline_first(auth_client, user, place_order):
    """Batches take the orders whose deadline passed first (the order the deadline index
    yields them in, so a batch never sorts every expired order)."""
    orders = [place_order(auth_client, user) for _ in range(3)]
    now = timezone.now()
    for minutes, order in zip([5, 15, 10], orders, strict=True):
        Order.objects.filter(id=order.id).update(pay_deadline=now - timedelta(minutes=minutes))
    timed_out = []
    for _ in range(3):
        assert orders_record_timed_out(now=now, batch_size=1) == 1
        timed_out.append(Order.objects.get(status=Order.Status.TIMED_OUT, id__in=[
            o.id for o in orders if o.id not in timed_out
        ]).id)  # fmt: skip
    assert timed_out == [orders[1].id, orders[2].id, orders[0].id]


def _statements(later, batch_size=None) -> tuple[int, int]:
    """(orders timed out, SQL statements) of one orders_record_timed_out call."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        done = orders_record_timed_out(now=later, batch_size=batch_size)
    return done, len(queries)


def _expired_orders(make_user, *, users: int, per_user: int, coupons_from=None) -> None:
    """users x per_user unpaid orders past their deadline, each holding 10 points, every
    third a coupon (inserted directly: checkout through the API would take minutes)."""
    from luffy.coupons.models import Coupon

    now = timezone.now()
    coupon = Coupon.objects.create(name="-1", sale="-1", type=Coupon.Type.FIXED)
    for u in range(users):
        owner = make_user(credit=0)
        for i in range(per_user):
            order = Order.objects.create(
                user=owner, title="t", total_price=10, discounted_price=10, real_price=9,
                credit=10, credit_amount=1, pay_deadline=now - timedelta(minutes=u + i + 1),
            )  # fmt: skip
            if i % 3 == 0:
                held = UserCoupon.objects.create(
                    user=owner, coupon=coupon, start=now, status=UserCoupon.Status.RESERVED,
                    order=order,
                )  # fmt: skip
                Order.objects.filter(id=order.id).update(user_coupon=held)


def test_a_batch_is_a_fixed_number_of_statements_whatever_its_size(make_user):
    """Per batch: the same statements for 2 orders as for 300 of 60 users (before, the audit
    and ledger rows went in as model instances, several INSERTs per batch on SQLite, and
    the credit return built a CASE with a branch per user)."""
    later = timezone.now() + timedelta(days=1)
    _expired_orders(make_user, users=1, per_user=2)
    small = _statements(later)
    _expired_orders(make_user, users=60, per_user=5)
    large = _statements(later)
    assert (small[0], large[0]) == (2, 300)
    assert small[1] == large[1] == STATEMENTS_PER_BATCH[connection.vendor] + 2  # + the savepoint


# orders_record_timed_out's statements per batch (see its docstring): PostgreSQL the pick, the
# commit mode, the users' locks and one data-modifying statement; SQLite the pick and
# five writes (UPDATE ... RETURNING finds the moved orders); MariaDB the pick, two locks and five.
STATEMENTS_PER_BATCH = {"postgresql": 4, "sqlite": 6, "mysql": 8}


def test_batch_size_is_a_setting(make_user, settings):
    settings.SWEEP_BATCH_SIZE = 4
    _expired_orders(make_user, users=2, per_user=5)
    later = timezone.now() + timedelta(days=1)
    assert [orders_record_timed_out(now=later) for _ in range(4)] == [4, 4, 2, 0]


def test_credit_returns_of_many_users_each_with_its_running_balance(make_user):
    """Ledger rows in order id order per user, each balance the one after that row; every
    user's balance equals the sum of its ledger rows; coupons released."""
    _expired_orders(make_user, users=7, per_user=4)
    later = timezone.now() + timedelta(days=1)
    assert orders_record_timed_out(now=later, batch_size=1000) == 28
    for user_id in Order.objects.values_list("user_id", flat=True).distinct():
        rows = list(
            CreditEntry.objects.filter(user_id=user_id).order_by("order_id")
            .values_list("amount", "balance_after", "reason", "note")
        )  # fmt: skip
        assert rows == [(10, 10 * (i + 1), "order_release", "order timed out") for i in range(4)]
        assert type(Order.objects.first().user).objects.get(id=user_id).credit == 40
    assert not UserCoupon.objects.filter(status=UserCoupon.Status.RESERVED).exists()
    assert UserCoupon.objects.filter(status=UserCoupon.Status.UNUSED, order=None).count() == 14
    assert OrderStatusChange.objects.filter(to_status=Order.Status.TIMED_OUT).count() == 28


def test_credit_return_without_the_sql_path_gives_the_same_rows(make_user, monkeypatch):
    """The ORM fallback (other databases, SQLite < 3.33) writes what the SQL path writes."""
    from luffy.users import credits

    monkeypatch.setattr(credits, "_release_sql", lambda *a, **k: False)
    test_credit_returns_of_many_users_each_with_its_running_balance(make_user)


def test_the_sweep_reads_the_unpaid_orders_deadline_index(make_user):
    """The batch query walks an index in deadline order instead of sorting every expired
    order: the partial index (PostgreSQL, SQLite), the (status, pay_deadline) one on MariaDB
    and SQLite."""
    from django.db import connection

    from luffy.orders.services.timeout import _expired_unpaid

    _expired_orders(make_user, users=3, per_user=3)
    query = (
        _expired_unpaid(timezone.now())
        .filter(sent_to_gateway_at__isnull=True)
        .order_by("pay_deadline", "id")
        .values_list("id", "user_id")[:1000]
    )
    sql, params = query.query.sql_with_params()
    names = {idx.name for idx in Order._meta.indexes}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: plan as if large
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "order_unpaid_deadline" in names
    if connection.vendor != "mysql":  # MariaDB plans a 9-row table as a scan whatever its indexes
        assert "order_unpaid_deadline" in plan or "orders_orde_status_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        assert "Sort" not in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL storage setting")
def test_users_pages_keep_room_for_in_place_credit_updates():
    """users migration 0005: the sweep's credit return (and checkout's reserve) rewrite a
    user's row; with room on its page PostgreSQL updates it in place, no index entries."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [User._meta.db_table])
        assert "fillfactor=90" in (cursor.fetchone()[0] or [])
