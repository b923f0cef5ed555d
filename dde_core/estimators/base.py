"""What every density estimator of the comparison shares: the interface, its flags, whitening, refusals.

An estimator (scikit-learn style: parameters stored as given, checked by ``fit``) has

* ``fit(X, progress=None, should_stop=None)`` on training points X (n, d); returns self;
* ``log_density(Y)``: the **normalised** log-density in nats, shape (m,), for Y (m, d);
* ``sample(n, seed)`` (n, d) when ``can_sample`` (``exact_samples`` False: approximate, MCMC);
* ``score(Y)`` = ∇ log p (m, d) when ``has_score``; ``score_is_conservative``: it is the
  gradient of a scalar (so curl-free), not a free vector field;
* ``describe()``: one line on what was fitted (bandwidth, components, layers, log Z ± error);
* ``log_z_``: a ``dde_core.metrics.LogZ`` saying how ``log_density`` was normalised
  ("exact" when the family is normalised by construction, else "grid" or "importance"
  with the normaliser's standard error, already subtracted from ``log_density``).

Refusals: data an estimator cannot take raises ``NotAvailableError`` (an ``InputError``)
whose message starts "not available for ...", so a leaderboard prints it in the row and
runs the others.  ``should_stop()`` returning True during a fit raises ``FitStopped``.

Most families here work on whitened data z = W(x − μ), W = Σ̂^(−1/2) (Σ̂ the sample
covariance, ddof = 1, symmetric square root): log p(x) = log p_z(W(x − μ)) + log|det W|
and ∇_x log p = W ∇_z log p_z (W is symmetric).  That is an affine change of units, the
same for every estimator that uses it; densities are always reported in the data's units.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from ..errors import InputError
from ..metrics import LogZ
from ..validation import check_points, check_positive_int

__all__ = [
    "DensityEstimator",
    "NotAvailableError",
    "FitStopped",
    "Monitor",
    "Progress",
    "StopCheck",
    "Whitening",
]

Progress = Callable[[float, str], None]  # (fraction of this fit done in [0, 1], message)
StopCheck = Callable[[], bool]

# An importance-sampled log Z whose effective sample size is below this share of its draws is flagged.
LOW_ESS_SHARE = 0.01
# Σ̂'s smallest eigenvalue below this fraction of its largest: the points lie in a subspace.
_SINGULAR_RATIO = 1e-12


class NotAvailableError(InputError):
    """This estimator cannot take this data; the message starts "not available for ..." and says why."""


class FitStopped(Exception):
    """A fit was ended by its ``should_stop`` check; the estimator is left unfitted."""


@dataclass(frozen=True)
class Monitor:
    """A fit's progress report and stop check (both optional)."""

    progress: Progress | None = None
    should_stop: StopCheck | None = None

    def report(self, fraction: float, message: str) -> None:
        """Tell the caller how far the fit is (fraction clipped to [0, 1])."""
        if self.progress is not None:
            self.progress(min(max(float(fraction), 0.0), 1.0), message)

    def check(self) -> None:
        """Raise ``FitStopped`` if the caller asked to stop."""
        if self.should_stop is not None and self.should_stop():
            raise FitStopped("stopped before the fit finished")

    def within(self, low: float, high: float, prefix: str = "") -> Monitor:
        """The same monitor with fractions mapped into [low, high] and messages prefixed."""
        if self.progress is None:
            return self

        def mapped(fraction: float, message: str) -> None:
            self.report(low + (high - low) * fraction, prefix + message)

        return Monitor(mapped, self.should_stop)


@dataclass(frozen=True)
class Whitening:
    """The affine map z = W(x − μ), W = Σ̂^(−1/2) symmetric (ZCA), Σ̂ the sample covariance (ddof 1).

    ``log_det``: log|det W| = −½ Σ log λ_k (λ the eigenvalues of Σ̂), the term added to
    a density of z to give the density of x.
    """

    mean: np.ndarray  # (d,)
    matrix: np.ndarray  # W, (d, d), symmetric
    inverse_matrix: np.ndarray  # W⁻¹ = Σ̂^(1/2), (d, d)
    log_det: float

    @classmethod
    def fit(cls, X: np.ndarray, name: str = "this estimator") -> Whitening:
        """Whitening of points X (n, d), n >= 2; refuses points that do not span all d directions."""
        cov = np.atleast_2d(np.cov(X, rowvar=False))
        eigenvalues, vectors = np.linalg.eigh(cov)
        if not eigenvalues[-1] > 0 or eigenvalues[0] <= _SINGULAR_RATIO * eigenvalues[-1]:
            raise NotAvailableError(
                f"not available for points that do not vary in every direction: {name} needs a "
                f"covariance of full rank {X.shape[1]} (the points lie on a line or a plane, or repeat)."
            )
        scale = np.sqrt(eigenvalues)
        return cls(
            X.mean(axis=0),
            (vectors / scale) @ vectors.T,
            (vectors * scale) @ vectors.T,
            float(-np.log(scale).sum()),
        )

    def forward(self, X: np.ndarray) -> np.ndarray:
        """z = W(x − μ), (m, d)."""
        return (X - self.mean) @ self.matrix

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        """x = W⁻¹z + μ, (m, d)."""
        return Z @ self.inverse_matrix + self.mean

    def score_to_data(self, score_z: np.ndarray) -> np.ndarray:
        """∇_x log p = Wᵀ ∇_z log p_z = W ∇_z log p_z, (m, d)."""
        return score_z @ self.matrix


