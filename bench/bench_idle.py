"""Idle cost: the CPU the app uses while one tab shows the Playground and nobody touches it.

Target (issue "The app"): the server uses less than 15% of one core at idle.

The app is started exactly as README.md says (`make app`, through bench/browser_harness.py,
on a free port); Debian's chromium opens one tab on the Playground and waits until the first
model is drawn and the page is idle; after a short settling time, for ``--seconds`` the tab
stays open and untouched while this script reads, from /proc, the CPU time (user + system,
plus that of children they reaped) of

- the server: every process of the process group `make app` leads (make, streamlit);
- chromium: every chromium process this script started (browser, renderers, GPU, utilities);
- the Playwright driver that talks to chromium (node), for completeness.

It also counts the WebSocket messages between the tab and the server in that window, and the
lines "Inotify queue overflowed" in the server's log (Streamlit's file watcher overflowing its
queue: what watching the whole project, .venv included, used to do).

    .venv/bin/python bench/bench_idle.py              # about 1 minute
    .venv/bin/python bench/bench_idle.py --quick      # 10 s of measurement
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (quiets TensorFlow, finds the project)

from bench.browser_harness import chromium, server_command, streamlit_server, wait_for_app  # noqa: E402

TARGET_SERVER_PERCENT = 15.0
SETTLE_SECONDS = 5.0  # after the page is idle: the first load's last work (e.g. a late rerun) ends
INOTIFY_OVERFLOW = "Inotify queue overflowed"
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int, float] | None:
    """(parent pid, process group, CPU seconds incl. reaped children) of ``pid``; None once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime ...
    ppid, pgrp = int(fields[1]), int(fields[2])
    ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ppid, pgrp, ticks / TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def snapshot() -> dict[int, tuple[int, int, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                found[int(entry.name)] = stat
    return found


def groups(processes: dict[int, tuple[int, int, float]], server_pgid: int) -> dict[str, list[int]]:
    """The server's process group; and this script's other descendants, chromium's and the rest."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    mine, todo = [], [os.getpid()]
    while todo:  # every descendant, whichever thread forked it
        for child in children.get(todo.pop(), []):
            mine.append(child)
            todo.append(child)
    found = {
        "server": [pid for pid, (_, pgrp, _) in processes.items() if pgrp == server_pgid],
        "chromium": [],
        "playwright driver": [],
    }
    for pid in mine:
        if processes[pid][1] == server_pgid:
            continue
        found["chromium" if "chrom" in _cmdline(pid) else "playwright driver"].append(pid)
    return found


def cpu_seconds(before: dict, after: dict, pids_before: list[int], pids_after: list[int]) -> float:
    """CPU seconds used between the two snapshots by these processes (new ones count from 0;
    one that ended in between is missed after its last reading, unless its parent reaped it)."""
    total = 0.0
    for pid in set(pids_before) | set(pids_after):
        if pid in after:
            total += after[pid][2] - (before[pid][2] if pid in before else 0.0)
    return total


def measure(seconds: float) -> dict:
    log_path = common.OUT_DIR / "idle-server.log"
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    with streamlit_server(log_path) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        messages = {"received": 0, "sent": 0}

        def watch(socket) -> None:
            socket.on("framereceived", lambda _: messages.__setitem__("received", messages["received"] + 1))
            socket.on("framesent", lambda _: messages.__setitem__("sent", messages["sent"] + 1))

        page.on("websocket", watch)
        page.goto(f"{url}/")
        wait_for_app(page, timeout_ms=180_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
        page.mouse.move(5, 5)
        time.sleep(SETTLE_SECONDS)

        before = snapshot()
        pids_before = groups(before, url.pgid)
        counted = dict(messages)
        start = time.monotonic()
        while time.monotonic() - start < seconds:  # stay idle; let Playwright deliver events
            page.wait_for_timeout(500)
        elapsed = time.monotonic() - start
        after = snapshot()
        pids_after = groups(after, url.pgid)
        ws = {name: messages[name] - counted[name] for name in messages}
        still_idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').count() == 1
        command = " ".join(server_command(int(url.rsplit(":", 1)[1])))
        log = log_path.read_text(errors="replace")

    usage = {}
    for name in pids_before:
        used = cpu_seconds(before, after, pids_before[name], pids_after[name])
        usage[name] = {
            "percent_of_one_core": 100.0 * used / elapsed,
            "cpu_seconds": used,
            "processes": len(set(pids_before[name]) | set(pids_after[name])),
        }
    return {
        "seconds": elapsed,
        "usage": usage,
        "websocket_messages": ws,
        "page_idle_at_end": still_idle,
        "server_command": command,
        "inotify_overflows": log.count(INOTIFY_OVERFLOW),
        "server_log": str(log_path),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="idle measurement time")
    parser.add_argument("--quick", action="store_true", help="10 s of measurement")
    args = parser.parse_args()
    seconds = 10.0 if args.quick else args.seconds
    info = common.machine_info()
    common.print_machine(info)

    result = measure(seconds)
    usage = result["usage"]
    print(f"Command: {common.command_line()}")
    print(f"Server started as README.md says: {result['server_command']} (port chosen free)")
    overrides = {k: v for k, v in os.environ.items() if k.startswith("STREAMLIT_")}
    print(
        "Streamlit settings from the environment (they override .streamlit/config.toml): "
        + (", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "none")
    )
    print(
        f"One chromium tab on the Playground, idle, measured for {result['seconds']:.1f} s "
        f"after {SETTLE_SECONDS:g} s of settling:"
    )
    common.print_table(
        ["processes", "count", "CPU s", "% of one core"],
        [
            [name, u["processes"], f"{u['cpu_seconds']:.2f}", f"{u['percent_of_one_core']:.1f}"]
            for name, u in usage.items()
        ],
    )
    server = usage["server"]["percent_of_one_core"]
    met = "met" if server < TARGET_SERVER_PERCENT else "NOT met"
    print(f"Server at idle: {server:.1f}% of one core (target < {TARGET_SERVER_PERCENT:g}%: {met}).")
    print(
        f"WebSocket messages in the window: {result['websocket_messages']['received']} received, "
        f"{result['websocket_messages']['sent']} sent; page idle at the end: {result['page_idle_at_end']}."
    )
    print(f"'{INOTIFY_OVERFLOW}' in the server log ({result['server_log']}): {result['inotify_overflows']} time(s).")
    common.write_json(
        "idle",
        {
            "machine": info,
            "command": common.command_line(),
            **result,
            "streamlit_environment": overrides,
            "target_server_percent": TARGET_SERVER_PERCENT,
        },
    )


if __name__ == "__main__":
    main()
