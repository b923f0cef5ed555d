"""Compare: the DDE among the density-estimator families, on held-out log-likelihood.

What it measures
    For each data set, every estimator of ``dde_core.estimators`` at its defaults (the same
    budget for all: one internal choice on the training points, see the package docstring)
    is fitted on ``--n`` training points and scored on ``--n-test`` held-out points
    (``dde_core.leaderboard``): mean log-likelihood in nats/point ± standard error (with the
    importance-sampled normaliser's error for the DDE in d > 2), the gap to the true density
    where it is known (paired, ± stderr), fit seconds and microseconds per query.

    Full run: the six main 2-D toys (8gaussians, 2spirals, checkerboard, rings, moons,
    pinwheel), mixture-d8, mixture-d16, spirals-d8, spirals-d16, digits (64-d) and
    digits-pca16; 5,000 training and 2,000 held-out points (digits: its 1,438/359 split).
    Quick run (the default, for ``make bench``): 2spirals and mixture-d8 with 2,000 training
    points.  ``--learning-curve`` adds held-out log-likelihood against training-set size
    (250 ... 20,000) for dde and kde-cv (``--curve-set``, 2spirals by default); ``--sweep`` the gap to the oracle
    for d = 2 ... 32 on the random mixtures.

Target
    The full leaderboard in ≤ 15 minutes on 2 cores; the summary says where the DDE wins and
    where it loses, against the best other estimator and against kde-cv (the KDE at the very
    bandwidth the DDE is trained at, i.e. the DDE's own target).

Command
    .venv/bin/python bench/bench_compare.py            # quick (a few minutes)
    .venv/bin/python bench/bench_compare.py --full     # every set (≤ 15 minutes on a quiet machine)
Results are printed and written to bench/out/compare.json.  Timings are wall-clock and
depend on the machine's load.
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL and sys.path first)
from common import command_line, machine_info, print_machine, print_table, write_json

from dde_core import benchmark_data, estimators, leaderboard

FULL_SETS = (
    *benchmark_data.MAIN_TOYS,
    "mixture-d8",
    "mixture-d16",
    "spirals-d8",
    "spirals-d16",
    "digits",
    "digits-pca16",
)
QUICK_SETS = ("2spirals", "mixture-d8")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="every set, 5,000 training points")
    parser.add_argument("--sets", default=None, help="comma-separated data sets (overrides the mode's)")
    parser.add_argument("--estimators", default=",".join(estimators.NAMES))
    parser.add_argument("--n", type=int, default=None, help="training points (full 5,000, quick 2,000)")
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learning-curve", action="store_true", help="dde and kde-cv against n (250 ... 20,000)")
    parser.add_argument("--curve-set", default="2spirals", help="the learning curve's data set")
    parser.add_argument("--sweep", action="store_true", help="gap to the oracle for d = 2 ... 32 (mixtures)")
    return parser.parse_args()


def _cell(mean: float | None, stderr: float | None) -> str:
    return "—" if mean is None else f"{mean:.3f} ± {stderr:.3f}"


def run_set(name: str, names: list[str], n: int, n_test: int, seed: int) -> dict:
    data = benchmark_data.load(name, n, n_test, seed)
    start = time.perf_counter()
    rows = list(leaderboard.leaderboard(data.train, data.test, names, oracle=data.log_density, seed=seed))
    seconds = time.perf_counter() - start
    print(f"\n{name}: {data.description}  ({len(data.train):,} train / {len(data.test):,} test, {seconds:.0f} s)")
    print_table(
        ["estimator", "held-out LL", "gap to truth", "normaliser", "fit s", "µs/query", "fitted"],
        [
            [
                row.estimator,
                _cell(row.mean, row.stderr),
                "—" if row.gap is None or row.estimator == leaderboard.ORACLE else _cell(row.gap, row.gap_stderr),
                row.normaliser,
                "—" if row.fit_seconds is None else f"{row.fit_seconds:.1f}",
                "—" if row.query_microseconds is None else f"{row.query_microseconds:.1f}",
                row.note[:90],
            ]
            for row in rows
        ],
    )
    return {"name": name, "seconds": seconds, "rows": [row.to_dict() for row in rows]}


def verdict(result: dict) -> str:
    """Where the DDE stands on one set: against kde-cv (its target) and the best other estimator."""
    rows = {row["estimator"]: row for row in result["rows"] if row["status"] == "ok"}
    if "dde" not in rows:
        return f"{result['name']}: DDE not run or not available"
    dde = rows["dde"]
    others = [row for name, row in rows.items() if name != "dde"]
    parts = [f"{result['name']}: DDE {dde['mean']:.3f}"]
    if "kde-cv" in rows:
        kde = rows["kde-cv"]
        difference = dde["mean"] - kde["mean"]
        noise = (dde["stderr"] ** 2 + kde["stderr"] ** 2) ** 0.5
        word = "beats" if difference > 2 * noise else "loses to" if difference < -2 * noise else "ties with"
        parts.append(f"{word} kde-cv ({difference:+.3f})")
    if others:
        best = max(others, key=lambda row: row["mean"])
        rank = 1 + sum(row["mean"] > dde["mean"] for row in others)
        parts.append(f"rank {rank} of {len(others) + 1}; best other {best['estimator']} {best['mean']:.3f}")
    return ", ".join(parts)


def learning_curve(name: str, seed: int) -> list[dict]:
    data = benchmark_data.load(name, 20_000, 2000, seed)
    print(f"\nLearning curve on {name} (held-out LL, nats/point):")
    rows = list(leaderboard.learning_curve(data.train, data.test, names=["dde", "kde-cv"], oracle=data.log_density))
    sizes = sorted({row.n_train for row in rows})
    table = []
    for n in sizes:
        at = {row.estimator: row for row in rows if row.n_train == n}
        table.append(
            [n, *(_cell(at[key].mean, at[key].stderr) if key in at else "—" for key in ("oracle", "dde", "kde-cv"))]
        )
    print_table(["n", "truth", "dde", "kde-cv"], table)
    return [row.to_dict() for row in rows]


def dimension_sweep(names: list[str], seed: int) -> list[dict]:
    print("\nGap to the true density against d (random mixtures, 2,000 training points):")
    rows = list(leaderboard.dimension_sweep("mixture", names=names, n_train=2000, n_test=1000, seed=seed))
    dims = sorted({row.n_dims for row in rows})
    table = []
    for name in names:
        at = {row.n_dims: row for row in rows if row.estimator == name}
        table.append(
            [name, *(_cell(at[d].gap, at[d].gap_stderr) if d in at and at[d].gap is not None else "—" for d in dims)]
        )
    print_table(["estimator", *(f"d={d}" for d in dims)], table)
    return [row.to_dict() for row in rows]


def main() -> None:
    args = parse_args()
    info = machine_info()
    print_machine(info)
    names = [name.strip() for name in args.estimators.split(",") if name.strip()]
    sets = args.sets.split(",") if args.sets else (FULL_SETS if args.full else QUICK_SETS)
    n = args.n or (5000 if args.full else 2000)
    print(f"Settings: {n:,} training / {args.n_test:,} held-out points, seed {args.seed}, estimators at their defaults")
    start = time.perf_counter()
    results = [run_set(name, names, n, args.n_test, args.seed) for name in sets]
    total = time.perf_counter() - start
    print(f"\nLeaderboards: {total / 60:.1f} minutes for {len(sets)} sets (wall clock; indicative on a shared machine)")
    print("\nWhere the DDE stands (ties: within 2 standard errors of the difference):")
    for result in results:
        print("  " + verdict(result))
    payload = {"command": command_line(), "machine": info, "n_train": n, "n_test": args.n_test, "sets": results}
    payload["total_seconds"] = total
    if args.learning_curve:
        payload["learning_curve"] = learning_curve(args.curve_set, args.seed)
    if args.sweep:
        payload["dimension_sweep"] = dimension_sweep(names, args.seed)
    print(f"\nWrote {write_json('compare', payload)}")


if __name__ == "__main__":
    main()
