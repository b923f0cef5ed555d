"""The tuned default settings of the two generative models (TensorFlow-free, so the command
line can show them and check arguments before TensorFlow is imported).

Tuned on 8gaussians and grid25 (10,000 points) from the published starting point (σ 0.1 to
0.2, batch 2048, DDE learning rate 1e-3, generator learning rate 1e-5, 5 sample-DDE steps per
generator step). Quality is measured on 2,000 samples after a number of generator steps
(modes covered, share of high-quality samples: ``generation_metrics``); measured on 2 CPU
cores shared with other work (load 6 to 12), so the seconds are indicative, the steps are not.

* Generator learning rate 1e-3 (Adam, β₁ = 0.5), not 1e-5: after 1,000 generator steps on
  8gaussians, 1e-5 covers 4/8 modes with 55% high-quality samples, 1e-4 6/8 with 91%, 1e-3
  8/8 with 96%. 5e-4 dips to 85-90% now and then over 3,000 steps; 1e-3 stays at 94-98%.
* One sample-DDE step per generator step (not 5): at 1,000 generator steps 1 step gives
  8/8 modes, 95% (2 steps: 92%, 5 steps: 96%), and a generator step costs 2 to 3 times
  less. The sample DDE keeps up with the generator when its own learning rate is 3e-3
  (constant; the data DDE's peak rate): over 3 seeds at 3,000 steps 97-98% with 3e-3
  against 97-99% with 1e-3, with fewer dips early on (seed 2 at 2,000 steps: 98% vs 94%).
* Batch 512, not 2048: 2048 is about 4 times slower per step and no better (8/8, 94% at
  1,000 steps).
* σ = 0.1: on 8gaussians 96% high quality against 92% at σ = 0.2 (1,000 steps); on grid25
  (component std 0.05, spacing 1) σ = 0.1 is the best of 0.05, 0.1, 0.2, 0.3 (σ = 0.05
  collapses to 0 to 4 modes, 0.2 and 0.3 blur: 22 to 33% high quality).
* Data DDE: 1,000 steps of the project's DDE (3×64, batch 2048, cosine decay) are enough
  (8/8, 94% at 1,000 generator steps; 2,000 data steps: 96%), at half the cost.
* GAN: the same generator and optimiser; one discriminator step of Adam 1e-3 per generator
  step (2e-4 for both was slower: 8/8, 89% at 1,000 steps against 98%).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["GeneratorDefaults", "DDE_GENERATOR", "GAN_DEFAULTS"]


@dataclass(frozen=True)
class GeneratorDefaults:
    """Defaults shared by both methods (the same generator, trained the same way) and each
    method's critic: the sample DDE of the DDE generator, the GAN's discriminator.

    latent_dim: k of z ~ N(0, I_k); hidden, activation: the generator's layers;
    learning_rate: the generator's Adam step; batch_size: generated (and data) points per step;
    steps: generator steps of a default ``fit``; critic_hidden, critic_learning_rate: the
    sample DDE's or the discriminator's layers and Adam step; critic_steps: critic steps
    before each generator step; critic_ema: weight averaging of the sample DDE; data_steps:
    training steps of the data DDE and sigma: σ of both DDEs (DDE generator only).
    """

    latent_dim: int = 2
    hidden: tuple[int, ...] = (128, 128, 128)
    activation: str = "silu"
    learning_rate: float = 1e-3
    batch_size: int = 512
    steps: int = 2000
    critic_hidden: tuple[int, ...] = (64, 64, 64)
    critic_learning_rate: float = 3e-3
    critic_steps: int = 1
    critic_ema: float = 0.0
    data_steps: int = 1000
    sigma: float = 0.1


DDE_GENERATOR = GeneratorDefaults()
GAN_DEFAULTS = replace(DDE_GENERATOR, critic_learning_rate=1e-3)
