"""Account self-service and finding courses in a real browser: forgot password, SMS login,
profile (nickname in the header), search, the free list, a missing course, the footer pages."""

import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import PASSWORD, ROOT, login

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "Another-sturdy-2027"
PHONE = {"width": 390, "height": 844}


def make_account(store) -> str:
    """An account made directly (as registration would), so no SMS was sent to its number and
    the next code can be asked for at once; returns its mobile."""
    mobile = store.new_mobile()
    code = (
        "from luffy.users.models import User; "
        f"User.objects.create_user(username={mobile!r}, mobile={mobile!r}, password={PASSWORD!r})"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=store.env, check=True
    )
    return mobile


def test_forgot_password_then_log_in_with_the_new_one(page, store, shot):
    mobile = make_account(store)
    page.goto("/login")
    page.locator("[data-test=forgot-link]").click()
    page.wait_for_url(re.compile(r"/password/forgot"))
    page.locator("[data-test=mobile]").fill(mobile)
    page.locator("[data-test=send-code]").click()
    page.get_by_text(re.compile(r"\d+ 秒后重发")).wait_for()
    page.locator("[data-test=sms-code]").fill(store.sms_code(mobile))
    page.locator("[data-test=password]").fill(NEW_PASSWORD)
    shot("forgot-password")
    page.locator("[data-test=submit]").click()
    page.wait_for_url(re.compile(r"/login"))
    login(page, mobile, NEW_PASSWORD)
    masked = f"{mobile[:3]}****{mobile[-4:]}"
    assert page.locator("[data-test=user-menu]").inner_text().strip().endswith(masked)
    assert mobile not in page.locator("header").inner_text()


def test_registering_a_registered_number_sends_no_code(page, store):
    mobile = make_account(store)
    page.goto("/register")
    page.locator("[data-test=mobile]").fill(mobile)
    page.locator("[data-test=send-code]").click()
    page.get_by_text("该手机号已注册，请直接登录").first.wait_for()
    page.wait_for_timeout(1000)
    assert not (store.var_dir / "sms" / f"{mobile}.txt").exists()


@pytest.mark.parametrize("page", [None, PHONE], indirect=True, ids=["desktop", "phone"])
def test_sms_login_and_profile_nickname(page, store, shot, request):
    suffix = "-phone" if "phone" in request.node.callspec.id else ""
    mobile = make_account(store)
    page.goto("/login/sms")
    page.locator("[data-test=mobile]").fill(mobile)
    page.locator("[data-test=send-code]").click()
    page.get_by_text(re.compile(r"\d+ 秒后重发")).wait_for()
    page.locator("[data-test=sms-code]").fill(store.sms_code(mobile))
    shot(f"sms-login{suffix}")
    page.locator("[data-test=submit]").click()
    page.locator("[data-test=user-menu]").wait_for()

    page.goto("/my/profile")
    page.locator("[data-test=nickname]").fill("小明同学")
    page.locator("[data-test=save-nickname]").click()
    page.get_by_text("昵称已保存").wait_for()
    menu = page.locator("[data-test=user-menu]")
    assert menu.locator(".el-avatar").inner_text().strip() == "小"
    if not suffix:
        assert "小明同学" in menu.inner_text()
    page.locator("[data-test=old-password]").fill("wrong-password-1")
    page.locator("[data-test=new-password]").fill(NEW_PASSWORD)
    page.locator("[data-test=save-password]").click()
    page.get_by_text("原密码错误").first.wait_for()
    page.locator("[data-test=old-password]").fill(PASSWORD)
    page.locator("[data-test=save-password]").click()
    page.get_by_text("密码已修改").wait_for()
    shot(f"profile{suffix}")


def test_search_free_list_missing_course_and_footer_pages(page, store, shot):
    page.goto("/")
    page.locator("[data-test=search-input]").fill("Django")
    page.locator("[data-test=search-input]").press("Enter")
    page.wait_for_url(re.compile(r"/courses\?q=Django"))
    page.locator("[data-test=search-summary]").wait_for()
    page.locator(".course-grid > *").first.wait_for()
    assert page.get_by_text("Django").count() >= 1
    shot("search-results")
    page.goto("/free")
    page.wait_for_url(re.compile(r"/courses\?free=1"))
    page.locator("[data-test=free-filter].active").wait_for()
    shot("free-courses")
    page.goto("/courses/99999")
    page.locator("[data-test=course-missing]").get_by_text("课程不存在", exact=True).wait_for()
    assert page.get_by_text("加载失败").count() == 0
    shot("course-missing")
    page.get_by_role("button", name="浏览全部课程").click()
    page.wait_for_url(re.compile(r"/courses$"))
    page.goto("/about")
    page.locator("[data-test=about]").wait_for()
    page.goto("/contact")
    page.locator("[data-test=contact]").wait_for()
    shot("contact")
