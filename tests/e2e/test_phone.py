"""The store on a phone (390 x 844): two course cards per row, validity chips that wrap with
whole borders, my-page tabs that show 我的积分, a 去结算 bar and a pay button that stay on
screen. Screenshots at 390 x 844 and 1280 x 800 of each page: var/e2e-artifacts/."""

import contextlib

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_checkout import add_to_cart
from tests.e2e.test_store import COURSE_A, course_id

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
CART = [COURSE_A, "Python 爬虫开发", "数据分析与可视化", "Shell 脚本编程", "Docker 与 Kubernetes"]


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def both_sizes(page, shot, name: str, *, sticky: bool = False) -> None:
    """Screenshots of the current page on the phone, then on a desktop, then back. A page with a
    bar stuck to the bottom of the screen is shot as the screen shows it, at the top and at the
    end (a full-page shot would draw the bar in the middle)."""
    if sticky:
        shot(f"phone-{name}", full_page=False)
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        shot(f"phone-{name}-end", full_page=False)
        page.evaluate("() => window.scrollTo(0, 0)")
    else:
        shot(f"phone-{name}")
    page.set_viewport_size(DESKTOP)
    shot(f"desktop-{name}")
    page.set_viewport_size(PHONE)


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_home_list_and_detail_on_a_phone(page, store, shot):
    page.goto("/")
    page.locator("[data-test=course-card]").nth(1).wait_for()
    # The page's CSS chunk may land after the cards do: give the grid a bounded moment to lay out.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    same_row = """() => {
        const [a, b] = document.querySelectorAll('[data-test=course-card]');
        return a.getBoundingClientRect().y === b.getBoundingClientRect().y;
    }"""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(same_row, timeout=5000)
    first, second = (page.locator("[data-test=course-card]").nth(i).bounding_box() for i in (0, 1))
    assert first["y"] == second["y"], "two cards per row"
    assert first["width"] < PHONE["width"] / 2
    no_sideways_scrolling(page)
    both_sizes(page, shot, "home")

    page.goto("/courses")
    page.locator("[data-test=course-card]").first.wait_for()
    no_sideways_scrolling(page)
    both_sizes(page, shot, "course-list")

    page.goto(f"/courses/{course_id(store, COURSE_A)}")
    chips = page.locator("[data-test=expire-options] .el-radio-button__inner")
    chips.first.wait_for()
    assert chips.count() == 3
    rows = set()
    for i in range(chips.count()):
        chip = chips.nth(i)
        # Each chip has all four borders, also the first of a wrapped row.
        assert chip.evaluate("(el) => getComputedStyle(el).borderLeftWidth") == "1px"
        b = chip.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"]
        rows.add(round(b["y"]))
    assert len(rows) == 2, "the chips wrap onto a second row on a phone"
    no_sideways_scrolling(page)
    both_sizes(page, shot, "course-detail")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_cart_checkout_and_my_pages_on_a_phone(page, store, shot):
    login(page, store.register())
    for name in CART:
        add_to_cart(page, store, name)

    page.goto("/cart")
    page.locator("[data-test=cart-line]").nth(len(CART) - 1).wait_for()
    assert page.evaluate("() => document.documentElement.scrollHeight") > PHONE["height"]
    button = box(page, "[data-test=checkout-button]")
    assert button["y"] + button["height"] <= PHONE["height"], "去结算 is on screen at the top"
    no_sideways_scrolling(page)
    both_sizes(page, shot, "cart", sticky=True)

    page.locator("[data-test=checkout-button]").click()
    page.locator("[data-test=checkout-line]").nth(len(CART) - 1).wait_for()
    assert page.evaluate("() => document.documentElement.scrollHeight") > PHONE["height"]
    pay = box(page, "[data-test=pay]")
    assert pay["y"] + pay["height"] <= PHONE["height"], "去支付 is on screen at the top"
    no_sideways_scrolling(page)
    both_sizes(page, shot, "checkout", sticky=True)

    for key in ("orders", "courses", "coupons", "credits"):
        page.goto(f"/my/{key}")
        nav = box(page, "[data-test=my-nav]")
        for tab in ("orders", "courses", "coupons", "credits"):
            link = box(page, f"[data-test=my-nav-{tab}]")
            assert nav["x"] <= link["x"] and link["x"] + link["width"] <= nav["x"] + nav["width"], (
                f"tab {tab} is cut off on /my/{key}"
            )
        no_sideways_scrolling(page)
        both_sizes(page, shot, f"my-{key}")

    page.context.clear_cookies()
    page.evaluate("() => localStorage.clear()")
    for name in ("login", "register"):
        page.goto(f"/{name}")
        page.locator("[data-test=submit]").wait_for()
        no_sideways_scrolling(page)
        both_sizes(page, shot, name)
