"""Real-browser tests of the DDE Playground: Streamlit + Plotly rendered in Debian's chromium.

The fixtures (conftest.py next to this file) start one `streamlit run app.py` and one headless
chromium for the whole module; each test opens its own browser context, i.e. a new Streamlit
session. Screenshots go to test-artifacts/.

Run:  .venv/bin/python -m pytest tests/browser -q
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bench.browser_harness import CHROMIUM, IDLE, POLL_MS

if not CHROMIUM.exists():
    pytest.skip(
        f"Debian's chromium ({CHROMIUM}) is not installed: apt-get install -y chromium", allow_module_level=True
    )
pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

from playwright.sync_api import Page, expect  # noqa: E402

expect.set_options(timeout=30_000)  # the server may be busy (TensorFlow): 5 s is too short

FIRST_BUILD_MS = 120_000  # first page load: TensorFlow import + model + exact KDE
BUILD_MS = 90_000  # a later model build
DDE_TITLE = "DDE: exp f and ∇f"

# ---- reading the page ----------------------------------------------------------------------

_METRICS_JS = """() => Object.fromEntries(
    [...document.querySelectorAll('[data-testid="stMetric"]')]
        .map(m => [m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim(),
                   m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim()]))"""

# Title and a fingerprint of the drawn data of every rendered Plotly chart (closed expanders excluded).
_CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(p => p.offsetParent !== null)
    .map(p => {
        const title = p.layout && p.layout.title ? (p.layout.title.text || '') : '';
        const first = (p.data || [])[0] || {};
        const image = ((p.layout && p.layout.images) || [])[0];
        // What the density panel shows: its heatmap's values, or (the live panel while
        // playing) the picture of the density it draws instead.
        const density = first.z !== undefined ? JSON.stringify(first.z) : (image ? image.source : '');
        return {title: title.replace(/<[^>]*>/g, ''), types: (p.data || []).map(d => d.type),
                density: density, svg: !!p.querySelector('svg.main-svg'),
                drawn: p.querySelectorAll(
                    '.heatmaplayer image, .layer-above image, .scatterlayer path, canvas').length};
    })"""


def metrics(page: Page) -> dict[str, str]:
    return page.evaluate(_METRICS_JS)


def step_value(page: Page) -> int:
    text = metrics(page).get("Step")
    assert text is not None, f"no Step metric on the page; metrics: {metrics(page)}"
    return int(text.replace(",", ""))


def charts(page: Page) -> list[dict]:
    return page.evaluate(_CHARTS_JS)


def chart(page: Page, title_part: str) -> dict:
    found = [c for c in charts(page) if title_part in c["title"]]
    assert found, f"no chart titled …{title_part}…; titles: {[c['title'] for c in charts(page)]}"
    return found[0]


def wait_for_chart(page: Page, title_part: str, timeout_ms: int = BUILD_MS) -> None:
    page.wait_for_function(
        """part => [...document.querySelectorAll('.js-plotly-plot')].some(
               p => p.layout && p.layout.title && (p.layout.title.text || '').includes(part))""",
        arg=title_part,
        timeout=timeout_ms,
        polling=POLL_MS,
    )


def wait_for_new_density(page: Page, title_part: str, before: str, timeout_ms: int = BUILD_MS) -> None:
    """Wait until the chart titled …``title_part``… draws another density than ``before`` (its
    ``chart()["density"]``): proof that the rerun a control started has run, which waiting for
    the app to be idle is not (the click's rerun may not have begun yet)."""
    page.wait_for_function(
        f"""([part, before]) => ({_CHARTS_JS})().some(c => c.title.includes(part) && c.density !== before)""",
        arg=[title_part, before],
        timeout=timeout_ms,
        polling=POLL_MS,
    )


def wait_for_step(page: Page, predicate_js: str, timeout_ms: int = 30_000) -> None:
    """Wait until the Step metric's value (a number, as `step`) satisfies ``predicate_js``."""
    page.wait_for_function(
        """pred => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(
                         e => e.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === 'Step');
                     if (!m) return false;
                     const step = Number(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, ''));
                     return eval(pred); }""",
        arg=predicate_js,
        timeout=timeout_ms,
        polling=POLL_MS,
    )


