"""Normalising constants of unnormalised log-densities.

A DDE returns f(x) = log p(x) + const.  To compare it with a normalised density
we need log Z = log ∫ exp f(x) dx:

* in 2-D by quadrature on a :class:`~dde_core.grid.Grid` (midpoint rule),
* in any dimension by importance sampling with a proposal q that can be
  sampled and evaluated, e.g. :class:`GaussianProposal`.

All logarithms are natural (nats).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp

from .errors import InputError
from .grid import Grid
from .validation import check_points, check_positive_float, check_positive_int

__all__ = [
    "check_log_values",
    "log_z_grid",
    "mass_on_grid",
    "GaussianProposal",
    "ImportanceEstimate",
    "log_z_importance",
]

_LOG_2PI = math.log(2.0 * math.pi)


def check_log_values(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a float array of log-densities (any shape).

    ``-inf`` (zero density) is allowed; NaN and ``+inf`` are not, and at least
    one value must be finite, otherwise the density has no mass at all.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a numeric array of log-density values.") from None
    if array.size == 0:
        raise InputError(f"{name} is empty; pass the log-density at every grid cell.")
    if np.isnan(array).any():
        raise InputError(
            f"{name} contains {int(np.isnan(array).sum())} NaN value(s); "
            "the model produced invalid outputs there (check its inputs and weights)."
        )
    if np.isposinf(array).any():
        raise InputError(f"{name} contains +inf; a log-density must be finite or -inf.")
    if not np.isfinite(array).any():
        raise InputError(f"{name} is -inf everywhere: the density has no mass on these cells.")
    return array


def _grid_values(log_f: Any, grid: Grid, name: str) -> np.ndarray:
    """Validated values at ``grid.points``, flattened to shape (n * n,)."""
    array = check_log_values(log_f, name)
    if array.shape not in ((grid.n, grid.n), (grid.n * grid.n,)):
        raise InputError(
            f"{name} has shape {array.shape} but the grid has {grid.n}×{grid.n} cells; "
            f"pass values at grid.points with shape ({grid.n}, {grid.n}) or ({grid.n * grid.n},)."
        )
    return array.ravel()


def log_z_grid(log_f: np.ndarray, grid: Grid) -> float:
    """Log of ∫ exp f over the grid box, by the midpoint rule.

    log Z ≈ log Σ_cells exp f(c) · ΔxΔy = logsumexp(f) + log(cell_area).

    ``log_f``: values of f at ``grid.points``, shape (n, n) or (n * n,).
    Only the mass inside the box is counted; choose a box that holds it.
    """
    values = _grid_values(log_f, grid, "log_f")
    return float(logsumexp(values) + math.log(grid.cell_area))


def mass_on_grid(log_p: np.ndarray, grid: Grid) -> float:
    """∫ p over the grid box for a *normalised* log-density ``log_p`` (≈ 1 if the box holds the mass).

    ``log_p``: values of log p at ``grid.points``, shape (n, n) or (n * n,).
    """
    return math.exp(log_z_grid(log_p, grid))


def _as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


class GaussianProposal:
    """Diagonal Gaussian q = N(mean, diag(scale²)) in d dimensions.

    log q(y) = −½ Σ_k ((y_k − μ_k)/s_k)² − Σ_k log s_k − (d/2) log 2π,
    with the squared standardised coordinates **summed** over all d dimensions.
    """

    def __init__(self, mean: Any, scale: Any = 1.0) -> None:
        mean_array = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        if mean_array.ndim != 1 or not np.isfinite(mean_array).all():
            raise InputError(f"mean must be a finite vector of shape (d,), got shape {mean_array.shape}.")
        try:
            scale_array = np.broadcast_to(np.asarray(scale, dtype=np.float64), mean_array.shape)
        except (TypeError, ValueError):
            raise InputError(
                f"scale must be a positive number or an array of shape ({mean_array.size},) like mean, got {scale!r}."
            ) from None
        if not (np.isfinite(scale_array).all() and (scale_array > 0).all()):
            raise InputError(
                "scale must be a positive finite number or one per dimension "
                f"(shape ({mean_array.size},)), got {scale!r}."
            )
        self.mean = mean_array.copy()
        self.scale = np.array(scale_array, dtype=np.float64)

    @property
    def dim(self) -> int:
        """The dimension d."""
        return int(self.mean.size)

    @classmethod
    def fit(cls, points: np.ndarray, inflate: float = 1.0) -> GaussianProposal:
        """Proposal with the data mean and ``inflate`` × the per-dimension data std.

        ``points``: shape (n, d), n >= 2.  ``inflate`` > 1 widens the tails, which
        keeps importance weights bounded when the target is heavier than a Gaussian.
        """
        points = check_points(points, "points", min_points=2)
        inflate = check_positive_float(inflate, "inflate")
        std = points.std(axis=0)
        if (std <= 0).any():
            raise InputError(
                f"points do not vary along dimension(s) {np.flatnonzero(std <= 0).tolist()}; "
                "a Gaussian proposal needs a positive spread in every dimension."
            )
        return cls(points.mean(axis=0), inflate * std)

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """``n`` draws, shape (n, d), from a Generator (or a seed for one)."""
        n = check_positive_int(n, "n")
        return self.mean + self.scale * _as_rng(rng).standard_normal((n, self.dim))

    def log_density(self, Y: np.ndarray) -> np.ndarray:
        """log q at each row of ``Y`` (shape (n, d)); returns shape (n,), in nats."""
        Y = check_points(Y, "Y", dim=self.dim)
        z = (Y - self.mean) / self.scale
        return -0.5 * np.sum(z * z, axis=1) - float(np.sum(np.log(self.scale))) - 0.5 * self.dim * _LOG_2PI


@dataclass(frozen=True)
class ImportanceEstimate:
    """Result of :func:`log_z_importance`.

    ``log_z``: log Ẑ in nats.  ``stderr``: standard error of log Ẑ by the delta
    method, std(w) / (mean(w) · √M).  ``ess``: effective sample size
    (Σw)² / Σw², between 1 and M.  ``n``: the number of draws M.
    """

    log_z: float
    stderr: float
    ess: float
    n: int


def _batch_log_weights(
    log_f: Callable[[np.ndarray], np.ndarray],
    sample: Callable[[int, np.random.Generator], np.ndarray],
    log_q: Callable[[np.ndarray], np.ndarray],
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """log w = f(y) − log q(y) for ``size`` fresh draws y ~ q; shape (size,)."""
    Y = np.asarray(sample(size, rng), dtype=np.float64)
    if Y.ndim != 2 or Y.shape[0] != size:
        raise InputError(f"sample({size}, rng) must return shape ({size}, d), got {Y.shape}.")
    log_weights = []
    for name, fn in (("log_f", log_f), ("log_q", log_q)):
        values = np.asarray(fn(Y), dtype=np.float64).reshape(-1)
        if values.shape != (size,):
            raise InputError(f"{name} must return one value per point, shape ({size},).")
        if not np.isfinite(values).all():
            raise InputError(
                f"{name} returned {int((~np.isfinite(values)).sum())} non-finite value(s) "
                "at proposal draws; the target and proposal must be finite wherever q samples."
            )
        log_weights.append(values)
    return log_weights[0] - log_weights[1]


def _summarise(log_weights: np.ndarray) -> ImportanceEstimate:
    """log Ẑ = logsumexp(log w) − log M, with delta-method stderr and ESS."""
    m = log_weights.size
    w = np.exp(log_weights - log_weights.max())  # scaled weights, max = 1
    mean = w.mean()
    std = w.std(ddof=1) if m > 1 else 0.0
    return ImportanceEstimate(
        log_z=float(logsumexp(log_weights) - math.log(m)),
        stderr=float(std / (mean * math.sqrt(m))),
        ess=float(w.sum() ** 2 / np.sum(w * w)),
        n=m,
    )


def log_z_importance(
    log_f: Callable[[np.ndarray], np.ndarray],
    sample: Callable[[int, np.random.Generator], np.ndarray],
    log_q: Callable[[np.ndarray], np.ndarray],
    n: int = 10_000,
    seed: int = 0,
    batch_size: int = 10_000,
) -> ImportanceEstimate:
    """Importance-sampling estimate of log Z = log ∫ exp f.

    Draw y_1..y_M ~ q with ``sample(size, rng)`` (shape (size, d)) and set
    log w_j = f(y_j) − log q(y_j); then
    log Ẑ = logsumexp_j(log w_j) − log M.

    The callables see at most ``batch_size`` points per call; only the M
    log-weights are kept.  ``seed`` seeds the one Generator passed to ``sample``.
    """
    n = check_positive_int(n, "n", minimum=2)
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    log_weights = np.concatenate([_batch_log_weights(log_f, sample, log_q, size, rng) for size in sizes])
    return _summarise(log_weights)
