"""How good generated samples are, measured against the data, step after step.

* :func:`mode_quality`: for data with known mixture centres (8gaussians, grid25;
  ``datasets.mode_centres``) the measures of the mode-collapse literature (Unrolled GANs,
  Metz et al. 2017): a sample is *high quality* when it lies within 3 component standard
  deviations of its nearest centre, and a mode is *covered* when at least 1% of all samples
  are high-quality samples of it.
* :class:`GenerationReference` holds what samples are compared with (fresh data, the data's
  KDE on a grid) and measures a sample: MMD², energy distance and sliced Wasserstein to fresh
  data (``dde_core.metrics``), KL(KDE_σ(data) ‖ KDE_σ(samples)) on a 2-D grid
  (``metrics.kl_on_grid``), and the mode measures when the centres are known.
* :class:`MetricCurves`: those measures over training steps (what the page plots and the
  command line writes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import cdist

from .errors import InputError
from .grid import Grid
from .metrics import energy_distance, kl_on_grid, mmd_squared, sliced_wasserstein
from .validation import check_points, check_positive_float, check_sigma

__all__ = ["ModeQuality", "mode_quality", "GenerationReference", "MetricCurves", "METRIC_LABELS"]

HIGH_QUALITY_STDS = 3.0  # a sample within this many component stds of a centre is high quality
COVERED_SHARE = 0.01  # a mode holding at least this share of all samples is covered
METRIC_POINTS = 2000  # points per sample in MMD² and the energy distance (O(n²))

# What each measure is, for plots and tables (name -> label with units).
METRIC_LABELS = {
    "mmd2": "MMD² to fresh data",
    "energy": "energy distance to fresh data",
    "sliced_w": "sliced Wasserstein to fresh data",
    "kl_grid": "KL(KDE_σ data ‖ KDE_σ samples) on the grid, nats",
    "modes_covered": "modes covered",
    "high_quality": "share of high-quality samples",
}


@dataclass(frozen=True)
class ModeQuality:
    """covered of n_modes modes hold ≥ 1% of the samples as high-quality samples;
    high_quality is the share (0 to 1) of samples within 3 stds of a centre."""

    covered: int
    n_modes: int
    high_quality: float


def mode_quality(samples: np.ndarray, centres: np.ndarray, std: float) -> ModeQuality:
    """Modes covered and share of high-quality samples, for samples (n, d) and a mixture's
    centres (k, d) with component standard deviation ``std`` (data units)."""
    samples = check_points(samples, "samples")
    centres = check_points(centres, "centres", dim=samples.shape[1])
    std = check_positive_float(std, "std")
    distances = cdist(samples, centres)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= HIGH_QUALITY_STDS * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    covered = int((counts >= COVERED_SHARE * len(samples)).sum())
    return ModeQuality(covered, len(centres), float(good.mean()))


@dataclass
class GenerationReference:
    """What generated samples are compared with.

    fresh: data points the models did not train on, (m, d), for the sample distances;
    train: the training data (D, d), whose KDE at ``sigma`` is the reference density on
    ``grid`` (2-D data only; None: no grid KL); centres (k, d) and component_std: known
    mixture centres (None: no mode measures). ``measure`` is deterministic (seeded).
    """

    fresh: np.ndarray
    train: np.ndarray | None = None
    sigma: float | None = None
    grid: Grid | None = None
    centres: np.ndarray | None = None
    component_std: float | None = None
    _log_data_kde: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.fresh = check_points(self.fresh, "fresh", min_points=2)
        if self.grid is not None:
            if self.train is None or self.sigma is None:
                raise InputError("The grid KL needs the training data and sigma.")
            self._log_data_kde = self._log_kde_on_grid(check_points(self.train, "train", dim=2))
        if (self.centres is None) != (self.component_std is None):
            raise InputError("Pass both the mixture's centres and its component_std, or neither.")

    def _log_kde_on_grid(self, points: np.ndarray) -> np.ndarray:
        from .kde import GaussianKDE  # TensorFlow, only when a grid KL is asked for

        return GaussianKDE(check_sigma(self.sigma)).fit(points).log_density(self.grid.points)

    def data_density(self) -> np.ndarray | None:
        """KDE_σ of the training data on the grid, normalised on it (n, n), probability per
        unit area, rows along y (None without a grid): what the generated density should become."""
        if self._log_data_kde is None:
            return None
        from .normalization import log_z_grid

        log_p = self.grid.reshape(self._log_data_kde)
        return np.exp(log_p - log_z_grid(log_p, self.grid))

    def measure(self, samples: np.ndarray, seed: int = 0) -> dict[str, float]:
        """Every measure of ``samples`` (n, d) that this reference allows, by name (see
        ``METRIC_LABELS``); samples with non-finite coordinates are left out."""
        samples = np.asarray(samples, np.float64)
        samples = samples[np.isfinite(samples).all(axis=1)]
        fresh = self.fresh
        values = {
            "mmd2": mmd_squared(samples, fresh, max_points=METRIC_POINTS, seed=seed),
            "energy": energy_distance(samples, fresh, max_points=METRIC_POINTS, seed=seed),
            "sliced_w": sliced_wasserstein(samples, fresh, seed=seed),
        }
        if self._log_data_kde is not None:
            values["kl_grid"] = kl_on_grid(self._log_data_kde, self._log_kde_on_grid(samples))
        if self.centres is not None:
            quality = mode_quality(samples, self.centres, self.component_std)
            values["modes_covered"] = float(quality.covered)
            values["high_quality"] = quality.high_quality
        return values


@dataclass
class MetricCurves:
    """Measures over training: ``steps`` (generator steps) and, by name, one value per step."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: int, measured: dict[str, float]) -> None:
        """Record the measures taken at generator step ``step``."""
        for name in measured.keys() | self.values.keys():
            self.values.setdefault(name, [math.nan] * len(self.steps)).append(measured.get(name, math.nan))
        self.steps.append(int(step))

    def last(self) -> dict[str, float]:
        """The latest value of each measure."""
        return {name: series[-1] for name, series in self.values.items()}

    def to_dict(self) -> dict:
        return {"steps": list(self.steps), **{name: list(series) for name, series in self.values.items()}}
