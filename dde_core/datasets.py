"""Training data: the standard 2-D toy distributions, and (re-exported) users' CSV files.

* **Toy distributions** (``names``, ``describe``, ``sample``): the field's
  standard set of 2-D densities (FFJORD's toy data), at the scales of
  docs/science.md §6, and the 5×5 grid of Gaussians of the mode-collapse
  literature. Every sampler draws from an explicit ``np.random.Generator``,
  so the same seed always gives the same points. ``mode_centres`` gives the
  known component centres and standard deviation of the Gaussian mixtures.
* **CSV files** (``read_csv_table``, ``load_csv``, ``Standardizer``,
  ``PointData``, ``CsvTable``): defined in ``csv_points`` and importable from
  here, so ``datasets.load_csv(...)`` is the one place to get training data.
  They are loaded on first use: pandas is not imported until a file is read.

All points are arrays of shape (n_points, 2) in data units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .validation import check_positive_int

__all__ = [
    "names",
    "describe",
    "sample",
    "mode_centres",
    "CsvTable",
    "read_csv_table",
    "Standardizer",
    "PointData",
    "load_csv",
]
_CSV_NAMES = ("CsvTable", "read_csv_table", "Standardizer", "PointData", "load_csv")


def __getattr__(name: str) -> Any:
    """The CSV names, from ``csv_points`` on first use (it imports pandas)."""
    if name in _CSV_NAMES:
        from . import csv_points

        return getattr(csv_points, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------
# Toy distributions
# ---------------------------------------------------------------------------

Sampler = Callable[[np.random.Generator, int], np.ndarray]


def _split_evenly(n: int, parts: int) -> np.ndarray:
    """Counts (parts,) summing to n that differ by at most one, larger ones first."""
    return np.full(parts, n // parts) + (np.arange(parts) < n % parts)


def _labels(n: int, parts: int) -> np.ndarray:
    """Group index (n,) in 0..parts-1, groups as equal in size as possible, in order."""
    return np.repeat(np.arange(parts), _split_evenly(n, parts))


def _unit_vectors(angles: np.ndarray) -> np.ndarray:
    """(cos a, sin a) for each angle a in radians: shape (len(angles), 2)."""
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _circle(radius: float, count: int) -> np.ndarray:
    """``count`` points at evenly spaced angles on a circle: shape (count, 2)."""
    return radius * _unit_vectors(np.linspace(0.0, 2.0 * np.pi, count, endpoint=False))


def _uniform_x(rng: np.random.Generator, n: int) -> np.ndarray:
    """n values uniform on [-2.5, 2.5), shared by ``line`` and ``cos``."""
    return 5.0 * rng.random(n) - 2.5


# 8gaussians: centres on a circle of radius 4, everything divided by this (FFJORD's scale).
_EIGHT_GAUSSIANS_SCALE = 1.414
# The 5×5 grid: centres on {−2, −1, 0, 1, 2}², each component N(centre, 0.05² I).
_GRID_STEPS = np.arange(-2.0, 3.0)
_GRID_STD = 0.05


def _eight_gaussians_unscaled_centres() -> np.ndarray:
    """4·(cos kπ/4, sin kπ/4), k = 0…7: the centres before the division by 1.414, (8, 2)."""
    return 4.0 * _unit_vectors(np.arange(8) * (np.pi / 4.0))


def _eight_gaussians(rng: np.random.Generator, n: int) -> np.ndarray:
    """Eight Gaussians (std 0.5) centred on a circle of radius 4, all divided by 1.414."""
    centres = _eight_gaussians_unscaled_centres()[_labels(n, 8)]
    return (centres + 0.5 * rng.standard_normal((n, 2))) / _EIGHT_GAUSSIANS_SCALE


def _grid_centres() -> np.ndarray:
    """The 25 centres (25, 2) of the 5×5 grid, row by row."""
    xx, yy = np.meshgrid(_GRID_STEPS, _GRID_STEPS)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _grid25(rng: np.random.Generator, n: int) -> np.ndarray:
    """25 Gaussians (std 0.05) centred on the grid {−2, −1, 0, 1, 2}², equal weights."""
    centres = _grid_centres()[_labels(n, 25)]
    return centres + _GRID_STD * rng.standard_normal((n, 2))


def _two_spirals(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two interleaved spiral arms (the second is the first negated), /3, + 0.1·N."""
    t = np.sqrt(rng.random(n)) * (540.0 * 2.0 * np.pi / 360.0)
    arm = np.stack([-np.cos(t) * t, np.sin(t) * t], axis=1) + 0.5 * rng.random((n, 2))
    sign = np.where(_labels(n, 2) == 0, 1.0, -1.0)[:, None]
    return sign * arm / 3.0 + 0.1 * rng.standard_normal((n, 2))


