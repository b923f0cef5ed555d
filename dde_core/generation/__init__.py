"""Generative models trained on data: a generator trained with two DDEs, and a GAN with the
same generator (docs/science.md; issue 11).

    >>> from dde_core.generation import DDEGenerator, GAN
    >>> X = datasets.sample("8gaussians", 10_000)
    >>> dde = DDEGenerator(sigma=0.1, seed=0).fit(X)
    >>> gan = GAN(seed=0).fit(X)              # the same initial generator and latent draws
    >>> dde.sample(1000), dde.push(points), dde.critic_map(grid)

Importing this package is cheap: the models (TensorFlow) are imported on first use, and
their defaults live in the TensorFlow-free ``defaults`` module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import DivergenceError, GenerationHistory
    from .dde_generator import DDEGenerator, push_between
    from .gan import GAN

__all__ = ["DDEGenerator", "GAN", "DivergenceError", "GenerationHistory", "push_between"]

_LAZY = {
    "DDEGenerator": "dde_generator",
    "push_between": "dde_generator",
    "GAN": "gan",
    "DivergenceError": "base",
    "GenerationHistory": "base",
}


def __getattr__(name: str) -> Any:
    """Import a TensorFlow-backed name from its submodule the first time it is asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
