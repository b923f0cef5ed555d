"""Real-browser tests of the Sampling and Claims pages (app_pages/sampling.py, app_pages/claims.py).

Same fixtures as test_playground_browser.py (conftest.py): one `streamlit run app.py`, one headless
chromium, a fresh browser context (= a new Streamlit session) per test. Every run uses tiny settings
so the whole file stays within a few minutes on 2 CPU cores. Screenshots go to test-artifacts/.

Run:  .venv/bin/python -m pytest tests/browser/test_pages_browser.py -q
"""

from __future__ import annotations

import re

from bench.browser_harness import IDLE, POLL_MS
from dde_app.page_defaults import SAMPLING_RUN

from .test_playground_browser import (  # the module also skips everything when chromium is missing
    FIRST_BUILD_MS,
    assert_no_exception,
    chart,
    charts,
    expect,
    metrics,
    open_app,
    screenshot,
    step_value,
    wait_for_chart,
    wait_for_step,
)

TRAIN_MS = 180_000  # first page load (TensorFlow import) plus a short training
MEASURE_MS = 120_000  # one tiny measurement or sampler run on a busy machine

SAMPLE_TITLES = ("DDE (learned score)", "Exact KDE", "True distribution")

# Subplot titles (Plotly annotations) of the visible chart whose title contains the argument.
_SUBPLOT_TITLES_JS = """part => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].find(
        p => p.offsetParent !== null && p.layout && p.layout.title && (p.layout.title.text || '').includes(part));
    return plot ? (plot.layout.annotations || []).map(a => a.text || '') : null;
}"""


# ---- page helpers (those shared with the playground tests are imported above) -------------------


def keyed(page, key: str):
    """The element created with ``key=key`` (Streamlit gives it the CSS class st-key-<key>)."""
    return page.locator(f".st-key-{key}")


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def set_number(page, key: str, value: int | float) -> None:
    """Type ``value`` into the number input with ``key`` and commit it by leaving the field.

    Tab rather than Enter: in a form, Enter would submit the form.
    """
    field = keyed(page, key).locator("input").first
    field.fill(str(value))
    field.press("Tab")
    expect(field).to_have_value(re.compile(rf"^{re.escape(str(value))}(\.0*)?$"))  # float inputs show 1.00
    wait_idle(page)


def press(page, key: str) -> None:
    """Click the button created with ``key`` (never Streamlit's own toolbar "Stop" button)."""
    keyed(page, key).locator("button").first.click()


def expect_table_contains(table, texts: tuple[str, ...]) -> None:
    """Wait until an st.dataframe (or st.table) shows each of ``texts`` in its headers or cells.

    st.dataframe draws on a canvas; its text lives in an accessibility <table> inside the <canvas>
    (filled a moment after the canvas appears). Playwright's to_contain_text reads textContent,
    which works there; innerText is empty inside a canvas.
    """
    grid = table.locator("table").first
    for text in texts:
        expect(grid).to_contain_text(text)


def subplot_titles(page, title_part: str) -> list[str] | None:
    return page.evaluate(_SUBPLOT_TITLES_JS, title_part)


def open_tab(page, name_part: str):
    """Select the tab whose name contains ``name_part``; returns its panel."""
    tab = page.get_by_role("tab", name=re.compile(re.escape(name_part)))
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    return page.get_by_role("tabpanel", name=re.compile(re.escape(name_part)))


def dataframe(scope):
    """The first st.dataframe in ``scope`` (its key gives no st-key class unless it is selectable)."""
    return scope.get_by_test_id("stDataFrame").first


def chart_label(scope, text: str):
    """A drawn Plotly annotation (e.g. a reference line's label) containing ``text``."""
    return scope.locator(".js-plotly-plot .annotation-text").filter(has_text=text)


def assert_drawn(page, title_part: str) -> dict:
    panel = chart(page, title_part)
    assert panel["svg"] and panel["drawn"] > 0, f"chart not drawn: {panel}"
    return panel


def open_fresh(page, url: str, heading: str, source_key: str, offered: str, absent: str) -> None:
    """Open a page in a fresh session: its heading shows, and its model choice offers
    ``offered`` but not ``absent`` (a fresh session has no playground model)."""
    page.goto(url)
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=FIRST_BUILD_MS)
    wait_idle(page, FIRST_BUILD_MS)
    source = keyed(page, source_key)
    expect(source).to_contain_text(offered)
    expect(source).not_to_contain_text(absent)


# ---- Sampling ---------------------------------------------------------------------------------


def choose_source(page, key: str, option: str) -> None:
    """Pick ``option`` in the radio created with ``key`` (the model a page uses)."""
    keyed(page, key).get_by_text(option, exact=True).click()
    expect(keyed(page, key).get_by_role("radio", name=option)).to_be_checked()


