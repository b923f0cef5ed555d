"""The TensorFlow half of the RealNVP flow (``flow.py`` holds the estimator): couplings and training.

An affine coupling with a binary mask m (1 = passed through, conditions the others):

    z = m ⊙ y + (1 − m) ⊙ (y ⊙ exp(s(m ⊙ y)) + t(m ⊙ y)),   log|det ∂z/∂y| = Σ_j (1 − m_j) s_j,
    y = m ⊙ z + (1 − m) ⊙ ((z − t(m ⊙ z)) ⊙ exp(−s(m ⊙ z)))        (the inverse),

with s = b·tanh(ŝ / b) bounded by b, and (ŝ, t) from a small network whose output layer
starts at zero (each coupling starts as the identity).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from ..denoising import _in_batches

__all__ = ["Coupling", "RealNVP"]

_LOG_2PI = math.log(2.0 * math.pi)


class Coupling(keras.Model):
    """One affine coupling layer with a fixed mask (d,) of 0/1."""

    def __init__(self, mask: np.ndarray, hidden: tuple[int, ...], scale_bound: float, seed: int, **kwargs):
        super().__init__(**kwargs)
        d = len(mask)
        self.mask = tf.constant(mask, tf.float32)
        self.scale_bound = float(scale_bound)
        self.hidden_layers = [
            keras.layers.Dense(width, activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(seed + i))
            for i, width in enumerate(hidden)
        ]
        self.output_layer = keras.layers.Dense(2 * d, kernel_initializer="zeros")
        width = d
        for layer in self.hidden_layers:
            layer.build((None, width))
            width = layer.units
        self.output_layer.build((None, width))

    def shift_and_log_scale(self, passed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """t and s (both (m, d), zero where the mask passes) from the passed-through part."""
        h = passed
        for layer in self.hidden_layers:
            h = layer(h)
        raw_scale, shift = tf.split(self.output_layer(h), 2, axis=1)
        free = 1.0 - self.mask
        return shift * free, self.scale_bound * tf.tanh(raw_scale / self.scale_bound) * free

    def forward(self, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """z and log|det ∂z/∂y| (m,)."""
        passed = y * self.mask
        shift, log_scale = self.shift_and_log_scale(passed)
        return passed + (1.0 - self.mask) * (y * tf.exp(log_scale) + shift), tf.reduce_sum(log_scale, axis=1)

    def inverse(self, z: tf.Tensor) -> tf.Tensor:
        passed = z * self.mask
        shift, log_scale = self.shift_and_log_scale(passed)
        return passed + (1.0 - self.mask) * (z - shift) * tf.exp(-log_scale)


class RealNVP:
    """A stack of couplings on R^d: exact log-density, sampling and training."""

    def __init__(self, masks: list[np.ndarray], hidden: tuple[int, ...], scale_bound: float, seed: int):
        self.n_dims = len(masks[0])
        self.couplings = [
            Coupling(mask, hidden, scale_bound, seed + 100 * i, name=f"coupling_{i}") for i, mask in enumerate(masks)
        ]
        self.weights = [w for coupling in self.couplings for w in coupling.trainable_variables]
        self._log_density = tf.function(self.log_density_graph, reduce_retracing=True)
        self._score = tf.function(self.score_graph, reduce_retracing=True)
        self._inverse = tf.function(self.inverse_graph, reduce_retracing=True)

    def get_weights(self) -> list[np.ndarray]:
        """A copy of every coupling's weights (for checkpoints)."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, values: list[np.ndarray]) -> None:
        for w, value in zip(self.weights, values):
            w.assign(value)

    def log_density_graph(self, y: tf.Tensor) -> tf.Tensor:
        """log N(f(y); 0, I) + Σ log|det| (m,), traceable."""
        total = tf.zeros(tf.shape(y)[:1])
        for coupling in self.couplings:
            y, log_det = coupling.forward(y)
            total += log_det
        return total - 0.5 * tf.reduce_sum(y * y, axis=1) - 0.5 * self.n_dims * _LOG_2PI

    def score_graph(self, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(y)
            value = self.log_density_graph(y)
        return tape.gradient(value, y)

    def inverse_graph(self, z: tf.Tensor) -> tf.Tensor:
        for coupling in reversed(self.couplings):
            z = coupling.inverse(z)
        return z

    @staticmethod
    def _batched(function, Y: np.ndarray) -> np.ndarray:
        """``function`` on the rows of Y (m, d) in padded batches (``denoising._in_batches``), float64."""
        return _in_batches(function, tf.constant(Y, tf.float32), 16384)

    def log_density(self, Y: np.ndarray) -> np.ndarray:
        return self._batched(self._log_density, Y)

    def score(self, Y: np.ndarray) -> np.ndarray:
        return self._batched(self._score, Y)

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        return self._batched(self._inverse, Z)

    def trainer(self, learning_rate: float, steps: int, batch_size: int, seed: int):
        """A compiled ``train(data, n) -> mean negative log-likelihood`` running n Adam steps.

        Batches of ``batch_size`` rows drawn with replacement (seeded); the learning rate
        follows a cosine decay over ``steps`` to 2% of its peak.
        """
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.02)
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
        optimizer.build(self.weights)
        rng = tf.random.Generator.from_seed(seed)

        def one_step(data):
            picks = rng.uniform([batch_size], 0, tf.shape(data)[0], dtype=tf.int32)
            with tf.GradientTape() as tape:
                loss = -tf.reduce_mean(self.log_density_graph(tf.gather(data, picks)))
            optimizer.apply(tape.gradient(loss, self.weights), self.weights)
            return loss

        @tf.function(input_signature=[tf.TensorSpec([None, self.n_dims], tf.float32), tf.TensorSpec([], tf.int32)])
        def train(data, n):
            total = tf.constant(0.0)
            for _ in tf.range(n):
                total += one_step(data)
            return total / tf.cast(tf.maximum(n, 1), tf.float32)

        return train
