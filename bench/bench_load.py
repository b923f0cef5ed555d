"""Load: N people training at once on one server (issue "Hardening for a classroom").

Targets, for N = 8 and 16 sessions playing: Pause takes effect within 1 s, the health
endpoint answers within 100 ms, every session advances in every 5-second span, the
shares are fair (slowest ≥ 2/3 of the fastest), and the total steps/s is at least 80%
of one session alone.

The app is started as README.md says (`make app`, bench/browser_harness.py, on a free
port, 127.0.0.1 only). For each N, one headless chromium opens N tabs, each in its own
browser context (N Streamlit sessions), waits until each shows its model, then presses
Play in each, one after the other, and finds its session in the server's load report
(``GET _dde/load``, dde_app/load_report.py). For ``--seconds`` it reads every session's
step from that report once a second (the server's own count, so a slow browser cannot
hide or fake progress), asks ``/_stcore/health`` five times a second from another thread
(its latency, as this process sees it: this process shares the cores with the browsers),
takes the server's own count of how late its event loop ran (``event_loop_lag`` in the
report: the part of every answer's wait spent on the server), and reads the server's CPU
time and memory from /proc. Then it presses Pause in every tab, the others still
playing, and times how long until the server's trainer has stopped (the report no longer
lists the session: "Pause takes effect") and until the tab's Play button is back (the
page redrawn as well).

The browsers run on the same 2 cores as the server here (in a class they run on the
students' machines), so these figures are a harsh upper bound on the server's load.
``--idle-browser`` starts chromium in Linux's idle scheduling class (``chrt --idle``), meant
to give the server the CPU first; measured, it did not (the tabs still took the CPU the
server's training threads waited for, bench/RESULTS.md §9). ``--browser-cpus 1`` also keeps
chromium on CPU 1 (``taskset``), so the server has CPU 0 to itself, as with the tabs on other
machines; the tabs then share one core, and what is timed in them (Pause's click and redraw)
waits for a starved browser. So Pause is also timed by the server itself: its load report
keeps, for each Pause, the seconds from the click's callback to the trainer having stopped
(``recent_pauses``).

Even with the tabs on CPU 1 the server's threads may still run there, sharing it with 8 or
16 busy tabs, while at N = 1 they have most of it. ``--server-cpus 0`` keeps the server on
CPU 0 (``taskset -a`` on its processes once it is up), so that it has the same one core for
every N and nothing else on it: the comparison with N = 1 is then the server's own cost of
many sessions, with the browsers' share of the machine taken out.

    .venv/bin/python bench/bench_load.py                 # N = 1, 4 for 20 s each (make bench)
    .venv/bin/python bench/bench_load.py --full          # N = 1, 4, 8, 16 for 60 s each
    .venv/bin/python bench/bench_load.py --sessions 8 --seconds 30
    .venv/bin/python bench/bench_load.py --full --idle-browser --browser-cpus 1
    .venv/bin/python bench/bench_load.py --full --browser-cpus 1 --server-cpus 0
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (quiets TensorFlow, finds the project)
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.bench_idle import cpu_seconds, groups, snapshot  # noqa: E402
from bench.browser_harness import IDLE, chromium, streamlit_server  # noqa: E402

SPAN_SECONDS = 5.0
POLL_SECONDS = 0.05  # how often Pause's effect is looked for in the load report
PAUSE_LIMIT_SECONDS = 60  # a Pause not seen by then is reported as "> 60 s"


def server_rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) if found else 0
    return total / 1024


class HealthProbe(threading.Thread):
    """Asks the health endpoint every 0.2 s; keeps each answer's latency in seconds."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.latencies, self.stopped = f"{url}/_stcore/health", [], threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=10).read()
                self.latencies.append(time.perf_counter() - started)
            except OSError:
                self.latencies.append(float("inf"))
            self.stopped.wait(0.2)


def keep_server_on(cpus: str, url) -> None:
    """Keep every thread of the server's processes, and those they start, on ``cpus``."""
    for pid in groups(snapshot(), url.pgid)["server"]:
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], check=True, capture_output=True)


def open_tabs(browser, url: str, n: int) -> list:
    pages = []
    for _ in range(n):
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{url}/")
        pages.append(page)
    for page in pages:
        page.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
        page.wait_for_selector(IDLE, timeout=300_000)
    return pages


def button(page, name: str):
    return page.get_by_role("button", name=re.compile(rf"\b{name}$"))