def assert_no_exception(page: Page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"exception shown on the page: {exceptions.first.inner_text()}"


def alerts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stAlert"]').all_inner_texts()]


def sidebar_widget(page: Page, testid: str, label: str):
    return page.locator(f'[data-testid="stSidebar"] [data-testid="{testid}"]').filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    )


def combobox(page: Page, label: str):
    """The text input of the sidebar selectbox labelled ``label`` (a react-aria combobox)."""
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=label, exact=True)


def selectbox_value(page: Page, label: str) -> str:
    return combobox(page, label).input_value().strip()


def slider_value(page: Page, label: str) -> str:
    return sidebar_widget(page, "stSlider", label).get_by_test_id("stSliderThumbValue").inner_text().strip()


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar selectbox labelled ``label``."""
    box = combobox(page, label)
    box.click()
    box.fill(option[:8])  # filters the (virtualised) option list
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


def upload(page: Page, name: str, content: str) -> None:
    uploader = page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )


def open_app(
    page: Page, base_url: str, query: str = "", timeout_ms: int = FIRST_BUILD_MS, navigate: bool = True
) -> None:
    """Open the app (unless already navigated) and wait until the first model is built and idle."""
    if navigate:
        page.goto(f"{base_url}/{query}")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    wait_for_chart(page, DDE_TITLE, timeout_ms)


def play_button(page: Page):
    return page.get_by_role("button", name=re.compile(r"\bPlay$"))


def pause_button(page: Page):
    return page.get_by_role("button", name=re.compile(r"\bPause$"))


def screenshot(page: Page, folder: Path, name: str) -> None:
    page.mouse.move(5, 5)  # away from the charts: a hovered chart shows its mode bar over the title
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"browser-{name}.png"))


# ---- tests -----------------------------------------------------------------------------------


def test_load_shows_title_charts_and_metrics_and_each_step_click_trains_one_frame(page, app_url, artifacts):
    open_app(page, app_url)
    expect(page.get_by_role("heading", name="DDE Playground")).to_be_visible()
    assert_no_exception(page)

    shown = charts(page)
    titles = [c["title"] for c in shown]
    data, dde, kde = (chart(page, part) for part in ("Training data", DDE_TITLE, "Target: exact KDE"))
    for panel in (data, dde, kde):
        assert panel["svg"] and panel["drawn"] > 0, f"chart not drawn: {panel['title']!r} in {titles}"
    assert "heatmap" in dde["types"] and "heatmap" in kde["types"]
    assert re.search(r"Training data \([\d,]+ points\)", data["title"]), data["title"]
    assert dde["title"].endswith("step 1"), dde["title"]
    assert len(shown) >= 4, f"expected 3 panels + training curves, got {titles}"  # curves have no title

    values = metrics(page)
    assert set(values) >= {"Step", "Steps/s", "KL(KDE ‖ DDE)", "Excess loss", "Device"}, values
    assert values["Step"] == "1", values
    assert values["Device"].startswith("CPU"), values
    not_numbers = {k: v for k, v in values.items() if {"nan", "inf", "-inf"} & set(v.lower().split())}
    assert not not_numbers, f"metrics showing nan/inf before training: {not_numbers}"
    expect(play_button(page)).to_be_visible()
    screenshot(page, artifacts, "01-loaded")

    # Step: exactly one frame (steps per frame: 30, the default) per click.
    for expected in (31, 61):
        page.get_by_role("button", name=re.compile(r"\bStep$")).click()
        wait_for_step(page, f"step >= {expected}", 60_000)
        page.wait_for_selector(IDLE, timeout=30_000)
        time.sleep(1.0)  # a second delivery of the click would land by now
        assert step_value(page) == expected
        expect(page.locator(".js-plotly-plot .gtitle").filter(has_text=f"{DDE_TITLE}, step {expected}")).to_have_count(
            1
        )


def test_play_trains_live_and_pause_stops(page, app_url, artifacts):
    open_app(page, app_url)
    before = chart(page, DDE_TITLE)

    frame_requests = []  # while playing, the live panel fetches its frames itself (dde_app/live_view.py)
    page.on("response", lambda r: frame_requests.append(r.status) if "/live/" in r.url else None)
    play_button(page).click()
    expect(pause_button(page)).to_be_visible(timeout=30_000)
    wait_for_step(page, "step > 1", 60_000)
    reads = [step_value(page)]  # read every 0.5 s until the step has risen twice more (≤ 30 s)
    deadline = time.monotonic() + 30
    while len(set(reads)) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
        reads.append(step_value(page))
    assert all(b >= a for a, b in zip(reads, reads[1:])), f"step went backwards: {reads}"
    assert len(set(reads)) >= 3, f"step did not keep rising while playing: {reads}"

    during = chart(page, DDE_TITLE)
    assert during["title"] != before["title"], (before["title"], during["title"])
    assert during["density"] and during["drawn"] > 0, f"live DDE panel not drawn: {during}"
    page.wait_for_function(  # the live panel keeps drawing new frames without a page rerun
        """title => [...document.querySelectorAll('.js-plotly-plot')].some(p => p.layout && p.layout.title
               && p.layout.title.text.startsWith('DDE: exp f') && p.layout.title.text !== title)""",
        arg=during["title"],
        timeout=10_000,
        polling=POLL_MS,
    )
    later = chart(page, DDE_TITLE)
    assert later["density"] != during["density"], "the DDE density did not change between live frames"
    assert frame_requests.count(200) >= 3 and set(frame_requests) <= {200, 204}, frame_requests
    rate = metrics(page)["Steps/s"].replace(",", "")
    assert float(rate) > 0, f"Steps/s while playing: {rate!r}"
    screenshot(page, artifacts, "02-playing")

    pause_button(page).click()
    expect(play_button(page)).to_be_visible(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    first, asked = step_value(page), len(frame_requests)
    time.sleep(2.0)
    second = step_value(page)
    assert first == second, f"step kept changing after Pause: {first} -> {second}"
    assert len(frame_requests) <= asked + 1, "the paused panel kept asking for frames"
    assert first >= reads[-1], (reads, first)
    title = chart(page, DDE_TITLE)["title"]
    assert title.endswith(f"step {first:,}"), (
        f"after Pause the Step metric says {first:,} but the DDE panel says {title!r}: the rerun of "
        "the Pause click read the model while the last live frame was still training it "
        "(Streamlit's runner.fastReruns starts the rerun in a new thread without waiting)"
    )
    assert "heatmap" in chart(page, DDE_TITLE)["types"], "paused, the DDE panel should be a heatmap (hover values)"
    assert_no_exception(page)
    screenshot(page, artifacts, "03-paused")


BAD_CSVS = [  # (file name, content, what the error must say)
    ("names.csv", "name\nann\nbob\n", "two numeric columns"),
    ("one-column.csv", "x\n" + "".join(f"{i * 0.1:.1f}\n" for i in range(50)), "found 1: 'x'"),
]


def test_malformed_csvs_show_an_error_keep_the_model_then_a_valid_csv_trains_a_new_one(page, app_url, artifacts):
    open_app(page, app_url)
    choose(page, "Distribution", "Your own CSV…")
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    for name, content, expected in BAD_CSVS:
        upload(page, name, content)
        error = page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').filter(has_text=name)
        expect(error).to_be_visible()
        expect(error).to_contain_text(expected)
        expect(error).to_contain_text("two numeric columns")
        page.wait_for_selector(IDLE, timeout=30_000)
        assert_no_exception(page)
        screenshot(page, artifacts, f"04-bad-csv-{Path(name).stem}")

        # The current model (2spirals) still shows, and training it still works.
        expect(page.get_by_text("Showing the current model")).to_be_visible()
        assert chart(page, "Training data")["title"].startswith("Training data (10,000 points)")
        assert chart(page, DDE_TITLE)["drawn"] > 0
        before = step_value(page)
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_step(page, f"step > {before}")
        page.wait_for_selector(IDLE, timeout=30_000)
        assert chart(page, DDE_TITLE)["title"].endswith(f"step {step_value(page):,}")
        assert_no_exception(page)

    # Then a good file, in the same tab: the trained model is not replaced without asking;
    # asked, a new model on the file's points.
    rows = 300
    lines = ["x,y,z"] + [f"{i % 17 * 0.3:.3f},{(i * 7) % 23 * 0.2 - 2:.3f},{i * 0.01:.3f}" for i in range(rows)]
    upload(page, "points.csv", "\n".join(lines) + "\n")
    expect(page.get_by_text("That needs a new model")).to_be_visible(timeout=BUILD_MS)
    page.get_by_role("button", name="Start new model").click()

    wait_for_chart(page, f"Training data ({rows} points)", BUILD_MS)
    page.wait_for_selector(IDLE, timeout=BUILD_MS)
    assert_no_exception(page)
    errors = [t for t in alerts(page) if "points.csv:" in t or "Could not" in t]
    assert not errors, errors
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"{rows} points from points.csv")
    assert selectbox_value(page, "x column") == "x"
    assert selectbox_value(page, "y column") == "y"
    assert step_value(page) == 1
    assert chart(page, DDE_TITLE)["drawn"] > 0
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_step(page, "step > 1")
    assert "dist=csv" in page.url, page.url
    screenshot(page, artifacts, "05-valid-csv")


def test_url_restores_settings(page, app_url, artifacts):
    open_app(page, app_url, "?dist=moons&sigma=0.5&width=32&depth=2")
    assert selectbox_value(page, "Distribution") == "moons"
    assert slider_value(page, "σ (log scale)") == "0.5"
    assert slider_value(page, "Width") == "32"
    assert slider_value(page, "Hidden layers") == "2"
    assert "σ = 0.5" in chart(page, "Target: exact KDE")["title"]
    assert not alerts(page), alerts(page)
    assert "dist=moons" in page.url and "sigma=0.5" in page.url, page.url
    screenshot(page, artifacts, "06-url-moons")


def test_invalid_url_warns_and_keeps_defaults(page, app_url, artifacts):
    open_app(page, app_url, "?sigma=banana&dist=nope")
    warning = page.get_by_test_id("stAlert").filter(has_text="could not be used")
    expect(warning).to_be_visible()
    text = warning.inner_text()
    assert "sigma" in text and "dist" in text, text
    assert selectbox_value(page, "Distribution") == "2spirals"
    assert slider_value(page, "σ (log scale)") == "0.2"
    assert_no_exception(page)
    screenshot(page, artifacts, "07-url-invalid")


def test_live_panel_says_so_when_frames_cannot_be_fetched(page, app_url, artifacts):
    """As when the app is started without app.py's route: Streamlit answers with its HTML page."""
    page.route(
        "**/live/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Streamlit</title>"
        ),
    )
    open_app(page, app_url)
    play_button(page).click()
    note = page.locator(".st-key-dde_panel .live-chart-note")
    expect(note).to_contain_text("start the app with `streamlit run app.py`")
    wait_for_step(page, "step > 1", 60_000)  # training and the numbers below go on
    assert_no_exception(page)
    screenshot(page, artifacts, "09-no-frames-route")
    pause_button(page).click()
    expect(play_button(page)).to_be_visible(timeout=30_000)
    expect(note).to_be_hidden()


def test_static_plotly_fallback_is_served(page, app_url):
    """A live chart on a page without Streamlit's own charts loads plotly.js from here."""
    response = page.request.get(f"{app_url}/app/static/plotly.min.js")
    assert response.status == 200 and "javascript" in response.headers["content-type"]
    assert b"plotly.js" in response.body()[:400]
