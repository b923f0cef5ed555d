"""A generator g_θ: z ~ N(0, I_k) ↦ x ∈ R^d trained by pushing its samples: what the DDE
generator and the GAN share.

Both methods train g with the pathwise gradient of a per-sample loss ℓ(x) at x = g(z):

    ∇_θ E_z ℓ(g_θ(z)) = −E_z J_θ g(z)ᵀ push(g(z)),     push(x) = −∇_x ℓ(x),

so each generator step moves every generated point along its *push*, through the weights
(the surrogate loss −mean_z ⟨g_θ(z), push⟩ with the push held fixed has exactly this
gradient). The DDE generator has ℓ = f_gen − f_data (push = ∇f_data − ∇f_gen); the GAN's
non-saturating loss is ℓ = −log D (push = ∇ log D). What differs is the *critic* that gives ℓ
and how it is trained between generator steps (``_critic_graph``): the sample DDE on fresh
generator samples, or the discriminator on data against generated points.

Random numbers: the generator's initial weights come from ``seed`` (layer i from seed + i),
and its latent draws from a stream of its own, used by generator steps only; critic steps
draw from a second stream. So two models with the same seed, latent size and generator
layers, trained for the same number of generator steps, start from the same generator and
see the same latent draws z in their generator steps, whatever their critics do.

Divergence: after every chunk of steps the losses must be finite and generated points must
stay within ``ESCAPE_FACTOR`` times the data's radius of its centre; otherwise every variable
(weights, optimiser moments, random streams) is put back as it was before the chunk and a
``DivergenceError`` (an ``InputError``) says what happened and what to lower.
"""

from __future__ import annotations

import inspect
import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import keras
import numpy as np
import tensorflow as tf

from ..activations import ACTIVATIONS
from ..denoising import _in_batches
from ..errors import InputError
from ..grid import Grid
from ..training import run_in_chunks
from ..validation import check_points, check_positive_float, check_positive_int

__all__ = ["DivergenceError", "GenerationHistory", "GenerationProgress", "GenerativeModel", "mlp", "evaluate_network"]

ESCAPE_FACTOR = 10.0  # generated points farther than this × the data's radius have escaped
PROBE_POINTS = 1024  # generated points checked for divergence after every chunk
FIT_CHUNK = 100  # generator steps between progress reports of ``fit``
_FILE_FORMAT = "dde_core.generation/1"

# progress(phase, steps done, steps asked for); phase "data DDE" or "generator"
GenerationProgress = Callable[[str, int, int], None]


class DivergenceError(InputError):
    """Training diverged (NaN, or generated points escaping); the model kept its last good state."""


@dataclass
class GenerationHistory:
    """One entry per training chunk: the generator and critic steps taken so far at its end,
    which part was trained, its mean losses (NaN for a part not trained), and wall seconds.

    generator_loss is the mean per-sample loss ℓ(g(z)) of the chunk's generator steps: for the
    DDE generator f_gen − f_data, an estimate of KL(q_σ ‖ p_σ) up to a constant; for the GAN
    −log D. critic_loss is the sample DDE's denoising loss or the discriminator's cross-entropy.
    (With exact KDEs in place of the DDEs, generator_loss is that of the chunk's last step and
    critic_loss is 0: nothing is trained.)
    """

    steps: list[int] = field(default_factory=list)
    critic_steps: list[int] = field(default_factory=list)
    part: list[str] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    critic_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, steps: int, critic_steps: int, part: str, losses: tuple[float, float], seconds: float) -> None:
        """Record a chunk ending at ``steps`` generator and ``critic_steps`` critic steps."""
        self.steps.append(steps)
        self.critic_steps.append(critic_steps)
        self.part.append(part)
        self.critic_loss.append(losses[0])
        self.generator_loss.append(losses[1])
        self.seconds += seconds

    def to_dict(self) -> dict:
        return asdict(self)


def mlp(n_inputs: int, hidden: tuple[int, ...], n_outputs: int, activation: str, seed: int) -> keras.Sequential:
    """A multilayer perceptron R^n_inputs → R^n_outputs with a linear output layer.

    Layer i's weights are drawn He-normal with seed + i, so the same arguments give the same
    network. ``hidden=()`` gives an affine map.
    """
    widths = (*hidden, n_outputs)
    layers = [
        keras.layers.Dense(
            width,
            activation=activation if i < len(hidden) else None,
            kernel_initializer=keras.initializers.HeNormal(seed=seed + i),
        )
        for i, width in enumerate(widths)
    ]
    network = keras.Sequential([keras.Input((n_inputs,)), *layers])
    network.n_dims = n_inputs  # what ``_in_batches`` and the DDE's helpers read
    return network


