"""Real-browser tests of what every visitor does: move between the pages while a model
trains, use the app with no internet, upload degenerate data, reload while a second tab opens.

Same fixtures as the other browser tests (conftest.py): one app started as README.md says
(`make app`), one headless chromium, a fresh browser context (= a new Streamlit session) per
test. Screenshots go to test-artifacts/ (names start with browser-everyday-).

Run:  .venv/bin/python -m pytest tests/browser/test_everyday_paths.py -q -p no:cacheprovider
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from bench.browser_harness import IDLE

from .test_playground_browser import (  # the module also skips everything when chromium is missing
    BUILD_MS,
    DDE_TITLE,
    chart,
    choose,
    expect,
    open_app,
    pause_button,
    play_button,
    screenshot,
    selectbox_value,
    step_value,
    upload,
    wait_for_chart,
    wait_for_new_density,
    wait_for_step,
)

ARRIVE_MS = 60_000  # one page's run after a click in the navigation (the server may be training)

# Each page: its sidebar link, its heading, its path.
PAGES = {
    "Playground": ("DDE Playground", "/"),
    "Sampling": ("Sampling with Langevin dynamics", "/sampling"),
    "Claims": ("Claims: the DDE's promises, measured", "/claims"),
}
# Starting on the Playground, this walk takes each of the 6 ordered pairs of pages once.
TOUR = ("Sampling", "Playground", "Claims", "Sampling", "Claims", "Playground")
TOUR_PAIRS = {
    ("Playground", "Sampling"),
    ("Sampling", "Playground"),
    ("Playground", "Claims"),
    ("Claims", "Sampling"),
    ("Sampling", "Claims"),
    ("Claims", "Playground"),
}
assert set(zip(("Playground",) + TOUR[:-1], TOUR, strict=True)) == TOUR_PAIRS and len(TOUR_PAIRS) == 6

DISTRIBUTION = "8gaussians"  # not the default (2spirals)
KDE_TITLE = "Target: exact KDE"
SAMPLER = "MALA"  # not the default (ULA)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


# ---- helpers -------------------------------------------------------------------------------


def wait_idle(page, timeout_ms: int = ARRIVE_MS) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def assert_clean(page, where: str) -> None:
    """No Streamlit exception box, and no Python error text anywhere on the page."""
    boxes = page.locator('[data-testid="stException"]')
    count = boxes.count()
    assert count == 0, f"{where}: {count} exception box(es) shown: {boxes.first.inner_text()[:1500]}"
    text = page.locator('[data-testid="stApp"]').inner_text()
    for word in ("AttributeError", "Traceback"):
        assert word not in text, f"{where}: the page shows {word!r}: …{_around(text, word)}…"


def _around(text: str, word: str, width: int = 300) -> str:
    at = text.index(word)
    return text[max(0, at - width) : at + width]


def nav_link(page, name: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True)


def go_to(page, name: str, where: str, check: bool = True, timeout_ms: int = ARRIVE_MS) -> None:
    """Click ``name`` in the sidebar navigation, as a person does; wait until that page's run
    ended; then (``check``) assert that it shows no error."""
    heading, path = PAGES[name]
    link = nav_link(page, name)
    link.click()
    expect(link).to_have_attribute("aria-current", "page", timeout=ARRIVE_MS)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=ARRIVE_MS)
    wait_idle(page, timeout_ms)
    assert urlsplit(page.url).path.rstrip("/") == path.rstrip("/"), f"{where}: at {page.url}, expected {path}"
    if check:
        assert_clean(page, where)


def main_combobox(page, label: str):
    """The text input of the selectbox labelled ``label`` in the page's main area."""
    return page.get_by_test_id("stMain").get_by_role("combobox", name=label, exact=True)


def choose_main(page, label: str, option: str) -> None:
    box = main_combobox(page, label)
    box.click()
    box.fill(option[:8])  # filters the option list
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


def alert_texts(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stAlert").all_inner_texts()]


def step_metric_shown(page) -> None:
    page.wait_for_selector('[data-testid="stMetric"]', timeout=ARRIVE_MS)
    step_value(page)  # asserts that a "Step" metric is there


def take_steps(page, clicks: int) -> int:
    for _ in range(clicks):
        before = step_value(page)
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_step(page, f"step > {before}", 60_000)
        wait_idle(page)
    return step_value(page)


# ---- a. everything the page loads comes from the app (the tour checks it) ----------------------

# Every URL the document refers to for a resource, fetched yet or not (a favicon is fetched by
# the browser itself, when it gets round to it), and every resource the page has loaded.
_DECLARED_URLS_JS = """() => [
    ...[...document.querySelectorAll('link[href]')].map(e => e.href),
    ...[...document.querySelectorAll('script[src], img[src], iframe[src], source[src], audio[src], video[src]')]
        .map(e => e.src),
    ...performance.getEntriesByType('resource').map(e => e.name),
]"""


def off_host(urls) -> list[str]:
    """The URLs that would leave the machine (data: and blob: URLs stay in the page)."""
    bad = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "javascript"):
            continue
        if parts.hostname not in LOOPBACK:
            bad.append(url)
    return sorted(set(bad))