def _checkerboard(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform on 8 of the 16 squares (side 2) of [-4, 4]², like a chessboard's black squares."""
    x1 = 4.0 * rng.random(n) - 2.0
    x2 = rng.random(n) - 2.0 * rng.integers(0, 2, size=n) + np.floor(x1) % 2
    return 2.0 * np.stack([x1, x2], axis=1)


def _rings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Four concentric circles (radii 3, 2.25, 1.5, 0.75) at even angles, + 0.08·N."""
    counts = _split_evenly(n, 4)
    radii = (3.0, 2.25, 1.5, 0.75)
    rings = np.concatenate([_circle(r, c) for r, c in zip(radii, counts)])
    return rings + 0.08 * rng.standard_normal((n, 2))


def _moons(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two interlocking half circles (make_moons style, noise 0.1), ×2 + (−1, −0.2)."""
    n_outer, n_inner = _split_evenly(n, 2)
    outer = _unit_vectors(np.linspace(0.0, np.pi, n_outer))
    inner = np.array([1.0, 0.5]) - _unit_vectors(np.linspace(0.0, np.pi, n_inner))
    moons = np.concatenate([outer, inner]) + 0.1 * rng.standard_normal((n, 2))
    return 2.0 * moons + np.array([-1.0, -0.2])


def _circles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two concentric circles (radii 1 and 0.5, noise 0.08), ×3."""
    n_outer, n_inner = _split_evenly(n, 2)
    circles = np.concatenate([_circle(1.0, n_outer), _circle(0.5, n_inner)])
    return 3.0 * (circles + 0.08 * rng.standard_normal((n, 2)))


def _swissroll(rng: np.random.Generator, n: int) -> np.ndarray:
    """sklearn's swiss roll seen end-on: (t cos t, t sin t) + N(0, I), t in [1.5π, 4.5π], /5."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    roll = t[:, None] * _unit_vectors(t) + 1.0 * rng.standard_normal((n, 2))
    return roll / 5.0


def _pinwheel(rng: np.random.Generator, n: int) -> np.ndarray:
    """Five curved arms: radial std 0.3 around 1, tangential std 0.1, twist rate 0.25, ×2."""
    arm = _labels(n, 5)
    radial = 1.0 + 0.3 * rng.standard_normal(n)
    tangential = 0.1 * rng.standard_normal(n)
    angle = arm * (2.0 * np.pi / 5.0) + 0.25 * np.exp(radial)
    cos, sin = np.cos(angle), np.sin(angle)
    # Rotate (radial, tangential) clockwise by `angle`, the orientation of the original.
    x = radial * cos + tangential * sin
    y = -radial * sin + tangential * cos
    return 2.0 * np.stack([x, y], axis=1)


def _line(rng: np.random.Generator, n: int) -> np.ndarray:
    """The diagonal y = x for x uniform on [-2.5, 2.5): a density on a 1-D set."""
    x = _uniform_x(rng, n)
    return np.stack([x, x], axis=1)


def _cos(rng: np.random.Generator, n: int) -> np.ndarray:
    """The curve y = 2.5·sin x for x uniform on [-2.5, 2.5): a density on a 1-D set."""
    x = _uniform_x(rng, n)
    return np.stack([x, 2.5 * np.sin(x)], axis=1)


@dataclass(frozen=True)
class _Toy:
    """A toy distribution: its sampler (rng, n) -> (n, 2) array, and a sentence for the UI."""

    sampler: Sampler
    description: str


_TOYS: dict[str, _Toy] = {
    "8gaussians": _Toy(_eight_gaussians, "Eight round blobs evenly spaced on a circle."),
    "2spirals": _Toy(_two_spirals, "Two interleaved spiral arms winding out to radius 3."),
    "checkerboard": _Toy(_checkerboard, "Uniform on 8 of the 16 squares of a chessboard."),
    "rings": _Toy(_rings, "Four thin concentric rings of radii 3, 2.25, 1.5 and 0.75."),
    "moons": _Toy(_moons, "Two interlocking half-moons, the classic clustering example."),
    "circles": _Toy(_circles, "Two noisy concentric circles of radii 3 and 1.5."),
    "swissroll": _Toy(_swissroll, "A noisy spiral band: the swiss roll seen end-on."),
    "pinwheel": _Toy(_pinwheel, "Five curved arms twisting around the origin like a pinwheel."),
    "line": _Toy(_line, "Points on the line y = x: a degenerate density with no area."),
    "cos": _Toy(_cos, "Points on the curve y = 2.5 sin x: a degenerate density with no area."),
    "grid25": _Toy(_grid25, "A 5×5 grid of tiny Gaussians on [−2, 2]²: the classic mode-collapse test."),
}

# Mixtures with known components: name -> (centres (k, 2), component std), for mode coverage.
_MODES: dict[str, tuple[Callable[[], np.ndarray], float]] = {
    "8gaussians": (lambda: _eight_gaussians_unscaled_centres() / _EIGHT_GAUSSIANS_SCALE, 0.5 / _EIGHT_GAUSSIANS_SCALE),
    "grid25": (_grid_centres, _GRID_STD),
}


def names() -> list[str]:
    """The toy distributions' names, in display order."""
    return list(_TOYS)


def _toy(name: Any) -> _Toy:
    """The registry entry for ``name``, or an InputError listing the valid names."""
    if isinstance(name, str) and name in _TOYS:
        return _TOYS[name]
    raise InputError(f"Unknown toy distribution {name!r}. Choose one of: {', '.join(names())}.")


def describe(name: str) -> str:
    """A one-sentence description of the toy distribution ``name`` for the UI."""
    return _toy(name).description


def mode_centres(name: str) -> tuple[np.ndarray, float] | None:
    """The component centres (k, 2) and the component standard deviation (data units) of
    the toy ``name`` if it is a mixture of equal isotropic Gaussians (8gaussians: 8 centres,
    std 0.5/1.414; grid25: 25 centres, std 0.05), else None (any other toy)."""
    _toy(name)
    if name not in _MODES:
        return None
    centres, std = _MODES[name]
    return centres(), std


def sample(name: str, n: int, seed: int = 0) -> np.ndarray:
    """Draw ``n`` points from the toy distribution ``name``.

    Returns a float32 array of shape (n, 2) in data units (most toys fit in
    [-4, 4]²). The same ``seed`` gives the same points; rows are in random
    order, so any prefix is a representative sample.
    """
    toy = _toy(name)
    n = check_positive_int(n, "n")
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    points = rng.permutation(toy.sampler(rng, n))
    return points.astype(np.float32)
