"""DDE against exact KDE under one sampler: same start, same noise, same settings.

``run_side_by_side`` advances both samplers chunk by chunk (so a stop leaves
them at the same step) with common random numbers; ``quality_table`` scores the
final samples against fresh samples of the true distribution, and says how fast
the chains mixed (integrated autocorrelation time and effective samples per
second of a few test functions, ``dde_core.mcmc_diagnostics``).

Ozaki on the DDE takes its Hessian from a source (``HESSIAN_SOURCES``): the DDE's
own ∇²f by automatic differentiation, a second-order network trained by
second-order denoising (``dde_core.second_order``), or the exact KDE's; the KDE
panel always uses its own exact Hessian.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .kde import GaussianKDE
from .mcmc_diagnostics import ChainFunctions, Mixing, mixing
from .metrics import energy_distance, mmd_squared, sliced_wasserstein
from .model import DDE
from .samplers import (
    DDETarget,
    KDETarget,
    SamplerRun,
    SecondOrderHessian,
    WithHessian,
    annealed_langevin,
    langevin_iter,
)
from .second_order import SecondOrderNetwork
from .validation import check_points, check_positive_float, check_positive_int, check_sigma

__all__ = [
    "SamplerSettings",
    "INITIALISATIONS",
    "SAMPLERS",
    "HESSIAN_SOURCES",
    "TRACED_CHAINS",
    "initial_points",
    "sigma_ladder",
    "train_ladder",
    "run_side_by_side",
    "SampleQuality",
    "quality_table",
    "dde_target",
    "kde_target",
    "Speed",
    "REFERENCE_SPEED",
    "estimated_seconds",
    "measured_speed",
]

INITIALISATIONS = ("uniform box", "gaussian", "data")
SAMPLERS = ("ULA", "MALA", "Ozaki", "Annealed Langevin")
HESSIAN_SOURCES = ("DDE autodiff", "second-order network", "exact KDE")  # Ozaki's Hessian on the DDE
TRACED_CHAINS = 128  # chains recorded at every step for the mixing diagnostics (≤ 10 MB a run at 5,000 steps)


@dataclass(frozen=True)
class SamplerSettings:
    """One run's settings, shared by both models.

    step_size: τ in x' = x + τ s(x) + √(2τ) ξ (for annealing: ε, the last level's α).
    box: the plotting box (low, high) on both axes; chains outside it are counted.
    hessian: where Ozaki on the DDE takes ∇² log π from (``HESSIAN_SOURCES``).
    """

    sampler: str = "ULA"
    step_size: float = 0.005
    n_steps: int = 200
    n_chains: int = 1000
    init: str = "uniform box"
    seed: int = 0
    box: tuple[float, float] = (-4.0, 4.0)
    n_levels: int = 4  # annealed Langevin only
    hessian: str = HESSIAN_SOURCES[0]  # Ozaki only

    @property
    def total_steps(self) -> int:
        """Steps of each chain in the whole run (annealing: ``n_steps`` per level)."""
        return self.n_steps * (self.n_levels if self.sampler == "Annealed Langevin" else 1)

    @property
    def chain_steps(self) -> int:
        """Chains × steps of the whole run: what its cost grows with."""
        return self.n_chains * self.total_steps

    def validated(self) -> SamplerSettings:
        if self.sampler not in SAMPLERS:
            raise InputError(f"Unknown sampler {self.sampler!r}; choose one of {', '.join(SAMPLERS)}.")
        if self.init not in INITIALISATIONS:
            raise InputError(f"Unknown start {self.init!r}; choose one of {', '.join(INITIALISATIONS)}.")
        check_positive_float(self.step_size, "step size")
        check_positive_int(self.n_steps, "number of steps")
        check_positive_int(self.n_chains, "number of chains", minimum=2)
        check_positive_int(self.n_levels, "number of noise levels", minimum=2)
        if self.hessian not in HESSIAN_SOURCES:
            raise InputError(f"Unknown Hessian source {self.hessian!r}; choose one of {', '.join(HESSIAN_SOURCES)}.")
        return self

    @property
    def dde_hessian_from_kde(self) -> bool:
        """Ozaki on the DDE with the exact KDE's Hessian: the DDE's steps then cost O(D) too."""
        return self.sampler == "Ozaki" and self.hessian == "exact KDE"


@dataclass(frozen=True)
class Speed:
    """How fast ULA runs, for estimating a run's time before it starts.

    dde_chain_steps: chain-steps per second on a DDE (one network pass each);
    kde_kernel_evaluations: chain-steps × training points per second on the exact KDE
    (its cost per step grows with the number of training points D).
    """

    dde_chain_steps: float
    kde_kernel_evaluations: float


# Measured on the 2-core reference machine (bench/RESULTS.md §3: ULA, 10,000 chains,
# D = 10,000: 2.0e6 and 2.1e4 chain-steps/s); a session's own runs replace it.
REFERENCE_SPEED = Speed(dde_chain_steps=2.0e6, kde_kernel_evaluations=2.1e8)
# Cost of a step relative to ULA: MALA also evaluates log π; Ozaki also the Hessian.
STEP_COST = {"ULA": 1.0, "MALA": 2.0, "Ozaki": 3.0, "Annealed Langevin": 1.0}


def estimated_seconds(settings: SamplerSettings, n_points: int, speed: Speed = REFERENCE_SPEED) -> float:
    """About how long ``run_side_by_side`` takes for both models (seconds), on ``n_points``
    training points: chain-steps × step cost × (1 / DDE speed + D / KDE speed), the KDE's
    part counted twice when the DDE's Ozaki steps take the exact KDE's Hessian."""
    kde_share = 2.0 if settings.dde_hessian_from_kde else 1.0
    per_chain_step = 1.0 / speed.dde_chain_steps + kde_share * n_points / speed.kde_kernel_evaluations
    return settings.chain_steps * STEP_COST[settings.sampler] * per_chain_step


def measured_speed(
    settings: SamplerSettings, runs: dict[str, SamplerRun], n_points: int, previous: Speed = REFERENCE_SPEED
) -> Speed:
    """The ``Speed`` a finished run showed (to estimate the next run more closely); the DDE's
    speed stays ``previous``'s when its steps used the exact KDE's Hessian (not a DDE speed)."""
    cost = STEP_COST[settings.sampler]
    dde = previous.dde_chain_steps if settings.dde_hessian_from_kde else runs["DDE"].chain_steps_per_second * cost
    return Speed(dde, runs["KDE"].chain_steps_per_second * cost * n_points)


def initial_points(init: str, n: int, data: np.ndarray, box: tuple[float, float], seed: int) -> np.ndarray:
    """n starting points (n, 2): uniform on the box, N(0, I), or random data points."""
    rng = np.random.default_rng([seed, 17])
    if init == "uniform box":
        return rng.uniform(box[0], box[1], size=(n, data.shape[1]))
    if init == "gaussian":
        return rng.standard_normal((n, data.shape[1]))
    if init == "data":
        return np.asarray(data, np.float64)[rng.integers(0, len(data), n)]
    raise InputError(f"Unknown start {init!r}; choose one of {', '.join(INITIALISATIONS)}.")


def sigma_ladder(sigma: float, n_levels: int, ratio: float = 2.0) -> list[float]:
    """Geometric levels σ·ratio^(L−1), …, σ·ratio, σ: largest first, ending at ``sigma``."""
    sigma = check_sigma(sigma)
    n_levels = check_positive_int(n_levels, "number of noise levels", minimum=1)
    return [sigma * ratio ** (n_levels - 1 - i) for i in range(n_levels)]


def train_ladder(
    points: np.ndarray,
    sigmas: Sequence[float],
    reuse: DDE | None = None,
    steps: int = 1000,
    progress=None,
) -> list[DDE]:
    """One DDE per level; ``reuse`` serves the level whose σ it was trained at."""
    models = []
    for i, sigma in enumerate(sigmas):
        if reuse is not None and np.isclose(reuse.sigma_, sigma):
            models.append(reuse)
        else:
            base = reuse.get_params() if reuse is not None else {}
            params = {**base, "sigma": sigma, "steps": steps}
            models.append(DDE(**params).fit(points))
        if progress is not None:
            progress(i + 1, len(sigmas))
    return models


def _reused(source: DDE | GaussianKDE, key, fitted_state: tuple, make):
    """The target made by ``make()`` for ``source`` last time, if ``source`` is still fitted
    on the same arrays (a refit makes a new one); its compiled loops then run untraced.

    Kept on ``source`` itself, so targets and their compiled loops go with their model.
    """
    cache = vars(source).setdefault("_sampling_targets", {})
    cached = cache.get(key)
    if cached is None or any(a is not b for a, b in zip(cached[0], fitted_state)):
        cached = cache[key] = (fitted_state, make())
    return cached[1]


def dde_target(model: DDE) -> DDETarget:
    """A DDE's sampling target, one per fitted network (training it further is fine)."""
    return _reused(model, "dde", (getattr(model, "average_", None),), lambda: DDETarget(model))


