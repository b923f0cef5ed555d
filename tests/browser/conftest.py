"""Fixtures for the real-browser tests: one Streamlit server and one chromium per test session.

The server is the app started as README.md says, `make app` (on a free port), through
harness.streamlit_server, the one function the benchmarks use too.

Playwright's own browser download cannot work here, so the tests drive Debian's chromium
(/usr/bin/chromium) through the plain ``playwright.sync_api``. Each test gets a fresh browser
context (no shared cookies or storage), so each test is a new Streamlit session.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.browser_harness import APP_DIR, ServerError, chromium, streamlit_server

ARTIFACTS = APP_DIR / "test-artifacts"
VIEWPORT = {"width": 1500, "height": 2000}  # tall: Streamlit scrolls inside its own container


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and the server log (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_url(artifacts):
    """Base URL of the app started as README.md says (`make app`, harness.streamlit_server)
    for this test session; stopped, with every process it started, at the end."""
    try:
        with streamlit_server(artifacts / "browser-streamlit-server.log") as url:
            yield url
    except ServerError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser():
    with chromium() as launched:
        yield launched


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, app_url, artifacts):
    """Factory: a page in a fresh browser context (a new Streamlit session); all closed after the test.

    When the test fails, every page it opened is saved first, as
    test-artifacts/browser-FAILED-<test>-<n>.png: what the page showed at the failure.
    """
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages, 1):
            try:
                page.screenshot(path=str(artifacts / f"browser-FAILED-{name}-{number}.png"), timeout=10_000)
            except Exception:  # noqa: BLE001  a page that cannot be drawn any more: nothing to save
                pass
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
