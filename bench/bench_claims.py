"""Claim 1 headless: time to evaluate log p, DDE vs exact KDE vs scipy, as D grows.

What it measures
    The same ``dde_core.claims.inference_timings`` as the claims page, with the page's
    defaults: log p at the 1,024 cell centres of a 32×32 grid over [−4, 4]², for
    D = 10², 10³, …, 10⁶ training points drawn from the KDE (σ = 0.2) of 10,000 points
    of 2spirals (seed 0):
      * DDE: the default network ``DDE(sigma=0.2)`` fitted for one step (a network
        pass costs the same trained or not, and does not depend on D);
      * our exact GaussianKDE (TensorFlow float64, all cores);
      * scipy's gaussian_kde with its kernel set to σ²I (single-threaded C), checked
        against ours on 16 queries (column |Δ|).
    Best of up to 3 calls (DDE 5) after a warm-up, within ~2 s per method; sizes predicted
    to overrun ``--budget`` seconds are skipped (scipy first) and listed.

Command
    .venv/bin/python bench/bench_claims.py              # budget 600 s (about 50 s on 2 cores)
    .venv/bin/python bench/bench_claims.py --quick      # D up to 10⁴, budget 30 s
Results are printed and written to bench/out/claims_inference.json (the report's rows as
``asdict(TimingRow)``, read back by ``claims.read_timing_json``), which the claims page draws
(dashed) next to a live measurement.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import common  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL and sys.path first)
from common import command_line, machine_info, print_machine, print_table, write_json

from dde_core import DDE, Grid, claims, datasets


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: D up to 10^4, budget 30 s")
    parser.add_argument("--budget", type=float, default=None, help="seconds for the whole sweep (600; quick 30)")
    parser.add_argument("--sigma", type=float, default=0.2)
    parser.add_argument("--grid", type=int, default=32, help="query grid cells per side over [-4, 4]^2")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per KDE measurement (best is kept)")
    args = parser.parse_args()
    args.sizes = [D for D in claims.TIMING_SIZES if not args.quick or D <= 10_000]
    args.budget = args.budget or (30.0 if args.quick else 600.0)
    return args


def main() -> None:
    args = parse_args()
    info = machine_info()
    queries = Grid(n=args.grid).points
    print(
        f"Claim 1, inference cost: log p at {len(queries):,} queries ({args.grid}×{args.grid} grid over [-4, 4]²), "
        f"σ = {args.sigma}, D from the KDE of 2spirals, budget {args.budget:g} s"
    )
    print_machine(info)
    points = datasets.sample("2spirals", 10_000, seed=0)
    model = DDE(sigma=args.sigma).fit(points, steps=1)

    def progress(fraction: float, message: str, partial) -> None:
        print(f"  [{fraction:4.0%}] {message}", flush=True)

    report = claims.inference_timings(
        model, points, args.sigma, queries, args.sizes, args.budget, repeats=args.repeats, progress=progress
    )
    print_table(
        ["D", "DDE s", "KDE s", "scipy s", "calls", "KDE/DDE", "|Δ| scipy vs ours", "note"],
        [
            (
                f"{r.D:,}",
                r.dde_seconds,
                r.kde_seconds,
                r.scipy_seconds if r.scipy_seconds else "-",
                "/".join(map(str, r.calls.values())),
                f"{r.kde_seconds / r.dde_seconds:,.0f}×",
                f"{r.scipy_max_diff:.1e}" if r.scipy_max_diff is not None else "-",
                r.note or "-",
            )
            for r in report.rows
        ],
    )
    result = claims.crossover(report.rows)
    print(
        f"Crossover (KDE slower than DDE) at D {result.text()} ({result.status}); "
        f"KDE/DDE at D = {result.largest_D:,}: {result.ratio_at_largest:,.0f}×. "
        f"Skipped: {report.skipped or 'none'}; {report.seconds_used:.1f} s used."
    )
    path = write_json(
        "claims_inference",
        {
            "benchmark": "claims_inference",
            "command": command_line(),
            "machine": info,
            "settings": {
                "sigma": args.sigma,
                "grid": args.grid,
                "queries": len(queries),
                "sizes": args.sizes,
                "budget_seconds": args.budget,
                "repeats": args.repeats,
                "dde_params": model.get_params(),
                "data": "KDE (σ) resamples of 2spirals, 10,000 points, seed 0",
            },
            "crossover": asdict(result),
            **asdict(report),
        },
    )
    print(f"\nWrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
