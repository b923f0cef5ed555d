"""A network that outputs the second-order score ∇² log p_σ directly (Meng, Song, Li, Ermon 2021).

Tweedie's formula on second moments: with x̃ = x + σ η, η ~ N(0, I), s = ∇ log p_σ and
H = ∇² log p_σ (docs/science.md §1),

    E[(x − x̃)(x − x̃)ᵀ | x̃] = σ² I + σ⁴ (H(x̃) + s(x̃) s(x̃)ᵀ).

Since x − x̃ = −σ η, the pair (x, x̃) gives an unbiased target for H once a first-order
score s₁ ≈ s is held fixed:

    T = (η ηᵀ − I) / σ² − s₁(x̃) s₁(x̃)ᵀ,       E[T | x̃] = H(x̃) + s sᵀ − s₁ s₁ᵀ,

so the regression  min_h E ‖h(x̃) − T‖²_F  has its minimiser at H (exactly when s₁ = s).

**Units.**  The network N(x̃) outputs σ² h(x̃) (dimensionless, O(1) whatever σ), and the
loss is written in the same units: with Ψ(y) = σ² (h(y) + s₁(y) s₁(y)ᵀ) = N(y) + σ² s₁ s₁ᵀ
and A = η ηᵀ − I,

    L(θ) = E ‖Ψ(x̃) − A‖²_F          (= σ⁴ E ‖h − T‖²_F).

**Variance reduction** (``variance_reduction=True``, the default).  A has variance O(1) in
these units whatever σ, so the plain loss's gradient is noisy.  Expanding the square,
‖Ψ − A‖² = ‖Ψ‖² − 2⟨A, Ψ⟩ + ‖A‖², and using (i) antithetic noise: x̃₊ = x + σ η and
x̃₋ = x − σ η share A, and x̃₋ has the law of x̃₊; (ii) a control variate at the clean
point: E[⟨A, Ψ(x)⟩] = 0 because η is independent of x and E[A] = 0, each step minimises

    L_VR(θ) = E[ ½ (‖Ψ(x̃₊)‖² + ‖Ψ(x̃₋)‖²) − ⟨A, Ψ(x̃₊) + Ψ(x̃₋) − 2 Ψ(x)⟩ ] + E‖A‖²,

whose expectation equals L(θ) (so it has the same minimiser), while the noisy factor A now
multiplies a second difference Ψ(x̃₊) + Ψ(x̃₋) − 2Ψ(x) = O(σ²) for a smooth Ψ instead of
Ψ(x̃) = O(1).  This is the form of the paper's variance-reduced objective (antithetic noise
and a clean-point control variate), derived here; it costs three network passes a step
instead of one.  E‖A‖² = d² + d (full) or 2d (diagonal) is added back so the reported loss
is comparable with the plain one.

**Structure.**  ``"full"``: the network has d(d+1)/2 outputs assembled into a symmetric
d×d matrix; ``"diagonal"``: d outputs, the diagonal of H only (the paper's variant for
high dimensions; the loss then uses the diagonal entries of Ψ and A only, and ``hessian``
returns a diagonal matrix); ``"auto"``: full up to ``FULL_UP_TO_DIMS`` dimensions.

The settings, compiled training loop (replaced here by the second-order one), the moving
average of the weights and ``fit``/``partial_fit`` come from
:class:`dde_core.denoising.DenoisingEstimator`.  ``score`` and ``denoise`` are those of the
fixed first-order score s₁, so ``covariance`` and ``denoise`` together give both Tweedie
moments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import keras
import numpy as np
import tensorflow as tf

from .denoising import AdamMoments, DenoisingEstimator, _in_batches, cosine_rate
from .errors import InputError
from .validation import check_sigma

__all__ = [
    "SecondOrderNetwork",
    "MatrixNetwork",
    "STRUCTURES",
    "FULL_UP_TO_DIMS",
    "TRAINING_STEP_COST",
    "posterior_covariance",
]

STRUCTURES = ("auto", "full", "diagonal")
FULL_UP_TO_DIMS = 8  # "auto": the full matrix up to this many dimensions, the diagonal above
# A variance-reduced training step (three network passes, three first-order scores) costs about this
# many steps of a DDE with the same settings (measured in bench/bench_hessians.py); for time estimates.
TRAINING_STEP_COST = 3.5

FirstOrderScore = Callable[[tf.Tensor], tf.Tensor]  # float32 points (m, d) -> score (m, d), traceable


def posterior_covariance(hessian: np.ndarray, sigma: float) -> np.ndarray:
    """Tweedie's second moment Cov[x | x̃] = σ² I + σ⁴ H(x̃), shape (m, d, d), for H (m, d, d).

    In squared data units; positive semi-definite for the true H (an estimate need not be).
    """
    hessian = np.asarray(hessian, dtype=np.float64)
    sigma = check_sigma(sigma)
    return sigma**2 * np.eye(hessian.shape[-1]) + sigma**4 * hessian


def resolved_structure(structure: str, n_dims: int) -> str:
    """ "full" or "diagonal" for ``structure`` in ``STRUCTURES`` at ``n_dims`` dimensions."""
    if structure not in STRUCTURES:
        raise InputError(f"structure must be one of {', '.join(STRUCTURES)}, got {structure!r}.")
    if structure == "auto":
        return "full" if n_dims <= FULL_UP_TO_DIMS else "diagonal"
    return structure


@keras.saving.register_keras_serializable(package="dde_core")
class MatrixNetwork(keras.Model):
    """x̃ ↦ σ² h(x̃): an MLP whose outputs fill a symmetric d×d matrix (or its diagonal).

    ``call`` returns the raw outputs (m, k), k = d(d+1)/2 or d; ``matrix`` the matrix N
    (m, d, d) in σ²-units; ``hessian`` h = N / σ² (m, d, d), in 1 / data units².
    ``metadata``: a JSON-friendly dict saved with the network (its training settings).
    """

    def __init__(self, n_dims, structure, hidden, activation, sigma, seed=0, metadata=None, **kwargs):
        super().__init__(**kwargs)
        self.metadata = dict(metadata or {})
        self.n_dims = int(n_dims)
        self.structure = structure
        self.sigma = float(sigma)
        self.hidden = tuple(int(w) for w in hidden)
        self.activation_name = activation
        self.seed = int(seed)
        init = keras.initializers.HeNormal
        self.hidden_layers = [
            keras.layers.Dense(w, activation=activation, kernel_initializer=init(seed=self.seed + i))
            for i, w in enumerate(self.hidden)
        ]
        d = self.n_dims
        n_outputs = d * (d + 1) // 2 if structure == "full" else d
        self.output_layer = keras.layers.Dense(n_outputs, kernel_initializer=init(seed=self.seed + len(self.hidden)))
        # entry (i, j) of the matrix reads output number _index[i, j] (upper triangle, row by row)
        upper = {pair: k for k, pair in enumerate((i, j) for i in range(d) for j in range(i, d))}
        self._index = tf.constant([upper[min(i, j), max(i, j)] for i in range(d) for j in range(d)], tf.int32)
        self(tf.zeros([1, d]))  # create the weights

    def call(self, inputs):
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output_layer(h)

    def matrix(self, y: tf.Tensor) -> tf.Tensor:
        """N(y) = σ² h(y), (m, d, d), symmetric (diagonal for the diagonal structure)."""
        outputs = self(y)
        if self.structure == "diagonal":
            return tf.linalg.diag(outputs)
        d = self.n_dims
        return tf.reshape(tf.gather(outputs, self._index, axis=1), [-1, d, d])

    def hessian(self, y: tf.Tensor) -> tf.Tensor:
        """h(y) = N(y) / σ², the estimate of ∇² log p_σ, (m, d, d)."""
        return self.matrix(y) / self.sigma**2

    def get_config(self):
        return {
            "n_dims": self.n_dims,
            "structure": self.structure,
            "hidden": list(self.hidden),
            "activation": self.activation_name,
            "sigma": self.sigma,
            "seed": self.seed,
            "metadata": self.metadata,
            "name": self.name,
        }


def network_second_order(network: MatrixNetwork, y: tf.Tensor) -> tf.Tensor:
    """h(y), (m, d, d); traceable, compiled per model (``SecondOrderNetwork.hessian``) and into the
    samplers' Ozaki step."""
    return network.hessian(y)


