"""One training experiment: data, the DDE being trained, its ground truth, and its record.

This is the "state" of the playground (TensorFlow Playground style): the app
and the CLI both hold an ``Experiment`` and call ``advance`` once per frame;
views are computed from it by ``views``/``figures`` and never change it.

Progress is measured against the exact KDE at the same σ:
- loss: the denoising loss of docs/science.md §1 on a fixed held-out noisy batch;
- excess loss: that loss minus the KDE denoiser's loss on the same batch (the
  floor, the Bayes error of denoising), so what is left is what can be learned;
- KL(KDE_σ ‖ DDE) between the two densities normalised on the view grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import datasets
from .config import Config
from .errors import InputError
from .grid import Grid
from .kde import GaussianKDE
from .metrics import GridQuadrature, denoising_error, held_out_log_likelihood, kl_on_grid
from .normalization import mass_on_grid
from .validation import check_points, check_positive_int, check_sigma, check_spread
from .views import DensityView, density_view

__all__ = ["Config", "Experiment", "Record", "evaluate"]

GRID_SIZE = 100  # cells per side of the live view and of the live KL
MAX_EXTENT_IN_SIGMAS = 2_000  # wider data: one view cell would hold 20σ, and the KL would mean nothing
MONITOR_BATCH = 2048  # held-out noisy pairs for the loss curves


@dataclass
class Record:
    """Measurements taken after each frame of training, one entry per frame."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    excess_loss: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)

    def append(self, step: int, loss: float, excess: float, kl: float) -> None:
        self.steps.append(step)
        self.loss.append(loss)
        self.excess_loss.append(excess)
        self.kl.append(kl)

    def snapshot(self) -> Record:
        """A consistent copy (another thread may be appending while this is read)."""
        n = min(len(self.steps), len(self.loss), len(self.excess_loss), len(self.kl))
        return Record(self.steps[:n], self.loss[:n], self.excess_loss[:n], self.kl[:n])

    def latest(self) -> dict:
        if not self.steps:
            return {}
        return {
            "step": self.steps[-1],
            "loss": self.loss[-1],
            "excess_loss": self.excess_loss[-1],
            "kl": self.kl[-1],
        }


class Experiment:
    """A DDE trained on ``points`` at ``config.sigma``, watched against the exact KDE.

    ``points`` defaults to ``config.n_samples`` draws of ``config.dataset``; pass
    a user's points (already in model units) to train on those instead.
    """

    def __init__(self, config: Config, points: np.ndarray | None = None, grid: Grid | None = None):
        self.config = config
        if points is None:
            points = datasets.sample(config.dataset, config.n_samples, config.data_seed)
        points = check_spread(check_points(points, "points", min_points=2, dim=2))
        self.points = check_scale(points, config.sigma).astype(np.float32)
        self.grid = grid or _default_grid(config.dataset, self.points, config.sigma)
        self.model = config.model()
        self.model.partial_fit(self.points, steps=1)  # validates settings, traces the step
        self.kde = GaussianKDE(sigma=config.sigma).fit(self.points)
        self.kde_view = density_view(self.kde, self.grid)
        # top of the colour scale every density panel shares: the exact KDE's peak
        self.zmax = float(self.kde_view.density.max())
        self._monitor_clean, self._monitor_noisy = _monitor_batch(self.points, config)
        self.loss_floor = denoising_error(self.kde.denoise(self._monitor_noisy), self._monitor_clean)
        self.record = Record()
        self.view = self.measure()  # (measure sets it; said here so the attribute is seen)

    @property
    def step(self) -> int:
        return self.model.n_steps_

    def train(self, steps: int) -> None:
        """Train ``steps`` more steps, without measuring (the record and view stay as they were)."""
        self.model.partial_fit(steps=check_positive_int(steps, "steps per frame"))

    def advance(self, steps: int) -> DensityView:
        """Train ``steps`` more steps, measure, and return the new view."""
        self.train(steps)
        return self.measure()

    def measure(self) -> DensityView:
        """The model's view now (density on the grid, field on the arrows), kept in ``view``
        and returned; records its held-out loss, excess loss over the KDE's denoiser and
        KL(KDE ‖ DDE) at this step."""
        view = density_view(self.model, self.grid)
        loss = self.model.denoising_loss(self._monitor_clean, self._monitor_noisy)
        kl = kl_on_grid(self.kde_view.log_density, view.log_density)
        self.record.append(self.step, loss, loss - self.loss_floor, kl)
        self.view = view
        return view

    @property
    def steps_per_second(self) -> float:
        return self.model.history_.steps_per_second

    def summary(self) -> dict:
        """JSON-friendly settings and latest measurements."""
        return {
            "config": self.config.to_dict(),
            "n_points": int(len(self.points)),
            "loss_floor": self.loss_floor,
            **self.record.latest(),
            "steps_per_second": self.steps_per_second,
            "device": self.model.device_,
        }


