"""Second-order scores: is a direct second-order network better than the DDE's autodiff Hessian?

Meng et al. (2021) claim that ∇² log p learned directly by second-order denoising is more
accurate and cheaper than automatic differentiation of a learned model, and that it speeds up
Langevin mixing through Ozaki's discretisation.  Here the truth is known: on a training set,
∇² log p_σ is the exact KDE's Hessian (docs/science.md §2).

Part 1, the Hessian error and cost table (dde_core.claims.hessian_claim): d = 2 (2spirals) and
d = 8, 16 (2spirals embedded in a random 2-D plane of R^d with N(0, 0.05²) thickness in the
other d − 2 directions); D = 5,000 points, σ = 0.2.  Rows: the exact KDE (cost only), the
one-kernel baseline −I/σ², the DDE's ∇²f, a score network's Jacobian, the second-order network
(full d×d, plus the diagonal variant for d ≥ 8), and an "oracle" second-order network trained
with the exact KDE's score as s₁ (separates the objective's error from s₁'s; with --oracle, d = 2
only: its s₁ costs O(D) per point, 4 minutes of training in the short mode on 2 busy cores, far
more with --full).  Every network:
the DDE's settings (3×64 softplus, EMA), the same batch and steps.

Part 2, mixing (d = 2, the same DDE and KDE): ULA, MALA and Ozaki (Hessian from the DDE's
autodiff, the second-order network, the exact KDE) on the DDE, and ULA/MALA/Ozaki on the exact
KDE; 256 chains from the uniform box [−4, 4]², the same random numbers for every run.  Reported:
τ (integrated autocorrelation time, Geyer, worst of the test functions: mean, second moment,
mode side; second half of the run), ESS/s, MMD² of the final samples to 2,000 draws of the KDE
at σ (the target), and the first step (every 10) at which MMD² falls below 0.01.

    .venv/bin/python bench/bench_hessians.py          # short: 1,000 training steps, batch 512 (a few minutes)
    .venv/bin/python bench/bench_hessians.py --full   # 4,000 steps, batch 2,048, longer chains
    .venv/bin/python bench/bench_hessians.py --oracle # adds the exact-s₁ second-order network at d = 2

Timings are wall-clock on whatever machine runs it (the figures in bench/RESULTS.md say which).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict

import common  # noqa: F401  (quiets TensorFlow, puts the project on sys.path)
import numpy as np
import tensorflow as tf

from dde_core import DDE, GaussianKDE, datasets
from dde_core.claims import (
    BASELINE,
    DDE_HESSIAN,
    EXACT,
    JACOBIAN,
    SECOND_ORDER,
    hessian_claim,
)
from dde_core.claims.hessians import hessian_error_row
from dde_core.comparison import dde_target, ozaki_dde_target
from dde_core.mcmc_diagnostics import ChainFunctions, mixing, steps_to_mmd
from dde_core.metrics import mmd_squared
from dde_core.samplers import KDETarget, langevin
from dde_core.second_order import SecondOrderNetwork

SIGMA = 0.2
REPEATS = 5  # timed calls per Hessian estimate (best kept)
BOX = (-6.0, 6.0)  # chains beyond it are counted as escaped
N_POINTS = 5_000
THICKNESS = 0.05
MMD_THRESHOLD = 0.003  # about three times the noise of MMD² between 256 and 2,000 draws of one law
DIAGONAL = "second-order network, diagonal"
ORACLE = "second-order network, exact s₁ (oracle)"


def embedded_spirals(n: int, n_dims: int, seed: int = 0) -> np.ndarray:
    """2spirals in a random 2-D plane of R^d, N(0, THICKNESS²) in the other directions; (n, d)."""
    rng = np.random.default_rng([seed, n_dims])
    plane = datasets.sample("2spirals", n, seed=seed).astype(np.float64)
    if n_dims == 2:
        return plane
    coordinates = np.hstack([plane, THICKNESS * rng.standard_normal((n, n_dims - 2))])
    rotation, _ = np.linalg.qr(rng.standard_normal((n_dims, n_dims)))
    return coordinates @ rotation.T


def exact_score(kde: GaussianKDE, batch: int):
    """The exact KDE's score as a float32 TensorFlow function (the oracle's s₁)."""
    target = KDETarget(kde, batch)
    return lambda y: tf.cast(target.score(tf.cast(y, tf.float64)), tf.float32)


def hessian_table(n_dims: int, steps: int, batch: int, n_test: int, oracle: bool) -> tuple[list, dict]:
    points = embedded_spirals(N_POINTS, n_dims)
    start = time.perf_counter()
    dde = DDE(sigma=SIGMA, batch_size=batch, steps=steps).fit(points)
    print(f"  d = {n_dims}: DDE trained in {time.perf_counter() - start:.1f} s", flush=True)
    params = {**dde.get_params(), "steps": steps}
    second = SecondOrderNetwork(dde, structure="full", **params).fit(points)
    report = hessian_claim(points, dde, steps, second_order=second, n_test=n_test, repeats=REPEATS)
    kde = GaussianKDE(SIGMA).fit(points)
    test = kde.sample(n_test, seed=1)  # the points hessian_claim measured on (seed + 1)
    truth = kde.hessian(test)
    extra = {ORACLE: SecondOrderNetwork(exact_score(kde, 3 * batch), structure="full", **params)} if oracle else {}
    if n_dims >= 8:
        extra[DIAGONAL] = SecondOrderNetwork(dde, structure="diagonal", **params)
    for name, net in extra.items():
        net.fit(points)
        report.rows.append(hessian_error_row(name, net.hessian, test, truth, REPEATS, model=net))
    print(f"  d = {n_dims}: done in {time.perf_counter() - start:.1f} s", flush=True)
    return report.rows, {"dde": dde, "kde": kde, "points": points, "second": second}


def print_hessian_rows(n_dims: int, rows: list) -> None:
    print(f"\nd = {n_dims}: relative Frobenius error ‖Ĥ − H‖/‖H‖ against the exact KDE (σ = {SIGMA}, D = {N_POINTS:,})")
    common.print_table(
        ["estimate", "pooled", "median", "diagonal", "s / 1,000 H", "train steps", "train s"],
        [
            [
                r.estimate,
                f"{r.relative_error:.3f}",
                f"{r.median_relative_error:.3f}",
                f"{r.diagonal_error:.3f}",
                "—" if r.seconds_per_1000 is None else f"{r.seconds_per_1000:.2e}",
                "—" if r.training_steps is None else r.training_steps,
                "—" if r.training_seconds is None else f"{r.training_seconds:.1f}",
            ]
            for r in rows
        ],
    )


def verdict(tables: dict[int, list]) -> list[str]:
    """Plain sentences: where the direct second-order network beats the DDE's autodiff Hessian."""
    lines = []
    for n_dims, rows in tables.items():
        by = {r.estimate: r for r in rows}
        dde, direct = by[DDE_HESSIAN], by[SECOND_ORDER]
        best_direct = min(
            (r for r in rows if r.estimate.startswith("second-order") and "oracle" not in r.estimate),
            key=lambda r: r.relative_error,
        )
        accuracy = "more" if best_direct.relative_error < dde.relative_error else "less"
        speed = dde.seconds_per_1000 / direct.seconds_per_1000
        lines.append(
            f"d = {n_dims}: the best direct second-order network ({best_direct.estimate}, error "
            f"{best_direct.relative_error:.3f}) is {accuracy} accurate than the DDE's autodiff Hessian "
            f"(error {dde.relative_error:.3f}); it evaluates {speed:.1f}× as fast per Hessian and took "
            f"{direct.training_seconds / dde.training_seconds:.1f}× the DDE's training time"
            + (f"; with the exact s₁ (oracle): {by[ORACLE].relative_error:.3f}" if ORACLE in by else "")
            + f"; baseline −I/σ²: {by[BASELINE].relative_error:.3f}."
        )
    return lines


