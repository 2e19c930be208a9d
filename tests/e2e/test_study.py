"""Studying in a real browser (issues 16 and 19): buy a course, play a paid lesson from its
signed link (the demo's own generated MP4), resume after a reload, the link renewed before it
expires, progress on my courses with 继续学习, a trial lesson without buying, 未更新 lessons,
and the phone layout. Screenshots: var/e2e-artifacts/study-*.png."""

import re

import pytest

from tests.e2e.conftest import login, running_store
from tests.e2e.test_store import course_id

pytestmark = pytest.mark.e2e

COURSE = "Vue 3 从入门到实战"  # demo: 5 of 6 lessons published, lesson 1.3 is PDF notes
LINK_TTL = 15  # seconds: short, so the renewal happens while the test watches


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """This module's own store, with short lesson links."""
    from luffy import webbuild

    assert webbuild.build(), "the front end did not build"
    with running_store(
        tmp_path_factory.mktemp("e2e-study-var"), LESSON_LINK_TTL=str(LINK_TTL)
    ) as live:
        yield live


@pytest.fixture(scope="module")
def buyer(store) -> str:
    return store.register()


def video_state(page) -> dict:
    return page.evaluate(
        """() => { const v = document.querySelector('[data-test=lesson-video]');
        return v ? { t: v.currentTime, ready: v.readyState, paused: v.paused, src: v.currentSrc,
        error: v.error && v.error.code, rate: v.playbackRate, duration: v.duration } : null }"""
    )


def wait_for_video(page, predicate: str, timeout: int = 15_000):
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-test=lesson-video]');"
        f" return v && ({predicate}) }}",
        timeout=timeout,
    )


def buy(page, store, name: str) -> None:
    page.goto(f"/courses/{course_id(store, name)}")
    page.locator("[data-test=add-to-cart]").click()
    page.get_by_text("已加入购物车").wait_for()
    page.goto("/cart")
    page.get_by_role("button", name="去结算").click()
    page.wait_for_url("**/checkout")
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/payments/result\?"))
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)


def test_a_visitor_plays_a_trial_lesson_without_buying(page, store, shot):
    page.goto(f"/player/{course_id(store, COURSE)}")
    page.locator("[data-test=trial-lesson]").first.click()
    page.locator("[data-test=lesson-video]").wait_for()
    wait_for_video(page, "v.readyState >= 2")
    src = video_state(page)["src"]
    assert re.search(r"/api/lessons/\d+/media/[^/]+/$", src), src
    # A paid lesson asks to log in instead.
    page.locator("[data-test=paid-lesson]").first.click()
    page.locator("[data-test=lesson-refused]").get_by_text("登录后继续学习").wait_for()