def load_report(url) -> dict:
    """The server's ``GET _dde/load``: its scheduler and every playing or queued session."""
    with urllib.request.urlopen(f"{url}/_dde/load", timeout=10) as response:
        return json.load(response)


def session_ids(url) -> set[str]:
    return {session["id"] for session in load_report(url)["sessions"]}


def press_play(pages, url) -> list[str]:
    """Press Play in each tab in turn; returns each tab's session id in the load report."""
    ids = []
    for page in pages:
        known = session_ids(url)
        button(page, "Play").click()
        deadline = time.monotonic() + 60
        while not (new := session_ids(url) - known):
            if time.monotonic() > deadline:
                raise RuntimeError("A tab's Play did not start its trainer within 60 s.")
            time.sleep(POLL_SECONDS)
        ids.append(new.pop())
    return ids


def pause_each(pages, ids, url) -> tuple[list[float], list[float], list[float]]:
    """Press Pause in each tab in turn (the others still playing); returns the seconds until
    its trainer stopped (gone from the load report) counted from the click, the same as the
    server counted it (from the click's callback: ``recent_pauses``), and the seconds from the
    click until its Play button was back. Each tab gets ``PAUSE_LIMIT_SECONDS`` for all of
    it (a starved tab may not even take the click): what did not happen by then is infinite."""
    taken, on_server, redrawn = [], [], []
    for page, session in zip(pages, ids):
        clicked = time.monotonic()
        deadline = clicked + PAUSE_LIMIT_SECONDS

        def left_ms() -> float:
            return max(1.0, 1000 * (deadline - time.monotonic()))

        stopped = back = float("inf")
        try:
            button(page, "Pause").click(timeout=left_ms())
            while session in session_ids(url) and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
            if session not in session_ids(url):
                stopped = time.monotonic()
                button(page, "Play").wait_for(timeout=left_ms())
                back = time.monotonic()
        except PlaywrightTimeout:
            pass
        counted = [p["seconds"] for p in load_report(url)["recent_pauses"] if p["id"] == session]
        taken.append(stopped - clicked)
        on_server.append(counted[-1] if counted and stopped < float("inf") else float("inf"))
        redrawn.append(back - clicked)
    return taken, on_server, redrawn


def run_load(browser, url, n: int, seconds: float) -> dict:
    pages = open_tabs(browser, url, n)
    ids = press_play(pages, url)
    time.sleep(3.0)  # every trainer has taken a few turns
    probe = HealthProbe(url)
    probe.start()
    before = snapshot()
    server_before = groups(before, url.pgid)["server"]
    rss = []
    readings: dict[str, list[tuple[float, int]]] = {session: [] for session in ids}
    loop_lag_ms: dict[int, float] = {}  # the server's event loop: worst lag in each second
    start, start_unix = time.monotonic(), time.time()
    while time.monotonic() - start < seconds:
        now = time.monotonic() - start
        report = load_report(url)
        for session in report["sessions"]:
            if session["id"] in readings:
                readings[session["id"]].append((now, session["step"]))
        for second in report["event_loop_lag"]:
            loop_lag_ms[second["second"]] = second["worst_ms"]
        rss.append(server_rss_mb(server_before))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - start) % 1.0))
    elapsed, end_unix = time.monotonic() - start, time.time()
    after = snapshot()
    cpu = cpu_seconds(before, after, server_before, groups(after, url.pgid)["server"])
    probe.stopped.set()
    pause_taken, pause_on_server, pause_redrawn = pause_each(pages, ids, url)
    for page in pages:
        page.context.close()
    rates = [(r[-1][1] - r[0][1]) / (r[-1][0] - r[0][0]) if len(r) > 1 else 0.0 for r in readings.values()]
    return {
        "sessions": n,
        "seconds": elapsed,
        "steps_per_second": rates,
        "total_steps_per_second": sum(rates),
        "fairness": min(rates) / max(rates) if rates and max(rates) > 0 else float("nan"),
        "stalled_spans": sum(stalled_spans(r) for r in readings.values()),
        "health_ms_median": 1000 * statistics.median(probe.latencies),
        "health_ms_max": 1000 * max(probe.latencies),
        # the part of any answer's wait spent on the server's event loop (dde_app/event_loop_lag.py)
        "event_loop_lag_ms_max": max(
            (ms for second, ms in loop_lag_ms.items() if start_unix - 1 <= second <= end_unix), default=float("nan")
        ),
        "pause_seconds_max": max(pause_taken),
        # the server's count of the Pauses it saw (a tab too starved to send its click is in "pauses_seen")
        "pause_on_server_seconds_max": max((s for s in pause_on_server if s < float("inf")), default=float("inf")),
        "pauses_seen": sum(s < float("inf") for s in pause_on_server),
        "pause_redrawn_seconds_max": max(pause_redrawn),
        "server_cpu_percent": 100 * cpu / elapsed,
        "server_rss_mb": max(rss),
    }


