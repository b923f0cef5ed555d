"""Drawing a data set by mouse on the Playground, in a real browser (assets/draw_points.js,
dde_app/drawing.py), against the app started as README.md says (fixtures in conftest.py).

The tests read back the points the server holds, not only what the canvas shows: the page
puts a drawing of up to 250 points into its link (``draw=``), which drawing_from_query decodes.
Screenshots: test-artifacts/browser-drawing-*.png.

Run:  .venv/bin/python -m pytest tests/browser/test_drawing_browser.py -q
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import numpy as np

from bench.browser_harness import POLL_MS
from dde_app.drawing import drawing_from_query

from .test_playground_browser import (  # the module also skips everything when chromium is missing
    FIRST_BUILD_MS,
    Page,
    chart,
    choose,
    expect,
    open_app,
    step_value,
    wait_for_chart,
    wait_for_step,
)

BOX = (-4.0, 4.0)  # the Playground's canvas box (app_pages/playground.py DRAWING_BOX)
DRAW = "Draw your own…"
LARGE = {"width": 1920, "height": 1080}


def open_canvas(page: Page, app_url: str) -> None:
    """The Playground with "Draw your own…" chosen, once its (empty) canvas is drawn."""
    open_app(page, app_url)
    choose(page, "Distribution", DRAW)
    page.wait_for_selector("canvas.draw-canvas[data-plot]", timeout=FIRST_BUILD_MS)


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


def server_holds(page: Page, count: int) -> np.ndarray:
    """Wait until the Playground has a model on ``count`` drawn points; return the points the
    server holds (from the page's link)."""
    wait_for_chart(page, f"Training data ({count:,} points)", FIRST_BUILD_MS)
    page.wait_for_function("n => new URLSearchParams(location.search).has('draw')", arg=count, polling=POLL_MS)
    text = parse_qs(urlsplit(page.url).query)["draw"][0]
    points = drawing_from_query(text, BOX)
    assert len(points) == count
    return points


def test_ten_clicks_give_ten_points_and_a_model_trained_on_them(page, app_url, artifacts):
    open_canvas(page, app_url)
    canvas = Canvas(page)
    canvas.mode("point")
    wanted = np.column_stack([np.linspace(-3, 3, 10), np.linspace(-2, 2.5, 10) ** 2 / 3 - 1])
    for x, y in wanted:
        page.mouse.click(*canvas.pixel(x, y))
    points = server_holds(page, 10)
    pixel = (BOX[1] - BOX[0]) / canvas.plot["size"]  # one CSS pixel in data units
    np.testing.assert_allclose(points, wanted, atol=pixel)
    assert "dist=draw" in page.url
    before = step_value(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_step(page, f"step > {before}", FIRST_BUILD_MS)  # a model trains on the ten points
    page.screenshot(path=str(artifacts / "browser-drawing-ten-points-1280x720.png"))


def test_brush_erase_clear_and_undo_change_the_data_and_too_few_points_keep_the_model(browser, app_url, artifacts):
    context = browser.new_context(viewport=LARGE)
    try:
        page = context.new_page()
        open_canvas(page, app_url)
        canvas = Canvas(page)  # paint mode, brush radius 0.4, density 3: the defaults
        canvas.stroke((-2.0, 0.0), (2.0, 0.0))
        count = int(page.locator("canvas.draw-canvas").get_attribute("data-count"))
        assert 15 <= count <= 3 * 21, count  # a step every half radius (0.2) over 4 units: about 20 steps
        points = server_holds(page, count)
        assert np.abs(points[:, 1]).max() <= 0.4 + 1e-3
        assert points[:, 0].min() >= -2.4 - 1e-3 and points[:, 0].max() <= 2.4 + 1e-3
        assert points[:, 0].min() < -1.5 and points[:, 0].max() > 1.5  # along the whole stroke
        page.screenshot(path=str(artifacts / "browser-drawing-brush-1920x1080.png"))

        canvas.mode("erase")  # the left end of the stroke only
        canvas.stroke((-2.4, 0.0), (-1.6, 0.0), steps=8)
        left = int(page.locator("canvas.draw-canvas").get_attribute("data-count"))
        assert 0 < left < count, (left, count)
        kept = server_holds(page, left)
        assert kept[:, 0].min() > -2.0 + 0.4 - 0.2  # nothing left under the eraser's path

        page.click("button.clear")  # too few points: said so, and the model on screen stays
        expect(page.get_by_text("at least 2 are needed", exact=False)).to_be_visible()
        assert chart(page, "Training data")["title"] == f"Training data ({left:,} points)"
        page.click("button.undo")
        np.testing.assert_array_equal(server_holds(page, left), kept)
    finally:
        context.close()
