"""The one admin form for a time-limited sale: courses, time, rule, and a price preview."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.catalog.models import Activity, CoursePriceDiscount, Discount
from luffy.catalog.selectors import course_offers

pytestmark = pytest.mark.django_db
URL = "/admin/catalog/activity/add/"


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def sale(courses, *, start=None, end=None, **fields) -> dict:
    start = timezone.localtime(start or timezone.now() - timedelta(hours=1))
    end = timezone.localtime(end or timezone.now() + timedelta(days=3))
    data = {
        "name": "双十二",
        "label": "限时折扣",
        "courses": [c.id for c in courses],
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "end_0": end.strftime("%Y-%m-%d"),
        "end_1": end.strftime("%H:%M:%S"),
        "kind": "percent",
        "discount": "8",
        "amount": "",
        "tiers": "",
        "condition": "0",
    }
    data.update(fields)
    return data


def test_preview_shows_each_option_and_saves_nothing(admin_client, make_course):
    course = make_course(price="100.00", options=[(30, "30.00")])
    response = admin_client.post(URL, {**sale([course]), "_preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "活动期间的价格" in page
    assert "¥30.00" in page and "¥24.00" in page  # 30天有效: 8折
    assert "¥100.00" in page and "¥80.00" in page  # 永久有效
    assert not Activity.objects.exists() and not Discount.objects.exists()


@pytest.mark.parametrize(
    ("fields", "price"),
    [
        ({"kind": "percent", "discount": "8.5"}, "85.00"),
        ({"kind": "amount", "amount": "30"}, "70.00"),
        ({"kind": "tiers", "tiers": "满50-5\n满100-20"}, "80.00"),
        ({"kind": "free"}, "0.00"),
    ],
)
def test_save_maps_the_form_onto_activity_discount_and_links(
    admin_client, make_course, fields, price
):
    a, b = make_course(price="100.00"), make_course(price="100.00")
    response = admin_client.post(URL, {**sale([a, b], **fields), "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get()
    assert set(activity.courses.values_list("course_id", flat=True)) == {a.id, b.id}
    assert Discount.objects.get().type.name == "限时折扣"
    assert course_offers(course_ids=[a.id])[a.id].option(0).real_price == Decimal(price)


def test_errors_are_clear(admin_client, make_course):
    course = make_course()
    now = timezone.now()
    page = admin_client.post(
        URL, {**sale([course], start=now, end=now - timedelta(hours=1), kind="tiers"),
              "_save": "1"},
    ).content.decode()  # fmt: skip
    assert "活动的结束时间必须晚于开始时间。" in page
    assert "请至少填写一档满减，例如 满100-10。" in page
    page = admin_client.post(URL, {**sale([course], kind="percent", discount=""), "_save": "1"})
    assert "请填写折扣，例如 8 表示八折。" in page.content.decode()
    assert not Activity.objects.exists()


def test_edit_a_sale_in_the_same_form(admin_client, make_course):
    a, b = make_course(price="100.00"), make_course(price="100.00")
    admin_client.post(URL, {**sale([a, b], kind="amount", amount="10"), "_save": "1"})
    activity = Activity.objects.get()
    page = admin_client.get(f"/admin/catalog/activity/{activity.id}/change/").content.decode()
    assert 'value="10.00"' in page and 'value="双十二"' in page
    response = admin_client.post(
        f"/admin/catalog/activity/{activity.id}/change/",
        {**sale([a], kind="amount", amount="15"), "_save": "1"},
    )
    assert response.status_code == 302
    assert list(CoursePriceDiscount.objects.values_list("course_id", flat=True)) == [a.id]
    assert course_offers(course_ids=[a.id])[a.id].option(0).real_price == Decimal("85.00")


def test_preview_says_when_another_sale_is_cheaper(admin_client, make_course, make_discount):
    course = make_course(price="100.00")
    make_discount(course, rule="*0.5", type_name="清仓")
    page = admin_client.post(URL, {**sale([course]), "_preview": "1"}).content.decode()
    assert "另一个促销更便宜：清仓" in page and "¥50.00" in page


def test_preview_query_count(admin_client, make_course, django_assert_max_num_queries):
    courses = [make_course(options=[(30, "10"), (90, "20")]) for _ in range(5)]
    data = {**sale(courses), "_preview": "1"}
    # session + user, the course choices (validation and the widget), the preview's 3
    with django_assert_max_num_queries(8):
        admin_client.post(URL, data)