class GenerativeModel(ABC):
    """A generator g: R^k → R^d and a critic that tells it where to push its samples.

    Subclasses store their constructor's parameters as given (scikit-learn style) and say
    what the critic is: ``critic_part`` (its name in ``partial_fit(part=...)``),
    ``critic_label`` (what ``critic_map`` shows), ``_build_critic``, ``_critic_graph`` (n
    critic steps, traceable), ``_point_loss_graph`` (ℓ(x), traceable), ``_critic_networks``
    and ``_critic_state``. Every parameter named below must be an attribute of the subclass.

    Common parameters: latent_dim (k), hidden and activation (the generator's layers),
    learning_rate (the generator's Adam step), batch_size (points per step), steps (generator
    steps of a default ``fit``), seed.

    Fitted attributes: ``n_dims_``, ``generator_`` (the network), ``history_``,
    ``data_centre_`` (d,) and ``escape_radius_`` (data units), ``n_steps_`` and
    ``n_critic_steps_``.
    """

    _kind: ClassVar[str] = "generative model"
    critic_part: ClassVar[str] = "critic"
    critic_label: ClassVar[str] = "critic"
    _unsaved_params: ClassVar[tuple[str, ...]] = ()  # parameters a file does not record

    # -- parameters --------------------------------------------------------------------
    def get_params(self) -> dict:
        """The constructor's parameters, as given (tuples of widths as lists)."""
        names = [name for name in inspect.signature(type(self).__init__).parameters if name != "self"]
        return {name: _jsonable(getattr(self, name)) for name in names}

    @property
    def parts(self) -> tuple[str, str, str]:
        """What ``partial_fit(part=...)`` can train: both, the critic alone, the generator alone."""
        return ("both", self.critic_part, "generator")

    @property
    @abstractmethod
    def critic_steps_per_step(self) -> int:
        """Critic steps before each generator step (the sample DDE's or the discriminator's)."""

    def _check_params(self) -> None:
        check_positive_int(self.latent_dim, "latent_dim")
        _check_widths(self.hidden, "hidden", allow_empty=True)
        if self.activation not in ACTIVATIONS:
            raise InputError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}.")
        check_positive_float(self.learning_rate, "learning_rate")
        check_positive_int(self.batch_size, "batch_size", minimum=2)
        check_positive_int(self.steps, "steps")
        check_positive_int(self.seed, "seed", minimum=0)
        self._check_critic_params()

    @abstractmethod
    def _check_critic_params(self) -> None:
        """Raise InputError for a bad critic setting."""

    # -- what a subclass provides ------------------------------------------------------
    @abstractmethod
    def _build_critic(self, X: np.ndarray | None, progress: GenerationProgress | None, saved: dict | None) -> None:
        """Create the critic for points of ``n_dims_`` coordinates: from the data X (D, d)
        (with progress reports if it trains anything first), or, when loading, from the saved
        configuration ``saved`` (X is None; the weights are set afterwards)."""

    @abstractmethod
    def _critic_graph(self, data: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        """Take n critic steps (traceable); returns their mean loss."""

    @abstractmethod
    def _point_loss_graph(self, x: tf.Tensor) -> tf.Tensor:
        """The generator's per-sample loss ℓ(x), (m,), at points x (m, d) (traceable)."""

    @abstractmethod
    def _critic_networks(self) -> dict[str, keras.Model]:
        """The critic's networks by name, as saved (the generator is saved apart)."""

    @abstractmethod
    def _critic_state(self) -> list[tf.Variable]:
        """Every variable the critic's training changes (weights, optimiser, random streams)."""

    @abstractmethod
    def critic_values(self, X: np.ndarray) -> np.ndarray:
        """What the critic says at points X (m, d), shape (m,): see ``critic_label``."""

    def critic_map(self, grid: Grid) -> np.ndarray:
        """``critic_values`` on a 2-D grid's cells, (n, n) (rows along y)."""
        return grid.reshape(self.critic_values(grid.points))

    # -- set-up ------------------------------------------------------------------------
    def _initialise(self, n_dims: int, data_centre: np.ndarray, escape_radius: float) -> None:
        self.n_dims_ = n_dims
        self.data_centre_ = np.asarray(data_centre, np.float64)
        self.escape_radius_ = float(escape_radius)
        self.generator_ = mlp(self.latent_dim, tuple(self.hidden), n_dims, self.activation, self.seed)
        self.generator_optimizer_ = _adam(self.learning_rate, self.generator_.trainable_variables)
        self._latent_rng, self._critic_rng = tf.random.Generator.from_seed(self.seed).split(2)
        self._probe = tf.constant(np.random.default_rng(self.seed).standard_normal((PROBE_POINTS, self.latent_dim)))
        self.history_ = GenerationHistory()
        self._generator_steps = 0
        self._critic_steps_taken = 0

    def _start(self, X: np.ndarray, progress: GenerationProgress | None) -> None:
        """Check the parameters and X (D, d), then build the generator and the critic."""
        self._check_params()
        X = check_points(X, "X", min_points=2, dtype=np.float32)
        centre = X.mean(axis=0, dtype=np.float64)
        radius = float(np.sqrt(((X - centre) ** 2).sum(axis=1)).max())
        self._initialise(X.shape[1], centre, ESCAPE_FACTOR * max(radius, 1e-6))
        self._build_critic(X, progress, None)
        self._data = tf.constant(X)
        self._compile()

    def _compile(self) -> None:
        """The compiled training loop and push of this model (traced once each)."""
        self._train = self._compile_training()
        self._push_function = tf.function(lambda x: self._push_and_loss(x)[0], reduce_retracing=True)
        self._apply_push_function = tf.function(self._apply_push, reduce_retracing=True)
        self._traced = False

    # -- training ----------------------------------------------------------------------
    def fit(self, X: np.ndarray, steps: int | None = None, progress: GenerationProgress | None = None) -> Self:
        """Start afresh on X (D, d) and take ``steps`` generator steps (default ``self.steps``),
        each after ``critic_steps_per_step`` critic steps. ``progress(phase, done, total)`` is
        called after every chunk of steps. Returns self."""
        steps = self.steps if steps is None else check_positive_int(steps, "steps")
        self.prepare(X, progress)

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress("generator", done, total)

        run_in_chunks(lambda n: self.partial_fit(steps=n), steps, FIT_CHUNK, report)
        return self

    def prepare(self, X: np.ndarray, progress: GenerationProgress | None = None) -> Self:
        """Start afresh on X (D, d) without a training step: check the parameters and X and
        build the untrained generator and its critic (a DDE generator without ``data_model``
        trains its data DDE here, with ``progress``). ``sample``, ``push`` and ``critic_map``
        then show the starting point; ``partial_fit(steps=...)`` continues. Returns self."""
        self._start(X, progress)
        return self

    def partial_fit(self, X: np.ndarray | None = None, steps: int = 100, part: str = "both") -> Self:
        """Continue training for ``steps`` steps of ``part`` (on new data X (D, d) if given).

        part "both": ``steps`` generator steps, each after ``critic_steps_per_step`` critic
        steps; ``critic_part`` ("sample_dde" or "discriminator"): ``steps`` critic steps with
        the generator held fixed; "generator": ``steps`` generator steps with the critic held
        fixed. The first call on an unfitted model starts it (X required). Raises
        ``DivergenceError`` (the model then keeps its state from before the call) if the
        losses become NaN or generated points escape.
        """
        steps = check_positive_int(steps, "steps")
        if part not in self.parts:
            raise InputError(f"part must be one of {', '.join(self.parts)}, got {part!r}.")
        if not hasattr(self, "generator_"):
            if X is None:
                raise InputError(f"This {self._kind} has no data yet: call fit(X) or partial_fit(X, steps).")
            self._start(X, None)
        elif X is not None:
            self._data = tf.constant(check_points(X, "X", min_points=2, dim=self.n_dims_, dtype=np.float32))
        if not hasattr(self, "_data"):
            raise InputError(f"This {self._kind} was loaded from a file and has no data: pass X.")
        critic_steps, update_generator = {
            "both": (self.critic_steps_per_step, True),
            self.critic_part: (1, False),
            "generator": (0, True),
        }[part]
        if not self._traced:  # warm-up: trace and optimise the graph, zero steps (untimed)
            self._run(0, critic_steps, update_generator)
            self._traced = True
        saved = [variable.numpy() for variable in self._state()]
        start = time.perf_counter()
        losses = self._run(steps, critic_steps, update_generator)
        seconds = time.perf_counter() - start
        self._check_diverged(saved, losses, critic_steps > 0, update_generator)
        self._generator_steps += steps if update_generator else 0
        self._critic_steps_taken += steps * critic_steps
        shown = (losses[0] if critic_steps else math.nan, losses[1] if update_generator else math.nan)
        self.history_.add(self._generator_steps, self._critic_steps_taken, part, shown, seconds)
        return self

    def _run(self, n: int, critic_steps: int, update_generator: bool) -> tuple[float, float]:
        """n rounds of (critic_steps critic steps, then a generator step if asked); mean losses."""
        critic_loss, generator_loss = self._train(
            self._data, tf.constant(n, tf.int32), tf.constant(critic_steps, tf.int32), tf.constant(update_generator)
        )
        return float(critic_loss), float(generator_loss)

    def _compile_training(self) -> Callable:
        """The compiled loop ``train(data, n, critic_steps, update_generator) -> mean losses``."""
        data_spec = tf.TensorSpec([None, self.n_dims_], tf.float32)
        count, flag = tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.bool)

        @tf.function(input_signature=[data_spec, count, count, flag])
        def train(data, n, critic_steps, update_generator):
            critic_total, generator_total = tf.constant(0.0), tf.constant(0.0)
            for _ in tf.range(n):
                if critic_steps > 0:
                    critic_total += self._critic_graph(data, critic_steps)
                if update_generator:
                    generator_total += self._generator_graph()
            rounds = tf.cast(tf.maximum(n, 1), tf.float32)
            return critic_total / rounds, generator_total / rounds

        return train

    def _generator_graph(self) -> tf.Tensor:
        """One generator step on fresh latent draws; returns the mean per-sample loss."""
        z = self._latent_rng.normal([self.batch_size, self.latent_dim])
        push, loss = self._push_and_loss(self.generator_(z))
        self._apply_push(z, push)
        return loss

    def _push_and_loss(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """push(x) = −∇_x ℓ(x), (m, d), and the mean of ℓ(x) over the m points."""
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = self._point_loss_graph(x)
        return -tape.gradient(loss, x), tf.reduce_mean(loss)

    def _apply_push(self, z: tf.Tensor, push: tf.Tensor) -> None:
        """One Adam step of the generator on −mean_z ⟨g(z), push⟩, push (m, d) held fixed."""
        weights = self.generator_.trainable_variables
        with tf.GradientTape() as tape:
            surrogate = -tf.reduce_mean(tf.reduce_sum(self.generator_(z) * push, axis=1))
        self.generator_optimizer_.apply(tape.gradient(surrogate, weights), weights)

    # -- divergence --------------------------------------------------------------------
    def _state(self) -> list[tf.Variable]:
        """Every variable training changes: the generator's, its optimiser's, the critic's."""
        return [
            *self.generator_.weights,
            *self.generator_optimizer_.variables,
            self._latent_rng.state,
            self._critic_rng.state,
            *self._critic_state(),
        ]

    def _check_diverged(self, saved: list[np.ndarray], losses: tuple[float, float], critic: bool, generator: bool):
        """Raise DivergenceError, with the state restored to ``saved``, if training diverged."""
        probe = self.generator_(self._probe).numpy()
        distance = np.sqrt(((probe - self.data_centre_) ** 2).sum(axis=1))
        problem = None
        if (critic and not math.isfinite(losses[0])) or (generator and not math.isfinite(losses[1])):
            problem = "the loss became NaN or infinite"
        elif not np.isfinite(probe).all():
            problem = "the generator's output became NaN or infinite"
        elif (distance > self.escape_radius_).any():
            problem = (
                f"{int((distance > self.escape_radius_).sum())} of {PROBE_POINTS} generated points lie more than "
                f"{self.escape_radius_:.3g} from the data's centre ({ESCAPE_FACTOR:g}× the data's radius)"
            )
        if problem is None:
            return
        for variable, value in zip(self._state(), saved, strict=True):
            variable.assign(value)
        raise DivergenceError(
            f"Training diverged after generator step {self._generator_steps}: {problem}. The model is back to "
            f"its state before these steps. Lower the generator's learning rate (now {self.learning_rate:g})"
            f"{self._divergence_hint()}, then continue or start again."
        )

    def _divergence_hint(self) -> str:
        """More to suggest after "Lower the generator's learning rate" (subclasses)."""
        return ""

    # -- results -----------------------------------------------------------------------
    @property
    def n_steps_(self) -> int:
        """Generator steps taken so far."""
        self._check_fitted()
        return self._generator_steps

    @property
    def n_critic_steps_(self) -> int:
        """Critic steps (sample DDE or discriminator) taken so far."""
        self._check_fitted()
        return self._critic_steps_taken

    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise InputError(f"This {self._kind} is not fitted yet: call fit(X) first.")

    def latent(self, n: int, seed: int | None = None) -> np.ndarray:
        """Latent draws z ~ N(0, I_k), (n, k) float32: the same for the same seed (None: ``self.seed``)."""
        n = check_positive_int(n, "n")
        seed = self.seed if seed is None else check_positive_int(seed, "seed", minimum=0)
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n generated points g(z), (n, d) in data units.

        The latent draws depend on ``seed`` only (None: the model's own ``seed``), not on
        the training so far: sampling again after more steps shows where the same latent
        points have moved.
        """
        self._check_fitted()
        return self.generate(self.latent(n, seed))

    def generate(self, Z: np.ndarray) -> np.ndarray:
        """g(z) for latent points Z (n, k), shape (n, d), data units."""
        self._check_fitted()
        Z = check_points(Z, "Z", dim=self.latent_dim, min_points=0, dtype=np.float32)
        return evaluate_network(self.generator_, Z)

    def push(self, X: np.ndarray) -> np.ndarray:
        """The push −∇_x ℓ(x) on points X (m, d), shape (m, d), 1 / data units: the direction in
        which a generator step moves a generated point at x (DDE generator: ∇f_data − ∇f_gen;
        GAN: ∇ log D)."""
        self._check_fitted()
        X = check_points(X, "X", dim=self.n_dims_, min_points=0, dtype=np.float32)
        return _in_batches(self._push_function, tf.constant(X), 65536)

    # -- persistence -------------------------------------------------------------------
    def _config(self) -> dict:
        """What a saved file records besides the weights (JSON-friendly)."""
        return {
            "format": _FILE_FORMAT,
            "kind": type(self).__name__,
            "params": {k: v for k, v in self.get_params().items() if k not in self._unsaved_params},
            "n_dims": self.n_dims_,
            "data_centre": self.data_centre_.tolist(),
            "escape_radius": self.escape_radius_,
            "steps_taken": [self._generator_steps, self._critic_steps_taken],
            "history": self.history_.to_dict(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the generator, the critic and the settings to one ``.npz`` file.

        The optimisers' moments are not saved: a loaded model samples and evaluates as
        saved and continues training (given X) with fresh Adam moments.
        """
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".npz":
            raise InputError(f"Generator files end in .npz, got {path.name!r}.")
        arrays = {"config": np.array(json.dumps(self._config()))}
        for name, network in {"generator": self.generator_, **self._critic_networks()}.items():
            arrays.update({f"{name}/{i}": weight for i, weight in enumerate(network.get_weights())})
        with path.open("wb") as handle:
            np.savez(handle, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a model written by ``save`` of the same class."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"No generator file at {str(path)!r}.")
        try:
            with np.load(path, allow_pickle=False) as file:
                arrays = dict(file)
            config = json.loads(str(arrays.pop("config")))
        except (OSError, ValueError, KeyError) as error:
            raise InputError(f"{path.name!r} is not a generator file: {error}") from None
        if config.get("format") != _FILE_FORMAT or config.get("kind") != cls.__name__:
            raise InputError(f"{path.name!r} holds a {config.get('kind', 'different')} file, not a {cls.__name__}.")
        model = cls(**_from_json_params(config["params"]))
        model._restore(config, arrays)
        return model

    def _restore(self, config: dict, arrays: dict[str, np.ndarray]) -> None:
        """Rebuild the networks of a saved model and set their weights."""
        self._initialise(config["n_dims"], np.array(config["data_centre"]), config["escape_radius"])
        self._build_critic(None, None, config)
        for name, network in {"generator": self.generator_, **self._critic_networks()}.items():
            network.set_weights([arrays[f"{name}/{i}"] for i in range(len(network.weights))])
        self._generator_steps, self._critic_steps_taken = config["steps_taken"]
        self.history_ = GenerationHistory(**config["history"])
        self._compile()


def evaluate_network(network: keras.Model, X: np.ndarray) -> np.ndarray:
    """network(X) for X (m, n_inputs), float64 (m, n_outputs), in batches, run eagerly: for
    these small networks that is as fast as a compiled call and needs no compiling per model."""
    return _in_batches(network, tf.constant(X, tf.float32), 65536)


def _adam(learning_rate: float, weights: list[tf.Variable]) -> keras.optimizers.Adam:
    """Adam with β₁ = 0.5 (the usual choice for generators and discriminators), built for ``weights``."""
    optimizer = keras.optimizers.Adam(learning_rate=float(learning_rate), beta_1=0.5)
    optimizer.build(weights)
    return optimizer


def _check_widths(widths: Any, name: str, allow_empty: bool = False) -> None:
    if not isinstance(widths, (tuple, list)) or (not widths and not allow_empty):
        raise InputError(f"{name} must be a list of layer widths such as (64, 64, 64), got {widths!r}.")
    for width in widths:
        check_positive_int(width, f"each {name} layer width")


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json_params(params: dict) -> dict:
    """Saved parameters back to constructor arguments (lists of widths as tuples)."""
    return {name: tuple(value) if isinstance(value, list) else value for name, value in params.items()}
