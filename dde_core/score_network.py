"""A direct score network: the DDE's rival that learns the score as a free vector field.

Score-based models fit a vector output s_θ: R^d → R^d to ∇ log p_σ by denoising
score matching, with the very loss of the DDE (NOTES §1),

    L(θ) = E || x̃ + σ² s_θ(x̃) − x ||²,     x̃ = x + σ η,  η ~ N(0, I),

but with s_θ free rather than the gradient ∇f_θ of a scalar.  The optimum is the
same gradient field, yet nothing forces a trained s_θ to be one: its Jacobian
J = ∂s/∂x need not be symmetric, so the field can have curl ∂s₂/∂x₁ − ∂s₁/∂x₂ ≠ 0
and non-zero line integrals around closed loops.  That is what the claims page
measures against the DDE, whose Jacobian is the Hessian ∇²f (symmetric).

To compare like with like, ``ScoreNetwork`` *is* a ``DDE`` in everything but the
parametrisation: the same constructor settings, optimiser, cosine schedule,
moving average and the DDE's own compiled training loop.  That loop trains a
scalar g with ∇g in the loss; here g is the pseudo-potential

    g(x) = ⟨ s_θ(stop_gradient(x)), x ⟩,   whose input gradient is exactly s_θ(x),

so the loop minimises L(θ) above for the free field s_θ (the stop-gradient only
blocks differentiation with respect to x, not θ).  g is not a log-density, so
``log_density`` and ``hessian`` raise; ``jacobian`` gives ∂s/∂x instead.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .errors import InputError
from .model import DDE, _in_batches

__all__ = ["ScoreNetwork", "VectorNetwork"]


class VectorNetwork(keras.Model):
    """s: R^d → R^d, an MLP with a linear output of width d (with bias).

    ``field(x)`` is s(x), shape (m, d); calling the network gives the
    pseudo-potential ⟨s(stop_gradient(x)), x⟩, shape (m,), used for training.
    """

    def __init__(self, n_dims: int, hidden: tuple[int, ...], activation: str, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.n_dims = int(n_dims)
        init = keras.initializers.HeNormal
        self.hidden_layers = [
            keras.layers.Dense(int(w), activation=activation, kernel_initializer=init(seed=seed + i))
            for i, w in enumerate(hidden)
        ]
        self.output_layer = keras.layers.Dense(self.n_dims, kernel_initializer=init(seed=seed + len(hidden)))
        self.field(tf.zeros([1, self.n_dims]))  # create the weights

    def field(self, inputs: tf.Tensor) -> tf.Tensor:
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output_layer(h)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(self.field(tf.stop_gradient(inputs)) * inputs, axis=1)


class ScoreNetwork(DDE):
    """Direct score network trained by denoising score matching.

    Same parameters as :class:`~dde_core.model.DDE` (σ, hidden, activation,
    learning_rate, batch_size, steps, ema, seed), so ``ScoreNetwork(**dde.get_params())``
    is the direct-field twin of a DDE.  ``fit``/``partial_fit`` train it;
    ``score(Y)`` is s(Y) (m, d) and ``jacobian(Y)`` is ∂s_i/∂x_j (m, d, d).
    """

    def _build_network(self, n_dims: int) -> keras.Model:
        return VectorNetwork(n_dims, tuple(self.hidden), self.activation, seed=self.seed)

    def jacobian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """J[m, i, j] = ∂s_i/∂x_j at each row of Y (m, d); not symmetric in general."""
        Y = self._inputs(Y)
        return _in_batches(lambda y: _field_jacobian(self.average_, y), Y, batch_size)

    def log_density(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        raise InputError("A direct score network has no density (its field need not be a gradient); "
                         "use a DDE for log-densities.")

    def hessian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        raise InputError("A direct score network has no Hessian; use jacobian(Y) for ∂s/∂x.")

    def save(self, path: str | Path, metadata: dict | None = None) -> Path:
        raise InputError("Saving a direct score network is not supported; it exists for comparisons.")

    @classmethod
    def load(cls, path: str | Path) -> "ScoreNetwork":
        raise InputError("Loading a direct score network is not supported; train one with fit(X).")


@tf.function(reduce_retracing=True)
def _field_jacobian(network: VectorNetwork, y: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        tape.watch(y)
        s = network.field(y)
    return tape.batch_jacobian(s, y)
