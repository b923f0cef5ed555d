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
noise that stochastic denoising targets leave in the weights.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .activations import ACTIVATIONS
from .device import device_name
from .errors import InputError
from .metrics import denoising_error
from .validation import check_points, check_positive_float, check_positive_int, check_sigma

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


@dataclass
class TrainingHistory:
    """Mean denoising loss of each training chunk, with the step it ended at.

    ``seconds`` is the wall time of all chunks and ``timed_steps`` their steps,
    so their ratio is the training speed (TensorFlow's one-off tracing and graph
    optimisation happen in a warm-up call before the first chunk, untimed).
    """

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    timed_steps: int = 0

    def add(self, step: int, loss: float, steps: int, seconds: float) -> None:
        self.timed_steps += steps
        self.seconds += seconds
        self.steps.append(step)
        self.loss.append(loss)

    @property
    def steps_per_second(self) -> float:
        return self.timed_steps / self.seconds if self.seconds > 0 else float("nan")


class DDE:
    """Denoising Density Estimator.

    Parameters (stored as given, checked by ``fit``):
        sigma: noise level σ in data units; the model converges to the log of the
            Gaussian KDE with this bandwidth.
        hidden: widths of the hidden layers.
        activation: one of ``ACTIVATIONS`` (twice differentiable).
        learning_rate: Adam's peak learning rate.
        batch_size: clean points per step (each gets one fresh noise draw).
        steps: training steps of a default ``fit``; also the length of the
            cosine learning-rate decay (after it the rate stays at its floor).
        ema: decay of the moving average of the weights used for evaluation
            (0 disables it).
        seed: seeds initial weights, batches and noise.
    """

    def __init__(
        self,
        sigma: float = 0.2,
        hidden: tuple[int, ...] = (64, 64, 64),
        activation: str = "softplus",
        learning_rate: float = 3e-3,
        batch_size: int = 2048,
        steps: int = 2000,
        ema: float = 0.99,
        seed: int = 0,
    ):
        self.sigma = sigma
        self.hidden = hidden
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.steps = steps
        self.ema = ema
        self.seed = seed

    # -- set-up ------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_sigma(self.sigma)
        if not isinstance(self.hidden, (tuple, list)) or not self.hidden:
            raise InputError(f"hidden must be a non-empty list of layer widths, got {self.hidden!r}.")
        for width in self.hidden:
            check_positive_int(width, "each hidden layer width")
        if self.activation not in ACTIVATIONS:
            raise InputError(
                f"activation {self.activation!r} is not twice differentiable or not supported; "
                f"choose one of {', '.join(ACTIVATIONS)}."
            )
        check_positive_float(self.learning_rate, "learning_rate")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.steps, "steps")
        if not (isinstance(self.ema, (int, float)) and 0.0 <= self.ema < 1.0):
            raise InputError(f"ema must be a number in [0, 1), got {self.ema!r}.")
        check_positive_int(self.seed, "seed", minimum=0)

    def _build_network(self, n_dims: int) -> keras.Model:
        """The network being trained (a subclass may train another kind)."""
        return ScalarNetwork(n_dims, self.hidden, self.activation, seed=self.seed)

    def _initialise(self, n_dims: int) -> None:
        self.sigma_ = check_sigma(self.sigma)
        self.n_dims_ = n_dims
        self.network_ = self._build_network(n_dims)
        self.average_ = self._build_network(n_dims)
        self.average_.set_weights(self.network_.get_weights())
        schedule = keras.optimizers.schedules.CosineDecay(
            float(self.learning_rate), decay_steps=int(self.steps), alpha=0.02
        )
        self.optimizer_ = keras.optimizers.Adam(learning_rate=schedule)
        self.optimizer_.build(self.network_.trainable_variables)
        self._rng = tf.random.Generator.from_seed(self.seed)
        self._train_steps = _make_train_steps(
            self.network_, self.average_, self.optimizer_, self._rng,
            self.sigma_, int(self.batch_size), float(self.ema),
        )
        self.history_ = TrainingHistory()
        self.device_ = device_name()

    # -- training ----------------------------------------------------------------------
    def fit(self, X: np.ndarray, steps: int | None = None) -> "DDE":
        """Start afresh on X (D, d) and train ``steps`` steps (default ``self.steps``)."""
        self._check_params()
        X = check_points(X, "X", min_points=2, dtype=np.float32)
        self._initialise(X.shape[1])
        self._data = tf.constant(X)
        return self.partial_fit(steps=self.steps if steps is None else steps)

    def partial_fit(self, X: np.ndarray | None = None, steps: int = 100) -> "DDE":
        """Continue training for ``steps`` steps, on new points X if given.

        The first call on an unfitted model initialises it (X required).
        """
        steps = check_positive_int(steps, "steps")
        if not hasattr(self, "network_"):
            if X is None:
                raise InputError("This DDE has no data yet: call fit(X) or partial_fit(X, steps).")
            self._check_params()
            X = check_points(X, "X", min_points=2, dtype=np.float32)
            self._initialise(X.shape[1])
        if X is not None:
            X = check_points(X, "X", min_points=2, dim=self.n_dims_, dtype=np.float32)
            self._data = tf.constant(X)
        if not hasattr(self, "_data"):
            raise InputError("This DDE has no training data (it was loaded from a file): pass X.")
        if not self.history_.steps:  # warm-up: trace and optimise the graph, zero steps
            self._train_steps(self._data, tf.constant(0, tf.int32))
        start = time.perf_counter()
        loss = float(self._train_steps(self._data, tf.constant(steps, tf.int32)))
        self.history_.add(self.n_steps_, loss, steps, time.perf_counter() - start)
        if not math.isfinite(loss):
            raise InputError(
                "Training diverged (the loss became NaN or infinite). "
                "Lower the learning rate or raise sigma, then start again."
            )
        return self

    @property
    def n_steps_(self) -> int:
        """Training steps taken so far."""
        self._check_fitted()
        return int(self.optimizer_.iterations.numpy())

    # -- evaluation --------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "average_"):
            raise InputError("This DDE is not fitted yet: call fit(X) first.")

    def _inputs(self, Y: np.ndarray) -> tf.Tensor:
        self._check_fitted()
        Y = check_points(Y, "Y", dim=self.n_dims_, min_points=0, dtype=np.float32)
        return tf.constant(Y)

    def log_density(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """Unnormalised log-density f(y), shape (m,), for Y of shape (m, d)."""
        Y = self._inputs(Y)
        return _in_batches(lambda y: _log_density(self.average_, y), Y, batch_size)

    def score(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """∇f(y), the learned score ∇ log p_σ, shape (m, d)."""
        Y = self._inputs(Y)
        return _in_batches(lambda y: network_score(self.average_, y), Y, batch_size)

    def hessian(self, Y: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """∇²f(y), shape (m, d, d); symmetric since it is the Hessian of a scalar."""
        Y = self._inputs(Y)
        return _in_batches(lambda y: network_hessian(self.average_, y), Y, batch_size)

    def denoise(self, Y: np.ndarray) -> np.ndarray:
        """Tweedie's estimate of the clean point, y + σ² ∇f(y), shape (m, d)."""
        Y_checked = check_points(Y, "Y", min_points=0)
        return Y_checked + self.sigma_**2 * self.score(Y)

    def denoising_loss(self, clean: np.ndarray, noisy: np.ndarray) -> float:
        """The training loss mean ||x̃ + σ²∇f(x̃) − x||² on given pairs, both (m, d)."""
        clean = check_points(clean, "clean", dim=self.n_dims_)
        return denoising_error(self.denoise(noisy), clean)

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path, metadata: dict | None = None) -> Path:
        """Write the averaged network and its settings to a ``.keras`` file."""
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".keras":
            raise InputError(f"Model files end in .keras, got {path.name!r}.")
        self.average_.metadata = {
            "sigma": self.sigma_,
            "params": self.get_params(),
            "n_steps": self.n_steps_,
            **(metadata or {}),
        }
        self.average_.save(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "DDE":
        """Read a model written by ``save``; it evaluates at once and can train on new X."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"No model file at {str(path)!r}.")
        try:
            network = keras.models.load_model(path)
        except Exception as error:  # Keras raises many types for a bad file
            raise InputError(f"{path.name!r} is not a DDE model file: {error}") from None
        if not isinstance(network, ScalarNetwork):
            raise InputError(f"{path.name!r} holds a Keras model, but not a DDE network.")
        params = dict(network.metadata["params"])
        params["hidden"] = tuple(params["hidden"])
        model = cls(**params)
        model._initialise(network.n_dims)
        model.network_.set_weights(network.get_weights())
        model.average_.set_weights(network.get_weights())
        model.metadata_ = network.metadata
        return model

    def get_params(self) -> dict:
        """The constructor's parameters, as given."""
        return {
            "sigma": self.sigma,
            "hidden": list(self.hidden),
            "activation": self.activation,
            "learning_rate": self.learning_rate,
            "batch_size": self.batch_size,
            "steps": self.steps,
            "ema": self.ema,
            "seed": self.seed,
        }


# -- compiled pieces (module level so they are traced once per network) -----------------
def _make_train_steps(network, average, optimizer, rng, sigma, batch_size, ema):
    """Build the compiled loop ``train_steps(data, n) -> mean loss`` for one model.

    Traced once: data has a fixed rank and dtype and ``n`` is a tensor, so calling
    it again with other data or another count does not retrace.
    """
    variance = sigma**2
    weights = network.trainable_variables
    averages = average.trainable_variables

    def one_step(data):
        picks = rng.uniform([batch_size], 0, tf.shape(data)[0], dtype=tf.int32)
        clean = tf.gather(data, picks)
        noisy = clean + sigma * rng.normal(tf.shape(clean))
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(noisy)
                f = network(noisy)
            score = inner.gradient(f, noisy)
            residual = noisy + variance * score - clean
            loss = tf.reduce_mean(tf.reduce_sum(residual**2, axis=1))
        gradients = outer.gradient(loss, weights)
        optimizer.apply(gradients, weights)
        for avg, w in zip(averages, weights):
            avg.assign(ema * avg + (1.0 - ema) * w)
        return loss

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, network.n_dims], tf.float32),
            tf.TensorSpec([], tf.int32),
        ]
    )
    def train_steps(data, n):
        total = tf.constant(0.0)
        for _ in tf.range(n):
            total += one_step(data)
        return total / tf.cast(tf.maximum(n, 1), tf.float32)

    return train_steps