def mixing_rows(models: dict, n_steps: int, taus: list[float], n_chains: int = 256) -> list[dict]:
    """ULA, MALA, Ozaki (three Hessian sources) on the DDE, and the three samplers on the KDE."""
    dde, kde, second = models["dde"], models["kde"], models["second"]
    truth = kde.sample(2000, seed=11)
    functions = ChainFunctions.from_data(truth)
    x0 = np.random.default_rng(0).uniform(-4, 4, size=(n_chains, 2))
    runs = [
        ("DDE", "ULA", "ula", dde_target(dde)),
        ("DDE", "MALA", "mala", dde_target(dde)),
        *[
            ("DDE", f"Ozaki, H: {source}", "ozaki", ozaki_dde_target(dde, kde, n_chains, source, second))
            for source in ("DDE autodiff", "second-order network", "exact KDE")
        ],
        ("KDE", "ULA", "ula", KDETarget(kde, n_chains)),
        ("KDE", "MALA", "mala", KDETarget(kde, n_chains)),
        ("KDE", "Ozaki, H: exact KDE", "ozaki", KDETarget(kde, n_chains)),
    ]
    rows = []
    for tau in taus:
        for model, label, method, target in runs:
            langevin(target, x0[:8], tau, 2, method, record_every=2, n_traced=8)  # trace + warm up
            run = langevin(target, x0, tau, n_steps, method, seed=0, record_every=50, n_traced=n_chains, box=BOX)
            good = run.samples[np.isfinite(run.samples).all(axis=1)]
            mixed = mixing(run.draws, functions, run.seconds)
            every = np.arange(0, n_steps + 1, 10)
            rows.append(
                {
                    "target": model,
                    "sampler": label,
                    "tau": tau,
                    "stopped": run.nonfinite,
                    "escaped": run.escaped,
                    "iat": None if mixed is None else mixed.worst_iat,
                    "iat_per_function": None if mixed is None else mixed.iat,
                    "ess_per_second": None if mixed is None else mixed.worst_ess_per_second,
                    "seconds": run.seconds,
                    "mmd2": mmd_squared(good, truth) if len(good) >= 2 else None,
                    "steps_to_mmd": steps_to_mmd(run.draws[every], every, truth, MMD_THRESHOLD),
                }
            )
            print(f"  τ = {tau:g} {model} {label}: {run.seconds:.1f} s", flush=True)
    return rows


