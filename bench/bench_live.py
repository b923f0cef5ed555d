"""Live view smoothness: frames per second in a real browser, and training kept while drawing.

Targets (issue "The app"): with a 100×100 heatmap and a readable quiver the view updates at
least 5 times a second on the 2-core machine while training continues, and training keeps at
least 60% of its headless steps/s.

Measured in one run, one after the other so they do not share the CPU:
1. headless: the playground's default model trained in chunks of ``--spf`` steps (what one
   frame trains), steps/s of the training calls alone;
2. engine frame: one frame without a browser, split into its parts: training and measuring
   against the KDE (the session's trainer thread), then building and serialising the frame
   the live panel fetches (dde_app/live_view.py);
3. browser: ``streamlit run app.py`` driven by Debian's chromium; press Play and, for
   ``--seconds``, record each new step shown in the DDE panel's title ("step N"): new values
   per second are the frames the person sees, the step difference over the wall time is the
   steps/s. The CPU time the server and chromium used meanwhile is read from /proc.

    .venv/bin/python bench/bench_live.py            # about 1 minute
    .venv/bin/python bench/bench_live.py --quick    # 5 s in the browser
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dde_app.tensorflow_setup import configure_tensorflow  # noqa: E402

configure_tensorflow()  # the app's TensorFlow settings: "headless" is the same trainer, minus the page

import common  # noqa: F401, E402  (quiets TensorFlow)
import numpy as np  # noqa: E402

from bench.browser_harness import chromium, streamlit_server, wait_for_app  # noqa: E402
from dde_app.session import PlaygroundSession  # noqa: E402
from dde_core.experiment import Config, Experiment  # noqa: E402
from dde_viz.animation import frame_from_view  # noqa: E402


def headless_steps_per_second(spf: int, frames: int) -> float:
    experiment = Experiment(Config())
    model = experiment.model
    model.partial_fit(steps=spf)  # warm
    start = time.perf_counter()
    for _ in range(frames):
        model.partial_fit(steps=spf)
    return spf * frames / (time.perf_counter() - start)


def engine_frame_seconds(spf: int, frames: int) -> dict:
    """Median seconds of each part of a frame, as the app makes and serves it."""
    import plotly.io

    session = PlaygroundSession()
    experiment = session.start(Config())
    parts = {"train": [], "measure": [], "frame figure": [], "serialise": []}
    for _ in range(frames + 1):
        t0 = time.perf_counter()
        experiment.model.partial_fit(steps=spf)
        t1 = time.perf_counter()
        experiment.measure()
        session.frames.add(frame_from_view(experiment.view, experiment.step))
        t2 = time.perf_counter()
        figure = session.live_figure(session.latest_frame)
        t3 = time.perf_counter()
        plotly.io.to_json(figure, validate=False)
        t4 = time.perf_counter()
        for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            parts[name].append(seconds)
    return {name: float(np.median(values[1:])) for name, values in parts.items()}


def _descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(c) for c in children.read_text().split()] if children.exists() else []
    return found + [d for child in found for d in _descendants(child)]


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        except (OSError, IndexError):
            pass  # the process ended
    return total / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[str, list[int]]:
    """This script's child processes: the streamlit server and chromium's."""
    found = {"server": [], "chromium": []}
    for pid in _descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "streamlit" in command:
            found["server"].append(pid)
        elif "chrom" in command:
            found["chromium"].append(pid)
    return found


COUNT_FRAMES_JS = """() => {
    // Record (time, step) whenever the DDE panel's title shows a new step.
    window.__frames = [];
    const read = () => {
        const titles = [...document.querySelectorAll('.js-plotly-plot .gtitle')].map(e => e.textContent);
        const title = titles.find(t => t.startsWith('DDE: exp f'));
        const match = title && title.match(/step ([\\d,]+)/);
        if (!match) return;
        const step = Number(match[1].replace(/,/g, ''));
        const last = window.__frames[window.__frames.length - 1];
        if (!last || last[1] !== step) window.__frames.push([performance.now() / 1000, step]);
    };
    new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def browser_rates(spf: int, seconds: float) -> dict:
    """Frames/s drawn and steps/s reached in chromium while the page plays.

    A MutationObserver in the page records each new step shown in the DDE
    panel's title, so the measurement itself adds almost no load.
    """
    with streamlit_server(common.OUT_DIR / "live-server.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        page.goto(f"{url}/?spf={spf}")
        wait_for_app(page, timeout_ms=120_000)
        page.get_by_role("button", name="Play").click()
        page.get_by_role("button", name="Pause").wait_for(timeout=30_000)
        time.sleep(2.0)  # let the first frames settle
        return count_frames(page, COUNT_FRAMES_JS, seconds)


def count_frames(page, count_js: str, seconds: float) -> dict:
    """Run ``count_js`` (it records ``window.__frames`` = [[seconds, step], ...]) in a playing
    ``page`` for ``seconds``, then press Pause; frames/s, steps/s and the processes' CPU cores."""
    processes = _processes()
    page.evaluate(count_js)
    cpu_before = {name: _cpu_seconds(pids) for name, pids in processes.items()}
    start = time.perf_counter()
    time.sleep(seconds)
    cores = {
        f"{name}_cores": (_cpu_seconds(pids) - cpu_before[name]) / (time.perf_counter() - start)
        for name, pids in processes.items()
    }
    seen = page.evaluate("() => window.__frames")
    page.get_by_role("button", name="Pause").click()
    if len(seen) < 2:
        return {"frames_per_second": 0.0, "steps_per_second": 0.0, "frames": len(seen), **cores}
    elapsed = seen[-1][0] - seen[0][0]
    return {
        "frames_per_second": (len(seen) - 1) / elapsed,
        "steps_per_second": (seen[-1][1] - seen[0][1]) / elapsed,
        "frames": len(seen),
        **cores,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spf", type=int, default=None, help="steps per frame (default: the app's)")
    parser.add_argument("--seconds", type=float, default=15.0, help="browser measurement time")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from dde_app.sharing import Setup

    spf = args.spf or Setup().steps_per_frame
    seconds = 5.0 if args.quick else args.seconds
    info = common.machine_info()
    common.print_machine(info)

    headless = headless_steps_per_second(spf, 10 if args.quick else 40)
    frame = engine_frame_seconds(spf, 5 if args.quick else 20)
    browser = browser_rates(spf, seconds)
    kept = browser["steps_per_second"] / headless
    common.print_table(
        ["part of one frame (engine, no browser)", "median ms"],
        [[name, f"{1000 * value:.1f}"] for name, value in frame.items()],
    )
    print(f"Steps per frame: {spf}. Headless training: {headless:.0f} steps/s.")
    print(
        f"Browser: {browser['frames_per_second']:.2f} frames/s (target ≥ 5), "
        f"{browser['steps_per_second']:.0f} steps/s = {100 * kept:.0f}% of headless (target ≥ 60%), "
        f"{browser['frames']} frames seen in {seconds:.0f} s."
    )
    print(
        f"CPU meanwhile: server {browser['server_cores']:.2f} cores (training included), "
        f"chromium {browser['chromium_cores']:.2f} cores, of {os.cpu_count()}."
    )
    common.write_json(
        "live",
        {
            "machine": info,
            "command": common.command_line(),
            "spf": spf,
            "headless_steps_per_second": headless,
            "engine_frame_seconds": frame,
            "browser": browser,
            "fraction_of_headless": kept,
        },
    )


if __name__ == "__main__":
    main()
