"""How well Markov chains mix: integrated autocorrelation time, effective sample size, ESS per second.

For a scalar test function g and M chains of N draws each, values v[t, m] = g(x_t^(m)):

- autocorrelation at lag t, pooled over chains as in Stan (Vehtari et al. 2021):
  with each chain's autocovariance γ_m(t) (FFT, divisor N), W = mean_m s²_m (s²_m the
  chain's variance, divisor N − 1), B/N = variance of the chain means (divisor M − 1) and
  var⁺ = (N − 1)/N · W + B/N,    ρ̂(t) = 1 − (W − mean_m γ_m(t)) / var⁺;
- integrated autocorrelation time by **Geyer's initial positive sequence** (1992), with his
  monotone adjustment: pair sums Γ_k = ρ̂(2k) + ρ̂(2k+1) are kept while positive, each made
  no larger than the one before, and τ = −1 + 2 Σ_k Γ_k  (= 1 + 2 Σ_{t≥1} ρ̂(t), truncated);
- effective sample size ESS = M N / τ, and ESS per second = ESS / wall seconds.

For an AR(1) chain x_t = φ x_{t−1} + ε_t, τ = (1 + φ)/(1 − φ) exactly (tested).
τ and ESS are NaN when g does not vary (a mode indicator no chain ever changes).

Test functions (``ChainFunctions``) for chains in R^d, with m the data's mean and v its
first principal direction: "mean" ⟨x − m, v⟩ (the projection whose mean is estimated),
"second moment" ‖x − m‖², and "mode" 1[⟨x − m, v⟩ > median of the data's projections]
(which side of the data's main split a chain is on: it changes only when a chain crosses
between the halves, so it is the slowest to mix on multimodal data).

``steps_to_mmd`` is the first recorded step whose samples have MMD² (docs/science.md §5,
:func:`dde_core.metrics.mmd_squared`) to fresh data below a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .metrics import mmd_squared
from .validation import check_points, check_positive_float

__all__ = [
    "TEST_FUNCTIONS",
    "autocorrelation",
    "integrated_autocorrelation_time",
    "effective_sample_size",
    "ChainFunctions",
    "Mixing",
    "mixing",
    "steps_to_mmd",
]

TEST_FUNCTIONS = ("mean", "second moment", "mode")


def _check_values(values: np.ndarray) -> np.ndarray:
    """values as float64 (N draws, M chains): a 1-D array is one chain; N ≥ 4 and finite."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] < 4:
        raise InputError(f"Chain values must have shape (draws ≥ 4, chains), got {values.shape}.")
    if not np.isfinite(values).all():
        raise InputError("Chain values contain NaN or infinite entries: leave out the chains that failed.")
    return values


def autocorrelation(values: np.ndarray) -> np.ndarray:
    """ρ̂(t) for t = 0 … N − 1 pooled over chains (module docstring); values (N, M) or (N,).

    NaN everywhere when the values do not vary at all.
    """
    values = _check_values(values)
    n, m = values.shape
    centred = values - values.mean(axis=0)
    size = 1 << int(np.ceil(np.log2(2 * n)))  # zero-padded FFT: linear, not circular, correlation
    spectrum = np.fft.rfft(centred, size, axis=0)
    autocovariance = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=0)[:n] / n  # (N, M), divisor N
    within = float(np.mean(centred.var(axis=0, ddof=1)))
    between = float(values.mean(axis=0).var(ddof=1)) if m > 1 else 0.0  # B / N
    pooled = (n - 1) / n * within + between
    if pooled <= 0.0:
        return np.full(n, np.nan)
    return 1.0 - (within - autocovariance.mean(axis=1)) / pooled


