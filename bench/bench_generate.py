"""Generate: a generator trained with two DDEs against a GAN of the same generator, at the
same wall-clock budget, on the mixtures with known centres (issue 11).

What it measures
    For 8gaussians and grid25 (10,000 training points, data seed 0) and each seed, both
    methods train with their defaults (``DDEGenerator()`` and ``GAN()``, same seed: same
    initial generator and latent draws) until ``--budget`` seconds of wall time have passed,
    as a person waits for it: for the DDE generator that includes training its data DDE
    first; for both, the one-off tracing of the first chunk. Training runs in chunks of
    ``--chunk`` generator steps; the budget is checked after each chunk. Then 5,000 samples
    (latent seed 123) are scored with ``generation_metrics``: modes covered (a mode holding
    ≥ 1% of the samples within 3 component stds of its centre) and the share of high-quality
    samples (within 3 stds of some centre), plus MMD² and the grid KL to held-out data.
    Reported per method: mean, standard deviation and minimum over seeds, and generator steps.

Target (issue 11)
    8gaussians: the DDE generator covers 8/8 modes with ≥ 90% high-quality samples within
    60 s of training on 2 cores, over ≥ 5 seeds; the GAN beside it at the same budget and
    seeds. grid25: report what each reaches (no target).

Live view (``--live``; target: ≥ 5 frames/s in chromium, training keeps ≥ 60% of headless)
    Like bench/bench_live.py for the Playground: (1) headless, the Generate page's default run
    (after its data DDE) trained in chunks of the frames' size with no frames, generator steps/s;
    (2) ``streamlit run app.py`` in Debian's chromium at 1280×720: open /generate, press Play,
    wait until the data DDE is trained, then for ``--seconds`` record each new "generator step N"
    of the live panel's title (a MutationObserver: frames drawn per second, steps per second).
    ``--live-method both`` measures the two methods side by side.

Command
    .venv/bin/python bench/bench_generate.py           # default, short: 2 seeds × 30 s (~5 min)
    .venv/bin/python bench/bench_generate.py --full    # the target table: 5 seeds × 60 s (~22 min)
    .venv/bin/python bench/bench_generate.py --live    # the live view only (~2 min)
Results are printed and written to bench/out/generate.json (generate-live.json).
"""

from __future__ import annotations

import argparse
import statistics
import time

import common  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL and sys.path first)
from common import command_line, machine_info, print_machine, print_table, write_json

from dde_core import datasets
from dde_core.generation import GAN, DDEGenerator
from dde_core.generation_metrics import GenerationReference
from dde_core.grid import Grid

DATASETS = ("8gaussians", "grid25")
METHODS = {"DDE generator": DDEGenerator, "GAN": GAN}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the target table: 5 seeds, 60 s each")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per method (default 2, full 5)")
    parser.add_argument("--budget", type=float, default=None, help="seconds per run (default 30, full 60)")
    parser.add_argument("--chunk", type=int, default=100, help="generator steps between budget checks")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--live", action="store_true", help="measure the page's live view instead")
    parser.add_argument("--live-method", default="dde", choices=("dde", "gan", "both"))
    parser.add_argument("--seconds", type=float, default=15.0, help="browser measurement time (--live)")
    args = parser.parse_args()
    args.seeds = args.seeds or (5 if args.full else 2)
    args.budget = args.budget or (60.0 if args.full else 30.0)
    return args


def run_one(method: str, dataset: str, train, seed: int, budget: float, chunk: int) -> tuple:
    """Train one model within ``budget`` wall seconds; (model, steps, seconds, data-DDE seconds)."""
    model = METHODS[method](seed=seed)
    start = time.perf_counter()
    data_seconds = 0.0
    if method == "DDE generator":
        model.data_model = model.fit_data_model(train)
        data_seconds = time.perf_counter() - start
    model.partial_fit(train, steps=chunk)
    while time.perf_counter() - start + model.history_.seconds / max(len(model.history_.steps), 1) < budget:
        model.partial_fit(steps=chunk)
    return model, model.n_steps_, time.perf_counter() - start, data_seconds


