"""The tuned default settings of the two generative models (TensorFlow-free, so the command
line can show them and check arguments before TensorFlow is imported).

See ``dde_core.generation.dde_generator`` for why these values (measured on 2 CPU cores).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["GeneratorDefaults", "DDE_GENERATOR", "GAN_DEFAULTS"]


@dataclass(frozen=True)
class GeneratorDefaults:
    """Defaults shared by both methods (the same generator, trained the same way) and each
    method's critic: the sample DDE of the DDE generator, the GAN's discriminator.

    latent_dim: k of z ~ N(0, I_k); hidden, activation: the generator's layers;
    learning_rate: the generator's Adam step; batch_size: generated (and data) points per step;
    steps: generator steps of a default ``fit``; critic_hidden, critic_learning_rate: the
    sample DDE's or the discriminator's layers and Adam step; critic_steps: critic steps
    before each generator step; data_steps: training steps of the data DDE (DDE generator only).
    """

    latent_dim: int = 2
    hidden: tuple[int, ...] = (128, 128, 128)
    activation: str = "silu"
    learning_rate: float = 1e-3
    batch_size: int = 512
    steps: int = 2000
    critic_hidden: tuple[int, ...] = (64, 64, 64)
    critic_learning_rate: float = 1e-3
    critic_steps: int = 5
    critic_ema: float = 0.0
    data_steps: int = 2000
    sigma: float = 0.1

    def to_dict(self) -> dict:
        return {**asdict(self), "hidden": list(self.hidden), "critic_hidden": list(self.critic_hidden)}


DDE_GENERATOR = GeneratorDefaults()
GAN_DEFAULTS = GeneratorDefaults(critic_steps=1)
