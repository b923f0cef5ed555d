"""What every denoising estimator shares: settings, the compiled training loop, denoising.

A denoising estimator learns the score ∇ log p_σ of the data smoothed by N(0, σ²I)
from clean points x and noisy copies x̃ = x + σ η, η ~ N(0, I), by minimising the
denoising loss

    L(θ) = E || x̃ + σ² s_θ(x̃) − x ||²        (summed over the d coordinates),

where s_θ: R^d → R^d is the model's score.  Tweedie's formula,

    E[x | x̃] = x̃ + σ² ∇ log p_σ(x̃),

says that the best denoiser in the mean-square sense is x̃ + σ² ∇ log p_σ(x̃); so
L is smallest at s_θ = ∇ log p_σ, and x̃ + σ² s_θ(x̃) (``denoise``) is the model's
estimate of the clean point.  On a finite training set p_σ is exactly the Gaussian
KDE with bandwidth σ, so the optimum is known and every model can be checked
against it.

``DenoisingEstimator`` holds what does not depend on how the network gives the
score: the constructor's settings, ``fit`` / ``partial_fit`` (one compiled,
non-retracing training loop run in chunks), the learning-rate schedule, the
exponential moving average of the weights used for evaluation, the training
history, the device, ``denoise`` and ``denoising_loss``.  A subclass says how its
network gives the score (``_score_graph``, ``score``) and adds what only it has:
``dde_core.model.DDE`` trains a scalar f with s = ∇f (so it also has a
log-density and a Hessian); ``dde_core.score_network.ScoreNetwork`` trains a
vector field s directly (so it has a Jacobian, and no density).

The compiled functions (the training loop, ``log_density``, ``score``...) are traced
once per *architecture* (kind of network, d, widths, activation) and shared by every
model of it: each model's weights, moving averages and Adam moments are arguments,
not captured values.  TensorFlow does not give back all the memory of a graph traced
for one model when the model is dropped (about 6 MiB each, bench/RESULTS.md
"Serving a class"); shared graphs make a model cost only its weights, so a server
that makes and drops models for many sessions stays flat.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, NamedTuple, Self

import keras
import numpy as np
import tensorflow as tf

from .activations import ACTIVATIONS
from .device import device_name
from .errors import InputError
from .metrics import denoising_error
from .validation import check_points, check_positive_float, check_positive_int, check_sigma

__all__ = ["DenoisingEstimator", "TrainingHistory", "tracing_count"]

# A traceable TensorFlow function of a network and points y (m, d): its score (m, d), output, Jacobian...
NetworkFunction = Callable[[keras.Model, tf.Tensor], tf.Tensor]


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
        """Record a chunk of ``steps`` steps ending at ``step``, its mean loss and wall seconds."""
        self.timed_steps += steps
        self.seconds += seconds
        self.steps.append(step)
        self.loss.append(loss)

    @property
    def steps_per_second(self) -> float:
        """Training steps per wall-clock second over all chunks (NaN before the first)."""
        return self.timed_steps / self.seconds if self.seconds > 0 else float("nan")


class DenoisingEstimator(ABC):
    """A network trained by the denoising loss L = E||x̃ + σ² s(x̃) − x||² (scikit-learn style).

    Parameters (stored as given, checked by ``fit``):
        sigma: noise level σ in data units; the model's score converges to that of
            the Gaussian KDE with this bandwidth.
        hidden: widths of the hidden layers.
        activation: one of ``ACTIVATIONS`` (twice differentiable).
        learning_rate: Adam's peak learning rate.
        batch_size: clean points per step (each gets one fresh noise draw).
        steps: training steps of a default ``fit``; also the length of the
            cosine learning-rate decay (after it the rate stays at its floor).
        ema: decay of the moving average of the weights used for evaluation
            (0 disables it).
        seed: seeds initial weights, batches and noise.

    Fitted attributes: ``sigma_`` (σ as a float), ``n_dims_`` (d), ``network_`` (the
    network being trained), ``average_`` (its moving average, used for evaluation),
    ``history_`` (a ``TrainingHistory``), ``device_``, and ``n_steps_``.
    """

    #: How messages name this kind of model ("This DDE is not fitted yet ...").
    _kind: ClassVar[str] = "model"

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

    def get_params(self) -> dict:
        """The constructor's parameters, as given (``hidden`` as a list)."""
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

    # -- what a subclass provides ------------------------------------------------------
    @abstractmethod
    def _build_network(self, n_dims: int) -> keras.Model:
        """A fresh network for points of ``n_dims`` coordinates (called twice: trained and average)."""

    @staticmethod
    @abstractmethod
    def _score_graph(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
        """The score s(y), (m, d), of ``network`` at y (m, d), as traceable TensorFlow.

        The training loop calls it inside its gradient tape, so it must be
        differentiable with respect to the network's weights.
        """

    @abstractmethod
    def score(self, Y: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """The learned score at the rows of Y (m, d), shape (m, d), in 1 / data units."""

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

    def _initialise(self, n_dims: int) -> None:
        self.sigma_ = check_sigma(self.sigma)
        self.n_dims_ = n_dims
        self.network_ = self._build_network(n_dims)
        self.average_ = self._build_network(n_dims)
        self.average_.set_weights(self.network_.get_weights())
        self._adam = AdamMoments.zeros_for(_variables(self.network_))
        self.history_ = TrainingHistory()
        self.device_ = device_name()

    def _architecture(self) -> tuple:
        """What fixes the network's shape, and so its compiled functions (shared by every
        model with the same architecture, see the module docstring)."""
        return (type(self), self.n_dims_, tuple(int(width) for width in self.hidden), self.activation)

    def _template(self) -> keras.Model:
        """The one network of this architecture the shared functions are traced with (its own
        weights are never used: each call passes a model's weights in their place)."""
        return _shared(("template", self._architecture()), lambda: self._build_network(self.n_dims_))

    # -- training ----------------------------------------------------------------------
    def fit(self, X: np.ndarray, steps: int | None = None) -> Self:
        """Start afresh on X (D, d) and train ``steps`` steps (default ``self.steps``)."""
        self._check_params()
        X = check_points(X, "X", min_points=2, dtype=np.float32)
        self._initialise(X.shape[1])
        self._set_data(X)
        return self.partial_fit(steps=self.steps if steps is None else steps)

    def partial_fit(self, X: np.ndarray | None = None, steps: int = 100) -> Self:
        """Continue training for ``steps`` steps, on new points X (D, d) if given.

        The first call on an unfitted model initialises it (X required).  The
        mean loss of the chunk and its wall time go to ``history_``.
        """
        steps = check_positive_int(steps, "steps")
        if not hasattr(self, "network_"):
            if X is None:
                raise InputError(f"This {self._kind} has no data yet: call fit(X) or partial_fit(X, steps).")
            self._check_params()
            X = check_points(X, "X", min_points=2, dtype=np.float32)
            self._initialise(X.shape[1])
        if X is not None:
            X = check_points(X, "X", min_points=2, dim=self.n_dims_, dtype=np.float32)
            self._set_data(X)
        if not hasattr(self, "_data"):
            raise InputError(f"This {self._kind} has no training data (it was loaded from a file): pass X.")
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

    def _set_data(self, X: np.ndarray) -> None:
        """Keep the training points X (D, d) in a variable of shape (None, d), so that the
        shared training loop sees one type of input whatever D is (no retracing)."""
        if hasattr(self, "_data"):
            self._data.assign(X)
        else:
            self._data = tf.Variable(X, shape=tf.TensorShape([None, self.n_dims_]), trainable=False)

    def _train_steps(self, data: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        """Take ``n`` training steps on ``data`` (D, d) with the shared compiled loop; the chunk's mean loss."""
        return self._training_loop()(data, n, *self._training_inputs())

    def _train_graph(self, data: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        """``_train_steps`` traced into the caller's own compiled function (the DDE generator's)."""
        return self._training_loop().python_function(data, n, *self._training_inputs())

    def _training_loop(self) -> tf.types.experimental.PolymorphicFunction:
        return _shared(
            ("train", self._architecture(), int(self.batch_size)),
            lambda: _make_train_steps(self._template(), self._score_graph, int(self.batch_size)),
        )

    def _training_inputs(self) -> tuple:
        """This model's part of the shared loop's arguments: its weights, their averages, Adam's
        moments, [σ, ema, peak learning rate, decay steps] and the seed of its draws."""
        settings = tf.constant([self.sigma_, self.ema, self.learning_rate, self.steps], tf.float32)
        seed = tf.constant([self.seed, 0], tf.int64)
        return _variables(self.network_), _variables(self.average_), self._adam, settings, seed

    def _training_state(self) -> list[tf.Variable]:
        """Every variable training changes (to save and restore it)."""
        return [
            *_variables(self.network_),
            *_variables(self.average_),
            *self._adam.first,
            *self._adam.second,
            self._adam.iterations,
        ]

    @property
    def n_steps_(self) -> int:
        """Training steps taken so far."""
        self._check_fitted()
        return int(self._adam.iterations.numpy())

    # -- evaluation --------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "average_"):
            raise InputError(f"This {self._kind} is not fitted yet: call fit(X) first.")

    def _inputs(self, Y: np.ndarray) -> tf.Tensor:
        self._check_fitted()
        Y = check_points(Y, "Y", dim=self.n_dims_, min_points=0, dtype=np.float32)
        return tf.constant(Y)

    def _evaluate(
        self, function: NetworkFunction, Y: np.ndarray, batch_size: int, jit_compile: bool = False
    ) -> np.ndarray:
        """``function(average_, y)`` on the rows of Y (m, d) in batches, as float64 (m, ...).

        Compiled once per architecture and function and shared by every model of it (the
        module docstring says why): the averaged weights are the compiled function's input.
        """
        inputs = self._inputs(Y)  # refuses an unfitted model first
        compiled = _shared(
            ("evaluate", self._architecture(), function, jit_compile),
            lambda: _compiled_evaluation(function, self._template(), jit_compile),
        )
        weights = _variables(self.average_)
        return _in_batches(lambda y: compiled(weights, y), inputs, batch_size)

    # -- persistence (what a subclass's save / load share) ---------------------------------
    def _save_network(self, path: str | Path, metadata: dict) -> Path:
        """Write the averaged network with ``metadata`` (JSON-friendly) to a ``.keras`` file."""
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".keras":
            raise InputError(f"Model files end in .keras, got {path.name!r}.")
        self.average_.metadata = metadata
        self.average_.save(path)
        return path

    @staticmethod
    def _read_network(path: str | Path, network_class: type, what: str) -> tuple[keras.Model, dict]:
        """The network in a ``.keras`` file written by ``_save_network`` and its saved parameters
        (``hidden`` as a tuple); refuses a missing file, a bad one, or another kind of network."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"No model file at {str(path)!r}.")
        try:
            network = keras.models.load_model(path)
        except Exception as error:  # Keras raises many types for a bad file
            raise InputError(f"{path.name!r} is not a {what} file: {error}") from None
        if not isinstance(network, network_class):
            raise InputError(f"{path.name!r} holds a Keras model, but not a {what}.")
        params = dict(network.metadata["params"])
        params["hidden"] = tuple(params["hidden"])
        return network, params

    def _start_from(self, network: keras.Model) -> Self:
        """Set up for ``network``'s dimension with its weights as both the trained and the averaged ones."""
        self._initialise(network.n_dims)
        self.network_.set_weights(network.get_weights())
        self.average_.set_weights(network.get_weights())
        return self

    def denoise(self, Y: np.ndarray) -> np.ndarray:
        """Tweedie's estimate of the clean point, y + σ² s(y), shape (m, d), for Y (m, d)."""
        self._check_fitted()
        return check_points(Y, "Y", dim=self.n_dims_, min_points=0) + self.sigma_**2 * self.score(Y)

    def denoising_loss(self, clean: np.ndarray, noisy: np.ndarray) -> float:
        """The training loss mean ||x̃ + σ² s(x̃) − x||² on given pairs, both (m, d), in data units²."""
        self._check_fitted()
        clean = check_points(clean, "clean", dim=self.n_dims_)
        noisy = check_points(noisy, "noisy", dim=self.n_dims_)
        if noisy.shape != clean.shape:
            raise InputError(f"clean and noisy must pair up row by row, got {len(clean)} and {len(noisy)} rows.")
        return denoising_error(self.denoise(noisy), clean)


# -- compiled once per architecture (module docstring) ---------------------------------------
_shared_objects: dict[tuple, object] = {}
_shared_lock = threading.RLock()


def _shared(key: tuple, make: Callable[[], object]):
    """The process's one object for ``key`` (a template network, a compiled function), made on first use."""
    with _shared_lock:
        if key not in _shared_objects:
            _shared_objects[key] = make()
        return _shared_objects[key]


def _compiled_evaluation(function: NetworkFunction, template: keras.Model, jit_compile: bool):
    """``function`` of the network of ``template``'s architecture, compiled with the weights as input."""
    return tf.function(
        lambda weights, y: function(bound_network(template, weights), y), reduce_retracing=True, jit_compile=jit_compile
    )


def tracing_count(model: DenoisingEstimator, kind: str) -> int:
    """How many times the shared compiled functions of ``kind`` ("train" or "evaluate") for
    ``model``'s architecture (and, for training, its batch size) were traced, all together:
    a new model or a new chunk of an architecture seen before should add none."""
    with _shared_lock:
        return sum(
            compiled.experimental_get_tracing_count()
            for key, compiled in _shared_objects.items()
            if key[0] == kind
            and key[1] == model._architecture()
            and (kind != "train" or key[2] == int(model.batch_size))
        )


def _variables(network: keras.Model) -> list[tf.Variable]:
    """The network's trainable weights as TensorFlow variables, in the order of its layers."""
    return [variable.value for variable in network.trainable_variables]


def bound_network(template: keras.Model, weights: list[tf.Variable]) -> Callable[[tf.Tensor], tf.Tensor]:
    """The network of ``template``'s architecture with ``weights`` in place of its own: y (m, d) ↦ output."""
    return lambda y: template.stateless_call(weights, [], y)[0]


ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7


class AdamMoments(NamedTuple):
    """Adam's state for a list of weights: first and second moments and the step count.

    Adam (Kingma & Ba 2015) with Keras's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7: at step t
    (from 1), m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², and
    w ← w − η √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε).  A named tuple of variables, so a
    compiled function taking it is traced by the variables' shapes, not per model.
    """

    first: list[tf.Variable]
    second: list[tf.Variable]
    iterations: tf.Variable

    @classmethod
    def zeros_for(cls, weights: list[tf.Variable]) -> AdamMoments:
        return cls(
            [tf.Variable(tf.zeros_like(w), trainable=False) for w in weights],
            [tf.Variable(tf.zeros_like(w), trainable=False) for w in weights],
            tf.Variable(0, dtype=tf.int64, trainable=False),
        )

    def apply(self, gradients: list[tf.Tensor], weights: list[tf.Variable], rate: tf.Tensor) -> None:
        """One Adam step of ``weights`` along ``gradients`` at learning rate ``rate``; traceable."""
        t = tf.cast(self.iterations + 1, tf.float32)
        alpha = rate * tf.sqrt(1.0 - ADAM_BETA_2**t) / (1.0 - ADAM_BETA_1**t)
        for w, g, m, v in zip(weights, gradients, self.first, self.second, strict=True):
            m.assign_add((g - m) * (1.0 - ADAM_BETA_1))
            v.assign_add((g * g - v) * (1.0 - ADAM_BETA_2))
            w.assign_sub(alpha * m / (tf.sqrt(v) + ADAM_EPSILON))
        self.iterations.assign_add(1)


#: The learning rate's floor at the end of the cosine decay, as a share of the peak.
COSINE_FLOOR = 0.02


def cosine_rate(peak: tf.Tensor, decay_steps: tf.Tensor, step: tf.Tensor) -> tf.Tensor:
    """η(t) = peak · (a + (1 − a) · ½ (1 + cos(π min(t, T) / T))), a = ``COSINE_FLOOR``, T = decay_steps."""
    progress = tf.minimum(tf.cast(step, tf.float32), decay_steps) / decay_steps
    return peak * (COSINE_FLOOR + (1.0 - COSINE_FLOOR) * 0.5 * (1.0 + tf.cos(math.pi * progress)))


def _make_train_steps(
    template: keras.Model, score: NetworkFunction, batch_size: int
) -> tf.types.experimental.PolymorphicFunction:
    """Build the compiled loop ``train_steps(data, n, weights, averages, adam, settings, seed)``.

    Each step draws ``batch_size`` clean rows of data (D, d) with replacement, one noise
    draw each, and takes an Adam step on the denoising loss of ``score`` for the network
    ``template`` with ``weights``; then ``averages`` move towards ``weights`` with decay
    ``ema``.  ``settings`` is [σ, ema, peak learning rate, decay steps]; the draws of step
    t come from ``seed`` folded with t, so a model's training is the same in any chunks.
    Returns the mean loss.  Traced once per template and batch size: everything that
    differs between models is an argument.
    """

    def one_step(data, weights, averages, adam, seed, sigma, ema, peak_rate, decay_steps):
        step_seed = tf.random.experimental.stateless_fold_in(seed, adam.iterations)
        pick_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(step_seed, 2))
        picks = tf.random.stateless_uniform([batch_size], pick_seed, 0, tf.shape(data)[0], dtype=tf.int32)
        clean = tf.gather(data, picks)
        noisy = clean + sigma * tf.random.stateless_normal(tf.shape(clean), noise_seed)
        network = bound_network(template, weights)
        with tf.GradientTape() as tape:
            residual = noisy + sigma**2 * score(network, noisy) - clean
            loss = tf.reduce_mean(tf.reduce_sum(residual**2, axis=1))
        gradients = tape.gradient(loss, weights)
        adam.apply(gradients, weights, cosine_rate(peak_rate, decay_steps, adam.iterations))
        for avg, w in zip(averages, weights, strict=True):
            avg.assign(ema * avg + (1.0 - ema) * w)
        return loss

    @tf.function
    def train_steps(data, n, weights, averages, adam, settings, seed):
        sigma, ema, peak_rate, decay_steps = tf.unstack(settings)
        total = tf.constant(0.0)
        for _ in tf.range(n):
            total += one_step(data, weights, averages, adam, seed, sigma, ema, peak_rate, decay_steps)
        return total / tf.cast(tf.maximum(n, 1), tf.float32)

    return train_steps


def _network_output(network: keras.Model, y: tf.Tensor) -> tf.Tensor:
    """The network's own output at y (m, d): f(y) (m,) or s(y) (m, d); traceable."""
    return network(y)


def _score_jacobian(score: NetworkFunction, network: keras.Model, y: tf.Tensor) -> tf.Tensor:
    """∂s_i/∂y_j of a score graph at y (m, d), shape (m, d, d); traceable."""
    with tf.GradientTape() as tape:
        tape.watch(y)
        s = score(network, y)
    return tape.batch_jacobian(s, y)


def _in_batches(function: Callable[[tf.Tensor], tf.Tensor], Y: tf.Tensor, batch_size: int) -> np.ndarray:
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
