"""dde_core: Denoising Density Estimators in TensorFlow, checked against the exact KDE.

Importing the package only defines names; nothing is computed or downloaded, and
TensorFlow is imported only when ``DDE`` or ``GaussianKDE`` is first used (so
``import dde_core`` and the command line's argument checks are fast).

    >>> from dde_core import DDE, GaussianKDE, datasets
    >>> X = datasets.sample("2spirals", 10_000, seed=0)
    >>> model = DDE(sigma=0.2).fit(X)
    >>> kde = GaussianKDE(sigma=0.2).fit(X)        # the target the model converges to
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import datasets
from .activations import ACTIVATIONS
from .grid import Grid

if TYPE_CHECKING:
    from .generation import GAN, DDEGenerator
    from .kde import GaussianKDE
    from .model import DDE

__all__ = [
    "ACTIVATIONS",
    "DDE",
    "DDEGenerator",
    "GAN",
    "GaussianKDE",
    "Grid",
    "anomaly",
    "benchmark_data",
    "datasets",
    "estimators",
    "leaderboard",
]
# Modules of the Compare page's engine, imported on first use (``dde_core.estimators``).
_SUBMODULES = ("estimators", "benchmark_data", "leaderboard", "anomaly")

# Names whose modules import TensorFlow: name -> submodule, imported on first use (PEP 562).
_LAZY = {"DDE": "model", "GaussianKDE": "kde", "DDEGenerator": "generation", "GAN": "generation"}


def __getattr__(name: str) -> Any:
    """Import a TensorFlow-backed name from its submodule the first time it is asked for."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
