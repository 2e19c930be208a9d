"""The admin as operators see it: the dashboard as its first page, the sidebar grouped by job and
trimmed to what each role may see, Chinese throughout."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user, client):
    def login(role: str | None = None, **flags):
        user = make_user(is_staff=True, **flags)
        if role:
            user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return login


def test_the_roles_exist_with_the_refund_permission_only_for_finance():
    can_refund = {
        group.name for group in Group.objects.filter(permissions__codename="refund_order")
    }
    assert can_refund == {"财务"}
    assert set(Group.objects.values_list("name", flat=True)) >= {"运营", "财务", "客服"}


def test_dashboard_is_the_first_page_for_finance(member, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    html = member("财务").get("/admin/").content.decode()
    for words in ("经营概览", "今天", "近 7 天", "近 30 天", "每日收入", "转化率",
                  "销售额最高的课程", "待查看的支付消息", "即将超时的未支付订单"):  # fmt: skip
        assert words in html, words
    assert "订单与支付" in html and "用户与积分" in html
    assert "/admin/catalog/course/" not in html  # finance does not edit the catalog


def test_dashboard_amounts_group_thousands(member, settings, make_order):
    """Every amount reads like the cards' (¥8,888.00): the top courses and the unpaid orders
    about to time out too."""
    from django.utils import timezone

    settings.DASHBOARD_CACHE_SECONDS = 0
    now = timezone.now()
    make_order(created=now - timedelta(hours=2), paid=now - timedelta(hours=1), price="8888.00")
    make_order(created=now - timedelta(hours=11, minutes=50), price="12345.60")
    html = member("财务").get("/admin/").content.decode()
    top_courses, about_to_time_out = html.split("即将超时的未支付订单")
    assert "¥8,888.00" in top_courses.split("销售额最高的课程")[1]
    assert "¥12,345.60" in about_to_time_out
    assert "¥8888.00" not in html and "¥12345.60" not in html


def test_operations_see_catalog_and_coupons_but_no_sales(member):
    html = member("运营").get("/admin/").content.decode()
    assert "每日收入" not in html
    assert "课程" in html and "优惠券" in html
    assert "/admin/catalog/course/" in html and "/admin/coupons/coupon/" in html
    assert "/admin/orders/order/" not in html


def test_the_superuser_sidebar_has_every_group(member):
    html = member(is_superuser=True).get("/admin/").content.decode()
    for group in ("课程", "订单与支付", "用户与积分", "优惠券", "系统"):
        assert group in html, group
    assert "/admin/django_celery_results/taskresult/" in html and "/admin/auth/group/" in html


def test_the_dashboard_is_cached_between_operators(member, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client = member(is_superuser=True)
    client.get("/admin/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/")
    assert not [q for q in queries if "SUM(" in q["sql"].upper()]  # figures came from the cache


def test_figures_that_take_too_long_do_not_break_the_admin(member, settings, monkeypatch):
    from django.db import OperationalError

    from luffy.backoffice import dashboard

    def too_slow(**kwargs):
        raise OperationalError("max_statement_time exceeded")

    settings.DASHBOARD_CACHE_SECONDS = 0
    monkeypatch.setattr(dashboard, "dashboard", too_slow)
    response = member("财务").get("/admin/")
    assert response.status_code == 200
    assert "data-report-unavailable" in response.content.decode()


ADMIN_JS = Path(admin.__file__).parent / "static" / "admin" / "js"
JS_MESSAGE = re.compile(r"\b(?:gettext|ngettext)\(\s*(['\"])((?:\\.|(?!\1).)*)\1")


@pytest.mark.parametrize(
    "script", ["SelectFilter2.js", "actions.js", "calendar.js", "admin/DateTimeShortcuts.js"]
)
def test_the_admin_scripts_speak_chinese(member, script):
    """Every word the admin's own scripts show (the two-box selector of the sale form's courses,
    the action counter, the calendar, the date and time shortcuts) comes from the admin's
    JavaScript catalog in Chinese: Django 5.2's zh_Hans catalog lacks the selector's newer
    words, luffy/backoffice/unfold_locale's djangojs.po has them."""
    browser = member(is_superuser=True)
    body = browser.get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))
    words = {
        m.group(2).replace("\\'", "'") for m in JS_MESSAGE.finditer((ADMIN_JS / script).read_text())
    }
    assert words
    untranslated = sorted(
        word for word in words
        if not re.search(r"[\u4e00-\u9fff]", "".join(catalog.get(word) or [""]))
    )  # fmt: skip
    assert not untranslated, untranslated


def test_the_group_page_lists_permissions_in_chinese(member):
    """Django stores permission names in English ("Can add order"): the group page's selector
    reads them from the models' Chinese names, and lists only models the back office shows."""
    page = member(is_superuser=True).get("/admin/auth/group/add/").content.decode()
    assert "订单 | 订单 | 可查看订单" in page  # "order" once read 顺序 (a lesson's sort order)
    assert "订单 | 订单 | 可以退款" in page  # a model's own permission, from its Meta
    assert "Can add" not in page and "Can view" not in page
    assert "chord counter" not in page


def test_task_results_show_and_filter_their_state_in_chinese(member):
    from django_celery_results.models import TaskResult

    client = member(is_superuser=True)
    failed = TaskResult.objects.create(
        task_id="t-1", task_name="luffy.payments.tasks.expire_orders", status="FAILURE"
    )
    TaskResult.objects.create(task_id="t-2", task_name="luffy.cart.tasks.x", status="SUCCESS")
    html = client.get("/admin/django_celery_results/taskresult/").content.decode()
    assert "失败" in html and "成功" in html
    assert not re.search(r">\s*(FAILURE|SUCCESS)\s*<", html)  # no English state in a cell
    filtered = client.get("/admin/django_celery_results/taskresult/?status=FAILURE")
    assert filtered.context["cl"].result_count == 1
    page = client.get(f"/admin/django_celery_results/taskresult/{failed.pk}/change/")
    assert page.status_code == 200 and "失败" in page.content.decode()
    assert "任务 expire_orders（失败）" in page.content.decode()  # its title and breadcrumb
    assert "&lt;Task:" not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # read only: nothing to save
    assert client.get("/admin/django_celery_results/taskresult/add/").status_code == 403
