"""Langevin samplers, batched over chains and compiled, for any target with a score.

One convention throughout (docs/science.md §4): the diffusion dX = ∇log π dt + √2 dW.

- ULA:   x' = x + τ s(x) + √(2τ) ξ
- MALA:  propose as ULA, accept with min(1, π(x')q(x|x') / π(x)q(x'|x)),
         log q(a|b) = −||a − b − τ s(b)||² / (4τ)
- Ozaki: with H = ∇²log π(x) made negative definite (eigenvalues ≤ −λ_min),
         x' = x + (e^{τH} − I) H⁻¹ s(x) + [(e^{2τH} − I) H⁻¹]^{1/2} ξ
         (exact for Gaussians at any τ; becomes ULA as H → 0)
- Annealed Langevin (Song & Ermon 2019): levels σ_1 > … > σ_L, step
         α_i = ε σ_i² / σ_L², T steps per level of x ← x + (α_i/2) s_i(x) + √α_i ξ.

Common random numbers: every draw ξ (and MALA's uniform) comes from a stateless
generator keyed by (seed, step), so two targets run with the same seed and the
same initial points see exactly the same noise; differences come from the model.

Targets expose TensorFlow methods on float64 tensors of shape (n, d):
``log_density`` (up to a constant), ``score`` and ``hessian``.  ``DDETarget``,
``KDETarget`` and ``GaussianTarget`` (exact, for tests) are provided.  Ozaki's
Hessian can come from elsewhere: ``WithHessian(target, source)`` keeps the target's
log π and score and takes ∇² log π from ``source`` (another target, e.g. the exact
KDE, or ``SecondOrderHessian``, a network trained by second-order denoising).

Ozaki stops a chain whose Hessian or step is not finite (the eigen-decomposition
would fail on it): the chain is set to NaN, so the run counts it in ``nonfinite``,
as ULA's chains that blow up are; the other chains go on.

``langevin_iter(..., n_traced=k)`` also records the first k chains at every step
(``SamplerRun.draws``), for autocorrelation times and effective sample sizes
(``dde_core.mcmc_diagnostics``); without it the compiled loops are unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import tensorflow as tf

from .errors import InputError
from .kde import GaussianKDE
from .model import DDE, network_hessian, network_score
from .second_order import SecondOrderNetwork, network_second_order
from .validation import check_points, check_positive_float, check_positive_int

__all__ = [
    "Target",
    "DDETarget",
    "KDETarget",
    "GaussianTarget",
    "SecondOrderHessian",
    "WithHessian",
    "SamplerRun",
    "METHODS",
    "langevin",
    "langevin_iter",
    "annealed_langevin",
]

METHODS = ("ula", "mala", "ozaki")


class Target(Protocol):
    n_dims: int

    def log_density(self, x: tf.Tensor) -> tf.Tensor: ...

    def score(self, x: tf.Tensor) -> tf.Tensor: ...

    def hessian(self, x: tf.Tensor) -> tf.Tensor: ...


# ---- targets ---------------------------------------------------------------------------
class DDETarget:
    """A trained DDE: log π = f (unnormalised), score ∇f, Hessian ∇²f by autodiff."""

    def __init__(self, model: DDE):
        model._check_fitted()
        self.network = model.average_
        self.n_dims = model.n_dims_

    def log_density(self, x):
        return tf.cast(self.network(tf.cast(x, tf.float32)), tf.float64)

    def score(self, x):
        return tf.cast(network_score(self.network, tf.cast(x, tf.float32)), tf.float64)

    def hessian(self, x):
        return tf.cast(network_hessian(self.network, tf.cast(x, tf.float32)), tf.float64)


class KDETarget:
    """The exact Gaussian KDE: closed-form log p, score and Hessian (docs/science.md §2).

    ``train_block`` bounds memory: each step holds chains × train_block weights.
    """

    def __init__(self, kde: GaussianKDE, n_chains: int, block_elements: int = 2**22):
        kde._check_fitted()
        self.kde = kde
        self.n_dims = kde.n_dims_
        self.offset = tf.constant(kde.offset_, tf.float64)
        self.train_block = int(min(kde.n_points_, max(64, block_elements // max(n_chains, 1))))

    def _moments(self, x, order):
        return self.kde.moments_tf(x - self.offset, order, self.train_block)

    def log_density(self, x):
        return self._moments(x, 0)[0] + self.kde.log_normaliser_

    def score(self, x):
        _, mean, _ = self._moments(x, 1)
        return self.kde.score_from_moments(x - self.offset, mean)

    def hessian(self, x):
        _, mean, second = self._moments(x, 2)
        return self.kde.hessian_from_moments(mean, second)


class GaussianTarget:
    """N(mean, cov): exact score −Σ⁻¹(x − μ) and Hessian −Σ⁻¹, for tests and demos."""

    def __init__(self, mean: np.ndarray, cov: np.ndarray):
        self.mean = tf.constant(np.asarray(mean, np.float64))
        self.precision = tf.constant(np.linalg.inv(np.asarray(cov, np.float64)))
        self.n_dims = int(self.mean.shape[0])

    def log_density(self, x):
        centred = x - self.mean
        return -0.5 * tf.reduce_sum(centred * tf.linalg.matvec(self.precision, centred), axis=1)

    def score(self, x):
        return -tf.linalg.matvec(self.precision, x - self.mean)

    def hessian(self, x):
        return tf.broadcast_to(-self.precision, [tf.shape(x)[0], self.n_dims, self.n_dims])


class SecondOrderHessian:
    """A second-order network's h(x) ≈ ∇² log p_σ as an Ozaki Hessian source (``hessian`` only)."""

    def __init__(self, network: SecondOrderNetwork):
        network._check_fitted()
        self.network = network.average_
        self.n_dims = network.n_dims_

    def hessian(self, x):
        return tf.cast(network_second_order(self.network, tf.cast(x, tf.float32)), tf.float64)