def integrated_autocorrelation_time(values: np.ndarray) -> float:
    """τ = −1 + 2 Σ_k Γ_k by Geyer's initial monotone positive sequence; values (N, M) or (N,).

    In draws (steps between recorded values); NaN when g is constant.  Below 1 for
    anticorrelated chains (floored at 1/(M N), so ESS stays at most M N × M N).
    """
    rho = autocorrelation(values)
    if np.isnan(rho[0]):
        return float("nan")
    pairs = rho[: 2 * (len(rho) // 2)].reshape(-1, 2).sum(axis=1)  # Γ_k = ρ(2k) + ρ(2k+1)
    positive = np.flatnonzero(pairs <= 0.0)
    kept = pairs[: positive[0]] if len(positive) else pairs
    monotone = np.minimum.accumulate(kept)
    n_draws = _check_values(values).size
    return float(max(-1.0 + 2.0 * monotone.sum(), 1.0 / n_draws))


def effective_sample_size(values: np.ndarray) -> float:
    """ESS = M N / τ of a test function's values (N draws, M chains); NaN when it is constant."""
    values = _check_values(values)
    return values.size / integrated_autocorrelation_time(values)


@dataclass(frozen=True)
class ChainFunctions:
    """The reference the test functions are measured against: data mean m (d,), first
    principal direction v (d,) and the median of the data's projections ⟨x − m, v⟩."""

    mean: np.ndarray
    direction: np.ndarray
    split: float

    @classmethod
    def from_data(cls, data: np.ndarray) -> ChainFunctions:
        data = check_points(data, "data", min_points=2)
        mean = data.mean(axis=0)
        _, _, vt = np.linalg.svd(data - mean, full_matrices=False)
        direction = vt[0] * np.sign(vt[0][np.argmax(np.abs(vt[0]))])  # sign fixed: largest entry > 0
        return cls(mean, direction, float(np.median((data - mean) @ direction)))

    def __call__(self, draws: np.ndarray) -> dict[str, np.ndarray]:
        """Values of each function in ``TEST_FUNCTIONS`` at draws (..., d), each of shape (...)."""
        centred = np.asarray(draws, dtype=np.float64) - self.mean
        projection = centred @ self.direction
        return {
            "mean": projection,
            "second moment": np.sum(centred**2, axis=-1),
            "mode": (projection > self.split).astype(np.float64),
        }


@dataclass(frozen=True)
class Mixing:
    """How fast chains mixed, per test function (``TEST_FUNCTIONS``).

    iat: τ in steps; ess: effective draws over all ``n_chains`` chains after warm-up,
    ess_per_second: ess / ``seconds`` (the whole run's wall time, warm-up included).
    τ is measured on ``measured_chains`` chains over ``draws`` steps after the first
    ``warmup`` steps were dropped; ess scales N/τ per chain to all chains.
    """

    iat: dict[str, float]
    ess: dict[str, float]
    ess_per_second: dict[str, float]
    measured_chains: int
    n_chains: int
    draws: int
    warmup: int
    seconds: float

    @property
    def worst_iat(self) -> float:
        """The largest τ over the test functions that vary (NaN if none does)."""
        values = [v for v in self.iat.values() if np.isfinite(v)]
        return max(values) if values else float("nan")

    @property
    def worst_ess_per_second(self) -> float:
        """The smallest ESS per second over the test functions that vary (NaN if none does)."""
        values = [v for v in self.ess_per_second.values() if np.isfinite(v)]
        return min(values) if values else float("nan")


def mixing(
    draws: np.ndarray,
    functions: ChainFunctions,
    seconds: float,
    n_chains: int | None = None,
    warmup_fraction: float = 0.5,
) -> Mixing | None:
    """τ, ESS and ESS/s of each test function from draws (steps + 1, chains, d) recorded every step.

    The first ``warmup_fraction`` of the steps is dropped (chains start far from the
    target); chains with any non-finite draw are left out.  ``n_chains``: the run's chain
    count when ``draws`` holds only some of its chains (default: all are here).  None when
    fewer than 8 steps remain or no chain stayed finite.
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.ndim != 3:
        raise InputError(f"draws must have shape (steps, chains, d), got {draws.shape}.")
    if not 0.0 <= warmup_fraction < 1.0:
        raise InputError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}.")
    warmup = int(draws.shape[0] * warmup_fraction)
    kept = draws[warmup:]
    kept = kept[:, np.isfinite(kept).all(axis=(0, 2))]
    if kept.shape[0] < 8 or kept.shape[1] == 0:
        return None
    n_chains = kept.shape[1] if n_chains is None else n_chains
    iat = {name: integrated_autocorrelation_time(values) for name, values in functions(kept).items()}
    ess = {name: n_chains * kept.shape[0] / tau for name, tau in iat.items()}
    per_second = {name: value / seconds if seconds > 0 else float("nan") for name, value in ess.items()}
    return Mixing(iat, ess, per_second, kept.shape[1], n_chains, kept.shape[0], warmup, float(seconds))


def steps_to_mmd(
    frames: np.ndarray,
    steps: Sequence[int],
    truth: np.ndarray,
    threshold: float,
    seed: int = 0,
) -> int | None:
    """The first of ``steps`` whose frame of samples has MMD² to ``truth`` below ``threshold``.

    frames (k, n, d): the chains' states at the k recorded ``steps`` (non-finite rows are
    left out of each frame); truth (m, d): fresh samples of the target.  None if no frame
    gets below the threshold.  MMD² is :func:`dde_core.metrics.mmd_squared` (unbiased; its
    noise is about 1/n, so choose a threshold well above it).
    """
    frames = np.asarray(frames, dtype=np.float64)
    threshold = check_positive_float(threshold, "MMD² threshold")
    if frames.ndim != 3 or len(steps) != len(frames):
        raise InputError(
            f"frames must be (k, n, d) with one step per frame; got {frames.shape} and {len(steps)} steps."
        )
    truth = check_points(truth, "true samples", min_points=2, dim=frames.shape[2])
    for step, frame in zip(steps, frames):
        good = frame[np.isfinite(frame).all(axis=1)]
        if len(good) >= 2 and mmd_squared(good, truth, seed=seed) < threshold:
            return int(step)
    return None
