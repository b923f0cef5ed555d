"""A regular 2-D grid of evaluation points, for views, quadrature and grid KL."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .validation import check_points, check_positive_int

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """``n × n`` cell centres covering the box ``x_range × y_range``.

    Values on the grid are stored as arrays of shape (n, n) indexed ``[row, col]``
    = ``[y index, x index]``, the layout Plotly's heatmaps expect.  ``points``
    lists the same cells flattened row by row, shape (n * n, 2).
    """

    x_range: tuple[float, float] = (-4.0, 4.0)
    y_range: tuple[float, float] = (-4.0, 4.0)
    n: int = 200

    def __post_init__(self) -> None:
        check_positive_int(self.n, "grid size n", minimum=2)
        for name, (low, high) in (("x_range", self.x_range), ("y_range", self.y_range)):
            if not (np.isfinite(low) and np.isfinite(high) and high > low):
                raise InputError(f"{name} must be (low, high) with low < high, got {(low, high)}.")

    @classmethod
    def around(cls, points: np.ndarray, n: int = 200, margin: float = 0.15, pad: float = 0.0) -> Grid:
        """A square grid holding ``points`` plus a relative ``margin`` and an absolute ``pad``
        (in data units, e.g. 3σ for a KDE's tails) on every side."""
        points = check_points(points, "points", dim=2)
        low, high = points.min(axis=0), points.max(axis=0)
        centre = (low + high) / 2
        half = max(float((high - low).max()) / 2, 1e-6) * (1 + 2 * margin) + pad
        return cls(
            (float(centre[0] - half), float(centre[0] + half)),
            (float(centre[1] - half), float(centre[1] + half)),
            n,
        )

    @property
    def dx(self) -> float:
        return (self.x_range[1] - self.x_range[0]) / self.n

    @property
    def dy(self) -> float:
        return (self.y_range[1] - self.y_range[0]) / self.n

    @property
    def cell_area(self) -> float:
        """Area of one cell, ``dx · dy``, in squared data units."""
        return self.dx * self.dy

    @property
    def xs(self) -> np.ndarray:
        """Cell-centre x coordinates, shape (n,)."""
        return self.x_range[0] + (np.arange(self.n) + 0.5) * self.dx

    @property
    def ys(self) -> np.ndarray:
        """Cell-centre y coordinates, shape (n,)."""
        return self.y_range[0] + (np.arange(self.n) + 0.5) * self.dy

    @property
    def points(self) -> np.ndarray:
        """All cell centres, shape (n * n, 2), row by row (y outer, x inner)."""
        xx, yy = np.meshgrid(self.xs, self.ys)
        return np.stack([xx.ravel(), yy.ravel()], axis=1)

    def reshape(self, values: np.ndarray) -> np.ndarray:
        """Turn per-point values of shape (n * n, ...) into (n, n, ...)."""
        values = np.asarray(values)
        return values.reshape((self.n, self.n) + values.shape[1:])

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask, shape (m,): which points lie inside the box."""
        points = np.asarray(points)
        inside_x = (points[:, 0] >= self.x_range[0]) & (points[:, 0] <= self.x_range[1])
        inside_y = (points[:, 1] >= self.y_range[0]) & (points[:, 1] <= self.y_range[1])
        return inside_x & inside_y