def first_order_graph(first_order: Any, n_dims: int, sigma: float) -> FirstOrderScore:
    """A traceable float32 score function from a fitted DDE / ScoreNetwork (its averaged
    network, at the same σ and dimension) or from a callable taking and returning tensors."""
    if isinstance(first_order, DenoisingEstimator):
        first_order._check_fitted()
        if first_order.n_dims_ != n_dims:
            raise InputError(
                f"The first-order model works in {first_order.n_dims_} dimensions but the data has {n_dims}."
            )
        if not np.isclose(first_order.sigma_, sigma):
            raise InputError(
                f"The first-order model was trained at σ = {first_order.sigma_:g}, this network at σ = {sigma:g}: "
                "both must estimate the same p_σ. Use the same σ."
            )
        network, graph = first_order.average_, type(first_order)._score_graph
        return lambda y: graph(network, y)
    if callable(first_order):
        return first_order
    raise InputError(
        "first_order must be a fitted DDE or ScoreNetwork (at the same σ), or a function of a float32 "
        f"tensor (m, d) returning the score (m, d); got {type(first_order).__name__}."
    )


class SecondOrderNetwork(DenoisingEstimator):
    """h(x̃) ≈ ∇² log p_σ(x̃), trained by second-order denoising with s₁ held fixed (module docstring).

    Parameters (stored as given, checked by ``fit``):
        first_order: the fixed first-order score s₁: a fitted ``DDE`` or ``ScoreNetwork``
            at the same σ, or a traceable function of float32 tensors (m, d) -> (m, d).
        structure: "auto", "full" or "diagonal" (module docstring).
        variance_reduction: train on L_VR (antithetic noise + control variate) or plain L.
        sigma, hidden, activation, learning_rate, batch_size, steps, ema, seed: as for
            :class:`~dde_core.denoising.DenoisingEstimator` (same defaults).

    ``hessian(Y)`` (m, d, d) and ``covariance(Y)`` = σ²I + σ⁴ h (m, d, d) are this network's;
    ``save``/``load`` write and read it as a ``.keras`` file (the first-order model apart);
    ``score``/``denoise`` are the fixed s₁'s.  ``history_.loss`` is the loss L above (with
    E‖A‖² added back under variance reduction), in σ²-units, floor > 0.
    """

    _kind = "second-order network"

    def __init__(
        self,
        first_order: Any = None,
        sigma: float = 0.2,
        structure: str = "auto",
        variance_reduction: bool = True,
        hidden: tuple[int, ...] = (64, 64, 64),
        activation: str = "softplus",
        learning_rate: float = 3e-3,
        batch_size: int = 2048,
        steps: int = 2000,
        ema: float = 0.99,
        seed: int = 0,
    ):
        super().__init__(sigma, hidden, activation, learning_rate, batch_size, steps, ema, seed)
        self.first_order = first_order
        self.structure = structure
        self.variance_reduction = variance_reduction

    def get_params(self) -> dict:
        """The constructor's parameters, as given (``hidden`` as a list)."""
        return {
            **super().get_params(),
            "first_order": self.first_order,
            "structure": self.structure,
            "variance_reduction": self.variance_reduction,
        }

    def _check_params(self) -> None:
        super()._check_params()
        if self.structure not in STRUCTURES:
            raise InputError(f"structure must be one of {', '.join(STRUCTURES)}, got {self.structure!r}.")
        if not isinstance(self.variance_reduction, (bool, np.bool_)):
            raise InputError(f"variance_reduction must be True or False, got {self.variance_reduction!r}.")
        if self.first_order is None:
            raise InputError(
                "A second-order network needs a first-order score held fixed: pass first_order=<a fitted DDE>."
            )

    def _build_network(self, n_dims: int) -> keras.Model:
        return MatrixNetwork(n_dims, self.structure_, self.hidden, self.activation, self.sigma_, seed=self.seed)

    @staticmethod
    def _score_graph(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
        raise TypeError("A second-order network has no score of its own; its score is first_order's.")

    def _initialise(self, n_dims: int) -> None:
        """The base's set-up, then this network's own compiled training loop and Hessian.

        Unlike the DDE's, they are compiled per model: the loop holds the fixed first-order
        model, and the network has a method of its own (``hessian``), so one compiled
        function cannot serve every model of an architecture. So each second-order network
        leaves its graphs' memory (a few MiB) in the process when dropped.
        """
        self.structure_ = resolved_structure(self.structure, n_dims)
        self._first_order = first_order_graph(self.first_order, n_dims, check_sigma(self.sigma))
        self._first_order_compiled = tf.function(self._first_order, reduce_retracing=True)
        super()._initialise(n_dims)
        network = self.average_
        self._hessian_compiled = tf.function(lambda y: network_second_order(network, y), reduce_retracing=True)
        self._train_steps = _make_second_order_steps(
            self.network_,
            self.average_,
            self._adam,
            (float(self.learning_rate), float(self.steps)),
            tf.random.Generator.from_seed(self.seed),
            self._first_order,
            self.sigma_,
            int(self.batch_size),
            float(self.ema),
            self.structure_ == "diagonal",
            bool(self.variance_reduction),
        )

    # -- evaluation --------------------------------------------------------------------
    def score(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """The fixed first-order score s₁(y), shape (m, d), for Y (m, d)."""
        self._check_fitted()
        return _in_batches(self._first_order_compiled, self._inputs(Y), batch_size)

    def hessian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """h(y) ≈ ∇² log p_σ(y), shape (m, d, d), symmetric (diagonal for the diagonal structure)."""
        inputs = self._inputs(Y)  # refuses an unfitted model first
        return _in_batches(self._hessian_compiled, inputs, batch_size)

    def covariance(self, Y: np.ndarray) -> np.ndarray:
        """Tweedie's Cov[x | x̃ = y] = σ² I + σ⁴ h(y), shape (m, d, d), squared data units."""
        return posterior_covariance(self.hessian(Y), self.sigma_)

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the averaged network and its settings (not the first-order model) to a ``.keras`` file."""
        self._check_fitted()
        params = {k: v for k, v in self.get_params().items() if k != "first_order"}
        return self._save_network(path, {"params": params, "n_steps": self.n_steps_})

    @classmethod
    def load(cls, path: str | Path, first_order: Any) -> Self:
        """Read a network written by ``save``, with the first-order score it was trained with
        (needed to train further; ``hessian`` uses only the file)."""
        network, params = cls._read_network(path, MatrixNetwork, "second-order network")
        return cls(first_order, **params)._start_from(network)


# -- the compiled second-order training loop ---------------------------------------------
def _squared_norm(matrix: tf.Tensor) -> tf.Tensor:
    """‖M‖²_F per row: M (m, d, d) or its diagonal (m, d)."""
    return tf.reduce_sum(tf.reshape(matrix**2, [tf.shape(matrix)[0], -1]), axis=1)


def _inner(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """⟨A, B⟩_F per row."""
    return tf.reduce_sum(tf.reshape(a * b, [tf.shape(a)[0], -1]), axis=1)


def _make_second_order_steps(
    network: MatrixNetwork,
    average: MatrixNetwork,
    adam: AdamMoments,
    rate: tuple[float, float],
    rng: tf.random.Generator,
    first_order: FirstOrderScore,
    sigma: float,
    batch_size: int,
    ema: float,
    diagonal: bool,
    variance_reduction: bool,
) -> tf.types.experimental.PolymorphicFunction:
    """The compiled loop ``train_steps(data, n) -> mean loss`` of the second-order objective.

    Per step: ``batch_size`` clean rows x of data (D, d) drawn with replacement, one η
    each; Ψ = N + σ² s₁ s₁ᵀ (s₁ fixed: no gradient), A = ηηᵀ − I (diagonals only when
    ``diagonal``); an Adam step on L or L_VR (module docstring) at the cosine-decayed rate
    of ``rate`` = (peak, decay steps); then the moving average.
    """
    variance = sigma**2
    weights = network.trainable_variables
    averages = average.trainable_variables
    d = network.n_dims
    constant = 2.0 * d if diagonal else float(d * d + d)  # E‖A‖²

    def outer(v):  # v vᵀ (m, d, d), or its diagonal (m, d)
        return v**2 if diagonal else v[:, :, None] * v[:, None, :]

    def output(y):  # N(y) (m, d, d) or its diagonal (m, d)
        return network(y) if diagonal else network.matrix(y)

    def one_step(data):
        picks = rng.uniform([batch_size], 0, tf.shape(data)[0], dtype=tf.int32)
        clean = tf.gather(data, picks)
        eta = rng.normal(tf.shape(clean))
        a = outer(eta) - (1.0 if diagonal else tf.eye(d))
        if variance_reduction:
            inputs = tf.concat([clean + sigma * eta, clean - sigma * eta, clean], axis=0)
        else:
            inputs = clean + sigma * eta
        fixed = variance * outer(tf.stop_gradient(first_order(inputs)))
        with tf.GradientTape() as tape:
            psi = output(inputs) + fixed
            if variance_reduction:
                plus, minus, at_clean = tf.split(psi, 3, axis=0)
                per_point = (
                    0.5 * (_squared_norm(plus) + _squared_norm(minus))
                    - _inner(a, plus + minus - 2.0 * at_clean)
                    + constant
                )
            else:
                per_point = _squared_norm(psi - a)
            loss = tf.reduce_mean(per_point)
        gradients = tape.gradient(loss, weights)
        adam.apply(gradients, weights, cosine_rate(*rate, adam.iterations))
        for avg, w in zip(averages, weights, strict=True):
            avg.assign(ema * avg + (1.0 - ema) * w)
        return loss

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, d], tf.float32),
            tf.TensorSpec([], tf.int32),
        ]
    )
    def train_steps(data, n):
        total = tf.constant(0.0)
        for _ in tf.range(n):
            total += one_step(data)
        return total / tf.cast(tf.maximum(n, 1), tf.float32)

    return train_steps
