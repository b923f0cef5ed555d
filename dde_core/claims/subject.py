"""The model under test: a trained DDE with what it was trained on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import datasets
from ..errors import InputError
from ..grid import Grid
from ..model import DDE

__all__ = ["Subject"]


@dataclass(eq=False)
class Subject:
    """A trained DDE with what it was trained on.

    points (D, d) float32 in model units; ``dataset`` a toy name (fresh samples
    can be drawn) or any other label (a user's file: no fresh samples);
    ``grid`` the 2-D view box; ``source`` says where the model came from.
    """

    model: DDE
    points: np.ndarray
    sigma: float
    dataset: str
    data_seed: int
    grid: Grid
    source: str

    @classmethod
    def from_experiment(cls, experiment: Any) -> Subject:
        """The playground's ``Experiment`` (model, points, config, grid) as a subject."""
        config = experiment.config
        return cls(
            experiment.model,
            experiment.points,
            float(config.sigma),
            config.dataset,
            int(config.data_seed),
            experiment.grid,
            "playground",
        )

    @property
    def steps(self) -> int:
        return self.model.n_steps_

    def quadrature_grid(self, n: int = 200) -> Grid:
        """An n × n grid over the view box widened by 4σ on every side, so it holds the KDE's mass."""
        pad = 4.0 * self.sigma
        return Grid(
            (self.grid.x_range[0] - pad, self.grid.x_range[1] + pad),
            (self.grid.y_range[0] - pad, self.grid.y_range[1] + pad),
            n,
        )

    def test_points(self, n: int, seed: int = 1_000_003) -> np.ndarray:
        """n fresh samples (n, 2) of the toy distribution, from a seed apart from the training seed."""
        if self.dataset not in datasets.names():
            raise InputError(
                f"Fresh held-out samples need a toy distribution, but this model was trained on "
                f"{self.dataset!r}, which has no sampler. Train a model on a toy distribution instead."
            )
        return datasets.sample(self.dataset, n, seed=self.data_seed + seed).astype(np.float64)
