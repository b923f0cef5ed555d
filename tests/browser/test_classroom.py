"""Real-browser tests of a classroom's hazards: a reload while training, a link crafted to
inject content, a server full of people training (the queue).

Same fixtures as the other browser tests (conftest.py). The queue test starts its own
server (`make app`, as README.md says) allowing one playing session at a time.

Run:  .venv/bin/python -m pytest tests/browser/test_classroom.py -q -p no:cacheprovider
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from bench.browser_harness import streamlit_server

from .conftest import VIEWPORT
from .test_everyday_paths import Requests
from .test_playground_browser import (  # the module also skips everything when chromium is missing
    DDE_TITLE,
    alerts,
    assert_no_exception,
    chart,
    expect,
    open_app,
    pause_button,
    play_button,
    screenshot,
    step_value,
    wait_for_step,
)

RESUME_STORAGE_KEY = "dde-playground-resume-key"  # assets/resume_key.js


def test_a_reload_while_training_returns_to_the_same_model_still_playing_and_a_second_tab_starts_its_own(
    page, app_url, artifacts
):
    open_app(page, app_url, "?dist=moons")
    play_button(page).click()
    wait_for_step(page, "step >= 300", timeout_ms=60_000)
    before = step_value(page)
    key = page.evaluate(f"() => sessionStorage.getItem('{RESUME_STORAGE_KEY}')")
    assert key and key not in page.url, "the private key must be kept out of the shareable URL"
    page.reload()
    open_app(page, app_url, navigate=False)
    wait_for_step(page, f"step > {before}", timeout_ms=60_000)  # the same model, trained further
    expect(pause_button(page)).to_be_visible()  # and still playing
    assert key not in page.url
    assert "dist=moons" in page.url
    assert_no_exception(page)
    screenshot(page, artifacts, "classroom-after-reload")
    pause_button(page).click()
    expect(play_button(page)).to_be_visible()

    # A second tab of the same browser (the same stored key, its first tab still open) starts
    # its own model.
    second = page.context.new_page()
    open_app(second, app_url)
    assert step_value(second) == 1
    assert step_value(page) > before


INJECTIONS = {  # parameter names a crafted link could carry (issue 10)
    "[Click here to re-login](http://injected.example/login)": "1",
    "![x](http://injected.example/pixel.png)": "1",
    ":red[**URGENT: your session expired**]": "1",
    "<img src=http://injected.example/tag.png>": "1",
}
OUT_OF_RANGE = {"n": "100000", "spf": "1000", "seed": "99999"}


def test_a_crafted_link_shows_its_text_as_written_and_fetches_nothing(page, app_url, artifacts):
    requests = Requests(page)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in {**INJECTIONS, **OUT_OF_RANGE}.items())
    open_app(page, app_url, f"?{query}")
    assert_no_exception(page)
    notice = " ".join(alerts(page))
    assert "re-login" in notice and "URGENT" in notice, notice  # named, as plain text
    for value in OUT_OF_RANGE.values():
        assert value in notice, notice  # the out-of-range values are named, not used
    assert page.locator("a[href*='injected.example']").count() == 0
    assert page.locator("img[src*='injected.example']").count() == 0
    assert page.locator("[data-testid='stAlert'] strong, [data-testid='stAlert'] span[style*='color']").count() == 0
    requests.declared_now()
    requests.assert_none_left_the_machine()  # injected.example included
    assert chart(page, DDE_TITLE)["drawn"] > 0
    screenshot(page, artifacts, "classroom-crafted-link")


@pytest.fixture(scope="module")
def one_slot_app_url(artifacts):
    """A second server that lets one session play at a time (DDE_MAX_PLAYING_SESSIONS=1)."""
    with streamlit_server(artifacts / "browser-one-slot-server.log", env={"DDE_MAX_PLAYING_SESSIONS": "1"}) as url:
        yield url


def test_a_queued_session_shows_its_place_and_starts_when_a_slot_frees(browser, one_slot_app_url, artifacts):
    first = browser.new_context(viewport=VIEWPORT).new_page()
    second = browser.new_context(viewport=VIEWPORT).new_page()
    try:
        for tab in (first, second):
            open_app(tab, one_slot_app_url)
        play_button(first).click()
        wait_for_step(first, "step > 1", timeout_ms=60_000)
        play_button(second).click()
        waiting = second.get_by_test_id("stAlert").filter(has_text="Waiting for a training slot")
        expect(waiting).to_be_visible(timeout=30_000)
        assert "you are next" in waiting.inner_text()
        assert step_value(second) == 1
        load = first.request.get(f"{one_slot_app_url}/_dde/load").json()  # what the server reports
        assert (load["playing"], load["queued"], load["max_playing_sessions"]) == (1, 1, 1)
        assert [s["place"] for s in load["sessions"]] == [0, 1] and load["sessions"][0]["step"] > 1
        screenshot(second, artifacts, "classroom-queued")
        pause_button(first).click()
        wait_for_step(second, "step > 1", timeout_ms=60_000)  # it started by itself
        expect(waiting).to_have_count(0, timeout=30_000)
        pause_button(second).click()
        expect(play_button(second)).to_be_visible()
    finally:
        first.context.close()
        second.context.close()


def test_lecture_and_embed_mode_render_at_both_sizes_and_the_keys_drive_training(browser, app_url, artifacts):
    """At 1280×720 (then the same tab widened to a 1920×1080 projector): no exception, the
    controls folded away, the keys shown and working, the panel drawn."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    try:
        open_app(page, app_url, "?lecture=1&embed=true")
        for width, height in ((1280, 720), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(500)  # the panels follow the new width
            assert_no_exception(page)
            assert not page.get_by_test_id("stSidebar").is_visible()  # controls folded away
            assert "lecture=1" in page.url
            expect(page.get_by_text("space", exact=True).first).to_be_visible()  # the keys are shown
            assert chart(page, DDE_TITLE)["drawn"] > 0
            screenshot(page, artifacts, f"classroom-lecture-embed-{width}x{height}")
        page.locator("h1").first.click()  # focus on the page, not on a control
        page.keyboard.press("ArrowRight")
        wait_for_step(page, "step === 31")  # one frame of 30 steps
        page.keyboard.press(" ")
        expect(pause_button(page)).to_be_visible()
        wait_for_step(page, "step > 31", timeout_ms=60_000)
        page.keyboard.press(" ")
        expect(play_button(page)).to_be_visible()
        page.keyboard.press("r")
        wait_for_step(page, "step === 1")
        assert_no_exception(page)
    finally:
        page.context.close()