def check_scale(points: np.ndarray, sigma: float) -> np.ndarray:
    """Return ``points`` (n, 2) if the view grid can show their KDE at ``sigma``.

    The grid has ``GRID_SIZE`` cells a side over the data's extent; data wider than
    ``MAX_EXTENT_IN_SIGMAS`` σ would make every Gaussian bump far narrower than a cell,
    so neither the picture nor the KL on the grid would mean anything.
    """
    sigma = check_sigma(sigma)
    extent = float(np.ptp(points, axis=0).max())
    if extent > MAX_EXTENT_IN_SIGMAS * sigma:
        raise InputError(
            f"The points span {extent:.3g} units, more than {MAX_EXTENT_IN_SIGMAS:,} times σ = {sigma:g}: "
            "each point's Gaussian bump would be far smaller than one cell of the view. Standardise "
            "the data (or rescale it) or choose a larger σ."
        )
    return points


def _default_grid(dataset: str, points: np.ndarray, sigma: float) -> Grid:
    """[−4, 4]² for the toy sets (docs/science.md §1); otherwise a box around the data widened by
    3σ on every side, so the KDE's mass is on the grid however small the data's spread."""
    if dataset in datasets.names():
        return Grid(n=GRID_SIZE)
    return Grid.around(points, n=GRID_SIZE, pad=3.0 * sigma)


def _monitor_batch(points: np.ndarray, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch of clean points and their noisy copies, seeded apart from training."""
    rng = np.random.default_rng([config.seed, 7919])
    clean = points[rng.integers(0, len(points), MONITOR_BATCH)].astype(np.float64)
    return clean, clean + config.sigma * rng.standard_normal(clean.shape)


def evaluate(experiment: Experiment, test_points: np.ndarray, grid_size: int = 200) -> dict:
    """Final figures of a trained experiment, measured on a ``grid_size²`` grid.

    kl_to_kde: KL(KDE_σ ‖ DDE), both normalised on the grid (nats).
    test_log_likelihood_*: mean log p on held-out points (nats/point) ± standard
    error, for the DDE normalised by grid quadrature and for the exact KDE.
    kde_mass_on_grid: ≈ 1 when the grid holds the mass (the check of docs/science.md §3).
    """
    grid = Grid(experiment.grid.x_range, experiment.grid.y_range, grid_size)
    test_points = check_points(test_points, "test points", min_points=2, dim=2)
    kde_log_p = experiment.kde.log_density(grid.points)
    dde = held_out_log_likelihood(experiment.model.log_density, test_points, GridQuadrature(grid))
    kde = held_out_log_likelihood(experiment.kde.log_density, test_points)
    return {
        "kl_to_kde": kl_on_grid(kde_log_p, experiment.model.log_density(grid.points)),
        "grid": {"n": grid_size, "x_range": list(grid.x_range), "y_range": list(grid.y_range)},
        "log_z_dde": dde.log_z,
        "kde_mass_on_grid": mass_on_grid(kde_log_p, grid),
        "n_test_points": dde.n_test,
        "test_log_likelihood_dde": dde.mean,
        "test_log_likelihood_dde_stderr": dde.stderr,
        "test_log_likelihood_kde": kde.mean,
        "test_log_likelihood_kde_stderr": kde.stderr,
    }
