"""The back office for the catalog in a real browser: an operator creates a course with a lesson
and a price and publishes it, sets a sale and previews its prices, grants a coupon to a segment
and creates a redeem code; a student redeems the code on the coupons page.
Screenshots (desktop and phone): var/e2e-artifacts/catalog-admin-*.png."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, PASSWORD, login
from tests.e2e.test_checkout import backend

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
COURSE = "运营实战：从零开一门课"
# unfold's message list (unfold/helpers/messages.html): no .messagelist; an error message keeps
# Django's .errornote class, a success message is only its green box.
MESSAGES = "ul:has(> li > .errornote, > li > .bg-green-100)"
ERROR = "ul > li > .errornote"
SUCCESS = "ul > li > .bg-green-100"


def operator(store) -> str:
    """A superuser (the roles are another issue's); returns its username."""
    name = f"op{store.new_mobile()}"
    backend(
        store,
        "from luffy.users.models import User; "
        f"User.objects.create_superuser(username={name!r}, mobile={name[2:]!r}, "
        f"email='', password={PASSWORD!r})",
    )
    return name


def admin_login(page, username: str) -> None:
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form [type=submit]").click()  # unfold: a <button>
    page.wait_for_url(re.compile(r"/admin/$"))


def cover_file(tmp_path):
    path = tmp_path / "cover.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), "#1f6f8b").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def both_sizes(page, shot, name: str) -> None:
    """A screenshot at the page's desktop size and one at phone size, then back."""
    shot(f"catalog-admin-{name}-desktop")
    page.set_viewport_size(PHONE)
    shot(f"catalog-admin-{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 860})


def test_operator_runs_the_catalog_and_a_student_redeems(page, store, shot, tmp_path, browser):
    admin_login(page, operator(store))

    # A course: empty first (the publish check names what is missing), then complete.
    page.goto("/admin/catalog/course/add/")
    page.locator("#id_name").fill(COURSE)
    page.locator("#id_publish").check()
    page.locator("[name=_save]").click()
    page.locator(ERROR).first.wait_for()
    errors = page.locator(ERROR).first.inner_text()
    assert "仍未上线" in errors and "请上传课程封面" in errors and "请至少添加一个课时" in errors
    assert re.search(r"/admin/catalog/course/\d+/change/$", page.url)

    page.locator("#id_cover").set_input_files(str(cover_file(tmp_path)))
    page.locator("#id_price").fill("199.00")
    page.locator("#lessons-group a.add-row").click()
    page.locator("#id_lessons-0-name").fill("1.1 开篇：课程怎么学")
    page.locator("#id_lessons-0-link").fill("video-intro")
    page.locator("#id_lessons-0-free_trial").check()
    page.locator("#id_publish").check()
    both_sizes(page, shot, "course")
    page.locator("[name=_save]").click()
    page.locator(SUCCESS).first.wait_for()
    assert "1 门课程已上线" in page.locator(MESSAGES).inner_text()
    row = page.locator("#result_list tr", has_text=COURSE)
    assert "已上线" in row.inner_text()
    assert row.locator("td.field-lessons_count").inner_text() == "1"

    # A sale: 8折 on the new course, previewed before it is saved.
    page.goto("/admin/catalog/activity/add/")
    page.locator("#id_name").fill("开课特惠")
    page.locator("#id_courses_input").fill("运营实战")
    page.locator("#id_courses_from").select_option(label=COURSE)
    page.locator("#id_courses_add").click()
    now = timezone.localtime()
    end = now + timedelta(days=7)
    page.locator("#id_start_0").fill(now.strftime("%Y-%m-%d"))
    page.locator("#id_start_1").fill("00:00:00")
    page.locator("#id_end_0").fill(end.strftime("%Y-%m-%d"))
    page.locator("#id_end_1").fill("00:00:00")
    page.locator("input[name=kind][value=percent]").check()
    page.locator("#id_discount").fill("8")
    page.locator("[name=_preview]").click()
    preview = page.locator("#sale-preview")
    preview.wait_for()
    text = preview.inner_text()
    assert COURSE in text and "¥199.00" in text and "¥159.20" in text and "本促销" in text
    both_sizes(page, shot, "sale-preview")
    page.locator("[name=_save]").click()
    page.locator(SUCCESS).first.wait_for()
    assert "促销“开课特惠”已保存" in page.locator(MESSAGES).inner_text()
    detail = store.api("GET", f"/api/courses/?q={quote(COURSE)}")["results"][0]
    assert detail["name"] == COURSE and detail["real_price"] == "159.20"

    # A coupon granted to every student, and a redeem code for it.
    student = store.register()
    backend(
        store,
        "from luffy.coupons.models import Coupon, RedeemCode; "
        "c = Coupon.objects.create(name='开课立减券', type=1, sale='-30', valid_days=30); "
        "RedeemCode.objects.create(code='OPEN2026', coupon=c, max_redemptions=100)",
    )
    page.goto("/admin/coupons/coupon/")
    page.locator("#result_list tr", has_text="开课立减券").locator("input.action-select").check()
    page.locator("select[name=action]").select_option("grant")
    page.locator("button[name=index], input[name=index]").first.click()
    page.locator("input[name=segment][value=all]").check()
    both_sizes(page, shot, "grant")
    page.locator("[name=apply]").click()
    message = page.locator(SUCCESS).first.inner_text()
    assert re.search(r"已向 \d+ 位学员发放“开课立减券”；0 位已有此券", message), message

    # The student redeems the code: it adds a second copy (the per-student limit is 1).
    context = browser.new_context(
        base_url=store.url, viewport={"width": 1280, "height": 860}, locale="zh-CN"
    )
    student_page = context.new_page()
    student_page.set_default_timeout(10_000)
    js_errors: list[str] = []
    student_page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        login(student_page, student)
        student_page.goto("/my/coupons")
        student_page.locator("[data-test=my-coupon]").first.wait_for()
        assert student_page.locator("[data-test=my-coupon]").count() == 1  # the granted one
        student_page.locator("[data-test=redeem-code]").fill("open2026")
        student_page.locator("[data-test=redeem-submit]").click()
        student_page.get_by_text("兑换成功：开课立减券").wait_for()
        assert student_page.locator("[data-test=my-coupon]").count() == 2
        student_page.locator("[data-test=redeem-code]").fill("OPEN2026")
        student_page.locator("[data-test=redeem-submit]").click()
        error = student_page.locator("[data-test=redeem-error]")
        error.wait_for()
        assert "已达" in error.inner_text()
        assert student_page.locator(".el-message--error").count() == 0  # shown once, inline
        for name, size in (("desktop", {"width": 1280, "height": 860}), ("phone", PHONE)):
            student_page.set_viewport_size(size)
            student_page.wait_for_timeout(400)
            student_page.screenshot(
                path=str(ARTIFACTS / f"catalog-admin-coupons-page-{name}.png"), full_page=True
            )
    finally:
        context.close()
    assert js_errors == []
