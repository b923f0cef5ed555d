"""Sampler cost: Langevin on the DDE against Langevin on the exact KDE, side by side.

Targets (issue "Sampling"):
- 10,000 chains × 500 ULA steps on the DDE in at most 10 s on the 2-core machine;
- DDE chain-steps/s at least 20× the exact KDE's at D = 10⁴, measured in the same run.

The DDE has the default architecture trained briefly on 2spirals (cost does not
depend on training); the KDE is fitted on the same D = 10,000 points.  Both run
the same compiled ULA loop from the same start; the KDE runs fewer steps (its
cost per step is constant, so chain-steps/s is comparable) unless --full.

    .venv/bin/python bench/bench_samplers.py            # about 1 minute
    .venv/bin/python bench/bench_samplers.py --quick    # smoke run
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (quiets TensorFlow, puts the project on sys.path)
import numpy as np

from dde_core import DDE, GaussianKDE, datasets
from dde_core.samplers import DDETarget, KDETarget, langevin


def timed_run(target, n_chains: int, n_steps: int, step_size: float) -> dict:
    x0 = np.random.default_rng(0).uniform(-4, 4, size=(n_chains, 2))
    langevin(target, x0[:8], step_size, 2, "ula", record_every=2)  # trace + warm up (same target)
    run = langevin(target, x0, step_size, n_steps, "ula", record_every=n_steps)
    return {
        "chains": n_chains,
        "steps": n_steps,
        "seconds": run.seconds,
        "chain_steps_per_second": run.chain_steps_per_second,
        "nonfinite": run.nonfinite,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--full", action="store_true", help="the KDE runs all 500 steps too")
    args = parser.parse_args()
    info = common.machine_info()
    common.print_machine(info)

    n_chains, n_steps, kde_steps = (1000, 50, 5) if args.quick else (10_000, 500, 500 if args.full else 10)
    points = datasets.sample("2spirals", 10_000, seed=0)
    model = DDE(sigma=0.2).fit(points, steps=200)
    kde = GaussianKDE(sigma=0.2).fit(points)
    step_size = 2e-3

    dde = timed_run(DDETarget(model), n_chains, n_steps, step_size)
    kde_row = timed_run(KDETarget(kde, n_chains), n_chains, kde_steps, step_size)
    ratio = dde["chain_steps_per_second"] / kde_row["chain_steps_per_second"]
    common.print_table(
        ["model", "chains", "steps", "seconds", "chain-steps/s"],
        [
            [
                "DDE (3×64 softplus)",
                dde["chains"],
                dde["steps"],
                f"{dde['seconds']:.2f}",
                f"{dde['chain_steps_per_second']:.3g}",
            ],
            [
                "exact KDE, D = 10⁴",
                kde_row["chains"],
                kde_row["steps"],
                f"{kde_row['seconds']:.2f}",
                f"{kde_row['chain_steps_per_second']:.3g}",
            ],
        ],
    )
    print(f"DDE {n_chains:,} chains × {n_steps} ULA steps: {dde['seconds']:.2f} s (target ≤ 10 s)")
    print(f"DDE / KDE chain-steps per second at D = 10⁴: {ratio:.1f}× (target ≥ 20×)")
    common.write_json(
        "samplers", {"machine": info, "command": common.command_line(), "dde": dde, "kde": kde_row, "ratio": ratio}
    )


if __name__ == "__main__":
    main()
