"""The Generate page in a real browser: panels on the first visit, Play trains live through the
frames route (no page reruns), Pause stops. Screenshot: test-artifacts/browser-generate-*.png.

Run:  .venv/bin/python -m pytest tests/browser/test_generate_browser.py -q
"""

from __future__ import annotations

import re
import time

import pytest

from bench.browser_harness import CHROMIUM, IDLE, POLL_MS

if not CHROMIUM.exists():
    pytest.skip(f"Debian's chromium ({CHROMIUM}) is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_playground_browser import assert_no_exception, metrics, screenshot  # noqa: E402

PANEL_TITLE = "Generate: "
LIVE_STEP_JS = """() => {
    const plot = [...document.querySelectorAll('.st-key-gen_panel .js-plotly-plot')][0];
    return plot && plot.layout && plot.layout.title ? plot.layout.title.text : '';
}"""


def test_generate_page_shows_panels_then_plays_live_and_pauses(new_page, app_url, artifacts):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/generate")
    page.wait_for_function(f"() => ({LIVE_STEP_JS})().startsWith('{PANEL_TITLE}')", timeout=120_000, polling=POLL_MS)
    page.wait_for_selector(IDLE, timeout=120_000)
    assert_no_exception(page)
    assert page.evaluate(LIVE_STEP_JS).startswith("Generate: training the data DDE first: step 1 of")
    values = metrics(page)
    assert values["Generator step"] == "0" and values["Device"].startswith("CPU"), values
    screenshot(page, artifacts, "generate-01-first-visit")

    frame_requests, reruns = [], []
    page.on("response", lambda r: frame_requests.append(r.status) if "/live/" in r.url else None)
    page.get_by_role("button", name=re.compile(r"\bPlay$")).click()
    expect(page.get_by_role("button", name=re.compile(r"\bPause$"))).to_be_visible(timeout=30_000)
    titles = [page.evaluate(LIVE_STEP_JS)]
    deadline = time.monotonic() + 40
    while len(set(titles)) < 4 and time.monotonic() < deadline:  # the title names each new frame's step
        time.sleep(0.3)
        titles.append(page.evaluate(LIVE_STEP_JS))
    assert len(set(titles)) >= 4, f"the live panel did not show new frames: {titles}"
    assert frame_requests.count(200) >= 3 and set(frame_requests) <= {200, 204}, frame_requests
    page.on("websocket", lambda socket: reruns.append(socket))  # (no new socket: no reload)
    screenshot(page, artifacts, "generate-02-playing")

    page.get_by_role("button", name=re.compile(r"\bPause$")).click()
    expect(page.get_by_role("button", name=re.compile(r"\bPlay$"))).to_be_visible(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    paused, asked = page.evaluate(LIVE_STEP_JS), len(frame_requests)
    time.sleep(1.5)
    assert page.evaluate(LIVE_STEP_JS) == paused, "the panel kept changing after Pause"
    assert len(frame_requests) <= asked + 1, "the paused panel kept asking for frames"
    assert not reruns
    assert_no_exception(page)
    screenshot(page, artifacts, "generate-03-paused")
