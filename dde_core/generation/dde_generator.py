"""A generator trained with two DDEs (Bigdeli et al. 2020; docs/science.md §1).

A generator g_θ maps z ~ N(0, I_k) to x ∈ R^d; q is the density of its samples. Two DDEs at
the same σ estimate the smoothed densities: f_data ≈ log p_σ (trained once on the data) and
f_gen ≈ log q_σ (the *sample DDE*, trained continually on fresh generator samples,
``dde_steps`` denoising steps before each generator step). The generator minimises

    KL(q_σ ‖ p_σ) ≈ E_z [ f_gen(g(z)) − f_data(g(z)) ]          (up to a constant),

with both DDEs held fixed in its step, so every generated point is pushed along

    push(x) = ∇f_data(x) − ∇f_gen(x)

towards the data and away from where the generator already puts too much mass. With exact
KDEs in place of both DDEs (``densities="kde"``: the data's KDE at σ and, before every
generator step, the KDE of a fresh batch of generator samples) the push is
∇log KDE_data − ∇log KDE_gen exactly (``push_between``): the limit of perfectly trained DDEs.

Defaults (``dde_core.generation.defaults``), measured on 2 shared CPU cores (indicative):
see that module's docstring for the figures behind each choice.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Protocol

import keras
import numpy as np
import tensorflow as tf

from ..errors import InputError
from ..grid import Grid
from ..kde import GaussianKDE
from ..model import DDE
from ..normalization import log_z_grid
from ..training import train_in_chunks
from ..validation import check_points, check_positive_float, check_positive_int, check_sigma
from .base import GenerationProgress, GenerativeModel, _check_widths
from .defaults import DDE_GENERATOR as DEFAULTS

__all__ = ["DDEGenerator", "push_between", "DENSITIES"]

DENSITIES = ("dde", "kde")
# The sample DDE keeps learning a moving target, so its learning rate must not decay: a cosine
# decay over this many steps stays at its peak for any run one can make.
_NO_DECAY_STEPS = 10**12


class ScoreDensity(Protocol):
    def score(self, Y: np.ndarray) -> np.ndarray: ...


def push_between(data_density: ScoreDensity, sample_density: ScoreDensity, X: np.ndarray) -> np.ndarray:
    """∇log p_data(x) − ∇log q(x) at the rows of X (m, d), shape (m, d), 1 / data units.

    The direction a generator step moves a generated point at x when it minimises
    KL(q ‖ p_data): any two objects with ``score`` (two DDEs, two exact KDEs).
    """
    return np.asarray(data_density.score(X), np.float64) - np.asarray(sample_density.score(X), np.float64)


class DDEGenerator(GenerativeModel):
    """A generator trained by two DDEs at noise level σ (scikit-learn style).

    Parameters (stored as given, checked by ``fit``):
        sigma: σ of both DDEs, data units.
        latent_dim, hidden, activation, learning_rate, batch_size, steps, seed: the generator
            (see ``GenerativeModel``); the same values give the same generator as ``GAN``.
        dde_hidden: layers of both DDEs (the data DDE's when trained here).
        dde_learning_rate: Adam step of the sample DDE (constant).
        dde_steps: sample-DDE steps before each generator step.
        dde_ema: weight averaging of the sample DDE (0: the generator sees its latest weights).
        data_steps: training steps of the data DDE when none is given.
        densities: "dde", or "kde" for exact KDEs in place of both DDEs (slow; tests, teaching).
        data_model: a fitted DDE at the same σ to use as f_data (e.g. the Playground's), or
            None to train one first; with densities="kde", anything with ``score`` and
            ``log_density`` (None: the exact KDE of the data).

    Fitted attributes, besides the generator's: ``sigma_``, ``data_model_`` (f_data) and
    ``sample_model_`` (f_gen: a DDE, or the exact KDE of the last fresh batch).
    """

    _kind = "DDE generator"
    critic_part = "sample_dde"
    critic_label = "sample DDE density q_σ(x)"
    _unsaved_params: ClassVar[tuple[str, ...]] = ("data_model",)

    def __init__(
        self,
        sigma: float = DEFAULTS.sigma,
        latent_dim: int = DEFAULTS.latent_dim,
        hidden: tuple[int, ...] = DEFAULTS.hidden,
        activation: str = DEFAULTS.activation,
        learning_rate: float = DEFAULTS.learning_rate,
        batch_size: int = DEFAULTS.batch_size,
        steps: int = DEFAULTS.steps,
        dde_hidden: tuple[int, ...] = DEFAULTS.critic_hidden,
        dde_learning_rate: float = DEFAULTS.critic_learning_rate,
        dde_steps: int = DEFAULTS.critic_steps,
        dde_ema: float = DEFAULTS.critic_ema,
        data_steps: int = DEFAULTS.data_steps,
        densities: str = "dde",
        data_model: Any = None,
        seed: int = 0,
    ):
        self.sigma = sigma
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.steps = steps
        self.dde_hidden = dde_hidden
        self.dde_learning_rate = dde_learning_rate
        self.dde_steps = dde_steps
        self.dde_ema = dde_ema
        self.data_steps = data_steps
        self.densities = densities
        self.data_model = data_model
        self.seed = seed

    @property
    def critic_steps_per_step(self) -> int:
        return 1 if self.densities == "kde" else int(self.dde_steps)

    def _check_critic_params(self) -> None:
        check_sigma(self.sigma)
        _check_widths(self.dde_hidden, "dde_hidden")
        check_positive_float(self.dde_learning_rate, "dde_learning_rate")
        check_positive_int(self.dde_steps, "dde_steps")
        if not (isinstance(self.dde_ema, (int, float)) and 0.0 <= self.dde_ema < 1.0):
            raise InputError(f"dde_ema must be a number in [0, 1), got {self.dde_ema!r}.")
        check_positive_int(self.data_steps, "data_steps")
        if self.densities not in DENSITIES:
            raise InputError(f"densities must be one of {', '.join(DENSITIES)}, got {self.densities!r}.")

    def _divergence_hint(self) -> str:
        return f" or raise sigma (now {self.sigma:g})"

    # -- the two densities -------------------------------------------------------------
    def _build_critic(self, X: np.ndarray | None, progress: GenerationProgress | None, saved: dict | None) -> None:
        self.sigma_ = check_sigma(self.sigma)
        if self.densities == "kde":
            if X is None:
                raise InputError("A DDE generator with exact KDEs is not saved or loaded: it holds the data.")
            self.data_model_ = self._given_data_model() or GaussianKDE(self.sigma_).fit(X)
            self._refit_sample_kde()
            return
        if X is None:
            self.data_model_ = _untrained_dde(saved["data_model_params"], self.n_dims_)
        else:
            self.data_model_ = self._given_data_model() or self.fit_data_model(X, progress)
        self.sample_model_ = DDE(
            sigma=self.sigma_,
            hidden=tuple(self.dde_hidden),
            learning_rate=self.dde_learning_rate,
            batch_size=self.batch_size,
            steps=_NO_DECAY_STEPS,
            ema=self.dde_ema,
            seed=self.seed + 1,
        )
        self.sample_model_._initialise(self.n_dims_)

    def fit_data_model(self, X: np.ndarray, progress: GenerationProgress | None = None) -> DDE:
        """Train f_data: a DDE at σ with ``dde_hidden`` layers on X (D, d) for ``data_steps``
        steps (the DDE's other defaults); ``progress("data DDE", done, total)`` per chunk."""
        model = self.new_data_model()

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress("data DDE", done, total)

        return train_in_chunks(model, X, self.data_steps, chunk=200, progress=report)

    def new_data_model(self) -> DDE:
        """The untrained f_data that ``fit_data_model`` trains: a DDE at σ with ``dde_hidden``
        layers, a learning-rate schedule of ``data_steps`` steps and this generator's seed
        (for training it elsewhere, e.g. chunk by chunk, then passing it as ``data_model``)."""
        self._check_params()
        return DDE(sigma=check_sigma(self.sigma), hidden=tuple(self.dde_hidden), steps=self.data_steps, seed=self.seed)

    def _given_data_model(self) -> Any:
        """``data_model`` checked against σ and d, or None if none was given."""
        model = self.data_model
        if model is None:
            return None
        if self.densities == "kde":
            if not (hasattr(model, "score") and hasattr(model, "log_density")):
                raise InputError("data_model must have score and log_density methods (a DDE or a GaussianKDE).")
            return model
        if not isinstance(model, DDE) or not hasattr(model, "average_"):
            raise InputError("data_model must be a fitted DDE (or None to train one on X first).")
        if not math.isclose(model.sigma_, self.sigma_, rel_tol=1e-6):
            raise InputError(
                f"The data DDE was trained at sigma = {model.sigma_:g} but this generator uses sigma = "
                f"{self.sigma_:g}: both DDEs must share σ. Use the same σ, or let the generator train its own."
            )
        if model.n_dims_ != self.n_dims_:
            raise InputError(f"The data DDE works in {model.n_dims_} dimensions but X has {self.n_dims_} columns.")
        return model

    def _refit_sample_kde(self) -> None:
        """The exact KDE at σ of a fresh batch of generator samples (densities="kde")."""
        z = self._critic_rng.normal([self.batch_size, self.latent_dim])
        self.sample_model_ = GaussianKDE(self.sigma_).fit(self.generator_(z).numpy())

    # -- the training steps (compiled by GenerativeModel) ------------------------------------
    def _critic_graph(self, data: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        """n sample-DDE denoising steps, each on batch_size of n · batch_size fresh generated points."""
        fake = self.generator_(self._critic_rng.normal([n * self.batch_size, self.latent_dim]))
        # the DDE's own training loop, traced into this graph
        return self.sample_model_._train_graph(fake, n)

    def _point_loss_graph(self, x: tf.Tensor) -> tf.Tensor:
        """ℓ(x) = f_gen(x) − f_data(x), (m,): its mean over generated points estimates KL(q_σ ‖ p_σ) + const."""
        return self.sample_model_.average_(x) - self.data_model_.average_(x)

    def _run(self, n: int, critic_steps: int, update_generator: bool) -> tuple[float, float]:
        if self.densities == "dde":
            return super()._run(n, critic_steps, update_generator)
        loss = math.nan
        for step in range(n):  # exact KDEs: step by step in NumPy (the sample KDE is refitted each time)
            if critic_steps:
                self._refit_sample_kde()
            if update_generator:
                z = self._latent_rng.normal([self.batch_size, self.latent_dim])
                x = self.generator_(z).numpy()
                push = push_between(self.data_model_, self.sample_model_, x)
                self._apply_push_function(z, tf.constant(push, tf.float32))
                if step == n - 1:  # the KL estimate costs two more KDE passes: at the chunk's last step only
                    loss = float(np.mean(self.sample_model_.log_density(x) - self.data_model_.log_density(x)))
        return 0.0, loss

    # -- evaluation --------------------------------------------------------------------
    def push(self, X: np.ndarray) -> np.ndarray:
        """∇f_data − ∇f_gen at the rows of X (m, d), shape (m, d), 1 / data units."""
        if getattr(self, "densities", None) == "kde" and hasattr(self, "sample_model_"):
            return push_between(self.data_model_, self.sample_model_, check_points(X, "X", dim=self.n_dims_))
        return super().push(X)

    def critic_values(self, X: np.ndarray) -> np.ndarray:
        """f_gen(x), the sample DDE's (unnormalised) log-density at X (m, d), shape (m,), nats."""
        self._check_fitted()
        return self.sample_model_.log_density(X)

    def critic_map(self, grid: Grid) -> np.ndarray:
        """The sample DDE's density normalised on the grid, (n, n), probability per unit area."""
        log_f = grid.reshape(self.critic_values(grid.points))
        return np.exp(log_f - log_z_grid(log_f, grid))

    # -- persistence -------------------------------------------------------------------
    def _config(self) -> dict:
        if self.densities == "kde":
            raise InputError("A DDE generator with exact KDEs is not saved: it holds the data. Use densities='dde'.")
        return {**super()._config(), "data_model_params": self.data_model_.get_params()}

    def _critic_networks(self) -> dict[str, keras.Model]:
        return {
            "data_dde": self.data_model_.average_,
            "sample_dde": self.sample_model_.network_,
            "sample_dde_average": self.sample_model_.average_,
        }

    def _restore(self, config: dict, arrays: dict[str, np.ndarray]) -> None:
        super()._restore(config, arrays)
        self.data_model_.network_.set_weights(self.data_model_.average_.get_weights())

    def _critic_state(self) -> list[tf.Variable]:
        if self.densities == "kde":
            return []
        return self.sample_model_._training_state()


def _untrained_dde(params: dict, n_dims: int) -> DDE:
    """A DDE with saved parameters and fresh weights for points of ``n_dims`` coordinates."""
    model = DDE(**{name: tuple(value) if isinstance(value, list) else value for name, value in params.items()})
    model._initialise(n_dims)
    return model
