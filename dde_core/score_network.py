"""A direct score network: the DDE's rival that learns the score as a free vector field.

Score-based models fit a vector output s_θ: R^d → R^d to ∇ log p_σ by denoising
score matching, with the very loss of the DDE,

    L(θ) = E || x̃ + σ² s_θ(x̃) − x ||²,     x̃ = x + σ η,  η ~ N(0, I),

but with s_θ free rather than the gradient ∇f_θ of a scalar.  The optimum is the
same gradient field, yet nothing forces a trained s_θ to be one: its Jacobian
J = ∂s/∂x need not be symmetric, so the field can have curl ∂s₂/∂x₁ − ∂s₁/∂x₂ ≠ 0
and non-zero line integrals around closed loops.  That is what the claims page
measures against the DDE, whose Jacobian is the Hessian ∇²f (symmetric).

To compare like with like, ``ScoreNetwork`` and ``DDE`` are siblings on one base,
``dde_core.denoising.DenoisingEstimator``: the same constructor settings,
optimiser, cosine schedule, moving average and compiled training loop; only the
score differs (here the network's output, there ∇f).  A free field is not a
gradient, so a ``ScoreNetwork`` has no ``log_density``, ``hessian``, ``save`` or
``load``; ``jacobian`` gives ∂s/∂x instead.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .denoising import DenoisingEstimator, _network_output, _score_jacobian

__all__ = ["ScoreNetwork", "VectorNetwork"]


class VectorNetwork(keras.Model):
    """s: R^d → R^d, an MLP with a linear output of width d (with bias); s(x) is (m, d)."""

    def __init__(self, n_dims: int, hidden: tuple[int, ...], activation: str, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.n_dims = int(n_dims)
        init = keras.initializers.HeNormal
        self.hidden_layers = [
            keras.layers.Dense(int(w), activation=activation, kernel_initializer=init(seed=seed + i))
            for i, w in enumerate(hidden)
        ]
        self.output_layer = keras.layers.Dense(self.n_dims, kernel_initializer=init(seed=seed + len(hidden)))
        self(tf.zeros([1, self.n_dims]))  # create the weights

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output_layer(h)


class ScoreNetwork(DenoisingEstimator):
    """Direct score network trained by denoising score matching.

    Same parameters as :class:`~dde_core.model.DDE` (σ, hidden, activation,
    learning_rate, batch_size, steps, ema, seed), so ``ScoreNetwork(**dde.get_params())``
    is the direct-field twin of a DDE.  ``fit``/``partial_fit`` train it;
    ``score(Y)`` is s(Y) (m, d) and ``jacobian(Y)`` is ∂s_i/∂x_j (m, d, d).
    """

    _kind = "score network"

    def _build_network(self, n_dims: int) -> keras.Model:
        return VectorNetwork(n_dims, tuple(self.hidden), self.activation, seed=self.seed)

    @staticmethod
    def _score_graph(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
        return network(y)

    def score(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """s(y), the network's output, an estimate of ∇ log p_σ; shape (m, d) for Y (m, d)."""
        return self._evaluate(_network_output, Y, batch_size, jit_compile=True)

    def jacobian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """J[m, i, j] = ∂s_i/∂x_j at each row of Y (m, d); not symmetric in general."""
        return self._evaluate(_field_jacobian, Y, batch_size)


def _field_jacobian(network: VectorNetwork, y: tf.Tensor) -> tf.Tensor:
    """∂s/∂y of the network's field at y (m, d), shape (m, d, d)."""
    return _score_jacobian(ScoreNetwork._score_graph, network, y)