def summary(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    """'mean ± standard deviation (min lowest)' of values × scale."""
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    mean, low = scale * statistics.mean(values), scale * min(values)
    return f"{mean:.{digits}f} ± {scale * spread:.{digits}f} (min {low:.{digits}f})"


COUNT_FRAMES_JS = """() => {
    // Record (time, generator step) whenever the live panel's title shows a new step.
    window.__frames = [];
    const read = () => {
        const plot = document.querySelector('.st-key-gen_panel .js-plotly-plot');
        const title = plot && plot.layout && plot.layout.title ? plot.layout.title.text : '';
        const match = title.match(/generator step ([\\d,]+)/);
        if (!match) return;
        const step = Number(match[1].replace(/,/g, ''));
        const last = window.__frames[window.__frames.length - 1];
        if (!last || last[1] !== step) window.__frames.push([performance.now() / 1000, step]);
    };
    new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def headless_live(method: str, seconds: float = 8.0) -> tuple[float, float]:
    """Generator steps/s of the page's default run trained in frame-sized chunks without
    frames, and the mean steps of a frame the session chose ("auto" steps per frame)."""
    from dde_app.generate_session import FRAME_SECONDS, GenerateSession, GenerateSettings

    session = GenerateSession()
    session.start(GenerateSettings(method=method))
    if session.data_dde is not None:
        session.data_dde.partial_fit(steps=session.settings.data_steps - session.data_steps_done)
    models = list(session.models.values())
    for model in models:
        model.partial_fit(steps=5)  # warm (traces)
    start = time.perf_counter()
    model_start = start
    for model in models:
        model.partial_fit(steps=10)
    per_step = (time.perf_counter() - model_start) / 10
    chunk = max(1, round(0.75 * FRAME_SECONDS / per_step))  # about what an auto frame trains
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for model in models:
            model.partial_fit(steps=chunk)
        steps += chunk
    return steps / (time.perf_counter() - start), chunk


def browser_live(method: str, seconds: float) -> dict:
    """Frames/s and generator steps/s seen in chromium while the Generate page plays."""
    import bench_live

    from bench.browser_harness import chromium, streamlit_server, wait_for_app

    with streamlit_server(common.OUT_DIR / "generate-live-server.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/generate")
        wait_for_app(page, timeout_ms=120_000)
        if method != "dde":
            page.get_by_text({"gan": "GAN", "both": "Both, side by side"}[method], exact=True).click()
            wait_for_app(page, timeout_ms=120_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(  # the data DDE first (the generators wait for it)
            """() => { const p = document.querySelector('.st-key-gen_panel .js-plotly-plot');
                       return p && p.layout && /generator step/.test(p.layout.title.text); }""",
            timeout=300_000,
        )
        time.sleep(3.0)  # the first chunks trace the training graphs
        return bench_live.count_frames(page, COUNT_FRAMES_JS, seconds)


def main_live(args: argparse.Namespace) -> None:
    from dde_app.tensorflow_setup import configure_tensorflow

    configure_tensorflow()  # the app's settings: "headless" is the same trainer, minus the page
    info = machine_info()
    print_machine(info)
    headless, chunk = headless_live(args.live_method)
    browser = browser_live(args.live_method, args.seconds)
    kept = browser["steps_per_second"] / headless
    print(f"Method {args.live_method}. Headless: {headless:.0f} generator steps/s in chunks of {chunk}.")
    print(
        f"Browser (1280×720): {browser['frames_per_second']:.2f} frames/s (target ≥ 5), "
        f"{browser['steps_per_second']:.0f} steps/s = {100 * kept:.0f}% of headless (target ≥ 60%), "
        f"{browser['frames']} frames in {args.seconds:.0f} s; CPU: server {browser.get('server_cores', 0):.2f} "
        f"cores, chromium {browser.get('chromium_cores', 0):.2f} (indicative on a shared machine)."
    )
    path = write_json(
        "generate-live",
        {
            "machine": info,
            "command": command_line(),
            "method": args.live_method,
            "headless_steps_per_second": headless,
            "headless_chunk": chunk,
            "browser": browser,
            "fraction_of_headless": kept,
        },
    )
    print(f"Wrote {path}")


def main() -> None:
    args = parse_args()
    if args.live:
        main_live(args)
        return
    info = machine_info()
    print_machine(info)
    print(f"{args.seeds} seeds × {args.budget:.0f} s per method and dataset (indicative on a shared machine)")
    rows, records = [], []
    for dataset in args.datasets.split(","):
        train = datasets.sample(dataset, 10_000, 0)
        centres, std = datasets.mode_centres(dataset)
        reference = GenerationReference(
            datasets.sample(dataset, 5000, 1), train, 0.1, Grid(n=100), centres=centres, component_std=std
        )
        for method in METHODS:
            results = []
            for seed in range(args.seeds):
                model, steps, seconds, data_seconds = run_one(method, dataset, train, seed, args.budget, args.chunk)
                measured = reference.measure(model.sample(5000, seed=123))
                results.append(
                    {"seed": seed, "steps": steps, "seconds": seconds, "data_seconds": data_seconds, **measured}
                )
                print(
                    f"  {dataset} {method} seed {seed}: {measured['modes_covered']:.0f}/{len(centres)} modes, "
                    f"{100 * measured['high_quality']:.1f}% high quality, {steps} steps, {seconds:.0f} s",
                    flush=True,
                )
            records.append({"dataset": dataset, "method": method, "params": model.get_params(), "runs": results})
            rows.append(
                [
                    dataset,
                    method,
                    summary([r["modes_covered"] for r in results]) + f" / {len(centres)}",
                    summary([r["high_quality"] for r in results], 100) + " %",
                    summary([r["kl_grid"] for r in results], digits=3),
                    f"{statistics.mean(r['steps'] for r in results):.0f}",
                    f"{statistics.mean(r['seconds'] for r in results):.0f} "
                    f"({statistics.mean(r['data_seconds'] for r in results):.0f})",
                ]
            )
    print()
    print_table(["dataset", "method", "modes covered", "high quality", "grid KL (nats)", "steps", "s (data DDE)"], rows)
    target = [r for r in records if r["dataset"] == "8gaussians" and r["method"] == "DDE generator"]
    if target:
        met = all(run["modes_covered"] == 8 and run["high_quality"] >= 0.9 for run in target[0]["runs"])
        print(
            f"\nTarget (8gaussians, DDE generator: 8/8 modes and ≥ 90% high quality in every seed): "
            f"{'met' if met else 'NOT met'} at {args.budget:.0f} s, {args.seeds} seeds."
        )
    path = write_json(
        "generate", {"machine": info, "command": command_line(), "budget_s": args.budget, "results": records}
    )
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
