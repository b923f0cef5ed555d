"""Claim 4: high-order gradients — automatic differentiation of a DDE, or a direct estimate?

Meng et al. (2021) claim that second derivatives of log p learned directly, by second-order
denoising (:mod:`dde_core.second_order`), are more accurate and cheaper than automatic
differentiation of a learned model.  On a training set the truth is known in closed form:
H = ∇² log p_σ is the exact KDE's Hessian −I/σ² + Cov_w(x)/σ⁴ (docs/science.md §2).  Three
estimates of H on the same data and σ are measured against it:

1. the DDE's ∇²f, by automatic differentiation of the scalar network (symmetric);
2. the Jacobian ∂s/∂x of a direct score network (:mod:`dde_core.score_network`), same
   settings, trained with the same first-order denoising loss;
3. a second-order network h(x̃), trained by second-order denoising with the DDE's score
   held fixed as s₁, same settings and steps.

Errors: relative Frobenius error ‖Ĥ − H‖_F / ‖H‖_F on held-out noisy points x̃ = x_i + σ η
(fresh noise on training points: the distribution the models are trained on), pooled,
√(Σ‖Ĥ − H‖² / Σ‖H‖²), and its median over points; on the diagonal entries alone (what the
diagonal variant estimates).  The one-kernel guess −I/σ² is the baseline row: an error
near its own means nothing was learned.  Cost: wall seconds per 1,000 Hessians (best of
repeats after a warm-up) and training seconds.

Uses: the denoising covariance Cov[x | x̃] = σ² I + σ⁴ H(x̃) from each estimate against the
exact one (ellipses, 2-D), and per-cell error maps on a grid (2-D).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..grid import Grid
from ..kde import GaussianKDE
from ..model import DDE
from ..score_network import ScoreNetwork
from ..second_order import TRAINING_STEP_COST as SECOND_ORDER_STEP_COST
from ..second_order import SecondOrderNetwork, posterior_covariance
from ..training import train_in_chunks
from ..validation import check_points, check_positive_int, check_sigma
from .progress import Progress, StopCheck, chunk_reporter, report, stopped
from .timing import time_calls

__all__ = [
    "DDE_HESSIAN",
    "JACOBIAN",
    "SECOND_ORDER",
    "EXACT",
    "BASELINE",
    "SECOND_ORDER_STEP_COST",
    "HessianErrorRow",
    "CovarianceSet",
    "HessianReport",
    "relative_errors",
    "hessian_error_row",
    "covariance_set",
    "hessian_claim",
    "ellipse_grid",
    "read_hessian_json",
]

DDE_HESSIAN = "DDE ∇²f (autodiff)"
JACOBIAN = "score network Jacobian"
SECOND_ORDER = "second-order network"
EXACT = "exact KDE"
BASELINE = "−I/σ² (one kernel)"
ESTIMATES = (DDE_HESSIAN, JACOBIAN, SECOND_ORDER)
CHUNK = 100  # training steps between progress reports

HessianFunction = Callable[[np.ndarray], np.ndarray]  # points (m, d) -> Hessians (m, d, d)


def relative_errors(estimate: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """‖Ĥ − H‖_F / ‖H‖_F per point, (m,), for Hessians (m, d, d) (inf where H = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.linalg.norm(estimate - truth, axis=(1, 2)) / np.linalg.norm(truth, axis=(1, 2))


def _pooled(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.sum((estimate - truth) ** 2) / np.sum(truth**2)))


def _diagonals(hessians: np.ndarray) -> np.ndarray:
    return np.diagonal(hessians, axis1=1, axis2=2)


@dataclass(frozen=True)
class HessianErrorRow:
    """One estimate of H against the exact KDE's on ``n_points`` held-out noisy points.

    relative_error: pooled ‖Ĥ − H‖_F / ‖H‖_F; median_relative_error: its median over points;
    diagonal_error: pooled on the diagonal entries only; seconds_per_1000: wall seconds per
    1,000 Hessians (best of the timed calls; None for the baseline); training_steps and
    training_seconds: what the estimate's own network took to train (None if it has none).
    """

    estimate: str
    relative_error: float
    median_relative_error: float
    diagonal_error: float
    seconds_per_1000: float | None
    n_points: int
    training_steps: int | None = None
    training_seconds: float | None = None


