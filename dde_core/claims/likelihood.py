"""Claim 2: the learned density is a real, normalisable density.

``normalising_constants`` gives log Z = log ∫ e^f by grid quadrature (2-D) and by
importance sampling (any d); ``held_out_log_likelihoods`` scores fresh samples
under the normalised DDE and three KDEs; ``sigma_sweep`` repeats it across σ with a
briefly trained DDE per σ.  The scoring is :func:`dde_core.metrics.held_out_log_likelihood`.
Logs are natural (nats); mean log-likelihoods are per point, higher is better.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import gaussian_kde

from ..errors import InputError
from ..grid import Grid
from ..kde import GaussianKDE
from ..metrics import GridQuadrature, HeldOutLikelihood, ImportanceSampling, LogZ, held_out_log_likelihood
from ..model import DDE
from ..normalization import mass_on_grid
from ..training import train_in_chunks
from ..validation import check_points, check_positive_int, check_sigma
from .progress import Progress, StopCheck, chunk_reporter, report

__all__ = [
    "ANALYTIC_OPTIMUM",
    "NormalisingConstants",
    "normalising_constants",
    "BandwidthRule",
    "LikelihoodRow",
    "LikelihoodReport",
    "held_out_log_likelihoods",
    "SweepRow",
    "SweepReport",
    "sigma_sweep",
]

# Best possible expected log-likelihood E_p[log q] over all densities q, reached at q = p:
# minus the entropy H(p) in nats (Gibbs' inequality).  Checkerboard: uniform on area 32;
# 8gaussians: 8 well separated N(·, (0.5/1.414)² I), H = ln 8 + ln(2πe·0.125).
ANALYTIC_OPTIMUM = {"checkerboard": -math.log(32.0), "8gaussians": -2.838}
SWEEP_CHUNK = 100  # training steps between progress reports in the σ sweep


@dataclass(frozen=True)
class NormalisingConstants:
    """log Z of one unnormalised log-density two ways: grid (None unless 2-D with a grid), importance."""

    grid: LogZ | None
    importance: LogZ


def normalising_constants(
    log_f: Callable[[np.ndarray], np.ndarray],
    proposal: GaussianKDE,
    grid: Grid | None = None,
    n: int = 20_000,
    seed: int = 0,
) -> NormalisingConstants:
    """log Z = log ∫ exp f two ways (docs/science.md §3).

    grid (2-D only, else None): midpoint rule logsumexp f(cells) + log ΔxΔy over the box.
    importance: draws y_j from the fitted ``proposal`` KDE q (pick x_i, add σ-noise;
    log q exact), log Ẑ = logsumexp(f(y_j) − log q(y_j)) − log n, with its standard
    error (delta method) and effective sample size.
    """
    by_grid = GridQuadrature(grid).log_z(log_f) if _quadrature_applies(proposal, grid) else None
    return NormalisingConstants(by_grid, ImportanceSampling(proposal, n, seed).log_z(log_f))


def _quadrature_applies(kde: GaussianKDE, grid: Grid | None) -> bool:
    """Grid quadrature needs a grid and 2-D data."""
    return grid is not None and kde.n_dims_ == 2


@dataclass(frozen=True)
class BandwidthRule:
    """A scipy gaussian_kde with a rule-of-thumb bandwidth ("scott", "silverman") and its score.

    factor: the rule's factor (kernel covariance = factor² × data covariance);
    likelihood and factor are None when scipy cannot build the KDE (``note`` says why).
    """

    rule: str
    factor: float | None
    likelihood: HeldOutLikelihood | None
    note: str = ""


def _bandwidth_rule(train: np.ndarray, test: np.ndarray, rule: str) -> BandwidthRule:
    """scipy's gaussian_kde with a bandwidth rule (full data covariance × factor²), scored on test."""
    try:
        kde = gaussian_kde(train.T, bw_method=rule)
    except np.linalg.LinAlgError:
        return BandwidthRule(rule, None, None, "data covariance is singular (points on a line): no full-covariance KDE")
    return BandwidthRule(rule, float(kde.factor), held_out_log_likelihood(lambda Y: kde.logpdf(Y.T), test))