def print_mixing(rows: list[dict]) -> None:
    print(
        f"\nMixing on d = 2 (256 chains from the uniform box [−4, 4]²; τ_int in steps of three test functions over "
        f"the second half: position on the main axis, squared distance to the mean, side of the main split; "
        f"ESS/s of the slowest; MMD² to the KDE; first step (every 10) with MMD² < {MMD_THRESHOLD}; "
        f"stopped: NaN chains; escaped: beyond {BOX})"
    )

    def number(value, fmt):
        return "—" if value is None or not np.isfinite(value) else format(value, fmt)

    def iat(row, name):
        return "—" if row["iat_per_function"] is None else number(row["iat_per_function"][name], ".1f")

    common.print_table(
        [
            "τ",
            "target",
            "sampler",
            "τ_int mean",
            "τ_int x²",
            "τ_int mode",
            "ESS/s (worst)",
            "final MMD²",
            "steps to MMD²<thr",
            "stopped",
            "escaped",
            "s",
        ],
        [
            [
                f"{r['tau']:g}",
                r["target"],
                r["sampler"],
                iat(r, "mean"),
                iat(r, "second moment"),
                iat(r, "mode"),
                number(r["ess_per_second"], ".3g"),
                number(r["mmd2"], ".2e"),
                "never" if r["steps_to_mmd"] is None else r["steps_to_mmd"],
                r["stopped"],
                r["escaped"],
                f"{r['seconds']:.1f}",
            ]
            for r in rows
        ],
    )


def mixing_verdict(rows: list[dict]) -> list[str]:
    """Plain sentences: what Ozaki gains over ULA and MALA at each step size, on the DDE and on the KDE."""
    lines = []
    for tau in sorted({r["tau"] for r in rows}):
        for model in ("DDE", "KDE"):
            chosen = [r for r in rows if r["tau"] == tau and r["target"] == model]
            parts = []
            for r in chosen:
                local = (r["iat_per_function"] or {}).get("second moment", float("nan"))
                lost = r["stopped"] + r["escaped"]
                parts.append(
                    f"{r['sampler']}: τ_int(x²) {local:.1f}, ESS/s {r['ess_per_second'] or float('nan'):.3g}, "
                    f"final MMD² {r['mmd2'] if r['mmd2'] is not None else float('nan'):.1e}, {lost} chains lost"
                )
            lines.append(f"τ = {tau:g}, {model}: " + "; ".join(parts) + ".")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="4,000 training steps at batch 2,048; longer chains")
    parser.add_argument(
        "--oracle", action="store_true", help="also the second-order network with the exact s₁ at d = 2 (slow)"
    )
    args = parser.parse_args()
    info = common.machine_info()
    common.print_machine(info)
    steps, batch, n_test = (4000, 2048, 2000) if args.full else (1000, 512, 1000)
    n_steps, taus = (2000, [0.005, 0.02, 0.05, 0.1, 0.2]) if args.full else (300, [0.02, 0.1])
    print(f"Training: {steps:,} steps, batch {batch:,}, σ = {SIGMA}; {n_test:,} held-out noisy points.", flush=True)
    tables, two_d = {}, None
    for n_dims in (2, 8, 16):
        tables[n_dims], models = hessian_table(n_dims, steps, batch, n_test, args.oracle and n_dims == 2)
        two_d = two_d or models
        print_hessian_rows(n_dims, tables[n_dims])
    sentences = verdict(tables)
    print("\nVerdict (accuracy and cost of the direct second-order network against the DDE's autodiff Hessian):")
    for line in sentences:
        print("  " + line)
    rows = mixing_rows(two_d, n_steps, taus)
    print_mixing(rows)
    print("\nMixing, per step size:")
    mixing_lines = mixing_verdict(rows)
    for line in mixing_lines:
        print("  " + line)
    common.write_json(
        "hessians",
        {
            "machine": info,
            "command": common.command_line(),
            "settings": {"sigma": SIGMA, "points": N_POINTS, "steps": steps, "batch": batch, "n_test": n_test},
            "hessians": {str(d): [asdict(r) for r in rows_d] for d, rows_d in tables.items()},
            "verdict": sentences,
            "mixing": rows,
            "mixing_verdict": mixing_lines,
            "labels": [EXACT, BASELINE, DDE_HESSIAN, JACOBIAN, SECOND_ORDER, DIAGONAL, ORACLE],
        },
    )


if __name__ == "__main__":
    main()