def hessian_error_row(
    name: str,
    hessian: HessianFunction,
    points: np.ndarray,
    truth: np.ndarray,
    repeats: int = 3,
    model=None,
) -> HessianErrorRow:
    """Time ``hessian(points)`` (warm-up, then best of ``repeats``) and compare it with ``truth``.

    ``model``: the estimate's network (its ``history_`` gives the training steps and seconds).
    """
    hessian(points)  # warm-up at the timed shape: tracing and compilation are not timed
    timed = time_calls(lambda: hessian(points), repeats)
    estimate = np.asarray(timed.result, dtype=np.float64)
    history = getattr(model, "history_", None)
    return HessianErrorRow(
        name,
        _pooled(estimate, truth),
        float(np.median(relative_errors(estimate, truth))),
        _pooled(_diagonals(estimate), _diagonals(truth)),
        timed.best / len(points) * 1000.0,
        len(points),
        None if history is None else model.n_steps_,
        None if history is None else history.seconds,
    )


@dataclass(frozen=True)
class CovarianceSet:
    """Tweedie's Cov[x | x̃] = σ² I + σ⁴ H at ``noisy`` points (k, d), per estimate (k, d, d).

    ``centres`` (k, d): the exact posterior means E[x | x̃] (the KDE's denoiser), where the
    page draws every estimate's ellipse so shapes compare directly.  An estimate's matrix
    need not be positive semi-definite (``not_covariances`` counts those points per estimate).
    """

    noisy: np.ndarray
    centres: np.ndarray
    covariances: dict[str, np.ndarray]

    @property
    def not_covariances(self) -> dict[str, int]:
        return {name: int(np.sum(np.linalg.eigvalsh(c).min(axis=1) < 0.0)) for name, c in self.covariances.items()}


def covariance_set(hessians: dict[str, HessianFunction], kde: GaussianKDE, noisy: np.ndarray) -> CovarianceSet:
    """Cov[x | x̃] from each Hessian function and from the exact KDE (key ``EXACT``) at noisy (k, d)."""
    noisy = check_points(noisy, "points", dim=kde.n_dims_)
    functions = {EXACT: kde.hessian, **hessians}
    covariances = {name: posterior_covariance(fn(noisy), kde.sigma_) for name, fn in functions.items()}
    return CovarianceSet(noisy, kde.denoise(noisy), covariances)


@dataclass
class HessianReport:
    """Result of :func:`hessian_claim`, filled in as each estimate becomes available.

    rows: the error and cost table (the exact KDE, the baseline, then each estimate measured);
    maps: per-cell relative error (n, n) on ``grid`` per estimate (2-D only, else empty);
    covariances: the ellipses' data (2-D with points given, else None); stopped: cut short.
    """

    sigma: float
    n_dims: int
    n_train: int
    n_test: int
    rows: list[HessianErrorRow] = field(default_factory=list)
    grid: Grid | None = None
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    covariances: CovarianceSet | None = None
    stopped: bool = False

    def row(self, estimate: str) -> HessianErrorRow | None:
        return next((r for r in self.rows if r.estimate == estimate), None)


class _Measure:
    """The truth, computed once (the exact KDE's time is its row), and how each estimate is added."""

    def __init__(self, report: HessianReport, kde: GaussianKDE, test: np.ndarray, grid, ellipse_points, repeats: int):
        self.report, self.kde, self.test, self.grid, self.repeats = report, kde, test, grid, repeats
        self.ellipse_points = ellipse_points
        self.hessians: dict[str, HessianFunction] = {}
        kde.hessian(test[:16])  # warm-up: traces the block reduction (any shape)
        timed = time_calls(lambda: kde.hessian(test), 1)
        self.truth = timed.result
        self.grid_truth = kde.hessian(grid.points) if grid is not None else None
        baseline = np.broadcast_to(-np.eye(kde.n_dims_) / kde.sigma_**2, self.truth.shape)
        report.rows += [
            HessianErrorRow(EXACT, 0.0, 0.0, 0.0, timed.best / len(test) * 1000.0, len(test)),
            HessianErrorRow(
                BASELINE,
                _pooled(baseline, self.truth),
                float(np.median(relative_errors(baseline, self.truth))),
                _pooled(_diagonals(baseline), _diagonals(self.truth)),
                None,
                len(test),
            ),
        ]

    def add(self, name: str, hessian: HessianFunction, model) -> None:
        self.hessians[name] = hessian
        self.report.rows.append(hessian_error_row(name, hessian, self.test, self.truth, self.repeats, model))
        if self.grid is not None:
            self.report.maps[name] = self.grid.reshape(relative_errors(hessian(self.grid.points), self.grid_truth))
        if self.ellipse_points is not None:
            self.report.covariances = covariance_set(self.hessians, self.kde, self.ellipse_points)


