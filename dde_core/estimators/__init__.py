"""Density estimators of every family behind one interface, for side-by-side comparisons.

    >>> from dde_core import estimators
    >>> estimators.NAMES
    ('dde', 'kde-scott', 'kde-silverman', 'kde-cv', 'gmm', 'flow', 'rbig')
    >>> model = estimators.make("kde-cv").fit(X)        # X: (n, d)
    >>> model.log_density(Y)                          # (m,), normalised, nats
    >>> model.describe()

Each estimator has ``fit(X, progress=None, should_stop=None)``, a normalised
``log_density``, ``sample(n, seed)`` if ``can_sample``, ``score`` if ``has_score``, the
flag ``score_is_conservative``, ``describe()`` and ``log_z_`` (how it was normalised);
see ``base``.  Data a family cannot take raises ``NotAvailableError`` ("not available
for ...").  Importing this package does not import TensorFlow: the DDE, the flow and
the KDEs (``dde_core.kde.GaussianKDE``) import it when first fitted.

Every estimator has its defaults and one internal choice made on the training points
only, of a similar size: ``kde-cv`` and ``dde`` 16 bandwidths by leave-one-out likelihood
(the DDE's σ is kde-cv's bandwidth), ``gmm`` 6 mixture sizes by BIC, ``rbig`` its number
of layers on a held-out fifth, ``flow`` a fixed number of training steps.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .base import DensityEstimator, FitStopped, NotAvailableError
from .dde import DDEEstimator
from .flow import RealNVPFlow
from .gmm import GaussianMixtureEstimator
from .kde import KernelDensity
from .rbig import RBIG

__all__ = ["NAMES", "make", "default_params", "describe_family", "DensityEstimator", "NotAvailableError", "FitStopped"]

# name -> (class, parameters that make it this estimator, one sentence on the family)
_REGISTRY: dict[str, tuple[type[DensityEstimator], dict, str]] = {
    "dde": (DDEEstimator, {}, "Denoising Density Estimator: a network f with ∇f the score of the blurred data."),
    "kde-scott": (KernelDensity, {"bandwidth": "scott"}, "Gaussian KDE, bandwidth by Scott's rule."),
    "kde-silverman": (KernelDensity, {"bandwidth": "silverman"}, "Gaussian KDE, bandwidth by Silverman's rule."),
    "kde-cv": (KernelDensity, {"bandwidth": "cv"}, "Gaussian KDE, bandwidth by leave-one-out likelihood."),
    "gmm": (GaussianMixtureEstimator, {}, "Gaussian mixture, number of components by BIC."),
    "flow": (RealNVPFlow, {}, "RealNVP normalizing flow with affine couplings."),
    "rbig": (RBIG, {}, "Rotation-based iterative Gaussianization."),
}
NAMES: tuple[str, ...] = tuple(_REGISTRY)


def _entry(name: Any) -> tuple[type[DensityEstimator], dict, str]:
    if isinstance(name, str) and name in _REGISTRY:
        return _REGISTRY[name]
    raise InputError(f"Unknown estimator {name!r}. Choose among: {', '.join(NAMES)}.")


def default_params(name: str) -> dict:
    """The parameters ``make(name)`` uses, by name (any may be overridden in ``make``)."""
    cls, fixed, _ = _entry(name)
    return {**cls().get_params(), **fixed}


def make(name: str, **params: Any) -> DensityEstimator:
    """A new, unfitted estimator ``name`` (one of ``NAMES``) with ``params`` over its defaults.

    Unknown parameter names raise InputError listing the known ones; values are checked by ``fit``.
    """
    cls, fixed, _ = _entry(name)
    known = default_params(name)
    unknown = sorted(set(params) - set(known) | (set(params) & set(fixed)))
    if unknown:
        allowed = ", ".join(sorted(set(known) - set(fixed)))
        raise InputError(f"{name} has no parameter {unknown[0]!r}; its parameters are: {allowed}.")
    return cls(**{**fixed, **params})


def describe_family(name: str) -> str:
    """One sentence on the estimator family ``name``."""
    return _entry(name)[2]
