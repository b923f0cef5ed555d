"""Distances between densities and between samples.

* :func:`kl_on_grid` compares two (unnormalised) log-densities on the same grid cells.
* :func:`mean_log_likelihood` summarises held-out log-likelihoods;
  :func:`held_out_log_likelihood` scores held-out points under a density
  normalised by :class:`GridQuadrature` or :class:`ImportanceSampling`.
* :func:`mmd_squared`, :func:`energy_distance` and :func:`sliced_wasserstein`
  compare two samples X (n, d) and Y (m, d) in any dimension d.

All logarithms are natural (nats); sample distances are in data units
(MMD² is unitless).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.spatial.distance import cdist, pdist
from scipy.special import logsumexp

from .errors import InputError
from .grid import Grid
from .normalization import check_log_values, log_z_grid, log_z_importance
from .validation import check_points, check_positive_float, check_positive_int

__all__ = [
    "kl_on_grid",
    "mean_log_likelihood",
    "LogZ",
    "Normaliser",
    "GridQuadrature",
    "ImportanceSampling",
    "HeldOutLikelihood",
    "held_out_log_likelihood",
    "mmd_squared",
    "energy_distance",
    "sliced_wasserstein",
]

# Largest number of projected values held at once by sliced_wasserstein.
_MAX_PROJECTED_VALUES = 4_000_000


def kl_on_grid(log_p: np.ndarray, log_q: np.ndarray) -> float:
    """KL(P‖Q) in nats between two densities given up to constants on the same cells.

    Each is normalised over the cells, p_i = softmax(log_p)_i, q_i = softmax(log_q)_i,
    and KL = Σ_i p_i (log p_i − log q_i).  Cells where p_i underflows to 0
    contribute 0; a cell with p_i > 0 and log q = −inf gives +inf.
    ``log_p``, ``log_q``: arrays of one shape, e.g. (n, n) on a Grid.
    """
    log_p = check_log_values(log_p, "log_p")
    log_q = check_log_values(log_q, "log_q")
    if log_p.shape != log_q.shape:
        raise InputError(
            f"log_p has shape {log_p.shape} but log_q has shape {log_q.shape}; "
            "evaluate both densities on the same grid cells."
        )
    log_p = log_p - logsumexp(log_p)
    log_q = log_q - logsumexp(log_q)
    p = np.exp(log_p)
    held = p > 0
    return float(max(np.sum(p[held] * (log_p[held] - log_q[held])), 0.0))


def mean_log_likelihood(log_density_values: np.ndarray) -> tuple[float, float]:
    """Mean of log-density values (nats) and its standard error std(ddof=1) / √n.

    ``log_density_values``: shape (n,) (or (n, 1)), n >= 2, all finite.
    """
    values = np.asarray(log_density_values, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or values.size < 2:
        raise InputError(f"log_density_values must be a 1-D array with at least 2 values, got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise InputError(
            f"log_density_values has {int((~np.isfinite(values)).sum())} non-finite value(s); "
            "a -inf means the model gives a test point zero density (its mean is -inf)."
        )
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


LogDensity = Callable[[np.ndarray], np.ndarray]  # points (m, d) -> log-density values (m,), nats


@dataclass(frozen=True)
class LogZ:
    """log Z = log ∫ exp f dx in nats, its standard error, and how it was found.

    method: "exact" (f is normalised already, log Z = 0), "grid" (midpoint rule;
    ``n`` cells per side) or "importance" (``n`` draws, effective sample size ``ess``).
    """

    value: float = 0.0
    stderr: float = 0.0
    method: str = "exact"
    n: int = 0
    ess: float | None = None


class Normaliser(Protocol):
    def log_z(self, log_f: LogDensity) -> LogZ: ...


@dataclass(frozen=True)
class GridQuadrature:
    """log Z over a 2-D grid's box by the midpoint rule: logsumexp f(cells) + log ΔxΔy.

    Counts only the mass inside the box (choose a box that holds it); no error estimate.
    """

    grid: Grid

    def log_z(self, log_f: LogDensity) -> LogZ:
        return LogZ(log_z_grid(log_f(self.grid.points), self.grid), 0.0, "grid", self.grid.n)


@dataclass(frozen=True)
class ImportanceSampling:
    """log Z by importance sampling from ``proposal`` q, in any dimension d.

    y_1..y_n ~ q, log Ẑ = logsumexp_j(f(y_j) − log q(y_j)) − log n, with the
    delta-method standard error and the effective sample size.  ``proposal``:
    anything with ``sample(n, rng)`` (n, d) and ``log_density(Y)`` (n,), normalised,
    e.g. a fitted GaussianKDE or a GaussianProposal.
    """

    proposal: Any
    n: int = 20_000
    seed: int = 0

    def log_z(self, log_f: LogDensity) -> LogZ:
        q = self.proposal
        estimate = log_z_importance(
            log_f, lambda size, rng: q.sample(size, rng), q.log_density, n=self.n, seed=self.seed
        )
        return LogZ(estimate.log_z, estimate.stderr, "importance", estimate.n, estimate.ess)


@dataclass(frozen=True)
class HeldOutLikelihood:
    """Mean log-likelihood of m held-out points under the density exp(f) / Z.

    mean = (1/m) Σ_j f(x_j) − log Z in nats per point (higher is better);
    stderr = √(s²/m + se(log Z)²), s the sample std (ddof=1) of f(x_j): the
    test-sample error and the normaliser's, independent; normaliser: the LogZ used.
    """

    mean: float
    stderr: float
    n_test: int
    normaliser: LogZ

    @property
    def log_z(self) -> float:
        """log Z used, nats."""
        return self.normaliser.value

    @property
    def log_z_stderr(self) -> float:
        """Standard error of log Z, nats (0 for "exact" and "grid")."""
        return self.normaliser.stderr

    @property
    def method(self) -> str:
        """How log Z was found: "exact", "grid" or "importance"."""
        return self.normaliser.method


def held_out_log_likelihood(
    log_density: LogDensity, test_points: Any, normaliser: Normaliser | None = None
) -> HeldOutLikelihood:
    """Score held-out points (m, d), m >= 2, under log_density normalised by ``normaliser``.

    ``log_density``: e.g. ``model.log_density`` (a DDE's f, unnormalised: pass a
    GridQuadrature or an ImportanceSampling) or ``kde.log_density`` (normalised:
    pass no normaliser, log Z = 0).  Every value must be finite.
    """
    test = check_points(test_points, "test points", min_points=2)
    log_z = LogZ() if normaliser is None else normaliser.log_z(log_density)
    mean, stderr = mean_log_likelihood(np.asarray(log_density(test), dtype=np.float64) - log_z.value)
    return HeldOutLikelihood(mean, math.hypot(stderr, log_z.stderr), len(test), log_z)


def _check_pair(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate two samples (n, d) and (m, d), at least 2 points each, same d."""
    X = check_points(X, "X", min_points=2)
    Y = check_points(Y, "Y", min_points=2)
    if X.shape[1] != Y.shape[1]:
        raise InputError(
            f"X has {X.shape[1]} columns but Y has {Y.shape[1]}; both samples must live in the same dimension."
        )
    return X, Y


