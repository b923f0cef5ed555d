"""A playground setup as URL query parameters, so a link reopens the same setup.

``to_query`` writes a ``Config`` (plus the frame size) as short text fields;
``from_query`` reads them back, keeping the default for every field that is
missing or invalid and saying which ones it could not use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from . import datasets
from .experiment import Config
from .model import ACTIVATIONS
from .validation import check_positive_float, check_positive_int, check_sigma

__all__ = ["Setup", "to_query", "from_query", "snap", "SIGMA_CHOICES", "LEARNING_RATE_CHOICES",
           "WIDTH_CHOICES", "BATCH_CHOICES"]

# The values the app's controls offer; shared links are snapped to the nearest one.
SIGMA_CHOICES = (0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.13, 0.16,
                 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0)
LEARNING_RATE_CHOICES = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2)
WIDTH_CHOICES = (8, 16, 32, 64, 128, 256)
BATCH_CHOICES = (128, 256, 512, 1024, 2048, 4096)
SIGMA_RANGE = (SIGMA_CHOICES[0], SIGMA_CHOICES[-1])
LIMITS = {
    "n_samples": (100, 100_000),
    "width": (4, 512),
    "depth": (1, 6),
    "batch_size": (16, 8192),
    "steps_per_frame": (1, 1000),
}


@dataclass(frozen=True)
class Setup:
    """What a shared link carries: the model's config and the animation speed."""

    config: Config = field(default_factory=Config)
    steps_per_frame: int = 30


def snap(value: float, choices: tuple) -> float:
    """The choice nearest to ``value`` on a log scale (all choices are > 0)."""
    return min(choices, key=lambda c: abs(math.log(c) - math.log(value)))


def to_query(setup: Setup) -> dict[str, str]:
    """Query parameters for ``setup`` (all strings, short keys)."""
    c = setup.config
    return {
        "dist": c.dataset,
        "n": str(c.n_samples),
        "dseed": str(c.data_seed),
        "sigma": f"{c.sigma:g}",
        "width": str(c.hidden[0]),
        "depth": str(len(c.hidden)),
        "act": c.activation,
        "lr": f"{c.learning_rate:g}",
        "batch": str(c.batch_size),
        "seed": str(c.seed),
        "spf": str(setup.steps_per_frame),
    }


def _in_range(value: int, name: str) -> int:
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


def _dataset(text: str) -> str:
    if text not in datasets.names():
        raise ValueError("unknown distribution")
    return text


def _sigma(text: str) -> float:
    value = check_sigma(float(text))
    if not SIGMA_RANGE[0] <= value <= SIGMA_RANGE[1]:
        raise ValueError("sigma out of range")
    return snap(value, SIGMA_CHOICES)


def _activation(text: str) -> str:
    if text not in ACTIVATIONS:
        raise ValueError("unknown activation")
    return text


# key -> (field it sets, parser)
_PARSERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "dist": ("dataset", _dataset),
    "n": ("n_samples", lambda t: _in_range(check_positive_int(int(t), "n"), "n_samples")),
    "dseed": ("data_seed", lambda t: check_positive_int(int(t), "data seed", minimum=0)),
    "sigma": ("sigma", _sigma),
    "width": ("width", lambda t: int(snap(_in_range(int(t), "width"), WIDTH_CHOICES))),
    "depth": ("depth", lambda t: _in_range(int(t), "depth")),
    "act": ("activation", _activation),
    "lr": ("learning_rate", lambda t: snap(check_positive_float(float(t), "lr"), LEARNING_RATE_CHOICES)),
    "batch": ("batch_size", lambda t: int(snap(_in_range(int(t), "batch_size"), BATCH_CHOICES))),
    "seed": ("seed", lambda t: check_positive_int(int(t), "seed", minimum=0)),
    "spf": ("steps_per_frame", lambda t: _in_range(int(t), "steps_per_frame")),
}


def from_query(params: Mapping[str, str]) -> tuple[Setup, list[str]]:
    """Read a setup from query parameters; returns it and the keys that were ignored.

    Unknown keys and unparsable or out-of-range values are ignored (their
    defaults stand) and listed, so the app can tell the person.
    """
    defaults = Setup()
    values: dict[str, object] = {}
    ignored: list[str] = []
    for key, text in params.items():
        if key not in _PARSERS:
            ignored.append(key)
            continue
        name, parse = _PARSERS[key]
        try:
            values[name] = parse(str(text))
        except (ValueError, TypeError, OverflowError):
            ignored.append(key)
    width = values.pop("width", defaults.config.hidden[0])
    depth = values.pop("depth", len(defaults.config.hidden))
    steps_per_frame = values.pop("steps_per_frame", defaults.steps_per_frame)
    config = replace(defaults.config, hidden=(int(width),) * int(depth), **values)
    return Setup(config, int(steps_per_frame)), ignored
