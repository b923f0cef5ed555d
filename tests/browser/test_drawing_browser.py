"""Drawing a data set by mouse in a real browser (assets/draw_points.js, dde_app/drawing.py).

The canvas runs on a page of its own, tests/browser/apps/drawing_app.py, which writes how many
points Python received and the drawing's link text (read back here with drawing_from_query, so
the tests check the points the server holds, not only what the canvas shows). One server for
the module; each test gets a fresh browser context, i.e. a new Streamlit session.
Screenshots: test-artifacts/browser-drawing-*.png.

Run:  .venv/bin/python -m pytest tests/browser/test_drawing_browser.py -q
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

from bench.browser_harness import APP_DIR, CHROMIUM, IDLE, _stop, _wait_healthy, free_port
from dde_app.drawing import drawing_from_query, drawing_to_query

if not CHROMIUM.exists():
    pytest.skip(
        f"Debian's chromium ({CHROMIUM}) is not installed: apt-get install -y chromium", allow_module_level=True
    )
pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

from playwright.sync_api import Page, expect  # noqa: E402

expect.set_options(timeout=30_000)  # a busy machine

BOX = (-4.0, 4.0)
TEST_APP = "tests/browser/apps/drawing_app.py"
SMALL = {"width": 1280, "height": 720}
LARGE = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def drawing_url(artifacts):
    """The test page, served by `streamlit run` on a free port for this module (stopped after,
    with its whole process group)."""
    port = free_port()
    log_path = artifacts / "browser-drawing-server.log"
    command = [".venv/bin/streamlit", "run", TEST_APP, "--server.port", str(port), "--server.headless", "true"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=APP_DIR,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(process, url, log_path)
            yield url
        finally:
            _stop(process)


@pytest.fixture
def open_canvas(browser, drawing_url):
    """Factory: the test page at a window size, in a fresh context, once the canvas is drawn."""
    contexts = []

    def make(viewport=SMALL, query: str = "") -> Page:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{drawing_url}/{query}")
        page.wait_for_selector("canvas.draw-canvas[data-plot]")
        page.wait_for_selector(IDLE)
        return page

    yield make
    for context in contexts:
        context.close()


class Canvas:
    """The canvas of ``page``, addressed in data coordinates."""

    def __init__(self, page: Page):
        self.page = page
        element = page.locator("canvas.draw-canvas")
        self.bounds = element.bounding_box()
        self.plot = json.loads(element.get_attribute("data-plot"))

    def pixel(self, x: float, y: float) -> tuple[float, float]:
        scale = self.plot["size"] / (BOX[1] - BOX[0])
        return (
            self.bounds["x"] + self.plot["left"] + (x - BOX[0]) * scale,
            self.bounds["y"] + self.plot["top"] + (BOX[1] - y) * scale,
        )

    def mode(self, name: str) -> None:
        self.page.click(f"button[data-mode={name}]")

    def stroke(self, start: tuple[float, float], end: tuple[float, float], steps: int = 20) -> None:
        """Press at ``start``, move in ``steps`` to ``end``, release."""
        mouse = self.page.mouse
        mouse.move(*self.pixel(*start))
        mouse.down()
        for t in np.linspace(0, 1, steps + 1)[1:]:
            mouse.move(*self.pixel(*(np.add(start, t * np.subtract(end, start)))))
        mouse.up()


def python_holds(page: Page, count: int) -> np.ndarray:
    """Wait until the page says Python received ``count`` points; return them (from the link text)."""
    expect(page.get_by_text(f"Points drawn: {count}", exact=True)).to_be_visible()
    page.wait_for_selector(IDLE)
    text = page.locator('[data-testid="stCode"] code').inner_text().strip()
    points = drawing_from_query(text, BOX)
    assert len(points) == count
    return points


def test_ten_clicks_give_ten_points(open_canvas, artifacts):
    page = open_canvas()
    canvas = Canvas(page)
    canvas.mode("point")
    wanted = np.column_stack([np.linspace(-3, 3, 10), np.linspace(-2, 2.5, 10) ** 2 / 3 - 1])
    for x, y in wanted:
        canvas.page.mouse.click(*canvas.pixel(x, y))
    points = python_holds(page, 10)
    pixel = (BOX[1] - BOX[0]) / canvas.plot["size"]  # one CSS pixel in data units
    np.testing.assert_allclose(points, wanted, atol=pixel)
    expect(page.get_by_text("A data set a model can train on.")).to_be_visible()
    page.screenshot(path=str(artifacts / "browser-drawing-ten-points-1280x720.png"))


def test_a_brush_stroke_adds_points_near_the_stroke(open_canvas, artifacts):
    page = open_canvas()
    canvas = Canvas(page)  # paint mode, brush radius 0.4, density 3: the defaults
    canvas.stroke((-2.0, 0.0), (2.0, 0.0))
    count = int(page.locator("canvas.draw-canvas").get_attribute("data-count"))
    assert 15 <= count <= 3 * 21, count  # a step every half radius (0.2) over 4 units: about 20 steps
    points = python_holds(page, count)
    assert np.abs(points[:, 1]).max() <= 0.4 + 1e-3
    assert points[:, 0].min() >= -2.4 - 1e-3 and points[:, 0].max() <= 2.4 + 1e-3
    assert points[:, 0].min() < -1.5 and points[:, 0].max() > 1.5  # along the whole stroke
    page.screenshot(path=str(artifacts / "browser-drawing-brush-1280x720.png"))


def test_erase_removes_the_points_under_the_cursor_only(open_canvas):
    here = np.array([[-2.1, -2.0], [-1.9, -2.1], [-2.0, -1.8], [-1.5, -2.0]])  # within 0.4 of the stroke
    there = np.array([[2.0, 2.0], [2.5, 1.5], [-2.0, 2.0], [1.0, -3.0]])
    page = open_canvas(query=f"?initial={drawing_to_query(np.vstack([here, there]))}")
    python_holds(page, 8)
    canvas = Canvas(page)
    canvas.mode("erase")
    canvas.stroke((-2.0, -2.0), (-1.6, -2.0), steps=4)
    np.testing.assert_array_equal(python_holds(page, 4), there)


def test_clear_empties_and_undo_brings_the_drawing_back(open_canvas, artifacts):
    page = open_canvas(viewport=LARGE)
    canvas = Canvas(page)
    assert canvas.bounds["width"] <= 600
    canvas.stroke((-2.5, 2.5), (2.5, -2.5))
    canvas.mode("point")
    page.mouse.click(*canvas.pixel(3.0, 3.0))
    count = int(page.locator("canvas.draw-canvas").get_attribute("data-count"))
    before = python_holds(page, count)
    page.screenshot(path=str(artifacts / "browser-drawing-1920x1080.png"))
    page.click("button.clear")
    python_holds(page, 0)
    expect(page.get_by_text("at least 2 are needed", exact=False)).to_be_visible()
    page.click("button.undo")
    np.testing.assert_array_equal(python_holds(page, count), before)


def test_a_damaged_drawing_in_the_link_is_explained(open_canvas):
    page = open_canvas(query="?initial=AAAAA!")
    expect(page.get_by_text("The drawing in the link is damaged", exact=False)).to_be_visible()
    python_holds(page, 0)
