"""Real-browser test of the Compare page (app_pages/compare.py): never an empty page.

Same fixtures as the other browser tests (conftest.py): the app started as README.md says, a
fresh browser context per test. The page's first view is the default comparison (2spirals,
every estimator at its defaults), computed once per server: about 45 s on 2 CPU cores, the
longest wait of this test. Screenshot: test-artifacts/browser-compare.png (1280×720).

Run:  .venv/bin/python -m pytest tests/browser/test_compare_browser.py -q
"""

from __future__ import annotations

from .test_pages_browser import assert_drawn, dataframe, expect_table_contains, wait_idle
from .test_playground_browser import assert_no_exception, expect, screenshot, wait_for_chart

DEFAULT_MS = 240_000  # TensorFlow's import and the default comparison on a busy 2-core machine
ESTIMATORS = ("true density", "dde", "kde-scott", "kde-silverman", "kde-cv", "gmm", "flow", "rbig")


def test_compare_opens_with_the_default_leaderboard_and_densities(page, app_url, artifacts):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/compare")
    expect(page.get_by_role("heading", name="Compare density estimators")).to_be_visible(timeout=DEFAULT_MS)
    expect(page.get_by_text("The default comparison: 2spirals")).to_be_visible(timeout=DEFAULT_MS)
    wait_idle(page, DEFAULT_MS)
    assert_no_exception(page)
    board = page.get_by_role("tabpanel", name="Leaderboard")
    expect_table_contains(dataframe(board), ("held-out log-likelihood (nats/point)", *ESTIMATORS))
    wait_for_chart(page, "Held-out log-likelihood")
    assert_drawn(page, "Held-out log-likelihood")
    screenshot(page, artifacts, "compare")  # the first screen a visitor sees
    page.get_by_role("tab", name="Densities").click()
    wait_for_chart(page, "Densities on one colour scale")
    assert_drawn(page, "Densities on one colour scale")
    assert_drawn(page, "Samples")
    screenshot(page, artifacts, "compare-densities")
    page.get_by_role("tab", name="Anomalies").click()  # scored at once: the models are fitted
    wait_for_chart(page, "ROC curves")
    assert_drawn(page, "ROC curves")
    assert_drawn(page, "outliers found")  # the flagged points at the threshold
    assert_no_exception(page)
    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()  # the flagged points, below the ROC curves
    screenshot(page, artifacts, "compare-anomalies")
