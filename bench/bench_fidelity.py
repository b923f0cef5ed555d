"""Time to fidelity: how long the default DDE trains before it matches the exact KDE.

What it measures
    2spirals, 10,000 samples (seed 0), σ = 0.2.  Fidelity is KL(KDE_σ ‖ DDE) in nats
    on the 200×200 grid over [−4, 4]² (both normalised over the cells).  The default
    ``DDE(sigma=0.2)`` trains in chunks of 100 steps (``dde_core.training.train_in_chunks``);
    after each chunk the KL is computed, outside the timed training: training time is the
    wall time of the ``partial_fit`` calls (time.perf_counter), one-off set-up and tracing
    of the first call included, as a user waits for it.  (The model's
    ``history_.seconds`` is recorded too; it now leaves out the whole first chunk.)
    Reported: training seconds and steps at which KL first ≤ target (and from which it
    stays ≤ target for the rest of the run), and the KL at the default number of steps
    (``model.steps``).  If the target is not met by then, training continues up to
    ``--max-steps``.

    Comparison: the baseline of docs/science.md §7, "plain 3×256 softplus, Adam 1e-3, batch 512, no
    EMA" (``DDE(hidden=(256,)*3, learning_rate=1e-3, batch_size=512, ema=0, steps=20000)``,
    so the cosine decay is nearly flat) trained for a fixed time budget; its KL at the cap
    (the last evaluation within the cap, and the median of the last five, since without
    weight averaging its KL jumps from chunk to chunk).

    Full mode also fits the default DDE on 8gaussians, checkerboard, rings, moons and
    pinwheel (10,000 samples, seed 0, σ = 0.2) and reports KL after ``model.steps``.

Target
    KL(KDE_σ ‖ DDE) ≤ 0.05 nats on 2spirals (σ = 0.2), in as few training seconds as possible;
    the default settings should reach it well within their default ``steps``.

Command
    .venv/bin/python bench/bench_fidelity.py            # full (a few minutes)
    .venv/bin/python bench/bench_fidelity.py --quick    # smoke run (~30 s)
Results are printed and written to bench/out/fidelity.json.
"""

from __future__ import annotations

import argparse
import statistics
import time

import common  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL and sys.path first)
from common import command_line, machine_info, print_machine, print_table, write_json

from dde_core import DDE, GaussianKDE, Grid, datasets
from dde_core.metrics import kl_on_grid
from dde_core.training import train_in_chunks

OTHER_TOYS = ("8gaussians", "checkerboard", "rings", "moons", "pinwheel")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: short baseline, no other toy sets")
    parser.add_argument("--dataset", default="2spirals")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="data seed")
    parser.add_argument("--sigma", type=float, default=0.2)
    parser.add_argument("--target", type=float, default=0.05, help="KL target in nats")
    parser.add_argument("--chunk", type=int, default=100, help="training steps between KL evaluations")
    parser.add_argument("--grid", type=int, default=200, help="grid cells per side over [-4, 4]^2")
    parser.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="keep training the default model past model.steps until the target is hit, "
        "at most this many steps (default 2 × model.steps)",
    )
    parser.add_argument("--baseline-seconds", type=float, default=None, help="time cap of the baseline (30; quick 5)")
    args = parser.parse_args()
    if args.baseline_seconds is None:
        args.baseline_seconds = 5.0 if args.quick else 30.0
    return args


def train_with_kl(model: DDE, X, log_p_kde, points, chunk: int, max_steps: int, stop) -> list[dict]:
    """Train ``model`` on X in chunks (``train_in_chunks``), recording (steps, training seconds, KL) after each.

    At most ``max_steps`` steps; ``stop(curve)`` is asked after every chunk.  "seconds"
    is the wall time between the reports, i.e. of the partial_fit calls (set-up and
    tracing of the first one included), so KL evaluation is not in the training time.
    The model's own ``history_.seconds`` is recorded alongside.
    """
    curve: list[dict] = []
    seconds = 0.0
    since = time.perf_counter()

    def record(done: int, total: int) -> None:
        nonlocal seconds, since
        seconds += time.perf_counter() - since
        kl = kl_on_grid(log_p_kde, model.log_density(points))
        curve.append(
            {
                "steps": model.n_steps_,
                "seconds": seconds,
                "kl": kl,
                "history_seconds": model.history_.seconds,
                "loss": model.history_.loss[-1],
            }
        )
        since = time.perf_counter()

    train_in_chunks(model, X, max_steps, chunk, record, lambda: bool(curve) and stop(curve))
    return curve