def stalled_spans(reading: list[tuple[float, int]]) -> int:
    """5-second spans (from each reading) in which this session's step did not change."""
    stalled = 0
    for i, (t0, step0) in enumerate(reading):
        later = [step for t, step in reading[i:] if t >= t0 + SPAN_SECONDS]
        if later and later[0] == step0:
            stalled += 1
    return stalled


def seconds_text(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < float("inf") else f"> {PAUSE_LIMIT_SECONDS}"


def row(r: dict, alone: float | None) -> list:
    """One line of the results table."""
    rates = r["steps_per_second"]
    return [
        r["sessions"],
        f"{r['total_steps_per_second']:.0f}",
        f"{100 * r['total_steps_per_second'] / alone:.0f}%" if alone else "—",
        f"{min(rates):.1f}–{max(rates):.1f}",
        f"{r['fairness']:.2f}",
        r["stalled_spans"],
        f"{r['health_ms_median']:.0f} / {r['health_ms_max']:.0f}",
        f"{r['event_loop_lag_ms_max']:.0f}",
        " / ".join(
            seconds_text(r[key])
            for key in ("pause_on_server_seconds_max", "pause_seconds_max", "pause_redrawn_seconds_max")
        )
        + f" ({r['pauses_seen']} of {r['sessions']} seen)",
        f"{r['server_cpu_percent']:.0f}%",
        f"{r['server_rss_mb']:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default=None, help="comma-separated N values (default 1,4; --full 1,4,8,16)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per N (20; --full 60)")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--idle-browser", action="store_true", help="chromium in the idle scheduling class")
    parser.add_argument("--browser-cpus", default=None, help="keep chromium on these CPUs (taskset -c), e.g. 1")
    parser.add_argument("--server-cpus", default=None, help="keep the server on these CPUs (taskset -a), e.g. 0")
    args = parser.parse_args()
    sessions = [int(n) for n in (args.sessions or ("1,4,8,16" if args.full else "1,4")).split(",")]
    seconds = args.seconds or (60.0 if args.full else 20.0)
    info = common.machine_info()
    common.print_machine(info)
    print("chromium in the idle scheduling class" if args.idle_browser else "chromium at the server's priority")
    if args.browser_cpus:
        print(f"chromium kept on CPU {args.browser_cpus}")
    if args.server_cpus:
        print(f"the server kept on CPU {args.server_cpus}")
    results = []
    # Every tab plays (none waits in the queue): the server gets as many playing slots as the largest N.
    slots = {"DDE_MAX_PLAYING_SESSIONS": str(max(sessions))}
    with (
        streamlit_server(common.OUT_DIR / "load-server.log", env=slots) as url,
        chromium(args.idle_browser, args.browser_cpus) as browser,
    ):
        if args.server_cpus:
            keep_server_on(args.server_cpus, url)
        for n in sessions:
            print(f"{n} session(s) playing for {seconds:.0f} s ...", flush=True)
            results.append(run_load(browser, url, n, seconds))
            print(f"  {results[-1]}", flush=True)
    alone = next((r["total_steps_per_second"] for r in results if r["sessions"] == 1), None)
    rows = [row(r, alone) for r in results]
    common.print_table(
        [
            "N",
            "total steps/s",
            "of N=1",
            "per session",
            "slowest/fastest",
            "stalled 5-s spans",
            "health ms (median / max)",
            "server's event-loop lag ms (max)",
            "Pause s (max): server / from click / redrawn",
            "server CPU",
            "server RSS MiB",
        ],
        rows,
    )
    print("Targets: N=8,16: Pause ≤ 1 s, health ≤ 100 ms, no stalled span, fairness ≥ 0.67, total ≥ 80% of N=1.")
    payload = {
        "machine": info,
        "command": common.command_line(),
        "idle_browser": args.idle_browser,
        "browser_cpus": args.browser_cpus,
        "server_cpus": args.server_cpus,
    }
    common.write_json("load", {**payload, "results": results})


if __name__ == "__main__":
    main()