class WithHessian:
    """``target``'s log π and score with the Hessian of ``source`` (anything with ``hessian``)."""

    def __init__(self, target: Target, source):
        if getattr(source, "n_dims", target.n_dims) != target.n_dims:
            raise InputError(f"The Hessian source works in {source.n_dims} dimensions, the target in {target.n_dims}.")
        self.target = target
        self.source = source
        self.n_dims = target.n_dims

    def log_density(self, x):
        return self.target.log_density(x)

    def score(self, x):
        return self.target.score(x)

    def hessian(self, x):
        return self.source.hessian(x)


# ---- one step of each method ---------------------------------------------------------------
def _noise(seed, step, shape):
    return tf.random.stateless_normal(shape, seed=tf.stack([seed, step]), dtype=tf.float64)


def _ula_step(target, x, tau, seed, step):
    xi = _noise(seed, step, tf.shape(x))
    return x + tau * target.score(x) + tf.sqrt(2.0 * tau) * xi, tf.ones([tf.shape(x)[0]], tf.float64)


def _mala_step(target, x, tau, seed, step):
    xi = _noise(seed, step, tf.shape(x))
    score_x = target.score(x)
    proposal = x + tau * score_x + tf.sqrt(2.0 * tau) * xi
    score_p = target.score(proposal)

    def log_q(a, b, score_b):  # log q(a | b), up to a constant
        return -tf.reduce_sum((a - b - tau * score_b) ** 2, axis=1) / (4.0 * tau)

    log_ratio = (
        target.log_density(proposal) - target.log_density(x) + log_q(x, proposal, score_p) - log_q(proposal, x, score_x)
    )
    uniform = tf.random.stateless_uniform([tf.shape(x)[0]], seed=tf.stack([seed + 1, step]), dtype=tf.float64)
    accept = tf.math.log(uniform) < log_ratio  # NaN ratios are rejected
    return tf.where(accept[:, None], proposal, x), tf.cast(accept, tf.float64)


def _ozaki_step(target, x, tau, seed, step, min_curvature):
    xi = _noise(seed, step, tf.shape(x))
    hessian = target.hessian(x)
    hessian = 0.5 * (hessian + tf.linalg.matrix_transpose(hessian))
    usable = tf.reduce_all(tf.math.is_finite(hessian), axis=[1, 2])
    # eigh fails on a non-finite matrix: those chains get −I here and are stopped below
    hessian = tf.where(usable[:, None, None], hessian, -tf.eye(tf.shape(x)[1], dtype=hessian.dtype))
    eigenvalues, vectors = tf.linalg.eigh(hessian)
    lam = tf.minimum(eigenvalues, -min_curvature)  # keep H negative definite
    drift_gain = tf.math.expm1(tau * lam) / lam  # (e^{τλ} − 1)/λ → τ as λ → 0
    noise_gain = tf.sqrt(tf.math.expm1(2.0 * tau * lam) / lam)  # → √(2τ)

    def apply(gains, v):  # V diag(gains) Vᵀ v, batched
        rotated = tf.linalg.matvec(vectors, v, transpose_a=True)
        return tf.linalg.matvec(vectors, gains * rotated)

    moved = x + apply(drift_gain, target.score(x)) + apply(noise_gain, xi)
    kept = usable & tf.reduce_all(tf.math.is_finite(moved), axis=1)
    stopped = tf.fill(tf.shape(x), tf.constant(np.nan, x.dtype))
    return tf.where(kept[:, None], moved, stopped), tf.ones([tf.shape(x)[0]], tf.float64)