def first_hit(curve: list[dict], target: float) -> dict | None:
    return next((point for point in curve if point["kl"] <= target), None)


def sustained_hit(curve: list[dict], target: float) -> dict | None:
    """The first evaluation from which every later one (in this run) is ≤ target."""
    hit = None
    for point in curve:
        if point["kl"] <= target:
            hit = hit or point
        else:
            hit = None
    return hit


def last_within(curve: list[dict], seconds: float) -> dict:
    """The last evaluation whose training time is ≤ seconds (else the first one)."""
    within = [point for point in curve if point["seconds"] <= seconds]
    return within[-1] if within else curve[0]


def chunk_times(curve: list[dict]) -> list[float]:
    return [b["seconds"] - a["seconds"] for a, b in zip([{"seconds": 0.0}] + curve[:-1], curve)]


def fmt_hit(hit: dict | None) -> tuple[str, str]:
    return (f"{hit['steps']}", f"{hit['seconds']:.2f}") if hit else ("not reached", "-")


def main() -> None:
    args = parse_args()
    info = machine_info()
    print(
        f"Time to fidelity: KL(KDE_σ ‖ DDE) ≤ {args.target} nats, {args.dataset}, "
        f"{args.samples:,} samples (seed {args.seed}), σ = {args.sigma}, "
        f"{args.grid}×{args.grid} grid over [-4, 4]²" + ("  [--quick]" if args.quick else "")
    )
    print_machine(info)

    grid = Grid(n=args.grid)
    points = grid.points
    X = datasets.sample(args.dataset, args.samples, seed=args.seed)
    log_p = GaussianKDE(sigma=args.sigma).fit(X).log_density(points)

    # -- the default model --------------------------------------------------------------
    model = DDE(sigma=args.sigma)
    default_steps = model.steps
    max_steps = args.max_steps or 2 * default_steps

    def stop_default(curve):
        return curve[-1]["steps"] >= default_steps and first_hit(curve, args.target) is not None

    curve = train_with_kl(model, X, log_p, points, args.chunk, max_steps, stop_default)
    hit = first_hit(curve, args.target)
    hold = sustained_hit(curve, args.target)
    at_default = next(p for p in curve if p["steps"] >= default_steps) if curve[-1]["steps"] >= default_steps else None
    times = chunk_times(curve)
    steady = statistics.median(times[1:]) if len(times) > 1 else times[0]
    tracing = max(times[0] - steady, 0.0)
    steps_per_second = args.chunk / steady

    print(f"\nDefault DDE, settings: {model.get_params()}  (device {model.device_})")
    print_table(
        ["steps", "train s", "KL nats"],
        [(p["steps"], f"{p['seconds']:.2f}", f"{p['kl']:.4f}") for p in curve],
    )

    # -- the docs/science.md §7 baseline under a time cap ------------------------------------------
    baseline = DDE(sigma=args.sigma, hidden=(256, 256, 256), learning_rate=1e-3, batch_size=512, ema=0.0, steps=20_000)
    base_curve = train_with_kl(
        baseline, X, log_p, points, args.chunk, baseline.steps, lambda c: c[-1]["seconds"] >= args.baseline_seconds
    )
    base_at_cap = last_within(base_curve, args.baseline_seconds)
    base_hit = first_hit(base_curve, args.target)
    base_hold = sustained_hit(base_curve, args.target)
    last_five = [p["kl"] for p in base_curve if p["seconds"] <= args.baseline_seconds][-5:]
    base_cap_median = statistics.median(last_five) if last_five else base_at_cap["kl"]
    base_times = chunk_times(base_curve)
    base_sps = args.chunk / (statistics.median(base_times[1:]) if len(base_times) > 1 else base_times[0])
    base_at_default_hit = last_within(base_curve, hit["seconds"]) if hit else None
    print(f"\nBaseline, settings: {baseline.get_params()}  (cap {args.baseline_seconds:g} s of training)")

    # -- summary ------------------------------------------------------------------------
    print(
        f"\nSummary ({args.dataset}, target KL ≤ {args.target}; 'first' = first evaluation ≤ target, "
        "'held' = from then on every evaluation of the run ≤ target; train s = wall time of partial_fit "
        "calls, first call's set-up and tracing included)"
    )
    print_table(
        [
            "model",
            "steps/s",
            "first: steps",
            "first: train s",
            "held: steps",
            "held: train s",
            "KL at default steps",
            "KL at cap (median last 5)",
            "steps at cap",
        ],
        [
            (
                f"default {tuple(model.hidden)} bs{model.batch_size}",
                f"{steps_per_second:.0f}",
                *fmt_hit(hit),
                *fmt_hit(hold),
                f"{at_default['kl']:.4f} ({default_steps} steps, {at_default['seconds']:.1f} s)" if at_default else "-",
                "-",
                "-",
            ),
            (
                "baseline 3×256 bs512 lr1e-3",
                f"{base_sps:.0f}",
                *fmt_hit(base_hit),
                *fmt_hit(base_hold),
                "-",
                f"{base_at_cap['kl']:.4f} ({base_cap_median:.4f}) at {base_at_cap['seconds']:.1f} s",
                base_at_cap["steps"],
            ),
        ],
    )
    print(
        f"Set-up/tracing overhead of the default model's first chunk: ≈{tracing:.2f} s (included above; "
        f"the model's history_.seconds, which skips the first chunk, says {curve[-1]['history_seconds']:.2f} s "
        f"for {curve[-1]['steps']} steps)."
    )
    if base_at_default_hit:
        print(
            f"At the default model's time to target ({hit['seconds']:.1f} s) the baseline's KL was "
            f"{base_at_default_hit['kl']:.4f} (after {base_at_default_hit['steps']} steps)."
        )

    # -- other toy sets ---------------------------------------------------------------
    toys = []
    if not args.quick:
        toys.append(
            {
                "name": args.dataset,
                "kl": at_default["kl"] if at_default else None,
                "seconds": at_default["seconds"] if at_default else None,
                "steps": default_steps,
            }
        )
        for name in OTHER_TOYS:
            X_toy = datasets.sample(name, args.samples, seed=args.seed)
            log_p_toy = GaussianKDE(sigma=args.sigma).fit(X_toy).log_density(points)
            start = time.perf_counter()
            toy_model = DDE(sigma=args.sigma).fit(X_toy)
            seconds = time.perf_counter() - start
            kl = kl_on_grid(log_p_toy, toy_model.log_density(points))
            toys.append(
                {
                    "name": name,
                    "kl": kl,
                    "seconds": seconds,
                    "steps": toy_model.n_steps_,
                    "history_seconds": toy_model.history_.seconds,
                }
            )
        print(
            f"\nDefault DDE on the toy sets (σ = {args.sigma}, {args.samples:,} samples, "
            f"KL after model.steps = {default_steps} steps; target {args.target}; train s = wall time of fit)"
        )
        print_table(
            ["dataset", "KL nats", "train s", "≤ target"],
            [
                (t["name"], f"{t['kl']:.4f}", f"{t['seconds']:.1f}", "yes" if t["kl"] <= args.target else "NO")
                for t in toys
            ],
        )

    path = write_json(
        "fidelity",
        {
            "benchmark": "fidelity",
            "command": command_line(),
            "quick": args.quick,
            "machine": info,
            "settings": {
                "dataset": args.dataset,
                "samples": args.samples,
                "data_seed": args.seed,
                "sigma": args.sigma,
                "target_kl": args.target,
                "chunk": args.chunk,
                "grid": args.grid,
                "max_steps": max_steps,
                "baseline_seconds": args.baseline_seconds,
            },
            "default": {
                "params": model.get_params(),
                "device": model.device_,
                "target_reached": hit is not None,
                **_target_summary(hit, hold),
                "kl_at_default_steps": at_default["kl"] if at_default else None,
                "seconds_at_default_steps": at_default["seconds"] if at_default else None,
                "steps_per_second": steps_per_second,
                "first_chunk_tracing_seconds": tracing,
                "curve": curve,
            },
            "baseline": {
                "params": baseline.get_params(),
                "kl_at_cap": base_at_cap["kl"],
                "kl_at_cap_median_last5": base_cap_median,
                "steps_at_cap": base_at_cap["steps"],
                "seconds_at_cap": base_at_cap["seconds"],
                **_target_summary(base_hit, base_hold),
                "steps_per_second": base_sps,
                "curve": base_curve,
            },
            "toys": toys,
        },
    )
    print(f"\nWrote {path.relative_to(common.ROOT)}")


def _target_summary(hit: dict | None, hold: dict | None) -> dict:
    """When the KL target was first reached (``hit``) and from when it held (``hold``)."""
    return {
        "steps_to_target": hit["steps"] if hit else None,
        "seconds_to_target": hit["seconds"] if hit else None,
        "steps_to_target_held": hold["steps"] if hold else None,
        "seconds_to_target_held": hold["seconds"] if hold else None,
    }


if __name__ == "__main__":
    main()