class DensityEstimator(ABC):
    """A density estimator of the comparison (see the module docstring for the interface)."""

    #: The name ``estimators.make`` knows it by.
    name: ClassVar[str] = ""
    can_sample: ClassVar[bool] = True
    #: False when samples are approximate (Markov chain Monte Carlo), True when drawn exactly.
    exact_samples: ClassVar[bool] = True
    has_score: ClassVar[bool] = True
    score_is_conservative: ClassVar[bool] = True
    #: True when ``fit`` imports TensorFlow (``load_backend``).
    uses_tensorflow: ClassVar[bool] = False
    #: Fewest training points the family can be fitted on.
    min_points: ClassVar[int] = 2

    # -- parameters --------------------------------------------------------------------
    def get_params(self) -> dict:
        """The constructor's parameters, as given."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def check_params(self) -> None:
        """Raise InputError for a bad parameter (``fit`` calls it; callers may call it first)."""
        check_positive_int(self.seed, "seed", minimum=0)

    # -- fitting -----------------------------------------------------------------------
    def load_backend(self) -> None:
        """Import the libraries ``fit`` needs (TensorFlow for some): a one-off cost that callers
        timing ``fit`` pay before starting the clock.  Nothing to import for NumPy-only families."""
        return None

    def fit(self, X: Any, progress: Progress | None = None, should_stop: StopCheck | None = None) -> Self:
        """Fit on training points X (n, d); ``progress(fraction, message)``, ``should_stop()`` optional."""
        self.check_params()
        X = check_points(X, "X", min_points=1)
        if len(X) < self.min_points:
            raise NotAvailableError(
                f"not available for {len(X)} training points: {self.name} needs at least {self.min_points}."
            )
        monitor = Monitor(progress, should_stop)
        monitor.check()
        self.load_backend()
        self.log_z_ = LogZ()
        self._fit(X, monitor)
        self.n_train_, self.n_dims_ = X.shape
        monitor.report(1.0, "fitted")
        return self

    @abstractmethod
    def _fit(self, X: np.ndarray, monitor: Monitor) -> None:
        """Fit on validated X (n, d), n >= ``min_points``; report and check through ``monitor``."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_dims_"):
            raise InputError(f"This {self.name} estimator is not fitted yet: call fit(X) first.")

    def _points(self, Y: Any) -> np.ndarray:
        self._check_fitted()
        return check_points(Y, "Y", dim=self.n_dims_, min_points=0)

    # -- the public verbs --------------------------------------------------------------
    def log_density(self, Y: Any) -> np.ndarray:
        """Normalised log-density log p(y) in nats, shape (m,), for Y (m, d)."""
        return self._log_density(self._points(Y))

    @abstractmethod
    def _log_density(self, Y: np.ndarray) -> np.ndarray: ...

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n points (n, d) drawn from the fitted density (exactly unless ``exact_samples`` is False)."""
        if not self.can_sample:
            raise NotAvailableError(f"not available for {self.name}: this family cannot draw samples.")
        self._check_fitted()
        n = check_positive_int(n, "n")
        seed = check_positive_int(seed, "seed", minimum=0)
        return self._sample(n, seed)

    def _sample(self, n: int, seed: int) -> np.ndarray:
        raise NotImplementedError

    def score(self, Y: Any) -> np.ndarray:
        """∇ log p(y), shape (m, d), for Y (m, d), in 1 / data units."""
        if not self.has_score:
            raise NotAvailableError(f"not available for {self.name}: this family gives no score ∇ log p.")
        return self._score(self._points(Y))

    def _score(self, Y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @abstractmethod
    def describe(self) -> str:
        """One line on what was fitted."""


def log_z_text(log_z: LogZ) -> str:
    """'log Z = 1.234 ± 0.005 (importance sampling, 20,000 draws, ESS 15,321)' and the like."""
    if log_z.method == "grid":
        return f"log Z = {log_z.value:.4f} on a {log_z.n}×{log_z.n} grid"
    if log_z.method == "importance":
        ess = "" if log_z.ess is None else f", ESS {log_z.ess:,.0f}"
        text = f"log Z = {log_z.value:.4f} ± {log_z.stderr:.4f} (importance sampling, {log_z.n:,} draws{ess})"
        if log_z.ess is not None and log_z.ess < LOW_ESS_SHARE * log_z.n:
            text += "; few effective draws: that error bar is itself unreliable"
        return text
    return "normalised exactly"


def gaussian_log_density(Z: np.ndarray) -> np.ndarray:
    """log N(z; 0, I) = −½‖z‖² − (d/2) log 2π, summed over all d coordinates; shape (m,)."""
    return -0.5 * np.sum(Z * Z, axis=1) - 0.5 * Z.shape[1] * math.log(2.0 * math.pi)