def test_buy_play_resume_and_renew_the_link(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    buy(page, store, COURSE)
    page.goto("/my/courses")
    card = page.locator("[data-test=my-course]").filter(has_text=COURSE)
    expect(card.locator("[data-test=course-progress]")).to_contain_text("已学 0 / 6 课时")
    card.locator("[data-test=course-study]").click()
    page.wait_for_url(re.compile(r"/player/\d+$"))
    expect(page.locator("[data-test=study-hint]")).to_contain_text("从右侧课时列表选择")

    # 未更新: the lesson past the published count can't be opened.
    unpublished = page.locator("[data-test=unpublished-lesson]")
    expect(unpublished).to_have_count(1)
    expect(unpublished).to_contain_text("未更新")
    expect(unpublished).to_be_disabled()

    # A paid video lesson plays from its signed link; the player shows the masked mobile.
    page.locator("[data-test=paid-lesson]").filter(has_text="2.1").click()
    page.locator("[data-test=lesson-video]").wait_for()
    wait_for_video(page, "v.readyState >= 2")
    masked = f"{buyer[:3]}****{buyer[-4:]}"
    expect(page.locator("[data-test=watermark]")).to_have_text(masked)
    page.evaluate("document.querySelector('[data-test=lesson-video]').muted = true")
    page.evaluate("document.querySelector('[data-test=lesson-video]').play()")
    wait_for_video(page, "v.currentTime > 1.5")
    first_src = video_state(page)["src"]
    assert "/api/lessons/" in first_src and ".mp4" not in first_src
    shot("study-playing")

    # Playback speed.
    page.locator("[data-test=speed]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="1.5x").click()
    wait_for_video(page, "v.playbackRate === 1.5")
    page.locator("[data-test=speed]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=re.compile(r"^1x$")).click()
    wait_for_video(page, "v.playbackRate === 1")

    # The link is renewed before it expires (TTL 15 s here) and playback goes on from there.
    wait_for_video(page, f"v.currentSrc && v.currentSrc !== {first_src!r}", timeout=25_000)
    wait_for_video(page, "v.readyState >= 2 && !v.error")
    renewed = video_state(page)
    assert renewed["t"] >= 8, renewed
    page.evaluate("document.querySelector('[data-test=lesson-video]').pause()")
    paused_at = int(video_state(page)["t"])
    page.wait_for_load_state("networkidle")

    # Reload: the lesson resumes where it was paused.
    page.reload()
    page.locator("[data-test=lesson-video]").wait_for()
    wait_for_video(page, "v.readyState >= 1 && v.currentTime > 0")
    assert abs(video_state(page)["t"] - paused_at) <= 1.5, (video_state(page), paused_at)

    # Playing to the end marks it done; the outline and the progress say so.
    page.evaluate(
        "(() => { const v = document.querySelector('[data-test=lesson-video]');"
        " v.muted = true; v.currentTime = v.duration - 1; v.play() })()"
    )
    page.locator("[data-test=lesson-done]").wait_for(timeout=15_000)
    expect(page.locator("[data-test=course-progress]")).to_contain_text("1 / 6 课时")

    # The PDF notes open inline, through their own signed link.
    page.locator("[data-test=paid-lesson]").filter(has_text="1.3").click()
    doc = page.locator("[data-test=lesson-doc]")
    doc.wait_for()
    src = doc.get_attribute("src")
    answer = page.evaluate(
        "async (src) => { const r = await fetch(src); "
        "return [r.status, r.headers.get('content-type')] }",
        src,
    )
    assert answer == [200, "application/pdf"]
    shot("study-pdf")

    # My courses: x / y and 继续学习 to the last lesson.
    page.goto("/my/courses")
    card = page.locator("[data-test=my-course]").filter(has_text=COURSE)
    expect(card.locator("[data-test=course-progress]")).to_contain_text("已学 1 / 6 课时")
    expect(card.locator("[data-test=last-lesson]")).to_contain_text("1.3")
    shot("study-my-courses")
    card.locator("[data-test=course-continue]").click()
    page.wait_for_url(re.compile(r"/player/\d+\?lesson=\d+"))
    page.locator("[data-test=lesson-doc]").wait_for()


def test_an_old_link_stops_working_after_it_expires(page, store, buyer):
    login(page, buyer)
    page.goto(f"/player/{course_id(store, COURSE)}")
    page.locator("[data-test=paid-lesson]").filter(has_text="2.2").click()
    wait_for_video(page, "v.readyState >= 1")
    src = video_state(page)["src"]
    status = "async (src) => (await fetch(src, { headers: { Range: 'bytes=0-99' } })).status"
    assert page.evaluate(status, src) == 206
    page.wait_for_timeout((LINK_TTL + 1) * 1000)
    assert page.evaluate(status, src) == 403


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_phone_study_page(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    page.goto(f"/player/{course_id(store, COURSE)}")
    # The list is below the player on a phone.
    expect(page.locator("[data-test=study-hint]")).to_contain_text("从下方课时列表选择")
    expect(page.locator("[data-test=continue]")).to_be_visible()
    shot("study-phone-idle")
    page.locator("[data-test=paid-lesson]").filter(has_text="2.1").click()
    wait_for_video(page, "v.readyState >= 2")
    shot("study-phone-playing", full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
