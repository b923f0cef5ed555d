"""What a 2-D view shows of a density model: numbers only, no plotting.

A ``DensityView`` holds a model's normalised density on a grid and its score
field on a coarser lattice of arrows.  The same function serves the DDE and the
exact KDE (both have ``log_density`` and ``score``), so the two panels of the
app are computed, and normalised, the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .grid import Grid
from .normalization import log_z_grid

__all__ = ["DensityModel", "DensityView", "density_view"]


class DensityModel(Protocol):
    def log_density(self, Y: np.ndarray) -> np.ndarray: ...

    def score(self, Y: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class DensityView:
    """A model seen on a grid.

    grid: where ``log_density`` was evaluated.
    log_density: (n, n) log p normalised on the grid (nats; ∫ p = 1 over the box).
    arrows: the ``Grid`` of arrow tails; ``field`` (k, k, 2) is ∇ log p there.
    """

    grid: Grid
    log_density: np.ndarray
    arrows: Grid
    field: np.ndarray

    @property
    def density(self) -> np.ndarray:
        """p on the grid, (n, n), in probability per unit area."""
        return np.exp(self.log_density)


def density_view(model: DensityModel, grid: Grid, n_arrows: int = 24) -> DensityView:
    """Evaluate ``model`` on ``grid`` (density) and on an ``n_arrows²`` lattice (score)."""
    log_f = grid.reshape(model.log_density(grid.points))
    arrows = Grid(grid.x_range, grid.y_range, n_arrows)
    field = arrows.reshape(model.score(arrows.points))
    return DensityView(grid, log_f - log_z_grid(log_f, grid), arrows, field)
