"""A GAN with the DDE generator's generator: the adversarial baseline (Goodfellow et al. 2014).

The same generator g_θ: z ~ N(0, I_k) ↦ x as ``DDEGenerator`` (same layers, same seed, same
latent draws in its steps). The critic is a discriminator D(x) = sigmoid(l(x)), an MLP
with logit l, trained on data against generated points with the cross-entropy

    L_D = E_data softplus(−l(x)) + E_z softplus(l(g(z))),

``discriminator_steps`` steps before each generator step. The generator takes the
non-saturating loss ℓ(x) = −log D(x) = softplus(−l(x)), so each generated point is pushed
along ∇ log D(x) = sigmoid(−l(x)) ∇l(x): towards where the discriminator believes data is.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ..validation import check_points, check_positive_float, check_positive_int
from .base import GenerationProgress, GenerativeModel, _adam, _check_widths, evaluate_network, mlp
from .defaults import GAN_DEFAULTS as DEFAULTS

__all__ = ["GAN"]

_DISCRIMINATOR_SEED = 1000  # the discriminator's layer i is seeded with seed + this + i


class GAN(GenerativeModel):
    """A generator and an MLP discriminator, non-saturating loss (scikit-learn style).

    Parameters (stored as given, checked by ``fit``):
        latent_dim, hidden, activation, learning_rate, batch_size, steps, seed: the generator
            (see ``GenerativeModel``); the same values give the same generator as ``DDEGenerator``.
        discriminator_hidden: the discriminator's layers (same activation as the generator).
        discriminator_learning_rate: its Adam step (β₁ = 0.5, like the generator's).
        discriminator_steps: discriminator steps before each generator step.

    Fitted attributes, besides the generator's: ``discriminator_`` (the logit network l).
    """

    _kind = "GAN"
    critic_part = "discriminator"
    critic_label = "discriminator D(x)"

    def __init__(
        self,
        latent_dim: int = DEFAULTS.latent_dim,
        hidden: tuple[int, ...] = DEFAULTS.hidden,
        activation: str = DEFAULTS.activation,
        learning_rate: float = DEFAULTS.learning_rate,
        batch_size: int = DEFAULTS.batch_size,
        steps: int = DEFAULTS.steps,
        discriminator_hidden: tuple[int, ...] = DEFAULTS.critic_hidden,
        discriminator_learning_rate: float = DEFAULTS.critic_learning_rate,
        discriminator_steps: int = DEFAULTS.critic_steps,
        seed: int = 0,
    ):
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.steps = steps
        self.discriminator_hidden = discriminator_hidden
        self.discriminator_learning_rate = discriminator_learning_rate
        self.discriminator_steps = discriminator_steps
        self.seed = seed

    @property
    def critic_steps_per_step(self) -> int:
        return int(self.discriminator_steps)

    def _check_critic_params(self) -> None:
        _check_widths(self.discriminator_hidden, "discriminator_hidden")
        check_positive_float(self.discriminator_learning_rate, "discriminator_learning_rate")
        check_positive_int(self.discriminator_steps, "discriminator_steps")

    def _divergence_hint(self) -> str:
        return f" and the discriminator's (now {self.discriminator_learning_rate:g})"

    def _build_critic(self, X: np.ndarray | None, progress: GenerationProgress | None, saved: dict | None) -> None:
        hidden = tuple(self.discriminator_hidden)
        self.discriminator_ = mlp(self.n_dims_, hidden, 1, self.activation, self.seed + _DISCRIMINATOR_SEED)
        self.discriminator_optimizer_ = _adam(self.discriminator_learning_rate, self.discriminator_.trainable_variables)

    def _logit(self, x: tf.Tensor) -> tf.Tensor:
        return self.discriminator_(x)[:, 0]

    def _critic_graph(self, data: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        """n discriminator steps on batch_size data points (with replacement) against as many generated."""
        weights = self.discriminator_.trainable_variables
        total = tf.constant(0.0)
        for _ in tf.range(n):
            real = tf.gather(data, self._critic_rng.uniform([self.batch_size], 0, tf.shape(data)[0], dtype=tf.int32))
            fake = self.generator_(self._critic_rng.normal([self.batch_size, self.latent_dim]))
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.softplus(-self._logit(real))) + tf.reduce_mean(
                    tf.nn.softplus(self._logit(fake))
                )
            self.discriminator_optimizer_.apply(tape.gradient(loss, weights), weights)
            total += loss
        return total / tf.cast(n, tf.float32)

    def _point_loss_graph(self, x: tf.Tensor) -> tf.Tensor:
        """ℓ(x) = −log D(x) = softplus(−l(x)), (m,): the non-saturating generator loss."""
        return tf.nn.softplus(-self._logit(x))

    def critic_values(self, X: np.ndarray) -> np.ndarray:
        """D(x) = sigmoid(l(x)) at X (m, d), shape (m,): the discriminator's belief that x is data."""
        self._check_fitted()
        X = check_points(X, "X", dim=self.n_dims_, min_points=0, dtype=np.float32)
        logits = evaluate_network(self.discriminator_, X)
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))

    def _critic_networks(self) -> dict[str, keras.Model]:
        return {"discriminator": self.discriminator_}

    def _critic_state(self) -> list[tf.Variable]:
        return [*self.discriminator_.weights, *self.discriminator_optimizer_.variables]
