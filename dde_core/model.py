"""The Denoising Density Estimator (Bigdeli et al. 2020) as a scikit-learn-style estimator.

A DDE is a scalar network f: R^d → R trained on clean points x and noisy copies
x̃ = x + σ η, η ~ N(0, I), with the denoising loss

    L(θ) = E || x̃ + σ² ∇f(x̃) − x ||²        (summed over the d coordinates).

Its optimum has ∇f = ∇ log p_σ, where p_σ is the data smoothed by N(0, σ²I); on a
training set that is exactly the Gaussian KDE with bandwidth σ.  So f is an
unnormalised log-density (``log_density``), ∇f its score and ∇²f its Hessian,
all from one network by automatic differentiation.

Training runs in compiled chunks of steps (``partial_fit``), which is what a
live view calls once per frame; ``fit`` is a fresh start followed by one long
chunk.  The learning rate follows a cosine decay over ``steps`` and the views
use an exponential moving average of the weights, which removes most of the
noise that stochastic denoising targets leave in the weights.  That machinery
(settings, training loop, ``denoise``, ``denoising_loss``) lives in
``dde_core.denoising.DenoisingEstimator``, shared with the direct score network
of ``dde_core.score_network``; this module adds what only a scalar f has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import keras
import numpy as np
import tensorflow as tf

from .activations import ACTIVATIONS
from .denoising import DenoisingEstimator, TrainingHistory, _network_output, _score_jacobian

__all__ = ["DDE", "ACTIVATIONS", "TrainingHistory"]


@keras.saving.register_keras_serializable(package="dde_core")
class ScalarNetwork(keras.Model):
    """f: R^d → R, a multilayer perceptron with a bias-free linear output.

    ``metadata`` is a JSON-friendly dict saved with the network (σ, data
    transform, training settings) so a ``.keras`` file is self-describing.
    """

    def __init__(self, n_dims, hidden, activation, seed=0, metadata=None, **kwargs):
        super().__init__(**kwargs)
        self.n_dims = int(n_dims)
        self.hidden = tuple(int(h) for h in hidden)
        self.activation_name = activation
        self.seed = int(seed)
        self.metadata = dict(metadata or {})
        self.hidden_layers = [
            keras.layers.Dense(
                width,
                activation=activation,
                kernel_initializer=keras.initializers.HeNormal(seed=self.seed + i),
            )
            for i, width in enumerate(self.hidden)
        ]
        self.output_layer = keras.layers.Dense(
            1,
            use_bias=False,
            kernel_initializer=keras.initializers.HeNormal(seed=self.seed + len(self.hidden)),
        )
        self.build((None, self.n_dims))

    def build(self, input_shape):
        width = input_shape[-1]
        for layer in self.hidden_layers:
            layer.build((None, width))
            width = layer.units
        self.output_layer.build((None, width))
        super().build(input_shape)

    def call(self, inputs):
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output_layer(h)[:, 0]

    def get_config(self):
        return {
            "n_dims": self.n_dims,
            "hidden": list(self.hidden),
            "activation": self.activation_name,
            "seed": self.seed,
            "metadata": self.metadata,
            "name": self.name,
        }


class DDE(DenoisingEstimator):
    """Denoising Density Estimator: a scalar network f whose gradient is the score.

    Parameters (stored as given, checked by ``fit``) are those of
    ``DenoisingEstimator``: sigma (σ in data units: f converges to the log of the
    Gaussian KDE with this bandwidth), hidden, activation, learning_rate,
    batch_size, steps, ema and seed, with the same defaults.

    The score is s = ∇f by automatic differentiation, so ``log_density`` (f),
    ``score`` (∇f) and ``hessian`` (∇²f, symmetric) all come from one network;
    ``save`` / ``load`` write and read it as a ``.keras`` file.
    """

    _kind = "DDE"

    def _build_network(self, n_dims: int) -> keras.Model:
        return ScalarNetwork(n_dims, self.hidden, self.activation, seed=self.seed)

    @staticmethod
    def _score_graph(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
        return _gradient(network, y)

    # -- evaluation --------------------------------------------------------------------
    def log_density(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """Unnormalised log-density f(y), shape (m,), for Y of shape (m, d)."""
        return self._evaluate(_network_output, Y, batch_size, jit_compile=True)

    def score(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """∇f(y), the learned score ∇ log p_σ, shape (m, d), for Y of shape (m, d)."""
        return self._evaluate(network_score, Y, batch_size, jit_compile=True)

    def hessian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """∇²f(y), shape (m, d, d); symmetric since it is the Hessian of a scalar."""
        return self._evaluate(network_hessian, Y, batch_size)

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path, metadata: dict | None = None) -> Path:
        """Write the averaged network and its settings to a ``.keras`` file."""
        self._check_fitted()
        return self._save_network(
            path, {"sigma": self.sigma_, "params": self.get_params(), "n_steps": self.n_steps_, **(metadata or {})}
        )

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a model written by ``save``; it evaluates at once and can train on new X."""
        network, params = cls._read_network(path, ScalarNetwork, "DDE model")
        model = cls(**params)._start_from(network)
        model.metadata_ = network.metadata
        return model


# -- traceable pieces (compiled once per architecture by ``DenoisingEstimator._evaluate``) ---
def _gradient(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
    """∇f at y (m, d) for a scalar network f, shape (m, d); traceable, differentiable in θ."""
    with tf.GradientTape() as tape:
        tape.watch(y)
        f = network(y)
    return tape.gradient(f, y)


def network_score(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
    """∇f at y (m, d) for a scalar network f, (m, d); traceable, shared with the samplers
    (which compile it into their own steps)."""
    return _gradient(network, y)


def network_hessian(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
    """∇²f at y, (m, d, d), by nested automatic differentiation; shared with the samplers."""
    return _score_jacobian(_gradient, network, y)