def kde_target(kde: GaussianKDE, n_chains: int) -> KDETarget:
    """The exact KDE's sampling target for ``n_chains`` chains, one per fitted KDE."""
    return _reused(kde, ("kde", n_chains), (getattr(kde, "train_", None),), lambda: KDETarget(kde, n_chains))


def ozaki_dde_target(
    model: DDE, kde: GaussianKDE, n_chains: int, source: str, second_order: SecondOrderNetwork | None = None
):
    """The DDE's target for Ozaki with its Hessian from ``source`` (``HESSIAN_SOURCES``), kept on the model.

    "second-order network" needs ``second_order``, a fitted network for the same data and σ.
    """
    if source == "DDE autodiff":
        return dde_target(model)
    if source == "exact KDE":
        return _reused(
            model,
            ("dde", "kde hessian", n_chains),
            (getattr(model, "average_", None), getattr(kde, "train_", None)),
            lambda: WithHessian(DDETarget(model), KDETarget(kde, n_chains)),
        )
    if source == "second-order network":
        if second_order is None:
            raise InputError("No second-order network has been trained for this model: train one first.")
        return _reused(
            model,
            ("dde", "second-order hessian"),
            (getattr(model, "average_", None), getattr(second_order, "average_", None)),
            lambda: WithHessian(DDETarget(model), SecondOrderHessian(second_order)),
        )
    raise InputError(f"Unknown Hessian source {source!r}; choose one of {', '.join(HESSIAN_SOURCES)}.")