def test_sampling_opens_with_the_shared_default_then_trains_here_and_runs_both_samplers(page, app_url, artifacts):
    open_fresh(
        page,
        f"{app_url}/sampling",
        "Sampling with Langevin dynamics",
        "sampling_source",
        offered="The default model (shared)",
        absent="The playground's model",
    )
    # Never an empty page: the shared default model and a sampler run on it, without a click.
    expect(page.get_by_text("Model: DDE on")).to_contain_text("2spirals, σ = 0.2, 1,500 training steps")
    for title in SAMPLE_TITLES:
        wait_for_chart(page, title, TRAIN_MS)
        assert_drawn(page, title)
    expect_table_contains(dataframe(page), ("model", "DDE", "KDE", str(SAMPLING_RUN["n_chains"])))
    screenshot(page, artifacts, "sampling-00-first-visit")

    choose_source(page, "sampling_source", "A model trained here")
    expect(page.get_by_test_id("stAlert").filter(has_text="Train a model here")).to_be_visible()

    set_number(page, "sampling_steps", 300)
    page.get_by_role("button", name="Train a model here").click()
    caption = page.get_by_text("Model: DDE on")
    expect(caption).to_be_visible(timeout=TRAIN_MS)
    expect(caption).to_contain_text("Model: DDE on 2spirals, σ = 0.2, 300 training steps")
    wait_idle(page, TRAIN_MS)

    set_number(page, "sampling_chains", 300)
    set_number(page, "sampling_n_steps", 50)
    press(page, "sampling_run")
    for title in SAMPLE_TITLES:
        wait_for_chart(page, title, MEASURE_MS)
    wait_idle(page, MEASURE_MS)
    assert_no_exception(page)

    titles = [c["title"] for c in charts(page)]
    for title in SAMPLE_TITLES:
        assert_drawn(page, title)
    for model in SAMPLE_TITLES[:2]:
        assert chart(page, model)["title"].endswith("ULA, 50 steps"), titles
    assert "fresh draws of 2spirals" in chart(page, "True distribution")["title"], titles

    table = dataframe(page)
    expect(table).to_be_visible()
    expect_table_contains(table, ("model", "DDE", "KDE", "chains", "300", "MMD²"))
    screenshot(page, artifacts, "sampling-01-own-model")


def test_sampling_uses_the_playground_model(page, app_url, artifacts):
    open_app(page, app_url)
    for _ in range(3):
        before = step_value(page)
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_step(page, f"step > {before}")
        wait_idle(page)
    steps = step_value(page)
    assert steps > 1

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Sampling", exact=True).click()  # same session
    expect(page.get_by_role("heading", name="Sampling with Langevin dynamics")).to_be_visible()
    wait_idle(page)
    assert page.url.split("?")[0].endswith("/sampling"), page.url
    source = keyed(page, "sampling_source")
    expect(source.get_by_role("radio", name="The playground's model")).to_be_checked()
    expect(source).to_contain_text("A model trained here")
    caption = page.get_by_text("Model: DDE on")
    expect(caption).to_contain_text(
        f"Model: DDE on 2spirals, σ = 0.2, {steps:,} training steps, 10,000 training points"
    )
    expect(page.get_by_role("button", name="Train a model here")).to_have_count(0)
    assert_no_exception(page)
    screenshot(page, artifacts, "sampling-02-playground-model")


# ---- Claims -----------------------------------------------------------------------------------


def train_claims_model(page, app_url, artifacts=None) -> None:
    """Open /claims in a fresh session, which tests the shared default model at once (its
    first claim measured without a click), then train the page's own tiny DDE there."""
    open_fresh(
        page,
        f"{app_url}/claims",
        "Claims: the DDE's promises, measured",
        "claims_source",
        offered="The default model (shared)",
        absent="Playground model",
    )
    expect(page.get_by_test_id("stAlert").filter(has_text="Testing the DDE from the default setup")).to_be_visible()
    if artifacts is not None:  # the first claim of the default model, measured once per server
        wait_for_chart(page, "Time to evaluate log p", TRAIN_MS)
        screenshot(page, artifacts, "claims-00-first-visit")
    choose_source(page, "claims_source", "Train one here")

    set_number(page, "claims_n", 1000)
    set_number(page, "claims_steps", 100)
    press(page, "claims_train_run")
    tested = page.get_by_test_id("stAlert").filter(has_text="Testing the DDE from this page")
    expect(tested).to_be_visible(timeout=TRAIN_MS)
    expect(tested).to_contain_text("8gaussians, 1,000 points, σ = 0.2, 100 training steps")
    wait_idle(page, TRAIN_MS)
    expect(page.get_by_role("tab")).to_have_count(4)  # the three claims of the tutorial and the Hessian claim