def hessian_claim(
    points: np.ndarray,
    dde: DDE,
    steps: int,
    score_network: ScoreNetwork | None = None,
    second_order: SecondOrderNetwork | None = None,
    n_test: int = 2000,
    grid: Grid | None = None,
    ellipse_points: np.ndarray | None = None,
    structure: str = "auto",
    repeats: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> HessianReport:
    """The three estimates of H = ∇² log p_σ against the exact KDE of ``points`` (D, d) at the DDE's σ.

    ``dde``: a trained DDE on ``points``.  A ``score_network`` or ``second_order`` network
    given (fitted, same data and σ) is measured as it is; one not given is trained here
    with the DDE's settings for ``steps`` steps (the second-order one with ``structure``
    and the DDE's score held fixed).  Measured on ``n_test`` held-out noisy points drawn
    from the KDE with ``seed``; in 2-D also on ``grid`` (error maps) and at
    ``ellipse_points`` (k, 2) (denoising covariances).  The DDE is measured first, so a
    stop (``should_stop``, or the caller ending the run) keeps every estimate finished.
    """
    steps = check_positive_int(steps, "steps")
    n_test = check_positive_int(n_test, "n_test", minimum=2)
    dde._check_fitted()
    sigma = check_sigma(dde.sigma_)
    points = check_points(points, "points", min_points=2, dim=dde.n_dims_)
    kde = GaussianKDE(sigma).fit(points)
    two_d = dde.n_dims_ == 2
    result = HessianReport(sigma, dde.n_dims_, len(points), n_test, grid=grid if two_d else None)
    report(progress, 0.0, "measuring the DDE's Hessian…", result)
    measure = _Measure(
        result, kde, kde.sample(n_test, seed=seed + 1), result.grid, ellipse_points if two_d else None, repeats
    )
    measure.add(DDE_HESSIAN, dde.hessian, dde)
    params = {**dde.get_params(), "steps": steps}
    to_train = [
        (JACOBIAN, score_network, lambda: ScoreNetwork(**params), 1.0, lambda net: net.jacobian),
        (
            SECOND_ORDER,
            second_order,
            lambda: SecondOrderNetwork(dde, structure=structure, **params),
            SECOND_ORDER_STEP_COST,
            lambda net: net.hessian,
        ),
    ]
    total = sum(cost for _, given, _, cost, _ in to_train if given is None) or 1.0
    done = 0.0
    for name, given, make, cost, hessian_of in to_train:
        if stopped(should_stop):
            result.stopped = True
            break
        model = given
        if model is None:
            share = (done / total, (done + cost) / total)
            model = make()
            train_in_chunks(
                model,
                points,
                steps,
                CHUNK,
                chunk_reporter(progress, result, share, f"{name}: "),
                should_stop,
            )
            done += cost
            if not hasattr(model, "average_") or model.n_steps_ < steps:
                result.stopped = True
                break
        report(progress, done / total, f"measuring the {name}…", result)
        measure.add(name, hessian_of(model), model)
    report(progress, 1.0, "done", result)
    return result


def ellipse_grid(points: np.ndarray, n: int, margin: float = 0.15) -> np.ndarray:
    """An n × n lattice (n², 2) over the bounding box of 2-D ``points``, shrunk by ``margin``."""
    points = check_points(points, "points", dim=2)
    n = check_positive_int(n, "n", minimum=1)
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin
    axes = [np.linspace(lo + p, hi - p, n) if n > 1 else np.array([(lo + hi) / 2]) for lo, hi, p in zip(low, high, pad)]
    xx, yy = np.meshgrid(*axes)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def read_hessian_json(path: str | Path) -> dict[int, list[HessianErrorRow]] | None:
    """The error tables written by bench/bench_hessians.py, by dimension, or None if there is none yet.

    The file is a JSON object whose "hessians" maps each d (as text) to a list of
    ``asdict(HessianErrorRow)`` objects (the bench writes more; it is ignored).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        tables = json.loads(path.read_text())["hessians"]
        names = {f.name for f in fields(HessianErrorRow)}
        return {
            int(d): [HessianErrorRow(**{k: v for k, v in row.items() if k in names}) for row in rows]
            for d, rows in tables.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{path.name} is not a readable Hessian benchmark ({error}); run the bench again.") from None