@dataclass(frozen=True)
class LikelihoodRow:
    """One method's held-out score for a table: mean log-likelihood (nats/point) ± stderr."""

    method: str
    mean_log_likelihood: float | None
    stderr: float | None
    how_measured: str


@dataclass(frozen=True)
class LikelihoodReport:
    """Result of :func:`held_out_log_likelihoods` (every score on the same n_test points).

    dde_grid: the DDE normalised on the grid (None unless 2-D with a grid), with
    kde_mass_on_grid ≈ 1 when the box holds the mass; dde_importance: normalised by
    importance sampling from the KDE at σ; kde_sigma: the exact KDE at σ (the DDE's
    target); kde_scott, kde_silverman: scipy's rule-of-thumb KDEs.
    """

    n_test: int
    n_train: int
    n_dims: int
    sigma: float
    model_steps: int
    dde_grid: HeldOutLikelihood | None
    kde_mass_on_grid: float | None
    dde_importance: HeldOutLikelihood
    kde_sigma: HeldOutLikelihood
    kde_scott: BandwidthRule
    kde_silverman: BandwidthRule

    def rows(self) -> list[LikelihoodRow]:
        """One row per method, each saying how it was measured."""
        rows = []
        if self.dde_grid is not None:
            n = self.dde_grid.normaliser.n
            rows.append(
                (
                    "DDE, normalised on a grid",
                    self.dde_grid,
                    f"log Z = {self.dde_grid.log_z:.4f} by midpoint rule on {n}×{n} cells "
                    f"(KDE mass on that grid {self.kde_mass_on_grid:.4f})",
                )
            )
        z = self.dde_importance.normaliser
        rows.append(
            (
                "DDE, importance sampling",
                self.dde_importance,
                f"log Z = {z.value:.4f} ± {z.stderr:.4f} from {z.n:,} draws of the KDE at σ (ESS {z.ess:,.0f})",
            )
        )
        rows.append((f"Exact KDE, σ = {self.sigma:g}", self.kde_sigma, "isotropic kernel σ²I: the DDE's target"))
        rows += [
            (f"KDE, {rule.rule.capitalize()}'s rule", rule.likelihood, self._rule_text(rule))
            for rule in (self.kde_scott, self.kde_silverman)
        ]
        return [
            LikelihoodRow(
                method,
                None if score is None else score.mean,
                None if score is None else score.stderr,
                f"{how}; {self.n_test:,} held-out points",
            )
            for method, score, how in rows
        ]

    def _rule_text(self, rule: BandwidthRule) -> str:
        if rule.likelihood is None:
            return rule.note
        how = f"scipy gaussian_kde, full data covariance × factor² ({rule.factor:.3f})"
        return how + ("; in 2-D Scott's and Silverman's factors coincide, n^(−1/6)" if self.n_dims == 2 else "")


def held_out_log_likelihoods(
    model: DDE,
    train_points: np.ndarray,
    test_points: np.ndarray,
    sigma: float,
    grid: Grid | None = None,
    n_importance: int = 20_000,
    seed: int = 0,
) -> LikelihoodReport:
    """Mean log-likelihood (nats per point) ± standard error on held-out points (m, d).

    DDE: f(test) − log Z, log Z by grid quadrature (2-D with a grid) and by importance
    sampling from the KDE at σ (stderr √(se² + se_logZ²)); the exact isotropic KDE at
    the same σ; scipy's gaussian_kde with Scott's and Silverman's rules (full data
    covariance scaled by the rule's factor, not isotropic).  Training points (D, d).
    """
    sigma = check_sigma(sigma)
    train = check_points(train_points, "train_points", min_points=2, dim=model.n_dims_)
    test = check_points(test_points, "test_points", min_points=2, dim=model.n_dims_)
    kde = GaussianKDE(sigma).fit(train)
    on_grid = _quadrature_applies(kde, grid)
    return LikelihoodReport(
        n_test=len(test),
        n_train=len(train),
        n_dims=model.n_dims_,
        sigma=sigma,
        model_steps=model.n_steps_,
        dde_grid=held_out_log_likelihood(model.log_density, test, GridQuadrature(grid)) if on_grid else None,
        kde_mass_on_grid=mass_on_grid(kde.log_density(grid.points), grid) if on_grid else None,
        dde_importance=held_out_log_likelihood(model.log_density, test, ImportanceSampling(kde, n_importance, seed)),
        kde_sigma=held_out_log_likelihood(kde.log_density, test),
        kde_scott=_bandwidth_rule(train, test, "scott"),
        kde_silverman=_bandwidth_rule(train, test, "silverman"),
    )