def measure_timing(page):
    """Claim 1 with a 1 s budget and 4×4 queries; returns the tab's panel once the table shows."""
    panel = open_tab(page, "1 · Inference cost")
    set_number(page, "claims_budget", 1)
    set_number(page, "claims_query_n", 4)
    press(page, "claims_timing_run")
    expect(dataframe(panel)).to_be_visible(timeout=MEASURE_MS)
    wait_idle(page, MEASURE_MS)
    return panel


def test_claims_measures_each_claim(page, app_url, artifacts):
    train_claims_model(page, app_url, artifacts)

    # Claim 1: inference time.
    panel = measure_timing(page)
    assert_no_exception(page)
    found = metrics(page)
    assert "KDE slower than the DDE from D" in found, found
    expect_table_contains(dataframe(panel), ("D", "100", "DDE s"))
    assert_drawn(page, "Time to evaluate log p on 16 queries")  # this title only once rows were measured
    crossover, label = found["KDE slower than the DDE from D"], chart_label(panel, "crossover D ≈")
    if crossover.startswith("≈"):  # an interpolated crossover is labelled on the chart
        expect(label).to_be_visible(timeout=5_000)
        expect(label).to_have_text(f"crossover D {crossover}")
    else:  # none measured (a busy machine can measure none): the chart claims none
        expect(label).to_have_count(0)
    screenshot(page, artifacts, "claims-01-timing")

    # Claim 2: held-out log-likelihood, smallest settings.
    panel = open_tab(page, "2 · A real, normalisable density")
    set_number(page, "claims_n_test", 100)
    set_number(page, "claims_n_is", 1000)
    set_number(page, "claims_quad_n", 50)
    press(page, "claims_ll_run")
    expect(dataframe(panel)).to_be_visible(timeout=MEASURE_MS)
    wait_idle(page, MEASURE_MS)
    assert_no_exception(page)
    expect_table_contains(dataframe(panel), ("method", "DDE", "KDE", "Best possible"))
    assert_drawn(page, "Held-out log-likelihood")
    optimum = chart_label(panel, "best possible")  # the label of the 8gaussians optimum line
    expect(optimum).to_be_visible()
    expect(optimum).to_have_text("best possible −H(p) = -2.838")
    expect(page.get_by_text("DDE at training step 100; 1,000 training points; 100 fresh samples")).to_be_visible()
    screenshot(page, artifacts, "claims-02-likelihood")

    # Claim 3: a direct score network beside the DDE's gradient field.
    open_tab(page, "3 · A conservative field")
    field_title = "Curl (colour, same scale)"
    wait_for_chart(page, field_title, MEASURE_MS)  # (the tab's content comes with the rerun its click started)
    before = subplot_titles(page, field_title)
    assert before is not None, [c["title"] for c in charts(page)]
    assert len(before) == 1 and before[0].startswith("DDE ∇f: ∮ s·dl = "), before  # no direct network yet
    set_number(page, "claims_direct_steps", 50)
    press(page, "claims_direct_run")
    page.wait_for_function(
        f"part => ({_SUBPLOT_TITLES_JS})(part)?.length === 2", arg=field_title, timeout=MEASURE_MS, polling=POLL_MS
    )
    wait_idle(page, MEASURE_MS)
    assert_no_exception(page)
    assert_drawn(page, field_title)
    titles = subplot_titles(page, field_title)
    loops = {}
    for name, title in zip(("DDE ∇f", "Direct score network"), titles):
        match = re.fullmatch(rf"{re.escape(name)}: ∮ s·dl = (\S+)", title)
        assert match, f"panel title {title!r} should name {name!r} and its loop integral; all: {titles}"
        loops[name] = float(match.group(1).replace("−", "-"))
    assert abs(loops["DDE ∇f"]) < 1e-2, f"the DDE's circulation should be ≈ 0: {loops}"
    found = metrics(page)
    for name in loops:
        assert f"{name}: max |curl| / max |J|" in found, found
    expect(page.get_by_text("direct network 50 steps")).to_be_visible()
    screenshot(page, artifacts, "claims-03-field")


def test_claims_stop_keeps_what_was_measured(page, app_url, artifacts):
    """Stop interrupts a long measurement (the click reruns the page); the rows so far stay."""
    train_claims_model(page, app_url)
    panel = open_tab(page, "1 · Inference cost")
    keyed(page, "claims_max_d").get_by_role("slider").press("End")  # up to D = 1,000,000: a long sweep
    wait_idle(page)
    set_number(page, "claims_budget", 60)  # far longer than this test waits
    press(page, "claims_timing_run")
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=MEASURE_MS)
    page.wait_for_timeout(4000)  # a few sizes measured
    press(page, "claims_timing_stop")
    wait_idle(page, MEASURE_MS)
    assert_no_exception(page)
    expect(panel.get_by_text("Stopped early: larger sizes were not measured.")).to_be_visible()
    expect_table_contains(dataframe(panel), ("D", "100", "DDE s"))
    screenshot(page, artifacts, "claims-04-stopped")
