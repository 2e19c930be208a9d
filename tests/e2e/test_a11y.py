"""Accessibility in a real browser: axe-core (the npm package's axe.min.js, injected into the
page) finds no critical or serious violation on the store's main pages; each page has one h1
and every form field a label; a purchase can be made with the keyboard alone, up to the
cashier."""

import re

import pytest

from tests.e2e.conftest import ROOT, login
from tests.e2e.test_checkout import add_to_cart, give_coupons_and_credit
from tests.e2e.test_store import COURSE_A, COURSE_B, course_id

pytestmark = [pytest.mark.e2e, pytest.mark.injects_scripts]

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"

# Form fields without a name a screen reader can announce (label, aria-label(ledby), title).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && el.getClientRects().length)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !el.title)
  .map((el) => el.outerHTML.slice(0, 160))"""


def audit(page) -> dict:
    """axe-core's critical and serious violations, the h1 texts and the unlabelled fields."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # let transitions settle: axe reads the colours on screen
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
          .filter((v) => v.impact === 'critical' || v.impact === 'serious')
          .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))"""
    )
    h1 = page.locator("h1").all_inner_texts()
    return {"violations": violations, "h1": h1, "unlabelled": page.evaluate(UNLABELLED)}


def assert_accessible(page, name: str) -> None:
    found = audit(page)
    assert found["violations"] == [], f"{name}: {found['violations']}"
    assert len(found["h1"]) == 1, f"{name}: h1 = {found['h1']}"
    assert found["unlabelled"] == [], f"{name}: {found['unlabelled']}"


@pytest.fixture(scope="module")
def shopper(store) -> str:
    mobile = store.register()
    give_coupons_and_credit(store, mobile)
    return mobile


def test_guest_pages_are_accessible(page, store):
    page.goto("/")
    page.locator("[data-test=course-card]").first.wait_for()
    assert_accessible(page, "home")
    page.goto("/courses")
    page.locator("[data-test=course-card]").first.wait_for()
    assert_accessible(page, "course list")
    page.goto(f"/courses/{course_id(store, COURSE_A)}")
    page.locator("[data-test=course-name]").wait_for()
    assert_accessible(page, "course detail")
    page.goto("/login")
    page.locator("[data-test=submit]").wait_for()
    assert_accessible(page, "login")
    page.goto("/register")
    page.locator("[data-test=submit]").wait_for()
    assert_accessible(page, "register")


def test_shopping_pages_are_accessible(page, store, shopper):
    login(page, shopper)
    add_to_cart(page, store, COURSE_B)
    page.goto("/cart")
    page.locator("[data-test=cart-line]").first.wait_for()
    assert_accessible(page, "cart")
    page.get_by_role("button", name="去结算").click()
    page.locator("[data-test=checkout-line]").first.wait_for()
    assert_accessible(page, "checkout")
    page.goto("/my/orders")
    page.locator("h1").wait_for()
    assert_accessible(page, "my orders")


def focus_by_tab(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement?.closest(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_purchase_with_the_keyboard_only(page, store):
    mobile = store.register()
    page.goto("/login")
    focus_by_tab(page, "input[autocomplete=username]")
    page.keyboard.type(mobile)
    page.keyboard.press("Tab")
    page.keyboard.type("Sturdy-pass-2026")
    page.keyboard.press("Enter")
    page.locator("[data-test=user-menu]").wait_for()

    page.goto(f"/courses/{course_id(store, COURSE_A)}")
    page.locator("[data-test=course-name]").wait_for()
    focus_by_tab(page, "[data-test=add-to-cart]")
    page.keyboard.press("Enter")
    page.get_by_text("已加入购物车").wait_for()

    page.goto("/cart")
    page.locator("[data-test=cart-line]").first.wait_for()
    focus_by_tab(page, "[data-test=checkout-button]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkout")
    page.locator("[data-test=checkout-line]").first.wait_for()
    focus_by_tab(page, "[data-test=pay]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