@dataclass(frozen=True)
class SweepRow:
    """Held-out scores at one σ: a short-trained, normalised DDE and the exact KDE at σ."""

    sigma: float
    dde: HeldOutLikelihood
    kde: HeldOutLikelihood
    how_measured: str  # how the DDE was normalised


@dataclass
class SweepReport:
    """Result of :func:`sigma_sweep`: one row per σ run, in ascending σ."""

    steps: int
    n_test: int
    n_train: int
    rows: list[SweepRow] = field(default_factory=list)
    stopped: bool = False


def _sweep_row(model: DDE, kde: GaussianKDE, test: np.ndarray, grid: Grid | None, n_importance: int) -> SweepRow:
    """Held-out mean log-likelihood of the normalised DDE and of the KDE at the same σ."""
    if _quadrature_applies(kde, grid):
        normaliser = GridQuadrature(grid)
        how = f"grid {grid.n}×{grid.n}, KDE mass on it {mass_on_grid(kde.log_density(grid.points), grid):.4f}"
    else:
        normaliser = ImportanceSampling(kde, n_importance)
        how = f"importance sampling, {n_importance:,} draws"
    return SweepRow(
        kde.sigma_,
        held_out_log_likelihood(model.log_density, test, normaliser),
        held_out_log_likelihood(kde.log_density, test),
        how,
    )


def _trained(
    model: DDE, points: np.ndarray, steps: int, progress: Callable[[int, int], None], should_stop: StopCheck | None
) -> bool:
    """Train ``model`` for ``steps`` steps in chunks; False if ``should_stop`` ended it first."""
    done = 0

    def track(step: int, total: int) -> None:
        nonlocal done
        done = step
        progress(step, total)

    train_in_chunks(model, points, steps, SWEEP_CHUNK, track, should_stop)
    return done == steps


def sigma_sweep(
    points: np.ndarray,
    test_points: np.ndarray,
    sigmas: Sequence[float],
    steps: int = 500,
    grid: Grid | None = None,
    n_importance: int = 20_000,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> SweepReport:
    """Held-out log-likelihood against σ for a short-trained DDE and the exact KDE.

    Per σ (ascending): ``DDE(sigma=σ, steps=steps, seed=seed)`` (defaults otherwise)
    trained on points (D, d) in chunks, normalised by grid quadrature (2-D with a
    grid) or importance sampling, then both scored on test_points (m, d).  A σ
    interrupted by ``should_stop`` is left out.  Roughly 1 + steps/100 s per σ on 2 cores.
    """
    steps = check_positive_int(steps, "steps")
    sigmas = sorted({check_sigma(s) for s in sigmas})
    if not sigmas:
        raise InputError("Give at least one σ to sweep, such as 0.1, 0.2, 0.4.")
    points = check_points(points, "points", min_points=2)
    test = check_points(test_points, "test_points", min_points=2, dim=points.shape[1])
    result = SweepReport(steps, len(test), len(points))
    for i, sigma in enumerate(sigmas):
        model = DDE(sigma=sigma, steps=steps, seed=seed)
        within = chunk_reporter(progress, result, (i / len(sigmas), (i + 1) / len(sigmas)), f"σ = {sigma:g}: ")
        if not _trained(model, points, steps, within, should_stop):
            result.stopped = True
            break
        result.rows.append(_sweep_row(model, GaussianKDE(sigma).fit(points), test, grid, n_importance))
    report(progress, 1.0, "done", result)
    return result
