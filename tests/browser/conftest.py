"""Fixtures for the real-browser tests: one Streamlit server and one chromium per test session.

Playwright's own browser download cannot work here, so the tests drive Debian's chromium
(/usr/bin/chromium) through the plain ``playwright.sync_api``. Each test gets a fresh browser
context (no shared cookies or storage), so each test is a new Streamlit session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import APP_DIR, ServerError, chromium, streamlit_server

ARTIFACTS = APP_DIR / "test-artifacts"
VIEWPORT = {"width": 1500, "height": 2000}  # tall: Streamlit scrolls inside its own container


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and the server log (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_url(artifacts):
    """Base URL of a `streamlit run app.py` started for this test session (stopped at the end)."""
    try:
        with streamlit_server(artifacts / "browser-streamlit-server.log") as url:
            yield url
    except ServerError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def new_page(browser, app_url):
    """Factory: a page in a fresh browser context (a new Streamlit session); all closed after the test."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
