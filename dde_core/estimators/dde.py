"""The DDE as a normalised density estimator, beside the other families.

``dde_core.model.DDE`` learns f with ∇f = ∇ log p_σ, p_σ the training data blurred by
N(0, σ²I) (exactly the isotropic Gaussian KDE at bandwidth σ on the training set); f is
known only up to a constant.  Here it is trained on whitened data z = W(x − μ) and
normalised:

    log p(x) = f(W(x − μ)) − log Z + log|det W|,   log Z = log ∫ exp f(z) dz,

with log Z by the midpoint rule on a grid in 2-D (``metrics.GridQuadrature`` over a box
around the data widened by 3σ; no error bar) and by importance sampling in any other d
(``metrics.ImportanceSampling`` with the exact KDE at σ as proposal, its standard error
reported and added to the held-out likelihood's).  docs/science.md §3: the proposal's
log q sums over all d coordinates (``GaussianKDE`` does), the published bug averaged.

**What is compared, and why that is fair.**  The DDE estimates p_σ, a blurred copy of
the data's density; it is scored, like every estimator, by the held-out log-likelihood
of fresh points drawn from the data's own density p.  Any normalised density q is a
legitimate estimate of p and E_p[log q] ≤ E_p[log p] whatever q is, so the blur is the
DDE's bias, as a KDE's bandwidth is its bias; it is chosen the same way: σ (whitened
units) is the bandwidth that maximises the leave-one-out likelihood of the isotropic
KDE on the whitened training points, the very rule and candidates of ``kde-cv``, so the
DDE's target is the ``kde-cv`` density and the DDE gets no extra tuning.  What the
normaliser cannot see: exp f is only trained near the data; mass the network puts far
from it (where no grid cell or proposal draw lands) is not counted in Z.

Samples: Metropolis-adjusted Langevin chains (``dde_core.samplers``) on f started from
draws of the KDE at σ, so they are approximate (``exact_samples`` is False).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..errors import InputError
from ..grid import Grid
from ..metrics import GridQuadrature, ImportanceSampling, LogZ
from ..validation import check_positive_int, check_sigma
from .base import DensityEstimator, Monitor, Whitening, log_z_text
from .kde import cross_validated_bandwidth

__all__ = ["DDEEstimator", "normalise"]

CHUNK = 100  # training steps between progress reports and stop checks
_MALA_STEP = 0.1  # MALA step size, as a fraction of σ²


def normalise(
    log_f: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    sigma: float,
    grid_size: int = 200,
    n_importance: int = 20_000,
    seed: int = 0,
) -> LogZ:
    """log Z = log ∫ exp f for an f trained on ``points`` (n, d) at noise level σ.

    2-D: midpoint rule on ``grid_size``² cells over the points' box widened by 15% and 3σ.
    Other d: importance sampling, ``n_importance`` draws of the exact KDE at σ on the points.
    """
    if points.shape[1] == 2:
        return GridQuadrature(Grid.around(points, n=grid_size, pad=3.0 * sigma)).log_z(log_f)
    from ..kde import GaussianKDE

    return ImportanceSampling(GaussianKDE(sigma).fit(points), n_importance, seed).log_z(log_f)


class DDEEstimator(DensityEstimator):
    """A Denoising Density Estimator, normalised (see the module docstring).

    Parameters:
        sigma: "cv" (the ``kde-cv`` bandwidth, leave-one-out) or a noise level in whitened units.
        n_candidates, cv_points: of the "cv" choice, as in ``kde-cv``.
        steps, hidden, activation, learning_rate, batch_size, ema: the ``DDE``'s (its defaults).
        grid_size: cells per side of the 2-D normalising grid.
        n_importance: proposal draws of the importance-sampled normaliser (d ≠ 2).
        sample_steps: MALA steps per ``sample`` call.
        seed: network, batches, noise, normaliser draws.

    Fitted: ``sigma_`` (whitened units), ``whitening_``, ``model_`` (the DDE), ``log_z_``.
    """

    name = "dde"
    exact_samples = False
    uses_tensorflow = True
    min_points = 3

    def __init__(
        self,
        sigma: Any = "cv",
        n_candidates: int = 16,
        cv_points: int = 1000,
        steps: int = 2000,
        hidden: tuple[int, ...] = (64, 64, 64),
        activation: str = "softplus",
        learning_rate: float = 3e-3,
        batch_size: int = 2048,
        ema: float = 0.99,
        grid_size: int = 200,
        n_importance: int = 20_000,
        sample_steps: int = 100,
        seed: int = 0,
    ):
        self.sigma = sigma
        self.n_candidates = n_candidates
        self.cv_points = cv_points
        self.steps = steps
        self.hidden = hidden
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.ema = ema
        self.grid_size = grid_size
        self.n_importance = n_importance
        self.sample_steps = sample_steps
        self.seed = seed

    def check_params(self) -> None:
        super().check_params()
        if self.sigma != "cv":
            try:
                check_sigma(self.sigma)
            except InputError:
                raise InputError(f"sigma must be 'cv' or a positive noise level, got {self.sigma!r}.") from None
        check_positive_int(self.n_candidates, "n_candidates", minimum=2)
        check_positive_int(self.cv_points, "cv_points", minimum=2)
        check_positive_int(self.grid_size, "grid_size", minimum=2)
        check_positive_int(self.n_importance, "n_importance", minimum=2)
        check_positive_int(self.sample_steps, "sample_steps")
        check_positive_int(self.steps, "steps")  # the network's other settings are checked by DDE.fit
        check_positive_int(self.batch_size, "batch_size")
        if self.activation not in ACTIVATIONS:
            raise InputError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}.")

    def _network_params(self) -> dict:
        names = ("steps", "hidden", "activation", "learning_rate", "batch_size", "ema", "seed")
        return {name: getattr(self, name) for name in names}

    def load_backend(self) -> None:
        from .. import kde, model, samplers  # noqa: F401  (TensorFlow)

    def _fit(self, X: np.ndarray, monitor: Monitor) -> None:
        from ..model import DDE
        from ..training import train_in_chunks

        self.whitening_ = Whitening.fit(X, "the DDE")
        Z = self.whitening_.forward(X)
        if self.sigma == "cv":
            choose = monitor.within(0.0, 0.1, "choosing σ: ")
            self.sigma_ = cross_validated_bandwidth(Z, self.n_candidates, self.cv_points, self.seed, choose)[0]
        else:
            self.sigma_ = float(self.sigma)
        self.model_ = DDE(sigma=self.sigma_, **self._network_params())
        training = monitor.within(0.1, 0.9)

        def report(done: int, total: int) -> None:
            training.report(done / total, f"training step {done:,} of {total:,}")

        train_in_chunks(self.model_, Z, int(self.steps), CHUNK, report, monitor.should_stop)
        monitor.check()
        monitor.report(0.9, "normalising")
        self.log_z_ = normalise(
            self.model_.log_density, Z, self.sigma_, int(self.grid_size), int(self.n_importance), self.seed
        )
        self._training_points = Z

    def _log_density(self, Y: np.ndarray) -> np.ndarray:
        f = self.model_.log_density(self.whitening_.forward(Y))
        return f - self.log_z_.value + self.whitening_.log_det

    def _score(self, Y: np.ndarray) -> np.ndarray:
        return self.whitening_.score_to_data(self.model_.score(self.whitening_.forward(Y)))

    def _sample(self, n: int, seed: int) -> np.ndarray:
        from ..kde import GaussianKDE
        from ..samplers import DDETarget, langevin

        start = GaussianKDE(self.sigma_).fit(self._training_points).sample(n, seed)
        run = langevin(
            DDETarget(self.model_), start, _MALA_STEP * self.sigma_**2, int(self.sample_steps), "mala", seed=seed
        )
        return self.whitening_.inverse(run.samples)

    def describe(self) -> str:
        self._check_fitted()
        widths = "×".join(str(w) for w in self.hidden)
        how = f"kde-cv's leave-one-out choice among {self.n_candidates}" if self.sigma == "cv" else "given"
        return (
            f"σ = {self.sigma_:.4g} (whitened units; {how}), {widths} {self.activation}, {self.steps:,} steps; "
            f"{log_z_text(self.log_z_)}; {self.n_train_:,} points"
        )