class Requests:
    """Every request a page (and its workers and popups) makes, and every resource URL its
    document refers to, fetched yet or not (``declared_now`` reads them)."""

    def __init__(self, page):
        self.page, self.requested, self.declared = page, [], []
        page.on("request", lambda request: self.requested.append(request.url))
        page.context.on("request", lambda request: self.requested.append(request.url))  # workers, popups

    def declared_now(self) -> None:
        self.declared += self.page.evaluate(_DECLARED_URLS_JS)

    def assert_none_left_the_machine(self) -> None:
        assert any(urlsplit(u).path.startswith("/_stcore") for u in self.requested), (
            f"no request to the app was recorded at all: {self.requested[:20]}"
        )
        outside = off_host(self.requested)
        assert not outside, f"the page requested {len(outside)} URL(s) off this machine: {outside}"
        outside = off_host(self.declared)
        assert not outside, f"the page refers to {len(outside)} resource URL(s) off this machine: {outside}"


# ---- b. every ordered pair of pages, state kept ----------------------------------------------


def test_page_tour_while_training_keeps_each_pages_state_and_nothing_leaves_the_machine(page, app_url, artifacts):
    """Every ordered pair of pages while the Playground's model trains, each page's state kept;
    then a pause and a reload. Every request and every resource URL of the whole walk is
    recorded: none may leave the machine (an offline classroom)."""
    requests = Requests(page)
    open_app(page, app_url)
    requests.declared_now()
    assert_clean(page, "Playground, first load")

    # Playground: another distribution and a few steps.
    wait_for_chart(page, KDE_TITLE, BUILD_MS)
    spirals_kde = chart(page, KDE_TITLE)["density"]
    choose(page, "Distribution", DISTRIBUTION)
    wait_for_new_density(page, KDE_TITLE, spirals_kde)  # the new model and its KDE are drawn
    wait_for_chart(page, DDE_TITLE, BUILD_MS)
    wait_idle(page, BUILD_MS)
    expect(page.get_by_text("You changed")).to_have_count(0)  # step 1: rebuilt at once, no question
    steps = take_steps(page, 2)
    assert steps > 1, steps
    assert selectbox_value(page, "Distribution") == DISTRIBUTION
    assert "dist=8gaussians" in page.url, page.url
    assert_clean(page, "Playground, set up")
    play_button(page).click()
    expect(pause_button(page)).to_be_visible()
    wait_for_step(page, f"step > {steps}", 60_000)
    steps = tour_start = step_value(page)

    here = "Playground"
    for number, there in enumerate(TOUR, 1):
        where = f"tour move {number}: {here} → {there}"
        go_to(page, there, where)
        if there == "Playground":
            step_metric_shown(page)
            assert selectbox_value(page, "Distribution") == DISTRIBUTION, (
                f"{where}: the Playground's Distribution went back to {selectbox_value(page, 'Distribution')!r}"
            )
            now = step_value(page)
            assert now >= steps, f"{where}: the Step metric went back from {steps} to {now}"
            assert chart(page, DDE_TITLE)["drawn"] > 0, f"{where}: the DDE panel is not drawn"
            steps = now
        elif there == "Sampling":
            source = page.locator(".st-key-sampling_source")
            expect(source.get_by_role("radio", name="The playground's model")).to_be_checked()
            expect(page.get_by_text("Model: DDE on")).to_contain_text(f"Model: DDE on {DISTRIBUTION}, ")
            if number == 1:
                choose_main(page, "Sampler", SAMPLER)
                wait_idle(page)
                assert_clean(page, f"{where}, {SAMPLER} chosen")
            else:
                assert main_combobox(page, "Sampler").input_value() == SAMPLER, (
                    f"{where}: the Sampler went back to {main_combobox(page, 'Sampler').input_value()!r}"
                )
        else:  # Claims: it tests the playground's model
            expect(page.get_by_test_id("stAlert").filter(has_text="Testing the DDE from")).to_contain_text(DISTRIBUTION)
        if number in (1, 3):
            screenshot(page, artifacts, f"everyday-tour-{number}-{there.lower()}")
        requests.declared_now()
        here = there
    screenshot(page, artifacts, "everyday-tour-back-on-playground")

    final = step_value(page)
    assert final > tour_start, f"the model did not train during the tour: step {tour_start} -> {final}"
    if pause_button(page).count():  # still playing
        pause_button(page).click()
        expect(play_button(page)).to_be_visible()
    else:  # it paused by itself: the page must say why
        said = [t for t in alert_texts(page) if re.search(r"paus|stopp", t, re.IGNORECASE)]
        assert said, f"back on the Playground the model is paused, and nothing says why; alerts: {alert_texts(page)}"

    page.reload()
    open_app(page, app_url, navigate=False)
    page.wait_for_timeout(1000)  # the favicon and late fonts
    requests.declared_now()
    screenshot(page, artifacts, "everyday-offline-after-reload")
    requests.assert_none_left_the_machine()


# ---- c. degenerate data: refused with a message, the current model kept -------------------------