def _subsample(X: np.ndarray, max_points: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``max_points`` rows of X, drawn without replacement."""
    if X.shape[0] <= max_points:
        return X
    return X[rng.choice(X.shape[0], size=max_points, replace=False)]


def _bounded_pair(X: Any, Y: Any, max_points: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Validated samples, each subsampled to ``max_points`` rows (seeded)."""
    X, Y = _check_pair(X, Y)
    max_points = check_positive_int(max_points, "max_points", minimum=2)
    rng = np.random.default_rng(seed)
    return _subsample(X, max_points, rng), _subsample(Y, max_points, rng)


def _median_distance(X: np.ndarray, Y: np.ndarray) -> float:
    """Median Euclidean distance over all pairs of the pooled sample."""
    median = float(np.median(pdist(np.concatenate([X, Y]))))
    if median <= 0:
        raise InputError(
            "The median pairwise distance of the pooled samples is 0 (most points coincide); "
            "pass an explicit bandwidth."
        )
    return median


def mmd_squared(
    X: np.ndarray,
    Y: np.ndarray,
    bandwidth: float | None = None,
    max_points: int = 2000,
    seed: int = 0,
) -> float:
    """Unbiased MMD² between samples X (n, d) and Y (m, d) with an RBF kernel.

    k(a, b) = exp(−||a − b||² / (2h²)),
    MMD²_u = Σ_{i≠i'} k(x_i, x_i')/(n(n−1)) + Σ_{j≠j'} k(y_j, y_j')/(m(m−1))
             − 2 Σ_{i,j} k(x_i, y_j)/(nm).
    h (data units) defaults to the median pairwise distance of the pooled
    samples.  Each sample is first subsampled to ``max_points`` rows (seeded by
    ``seed``) to bound the O(n²) memory.  Can be slightly negative when P = Q.
    """
    X, Y = _bounded_pair(X, Y, max_points, seed)
    h = _median_distance(X, Y) if bandwidth is None else check_positive_float(bandwidth, "bandwidth")

    def kernel(squared_distances: np.ndarray) -> np.ndarray:
        return np.exp(-squared_distances / (2.0 * h * h))

    n, m = X.shape[0], Y.shape[0]
    within_x = 2.0 * kernel(pdist(X, "sqeuclidean")).sum() / (n * (n - 1))
    within_y = 2.0 * kernel(pdist(Y, "sqeuclidean")).sum() / (m * (m - 1))
    between = kernel(cdist(X, Y, "sqeuclidean")).mean()
    return float(within_x + within_y - 2.0 * between)


def energy_distance(X: np.ndarray, Y: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """Energy distance 2E||X − Y|| − E||X − X'|| − E||Y − Y'|| (data units), any d.

    V-statistics: every expectation is the mean over all pairs, the i = i'
    pairs (distance 0) included, so the value is always >= 0.  In 1-D it equals
    ``scipy.stats.energy_distance(x, y) ** 2`` (scipy returns the square root).
    Each sample is first subsampled to ``max_points`` rows (seeded by ``seed``).
    """
    X, Y = _bounded_pair(X, Y, max_points, seed)
    n, m = X.shape[0], Y.shape[0]
    within_x = 2.0 * pdist(X).sum() / (n * n)
    within_y = 2.0 * pdist(Y).sum() / (m * m)
    between = cdist(X, Y).mean()
    return float(max(2.0 * between - within_x - within_y, 0.0))


def _wasserstein_1d_sorted(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """W1 between columns of sorted samples u (n, P) and v (m, P); shape (P,).

    W1 = ∫_0^1 |F⁻¹(t) − G⁻¹(t)| dt.  Both empirical quantile functions are
    constant between consecutive levels of {i/n} ∪ {j/m}, so the integral is
    an exact sum over those intervals.
    """
    n, m = u.shape[0], v.shape[0]
    levels = np.union1d(np.arange(1, n + 1) / n, np.arange(1, m + 1) / m)
    widths = np.diff(levels, prepend=0.0)
    middles = levels - widths / 2
    iu = np.minimum((middles * n).astype(np.intp), n - 1)
    iv = np.minimum((middles * m).astype(np.intp), m - 1)
    return widths @ np.abs(u[iu] - v[iv])


def sliced_wasserstein(X: np.ndarray, Y: np.ndarray, n_projections: int = 128, seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance (data units) between X (n, d) and Y (m, d).

    SW = mean over θ_1..θ_L, uniform on the unit sphere, of W1(⟨X, θ⟩, ⟨Y, θ⟩),
    each 1-D W1 computed exactly from the sorted projections, so n ≠ m works.
    In 1-D it equals ``scipy.stats.wasserstein_distance``.  Directions are
    processed in chunks to bound memory.
    """
    X, Y = _check_pair(X, Y)
    n_projections = check_positive_int(n_projections, "n_projections")
    directions = np.random.default_rng(seed).standard_normal((X.shape[1], n_projections))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    chunk = max(1, _MAX_PROJECTED_VALUES // (X.shape[0] + Y.shape[0]))
    distances = [
        _wasserstein_1d_sorted(
            np.sort(X @ directions[:, start : start + chunk], axis=0),
            np.sort(Y @ directions[:, start : start + chunk], axis=0),
        )
        for start in range(0, n_projections, chunk)
    ]
    return float(np.concatenate(distances).mean())


def denoising_error(denoised: np.ndarray, clean: np.ndarray) -> float:
    """Mean squared denoising error E ||x̂ − x||² (summed over coordinates), for (m, d) arrays.

    With x̂ = x̃ + σ²∇f(x̃) this is the DDE training loss; with the exact KDE's
    denoiser it is the floor (Bayes error) no model can go below.
    """
    return float(np.mean(np.sum((np.asarray(denoised) - np.asarray(clean)) ** 2, axis=1)))