# ---- runs ---------------------------------------------------------------------------------
@dataclass
class SamplerRun:
    """What a run produced: final points, stored trajectories and diagnostics.

    samples: (n_chains, d) final states.  trajectory: (n_saved, n_tracked, d)
    states of the first ``n_tracked`` chains every ``record_every`` steps
    (including the start).  acceptance: mean MALA acceptance (1 for others).
    escaped / nonfinite: chains that left ``box`` / turned NaN or infinite (including
    the chains Ozaki stopped on a non-finite Hessian or step).
    stopped_early: the run ended (or was stopped) before its planned steps.
    draws: (steps_done + 1, k, d) states of the first k chains at every step (including
    the start) when the run was asked to trace them (``n_traced``), else None.
    """

    samples: np.ndarray
    trajectory: np.ndarray
    steps_done: int
    seconds: float
    acceptance: float
    nonfinite: int
    escaped: int
    stopped_early: bool = False
    details: dict = field(default_factory=dict)
    draws: np.ndarray | None = None

    @property
    def chain_steps_per_second(self) -> float:
        return self.samples.shape[0] * self.steps_done / self.seconds if self.seconds > 0 else float("nan")


def _chunk_runner(target: Target, method: str, min_curvature: float, n_traced: int = 0):
    """Compiled ``run(x, tau, seed, first_step, n) -> (x, acceptance sum[, trace])`` for one target.

    With ``n_traced`` > 0 it also returns the first ``n_traced`` chains after every step,
    (n, n_traced, d).  Made once per target, method, curvature floor and ``n_traced`` and
    kept on the target (so it goes with it): a target used again (see comparison.py) runs
    without tracing anew.
    """
    runners = vars(target).setdefault("_compiled_runners", {})
    key = (method, float(min_curvature)) + ((int(n_traced),) if n_traced else ())
    if key not in runners:
        runners[key] = _compile_runner(target, method, float(min_curvature), int(n_traced))
    return runners[key]


def _compile_runner(target: Target, method: str, min_curvature: float, n_traced: int = 0):
    steps = {
        "ula": _ula_step,
        "mala": _mala_step,
        "ozaki": lambda t, x, tau, seed, step: _ozaki_step(t, x, tau, seed, step, min_curvature),
    }
    one_step = steps[method]

    signature = tf.function(
        input_signature=[
            tf.TensorSpec([None, target.n_dims], tf.float64),
            tf.TensorSpec([], tf.float64),
            tf.TensorSpec([], tf.int64),
            tf.TensorSpec([], tf.int64),
            tf.TensorSpec([], tf.int64),
        ]
    )

    def run(x, tau, seed, first_step, n):
        accepted = tf.zeros([tf.shape(x)[0]], tf.float64)
        for i in tf.range(n):
            x, accept = one_step(target, x, tau, seed, first_step + i)
            accepted += accept
        return x, accepted

    def run_traced(x, tau, seed, first_step, n):  # the same loop, recording the first chains
        accepted = tf.zeros([tf.shape(x)[0]], tf.float64)
        trace = tf.TensorArray(tf.float64, size=tf.cast(n, tf.int32), element_shape=[None, target.n_dims])
        for i in tf.range(n):
            x, accept = one_step(target, x, tau, seed, first_step + i)
            accepted += accept
            trace = trace.write(tf.cast(i, tf.int32), x[:n_traced])
        return x, accepted, trace.stack()

    return signature(run_traced if n_traced else run)


def _check_run_args(target, x0, step_size, n_steps, method=None):
    x0 = check_points(x0, "initial points", dim=target.n_dims)
    tau = check_positive_float(step_size, "step size")
    n_steps = check_positive_int(n_steps, "number of steps")
    if method is not None and method not in METHODS:
        raise InputError(f"Unknown sampler {method!r}; choose one of {', '.join(METHODS)}.")
    return x0, tau, n_steps


def _diagnostics(x: np.ndarray, box: tuple[float, float] | None) -> tuple[int, int]:
    finite = np.isfinite(x).all(axis=1)
    escaped = 0
    if box is not None:
        inside = ((x >= box[0]) & (x <= box[1])).all(axis=1)
        escaped = int(np.sum(finite & ~inside))
    return int(np.sum(~finite)), escaped


