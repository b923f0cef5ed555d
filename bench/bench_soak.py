"""Soak: does memory stay bounded? (issue "Hardening for a classroom").

Targets: 50 sessions opened and closed leave the server within 50 MiB of where it started
(once their reload grace period is over); a long play keeps the server within 10% and the
tab's JS heap and DOM node count flat.

1. **Cycle**: ``--cycles`` times, a new tab (its own browser context, so its own session)
   opens the Playground, plays ``--play`` seconds and closes. The server runs with a short
   reload grace (``DDE_RESUME_GRACE_SECONDS``, default here 20 s) so that closed sessions'
   models are freed within the run; after the last one the script waits for the grace
   period, Streamlit's own clean-up, and reads the server's memory (RSS, from /proc).
2. **Play**: one tab plays for ``--minutes``; every minute the server's RSS and, through
   Chrome DevTools' ``Performance.getMetrics``, the tab's JS heap and DOM node count.

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
SETTLE_SECONDS = 60  # after the grace period: the resume store's sweep and Streamlit's own clean-up


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
    time.sleep(GRACE_SECONDS + SETTLE_SECONDS)
    start = server_mb(url)
    peak = start
    for number in range(cycles):
        page = open_playground(browser, url)
        button(page, "Play").click()
        page.wait_for_timeout(play_seconds * 1000)
        page.context.close()
        peak = max(peak, server_mb(url))
        print(f"  cycle {number + 1}/{cycles}: server {peak:.0f} MiB at most so far", flush=True)
    time.sleep(GRACE_SECONDS + SETTLE_SECONDS)
    end = server_mb(url)
    return {"cycles": cycles, "start_mb": start, "peak_mb": peak, "end_mb": end, "growth_mb": end - start}


def play(browser, url, minutes: float) -> list[dict]:
    page = open_playground(browser, url)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    button(page, "Play").click()
    readings = []
    started = time.monotonic()
    while True:
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        readings.append(
            {
                "minute": (time.monotonic() - started) / 60,
                "server_mb": server_mb(url),
                "js_heap_mb": metrics.get("JSHeapUsedSize", 0) / 2**20,
                "dom_nodes": int(metrics.get("Nodes", 0)),
            }
        )
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
        ["sessions cycled", "server before", "peak", "after grace", "growth"],
        [[cycled["cycles"], *(f"{cycled[k]:.0f} MiB" for k in ("start_mb", "peak_mb", "end_mb", "growth_mb"))]],
    )
    first, last = played[0], played[-1]
    common.print_table(
        ["minutes", "server MiB", "JS heap MiB", "DOM nodes"],
        [[f"{r['minute']:.0f}", f"{r['server_mb']:.0f}", f"{r['js_heap_mb']:.1f}", r["dom_nodes"]] for r in played],
    )
    print(
        f"Server {100 * (last['server_mb'] / first['server_mb'] - 1):+.1f}% over the play; "
        f"JS heap {last['js_heap_mb'] - first['js_heap_mb']:+.1f} MiB; "
        f"DOM nodes {last['dom_nodes'] - first['dom_nodes']:+d}. "
        "Targets: growth after cycling ≤ 50 MiB; server within 10%; heap and nodes flat."
    )
    common.write_json("soak", {"machine": info, "command": common.command_line(), "cycle": cycled, "play": played})


if __name__ == "__main__":
    main()
