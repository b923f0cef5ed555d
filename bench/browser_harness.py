"""Start the app and a browser: shared by the browser tests and the benchmarks
(bench/bench_live.py, bench/bench_idle.py).

The app is started exactly as README.md says, ``make app`` (scripts/setup.sh, then
``streamlit run app.py``), on a free port: every server setting (headless, file watcher,
usage statistics...) comes from .streamlit/config.toml, as for a person running the app.

Playwright's own browser download cannot work here, so Debian's chromium
(/usr/bin/chromium) is driven through the plain ``playwright.sync_api``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
APP_DIR = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Seconds until /_stcore/health answers: `make app` first runs scripts/setup.sh, which may run
# pip for a while when the requirements changed, then streamlit imports the app.
SERVER_START_TIMEOUT = 240
STOP_TIMEOUT = 15  # seconds between SIGTERM and SIGKILL to the server's process group
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# How often a page.wait_for_function condition is checked. Playwright's default checks it on
# every animation frame, which keeps chromium drawing (and measuring the text it reads) 60
# times a second for the whole wait: a good share of the browser tests' CPU.
POLL_MS = 100


class ServerError(RuntimeError):
    """The Streamlit server did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal: still alive
        return True
    return True


def _wait_group_gone(process: subprocess.Popen, pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap make itself, so its pid leaves the group
        if not _group_alive(pgid):
            return True
        time.sleep(0.1)
    process.poll()
    return not _group_alive(pgid)


def _stop(process: subprocess.Popen) -> None:
    """Stop `make app` and everything it started (its own process group, i.e. streamlit too):
    SIGTERM, then SIGKILL after STOP_TIMEOUT seconds."""
    pgid = process.pid  # start_new_session=True: make leads its own session and group
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        if _wait_group_gone(process, pgid, timeout):
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _wait_healthy(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise ServerError(f"`make app` exited with code {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerError(
                f"streamlit did not answer /_stcore/health within {SERVER_START_TIMEOUT} s; see {log_path}"
            )
        time.sleep(0.3)


class ServerURL(str):
    """The server's base URL (a plain ``str``), plus what the benchmarks measure."""

    pgid: int  # process group of `make app` and the streamlit server it started
    log_path: Path

    def __new__(cls, url: str, pgid: int, log_path: Path) -> ServerURL:
        self = super().__new__(cls, url)
        self.pgid, self.log_path = pgid, log_path
        return self


def server_command(port: int) -> list[str]:
    """README.md's command for starting the app, on ``port``."""
    return ["make", "--no-print-directory", "app", f"PORT={port}"]


@contextlib.contextmanager
def streamlit_server(log_path: Path | None = None, env: dict[str, str] | None = None) -> Iterator[ServerURL]:
    """The app started as README.md says (``make app``) on a free port; yields its base URL
    (with ``.pgid``, the server's process group) and stops the whole group after.

    ``env``: extra environment variables for the server (e.g. the scheduler's sizes)."""
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", **(env or {})}
    log_path = log_path or Path(os.devnull)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            server_command(port),
            cwd=APP_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            # Streamlit listens on every interface unless config.toml says otherwise; the
            # tests and benchmarks talk to it over the loopback address.
            url = ServerURL(f"http://127.0.0.1:{port}", process.pid, log_path)
            _wait_healthy(process, url, log_path)
            yield url
        finally:
            _stop(process)


@contextlib.contextmanager
def chromium(idle_priority: bool = False, cpus: str | None = None):
    """A headless Debian chromium driven by Playwright.

    ``idle_priority=True`` starts it under Linux's idle scheduling class (``chrt --idle``):
    its processes and threads get the CPU only when nothing else wants it. ``nice`` would
    not do: chromium sets its own processes' niceness back. ``cpus`` (e.g. ``"1"``) keeps
    it on those CPUs (``taskset -c``). The load benchmark uses both to put the tabs, as
    far as one machine can, on "other machines": the idle class alone did not keep the
    tabs from taking the CPU the server's TensorFlow threads were waiting for (measured
    with /proc/<pid>/task/*/schedstat, bench/RESULTS.md §9)."""
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        executable = CHROMIUM
        wrappers = (["chrt", "--idle", "0"] if idle_priority else []) + (["taskset", "-c", cpus] if cpus else [])
        if wrappers:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            executable = folder / "chromium"
            executable.write_text(f'#!/bin/sh\nexec {shlex.join(wrappers)} {CHROMIUM} "$@"\n')
            executable.chmod(0o755)
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 120_000) -> None:
    """Wait until the page has drawn its metrics and the script is idle."""
    page.wait_for_selector('[data-testid="stMetric"]', timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