def run_side_by_side(
    dde: DDE | Sequence[DDE],
    kde: GaussianKDE,
    data: np.ndarray,
    settings: SamplerSettings,
    record_every: int = 10,
    second_order: SecondOrderNetwork | None = None,
    n_traced: int = TRACED_CHAINS,
) -> Iterator[dict[str, SamplerRun]]:
    """Yield {"DDE": run, "KDE": run} after every chunk, both from the same start and noise.

    For annealed Langevin ``dde`` is the list of per-level models (largest σ first)
    and the KDE is the exact KDE refitted at each level's σ; it yields once per run.
    Ozaki on the DDE takes its Hessian from ``settings.hessian`` (``second_order`` for
    "second-order network").  The other samplers record their first ``n_traced``
    chains at every step (``SamplerRun.draws``) for the mixing diagnostics.
    """
    settings = settings.validated()
    x0 = initial_points(settings.init, settings.n_chains, data, settings.box, settings.seed)
    common = dict(seed=settings.seed, n_tracked=20, box=settings.box)
    if settings.sampler == "Annealed Langevin":
        models = list(dde)
        sigmas = [model.sigma_ for model in models]
        kdes = [GaussianKDE(sigma=s).fit(data) for s in sigmas]
        yield {
            "DDE": annealed_langevin(
                [dde_target(m) for m in models], sigmas, x0, settings.step_size, settings.n_steps, **common
            ),
            "KDE": annealed_langevin(
                [KDETarget(k, settings.n_chains) for k in kdes],
                sigmas,
                x0,
                settings.step_size,
                settings.n_steps,
                **common,
            ),
        }
        return
    method = settings.sampler.lower()
    model = dde[-1] if isinstance(dde, (list, tuple)) else dde
    if method == "ozaki":
        target = ozaki_dde_target(model, kde, settings.n_chains, settings.hessian, second_order)
    else:
        target = dde_target(model)
    steps = dict(record_every=record_every, n_traced=n_traced, **common)
    runs = {
        "DDE": langevin_iter(target, x0, settings.step_size, settings.n_steps, method, **steps),
        "KDE": langevin_iter(
            kde_target(kde, settings.n_chains), x0, settings.step_size, settings.n_steps, method, **steps
        ),
    }
    for dde_run, kde_run in zip(runs["DDE"], runs["KDE"]):
        yield {"DDE": dde_run, "KDE": kde_run}


@dataclass(frozen=True)
class SampleQuality:
    """How one model's run went: its size and cost, its failures, and the distances of its
    finite final samples to true samples (None when fewer than two samples are finite).

    seconds: wall time of the compiled steps; acceptance: MALA's mean acceptance (None for the
    samplers that accept every step); mmd2, energy, sliced_wasserstein: docs/science.md §5.
    mixing: autocorrelation times and effective samples per test function (None when the run
    recorded no draws, e.g. annealing, or too few); ``iat`` is its largest τ (steps) and
    ``ess_per_second`` its smallest ESS/s, over every chain of the run.
    """

    model: str
    chains: int
    steps: int
    nonfinite: int
    escaped: int
    seconds: float
    chain_steps_per_second: float
    acceptance: float | None
    mmd2: float | None
    energy: float | None
    sliced_wasserstein: float | None
    mixing: Mixing | None = None

    @property
    def iat(self) -> float | None:
        return None if self.mixing is None else self.mixing.worst_iat

    @property
    def ess_per_second(self) -> float | None:
        return None if self.mixing is None else self.mixing.worst_ess_per_second


def quality_table(runs: dict[str, SamplerRun], truth: np.ndarray, seed: int = 0) -> list[SampleQuality]:
    """One ``SampleQuality`` per model: distances of its finite samples to ``truth`` (n, d), and
    the mixing of its recorded draws (test functions referred to ``truth``'s mean and main axis)."""
    truth = check_points(truth, "true samples", min_points=2)
    functions = ChainFunctions.from_data(truth)
    rows = []
    for name, run in runs.items():
        good = run.samples[np.isfinite(run.samples).all(axis=1)]
        scored = len(good) >= 2
        rows.append(
            SampleQuality(
                model=name,
                chains=len(run.samples),
                steps=run.steps_done,
                nonfinite=run.nonfinite,
                escaped=run.escaped,
                seconds=run.seconds,
                chain_steps_per_second=run.chain_steps_per_second,
                acceptance=run.acceptance if run.details.get("method") == "mala" else None,
                mmd2=mmd_squared(good, truth, seed=seed) if scored else None,
                energy=energy_distance(good, truth, seed=seed) if scored else None,
                sliced_wasserstein=sliced_wasserstein(good, truth, seed=seed) if scored else None,
                mixing=None if run.draws is None else mixing(run.draws, functions, run.seconds, len(run.samples)),
            )
        )
    return rows