def standardise_box(page):
    return page.get_by_test_id("stSidebar").get_by_role("checkbox", name=re.compile(r"^Standardi[sz]e"))


def set_standardise(page, on: bool) -> None:
    box = standardise_box(page)
    expect(box).to_have_count(1)
    if box.is_checked() != on:
        page.get_by_test_id("stSidebar").get_by_test_id("stCheckbox").filter(
            has_text=re.compile(r"Standardi[sz]e")
        ).locator("label").first.click()
    expect(box).to_be_checked(checked=on)
    wait_idle(page, BUILD_MS)


def shown_model(page) -> tuple[str, int]:
    """What identifies the model on show: its data panel's title and its Step metric."""
    return chart(page, "Training data")["title"], step_value(page)


def expect_refused(page, phrase: str, where: str, model: tuple[str, int]) -> None:
    """An error naming ``phrase`` shows, no exception box, and ``model`` (the one on show
    before, from ``shown_model``) is still shown, untrained further."""
    wait_idle(page, BUILD_MS)
    error = page.get_by_test_id("stAlert").filter(has_text=phrase)
    expect(error.first, f"{where}: no message saying {phrase!r}; alerts: {alert_texts(page)}").to_be_visible(
        timeout=10_000
    )
    assert_clean(page, where)
    now = shown_model(page)
    assert now == model, f"{where}: the model on show was {model}, now {now}"
    assert chart(page, DDE_TITLE)["drawn"] > 0, f"{where}: the DDE panel is not drawn"


def upload_csv(page, name: str, content: str) -> None:
    choose(page, "Distribution", "Your own CSV…")
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    upload(page, name, content)
    # Read: its column choices and the Standardise box show, or an error naming the file.
    read = standardise_box(page).or_(page.get_by_test_id("stAlert").filter(has_text=name))
    expect(read.first).to_be_visible(timeout=BUILD_MS)
    wait_idle(page, BUILD_MS)


def test_degenerate_csv_files_are_refused_and_the_model_kept(page, app_url, artifacts):
    """Two files in one tab: 200 copies of one point (Standardise off, then on), then values
    near 1e300 (refused once Standardise is off); each time the model on show is kept."""
    open_app(page, app_url)
    default_model = shown_model(page)
    assert default_model == ("Training data (10,000 points)", 1), default_model  # 2spirals, untrained
    upload_csv(page, "same-point.csv", "x,y\n" + "1.5,2.5\n" * 200)
    assert_clean(page, "200 copies of one point, just uploaded")
    for on in (False, True):
        set_standardise(page, on)
        expect_refused(
            page, "same point", f"200 copies of one point, Standardise {'on' if on else 'off'}", default_model
        )
        screenshot(page, artifacts, f"everyday-csv-same-point-standardise-{'on' if on else 'off'}")

    rows = [f"{(1 + i % 17) * 1e299:.6e},{(1 + (i * 7) % 23) * 1e299:.6e}" for i in range(200)]
    upload_csv(page, "huge.csv", "x,y\n" + "\n".join(rows) + "\n")
    assert_clean(page, "values near 1e300, just uploaded (Standardise on)")
    before = shown_model(page)  # standardised, these points may make a model: the one to keep
    set_standardise(page, False)
    expect_refused(page, "too large", "values near 1e300, Standardise off", before)
    screenshot(page, artifacts, "everyday-csv-too-large")


# ---- d. a reload and a second tab at the same moment; the two sessions kept apart -----------


def test_reload_and_second_tab_at_once_then_one_trains_and_the_other_does_not(page, app_url, artifacts):
    open_app(page, app_url)
    second = page.context.new_page()  # a second tab of the same browser
    page.reload(wait_until="commit")  # both start their sessions at the same moment
    second.goto(f"{app_url}/", wait_until="commit")
    for tab, where in ((page, "reloaded tab"), (second, "second tab")):
        open_app(tab, app_url, navigate=False)
        expect(tab.get_by_role("heading", name="DDE Playground", exact=True)).to_be_visible()
        assert_clean(tab, where)
        step_metric_shown(tab)
        assert chart(tab, DDE_TITLE)["drawn"] > 0, f"{where}: the DDE panel is not drawn"
    time.sleep(1.0)  # a late error (e.g. from the other session's run) would show by now
    for tab, where in ((page, "reloaded tab"), (second, "second tab")):
        assert_clean(tab, where)
    screenshot(page, artifacts, "everyday-reloaded-tab")

    # The two sessions do not interfere: one trains, the other's model stays at step 1.
    assert step_value(page) == 1 and step_value(second) == 1
    play_button(page).click()
    expect(pause_button(page)).to_be_visible()
    wait_for_step(page, "step > 51", 60_000)
    assert step_value(second) == 1, "the other session's model trained too"
    pause_button(page).click()
    expect(play_button(page)).to_be_visible()
    wait_idle(page)
    assert step_value(second) == 1 and step_value(page) > 51
    assert chart(second, DDE_TITLE)["title"].endswith("step 1")
    expect(play_button(second)).to_be_visible()
    screenshot(second, artifacts, "everyday-second-tab")
