"""Soak: does memory stay bounded? (issue "Hardening for a classroom").

Targets: 50 sessions opened and closed leave the server within 50 MiB of where it started
(once their reload grace period is over); a long play keeps the server within 10% and the
tab's JS heap and DOM node count flat.

1. **Cycle**: ``--cycles`` times, a new tab (its own browser context, so its own session)
   opens the Playground, plays ``--play`` seconds and closes. The server runs with a short
   reload grace (``DDE_RESUME_GRACE_SECONDS``, default here 20 s) so that closed sessions'
   models are freed within the run; after the last one the script follows the server's
   memory (RSS, from /proc) every 30 s for ``SETTLE_SECONDS``: past the grace period, the
   store's sweep and Streamlit's own keeping of closed sessions (``server.disconnectedSessionTTL``,
   120 s).
2. **Play**: one tab plays for ``--minutes``; every minute the server's RSS and, through
   Chrome DevTools' ``Performance.getMetrics``, the tab's JS heap and DOM node count, read
   as they are and again after a forced garbage collection (``HeapProfiler.collectGarbage``):
   the first go up and down with the collector, the second is what the tab really keeps.

    .venv/bin/python bench/bench_soak.py                      # 10 cycles, 2 minutes (make bench)
    .venv/bin/python bench/bench_soak.py --full               # 50 cycles, 30 minutes
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (quiets TensorFlow, finds the project)

from bench.bench_idle import groups, snapshot  # noqa: E402
from bench.bench_load import server_rss_mb  # noqa: E402
from bench.browser_harness import IDLE, chromium, streamlit_server  # noqa: E402

GRACE_SECONDS = 20
SETTLE_SECONDS = 180  # followed after the last close: grace, sweeps, Streamlit's 120-s session TTL


def open_playground(browser, url):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{url}/")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
    page.wait_for_selector(IDLE, timeout=300_000)
    return page


def button(page, name: str):
    return page.get_by_role("button", name=re.compile(rf"\b{name}$"))


def server_mb(url) -> float:
    return server_rss_mb(groups(snapshot(), url.pgid)["server"])


def cycle(browser, url, cycles: int, play_seconds: float) -> dict:
    warm = open_playground(browser, url)  # the first session pays for imports and compiled code
    warm.context.close()
    time.sleep(SETTLE_SECONDS)
    start = server_mb(url)
    peak = start
    for number in range(cycles):
        page = open_playground(browser, url)
        button(page, "Play").click()
        page.wait_for_timeout(play_seconds * 1000)
        page.context.close()
        peak = max(peak, server_mb(url))
        print(f"  cycle {number + 1}/{cycles}: server {peak:.0f} MiB at most so far", flush=True)
    after = []  # (seconds since the last close, server MiB)
    closed = time.monotonic()
    while not after or after[-1][0] < SETTLE_SECONDS:
        time.sleep(30)
        after.append((round(time.monotonic() - closed), server_mb(url)))
        print(f"  {after[-1][0]} s after the last close: server {after[-1][1]:.0f} MiB", flush=True)
    end = after[-1][1]
    return {
        "cycles": cycles,
        "start_mb": start,
        "peak_mb": peak,
        "end_mb": end,
        "growth_mb": end - start,
        "after_close": after,
    }


def tab_metrics(cdp) -> dict:
    """The tab's JS heap (MiB) and DOM nodes, as they are and after a forced collection."""

    def read() -> dict:
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    before = read()
    cdp.send("HeapProfiler.collectGarbage")
    after = read()
    return {
        "js_heap_mb": before.get("JSHeapUsedSize", 0) / 2**20,
        "dom_nodes": int(before.get("Nodes", 0)),
        "kept_js_heap_mb": after.get("JSHeapUsedSize", 0) / 2**20,
        "kept_dom_nodes": int(after.get("Nodes", 0)),
    }


def play(browser, url, minutes: float) -> list[dict]:
    page = open_playground(browser, url)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    button(page, "Play").click()
    readings = []
    started = time.monotonic()
    while True:
        readings.append({"minute": (time.monotonic() - started) / 60, "server_mb": server_mb(url), **tab_metrics(cdp)})
        print(f"  minute {readings[-1]['minute']:.1f}: {readings[-1]}", flush=True)
        if time.monotonic() - started >= minutes * 60:
            break
        page.wait_for_timeout(60_000)
    button(page, "Pause").click()
    page.context.close()
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=None, help="sessions opened and closed (10; --full 50)")
    parser.add_argument("--play", type=float, default=10.0, help="seconds each cycled session plays")
    parser.add_argument("--minutes", type=float, default=None, help="minutes of the long play (2; --full 30)")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    cycles = args.cycles or (50 if args.full else 10)
    minutes = args.minutes or (30.0 if args.full else 2.0)
    info = common.machine_info()
    common.print_machine(info)
    env = {"DDE_RESUME_GRACE_SECONDS": str(GRACE_SECONDS)}
    with streamlit_server(common.OUT_DIR / "soak-server.log", env=env) as url, chromium() as browser:
        print(f"Cycle: {cycles} sessions open, play {args.play:.0f} s, close ...", flush=True)
        cycled = cycle(browser, url, cycles, args.play)
        print(f"Play: one tab for {minutes:.0f} minutes ...", flush=True)
        played = play(browser, url, minutes)
    common.print_table(
        ["sessions cycled", "server before", "peak", f"{SETTLE_SECONDS} s after", "growth"],
        [[cycled["cycles"], *(f"{cycled[k]:.0f} MiB" for k in ("start_mb", "peak_mb", "end_mb", "growth_mb"))]],
    )
    first, last = played[0], played[-1]
    common.print_table(
        ["seconds after the last close", "server MiB"], [[s, f"{mb:.0f}"] for s, mb in cycled["after_close"]]
    )
    common.print_table(
        ["minutes", "server MiB", "JS heap MiB", "kept after GC", "DOM nodes", "kept after GC"],
        [
            [
                f"{r['minute']:.0f}",
                f"{r['server_mb']:.0f}",
                f"{r['js_heap_mb']:.1f}",
                f"{r['kept_js_heap_mb']:.1f}",
                r["dom_nodes"],
                r["kept_dom_nodes"],
            ]
            for r in played
        ],
    )
    print(
        f"Server {100 * (last['server_mb'] / first['server_mb'] - 1):+.1f}% over the play; "
        f"JS heap kept {last['kept_js_heap_mb'] - first['kept_js_heap_mb']:+.1f} MiB; "
        f"DOM nodes kept {last['kept_dom_nodes'] - first['kept_dom_nodes']:+d}. "
        "Targets: growth after cycling ≤ 50 MiB; server within 10%; heap and nodes flat."
    )
    common.write_json("soak", {"machine": info, "command": common.command_line(), "cycle": cycled, "play": played})


if __name__ == "__main__":
    main()