@tf.function(reduce_retracing=True, jit_compile=True)
def _log_density(network, y):
    return network(y)


@tf.function(reduce_retracing=True, jit_compile=True)
def network_score(network, y):
    """∇f at y (m, d) for a scalar network f; compiled, shared with the samplers."""
    with tf.GradientTape() as tape:
        tape.watch(y)
        f = network(y)
    return tape.gradient(f, y)


@tf.function(reduce_retracing=True)
def network_hessian(network, y):
    """∇²f at y, (m, d, d), by nested automatic differentiation; shared with the samplers."""
    with tf.GradientTape() as outer:
        outer.watch(y)
        with tf.GradientTape() as inner:
            inner.watch(y)
            f = network(y)
        score = inner.gradient(f, y)
    return outer.batch_jacobian(score, y)


def _in_batches(function, Y: tf.Tensor, batch_size: int) -> np.ndarray:
    """Apply a compiled function to Y in slices of at most ``batch_size`` rows.

    Each slice is zero-padded to a multiple of 1024 rows, so XLA compiles for a
    few shapes instead of one per query count.
    """
    parts = []
    for start in range(0, max(Y.shape[0], 1), batch_size):
        rows = Y[start : start + batch_size]
        padded_size = max(1, math.ceil(rows.shape[0] / 1024)) * 1024
        padding = tf.zeros([padded_size - rows.shape[0], Y.shape[1]], Y.dtype)
        parts.append(function(tf.concat([rows, padding], axis=0)).numpy()[: rows.shape[0]])
    return np.concatenate(parts).astype(np.float64)