def langevin_iter(
    target: Target,
    x0: np.ndarray,
    step_size: float,
    n_steps: int,
    method: str = "ula",
    seed: int = 0,
    record_every: int = 10,
    n_tracked: int = 20,
    box: tuple[float, float] | None = None,
    min_curvature: float = 1e-3,
    n_traced: int = 0,
) -> Iterator[SamplerRun]:
    """Run ``n_steps`` of ``method`` from x0 (n_chains, d) with step size τ = ``step_size``,
    yielding the run so far after every compiled chunk of ``record_every`` steps.

    ``n_traced`` > 0 also records the first ``n_traced`` chains at every step (``draws``).
    A caller that stops iterating keeps the last yielded run: nothing drawn is lost.
    """
    x0, tau, n_steps = _check_run_args(target, x0, step_size, n_steps, method)
    record_every = check_positive_int(record_every, "record_every")
    n_traced = min(check_positive_int(n_traced, "n_traced", minimum=0), len(x0))
    run = _chunk_runner(target, method, float(min_curvature), n_traced)
    x = tf.constant(x0, tf.float64)
    trajectory = [x0[:n_tracked].copy()]
    draws = np.empty((n_steps + 1, n_traced, x0.shape[1])) if n_traced else None
    if n_traced:
        draws[0] = x0[:n_traced]
    accepted, done, seconds = 0.0, 0, 0.0
    while done < n_steps:
        chunk = min(record_every, n_steps - done)
        start = time.perf_counter()
        x, accepts, *trace = run(
            x,
            tf.constant(tau, tf.float64),
            tf.constant(seed, tf.int64),
            tf.constant(done, tf.int64),
            tf.constant(chunk, tf.int64),
        )
        samples = x.numpy()
        seconds += time.perf_counter() - start
        if n_traced:
            draws[done + 1 : done + chunk + 1] = trace[0].numpy()
        accepted += float(tf.reduce_sum(accepts))
        done += chunk
        trajectory.append(samples[:n_tracked].copy())
        nonfinite, escaped = _diagnostics(samples, box)
        yield SamplerRun(
            samples,
            np.stack(trajectory),
            done,
            seconds,
            accepted / (done * len(samples)),
            nonfinite,
            escaped,
            done < n_steps,
            {"method": method, "step_size": tau, "seed": seed},
            draws[: done + 1] if n_traced else None,
        )


def langevin(
    target: Target,
    x0: np.ndarray,
    step_size: float,
    n_steps: int,
    method: str = "ula",
    progress: Callable[[int, int], bool | None] | None = None,
    **options,
) -> SamplerRun:
    """``langevin_iter`` run to the end; ``progress(done, total)`` returning True stops early.

    ``options`` are those of ``langevin_iter`` (seed, record_every, n_tracked, box, min_curvature,
    n_traced).
    The returned run's ``stopped_early`` says whether it ended before ``n_steps``.
    """
    for run in langevin_iter(target, x0, step_size, n_steps, method, **options):
        if progress is not None and progress(run.steps_done, n_steps):
            break
    return run


def annealed_langevin(
    targets: Sequence[Target],
    sigmas: Sequence[float],
    x0: np.ndarray,
    epsilon: float,
    steps_per_level: int,
    seed: int = 0,
    n_tracked: int = 20,
    box: tuple[float, float] | None = None,
    progress: Callable[[int, int], bool | None] | None = None,
) -> SamplerRun:
    """Annealed Langevin over noise levels σ_1 > … > σ_L, one target (model) per level.

    Level i takes ``steps_per_level`` steps of x ← x + (α_i/2) s_i(x) + √α_i ξ with
    α_i = ε σ_i²/σ_L², i.e. ULA with τ = α_i / 2 in this module's convention.
    The trajectory records every level's end.
    """
    sigmas = [check_positive_float(s, "each sigma level") for s in sigmas]
    if len(targets) != len(sigmas) or not targets:
        raise InputError("annealed Langevin needs one target per sigma level, and at least one level.")
    if any(a <= b for a, b in zip(sigmas, sigmas[1:])):
        raise InputError("sigma levels must decrease strictly, largest first.")
    x, epsilon, steps_per_level = _check_run_args(targets[0], x0, epsilon, steps_per_level)
    trajectory, seconds, stopped, total = [x[:n_tracked].copy()], 0.0, False, 0
    n_total = steps_per_level * len(sigmas)
    for level, (target, sigma) in enumerate(zip(targets, sigmas)):
        tau = 0.5 * epsilon * sigma**2 / sigmas[-1] ** 2
        run = langevin(
            target,
            x,
            tau,
            steps_per_level,
            "ula",
            seed=seed + 1000 * level,
            record_every=steps_per_level,
            n_tracked=n_tracked,
        )
        x, seconds, total = run.samples, seconds + run.seconds, total + run.steps_done
        trajectory.append(x[:n_tracked].copy())
        if progress is not None and progress(total, n_total):
            stopped = total < n_total
            break
    nonfinite, escaped = _diagnostics(x, box)
    return SamplerRun(
        x,
        np.stack(trajectory),
        total,
        seconds,
        1.0,
        nonfinite,
        escaped,
        stopped,
        {"method": "annealed", "epsilon": epsilon, "sigmas": sigmas, "seed": seed},
    )
