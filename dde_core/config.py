"""What defines one DDE experiment: the data, σ, the network and its training (TensorFlow-free,
so the command line can show and check defaults before TensorFlow is imported)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import DDE

__all__ = ["Config"]


@dataclass(frozen=True)
class Config:
    """Everything that defines a model; changing any of it means a new model.

    dataset: a toy distribution's name (or "csv:…" for a person's points); n_samples and
    data_seed: how many points are drawn, with which seed; sigma: the noise level σ in data
    units; hidden, activation: the network; learning_rate, batch_size, steps: Adam's peak
    step, points per step, and the length of the cosine decay; seed: weights and noise.
    """

    dataset: str = "2spirals"
    n_samples: int = 10_000
    data_seed: int = 0
    sigma: float = 0.2
    hidden: tuple[int, ...] = (64, 64, 64)
    activation: str = "softplus"
    learning_rate: float = 3e-3
    batch_size: int = 2048
    steps: int = 2000
    seed: int = 0

    def model(self) -> DDE:
        """An untrained DDE with these settings (imports TensorFlow)."""
        from .model import DDE

        return DDE(
            sigma=self.sigma,
            hidden=tuple(self.hidden),
            activation=self.activation,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            steps=self.steps,
            seed=self.seed,
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "hidden": list(self.hidden)}
