"""The seed tutorial's three claims for DDEs, as measurements (no Streamlit here).

1. **Inference costs O(d), a KDE O(d·D).**  ``inference_timings`` times the DDE,
   our exact :class:`~dde_core.kde.GaussianKDE` and ``scipy.stats.gaussian_kde``
   (given the same isotropic kernel σ²I) on the same queries as the number of
   training points D grows; ``crossover`` finds where the KDE becomes slower.
2. **The learned density is a real, normalisable density.**  ``normalising_constants``
   gives log Z = log ∫ e^f by grid quadrature (2-D) and by importance sampling
   (any d); ``held_out_log_likelihoods`` scores fresh samples under the normalised
   DDE and three KDEs; ``sigma_sweep`` repeats it across σ.
3. **The gradient field is conservative.**  ``field_view`` evaluates a field and
   its curl ∂s₂/∂x₁ − ∂s₁/∂x₂ on a grid, ``loop_integral`` gives ∮ s · dl around
   a circle; a DDE (s = ∇f) has neither, a direct score network has both.

Long measurements report through ``progress(fraction, message, partial)`` where
``partial`` is the result so far (keep it and an interrupted run loses nothing),
and stop between steps when ``should_stop()`` returns True.  The ``*_figure``
functions at the end turn results into Plotly figures.  Logs are natural (nats),
times are wall-clock seconds (time.perf_counter), lengths are in data units.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import gaussian_kde

from . import datasets
from .errors import InputError
from .figures import TITLE_FONT, app_style, quiver_segments
from .grid import Grid
from .kde import GaussianKDE
from .metrics import mean_log_likelihood
from .model import DDE
from .normalization import ImportanceEstimate, log_z_grid, log_z_importance, mass_on_grid
from .validation import check_points, check_positive_float, check_positive_int, check_sigma

__all__ = [
    "ANALYTIC_OPTIMUM", "TIMING_SIZES", "Subject", "train_in_chunks",
    "scipy_isotropic_kde", "TimingReport", "inference_timings", "Crossover", "crossover",
    "timing_rows", "read_timing_json", "normalising_constants", "held_out_log_likelihoods", "likelihood_rows",
    "SweepReport", "sigma_sweep", "curl", "FieldView", "field_view", "loop_integral", "disc_integral",
    "timing_figure", "likelihood_figure", "sweep_figure", "field_figure",
]

# Best possible expected log-likelihood E_p[log q] over all densities q, reached at q = p:
# minus the entropy H(p) in nats (Gibbs' inequality).  Checkerboard: uniform on area 32;
# 8gaussians: 8 well separated N(·, (0.5/1.414)² I), H = ln 8 + ln(2πe·0.125).
ANALYTIC_OPTIMUM = {"checkerboard": -math.log(32.0), "8gaussians": -2.838}
TIMING_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)

Progress = Callable[[float, str, Any], None]
StopCheck = Callable[[], bool]


def _report(progress: Progress | None, fraction: float, message: str, partial: Any) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message, partial)


def _stopped(should_stop: StopCheck | None) -> bool:
    return bool(should_stop is not None and should_stop())


# ---------------------------------------------------------------------------
# The model under test
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class Subject:
    """A trained DDE with what it was trained on.

    points (D, d) float32 in model units; ``dataset`` a toy name (fresh samples
    can be drawn) or any other label (a user's file: no fresh samples);
    ``grid`` the 2-D view box; ``source`` says where the model came from.
    """

    model: DDE
    points: np.ndarray
    sigma: float
    dataset: str
    data_seed: int
    grid: Grid
    source: str

    @classmethod
    def from_experiment(cls, experiment: Any) -> "Subject":
        """The playground's ``Experiment`` (model, points, config, grid) as a subject."""
        config = experiment.config
        return cls(experiment.model, experiment.points, float(config.sigma), config.dataset,
                   int(config.data_seed), experiment.grid, "playground")

    @property
    def steps(self) -> int:
        return self.model.n_steps_

    def quadrature_grid(self, n: int = 200) -> Grid:
        """An n × n grid over the view box widened by 4σ on every side, so it holds the KDE's mass."""
        pad = 4.0 * self.sigma
        return Grid((self.grid.x_range[0] - pad, self.grid.x_range[1] + pad),
                    (self.grid.y_range[0] - pad, self.grid.y_range[1] + pad), n)

    def test_points(self, n: int, seed: int = 1_000_003) -> np.ndarray:
        """n fresh samples (n, 2) of the toy distribution, from a seed apart from the training seed."""
        if self.dataset not in datasets.names():
            raise InputError(f"Fresh held-out samples need a toy distribution, but this model was trained on "
                             f"{self.dataset!r}, which has no sampler. Train a model on a toy distribution instead.")
        return datasets.sample(self.dataset, n, seed=self.data_seed + seed).astype(np.float64)


def train_in_chunks(
    model: DDE,
    points: np.ndarray,
    steps: int,
    chunk: int = 100,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> int:
    """Train ``model`` (a DDE or ScoreNetwork) on points (D, d) for ``steps`` steps in chunks.

    Reports after every chunk with the model as ``partial``; returns the steps done
    (fewer than ``steps`` if stopped).
    """
    steps = check_positive_int(steps, "steps")
    chunk = check_positive_int(chunk, "chunk")
    done = 0
    while done < steps and not _stopped(should_stop):
        n = min(chunk, steps - done)
        model.partial_fit(points if done == 0 else None, steps=n)
        done += n
        _report(progress, done / steps, f"step {done:,} of {steps:,}", model)
    return done


# ---------------------------------------------------------------------------
# Claim 1: inference cost against D
# ---------------------------------------------------------------------------


def scipy_isotropic_kde(X: np.ndarray, sigma: float) -> gaussian_kde:
    """scipy's ``gaussian_kde`` on X (D, d) with the kernel N(0, σ²I) of our GaussianKDE.

    scipy's kernel covariance is (bandwidth factor)² × the data covariance, never σ²I
    for general data, so after construction the kernel is replaced: covariance = σ²I,
    its Cholesky factor cho_cov = σI (what ``logpdf`` and ``evaluate`` use) and
    log_det = d·log(2πσ²) (scipy's log|2πΣ|).  Equality with ours is tested to 1e-6
    nats; ``set_bandwidth`` or ``inv_cov`` would undo or ignore the replacement.
    """
    X = check_points(X, "X", min_points=2)
    sigma = check_sigma(sigma)
    kde = gaussian_kde(X.T)
    d = X.shape[1]
    kde.covariance = sigma**2 * np.eye(d)
    kde.cho_cov = sigma * np.eye(d)
    kde.log_det = d * math.log(2.0 * math.pi * sigma**2)
    return kde


REPEAT_SECONDS = 2.0  # repeats of one measurement stop once this much time was spent


def _best_time(function: Callable[[], Any], repeats: int,
               max_seconds: float = REPEAT_SECONDS) -> tuple[float, int, Any]:
    """Best wall time of up to ``repeats`` calls, stopping once ``max_seconds`` were spent.

    Returns (best seconds, calls made, last result).  At least one call.
    """
    times: list[float] = []
    result = None
    while len(times) < repeats and sum(times) < max_seconds:
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), len(times), result


@dataclass
class TimingReport:
    """Result of :func:`inference_timings`.

    rows: one dict per D with D, dde_seconds, kde_seconds, scipy_seconds (None when
    skipped), the calls each best time is taken over, scipy_max_diff (nats, scipy vs
    ours on up to 16 probe queries) and a note.  skipped: [D, reason] never measured.
    """

    n_queries: int
    sigma: float
    budget_seconds: float
    repeats: int
    rows: list[dict] = field(default_factory=list)
    skipped: list[list] = field(default_factory=list)
    stopped: bool = False
    seconds_used: float = 0.0


def _predicted(rows: list[dict], method: str, D: int, repeats: int) -> float:
    """Seconds the timed calls of ``method`` should take at D.

    One call: the last measured one scaled by D (cost ∝ D); calls: as many as
    ``_best_time`` makes, min(repeats, ⌈REPEAT_SECONDS / call⌉), at least one.
    """
    previous = next((r for r in reversed(rows) if r[f"{method}_seconds"] is not None), None)
    if previous is None:
        return 0.0
    call = previous[f"{method}_seconds"] * D / previous["D"]
    return call * min(repeats, max(1, math.ceil(REPEAT_SECONDS / call)))


def _time_row(model: DDE, X: np.ndarray, sigma: float, queries: np.ndarray, repeats: int,
              scipy_allowed: bool) -> dict:
    """Time the three evaluators of log p at ``queries`` (m, d) for training points X (D, d)."""
    model.log_density(queries)  # warm-up: XLA compiles for this padded shape
    dde, dde_calls, _ = _best_time(lambda: model.log_density(queries), max(repeats, 5))
    ours = GaussianKDE(sigma).fit(X)
    probe = queries[:16]
    ours.log_density(probe)  # warm-up: traces the block reduction
    kde, kde_calls, _ = _best_time(lambda: ours.log_density(queries), repeats)
    row = {"D": len(X), "dde_seconds": dde, "kde_seconds": kde, "scipy_seconds": None,
           "calls": {"dde": dde_calls, "kde": kde_calls, "scipy": 0}, "scipy_max_diff": None, "note": ""}
    if not scipy_allowed:
        row["note"] = "scipy skipped: predicted to overrun the budget"
        return row
    theirs = scipy_isotropic_kde(X, sigma)
    row["scipy_max_diff"] = float(np.abs(theirs.logpdf(probe.T) - ours.log_density(probe)).max())
    row["scipy_seconds"], row["calls"]["scipy"], _ = _best_time(lambda: theirs.logpdf(queries.T), repeats)
    return row


def inference_timings(
    model: DDE,
    points: np.ndarray,
    sigma: float,
    queries: np.ndarray,
    sizes: Sequence[int] = TIMING_SIZES,
    budget_seconds: float = 30.0,
    repeats: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> TimingReport:
    """Wall time of log p at ``queries`` (m, d) for growing training-set sizes D.

    For each D (ascending): D training points are drawn from the KDE of ``points``
    (pick a point, add N(0, σ²I) noise), then timed on the same queries:
    the DDE ``model.log_density`` (one network pass per query, O(d); it does not
    depend on D), our exact GaussianKDE (O(d·D) per query) and scipy's gaussian_kde
    with the same kernel.  Each time is the best of up to ``repeats`` calls (DDE: 5)
    after an untimed warm-up, within REPEAT_SECONDS per method.  The smallest D always runs; a size whose KDE time,
    extrapolated linearly in D from the last row, would overrun ``budget_seconds``
    is skipped with every larger one; scipy alone is skipped first when only it would.
    """
    sigma = check_sigma(sigma)
    budget_seconds = check_positive_float(budget_seconds, "budget_seconds")
    repeats = check_positive_int(repeats, "repeats")
    sizes = sorted({check_positive_int(D, "each size D", minimum=2) for D in sizes})
    queries = check_points(queries, "queries", dim=model.n_dims_)
    source = GaussianKDE(sigma).fit(points)
    report = TimingReport(len(queries), sigma, budget_seconds, repeats)
    start = time.perf_counter()
    for i, D in enumerate(sizes):
        if _stopped(should_stop):
            report.stopped = True
            break
        used = time.perf_counter() - start
        kde_seconds = _predicted(report.rows, "kde", D, repeats)
        if report.rows and used + kde_seconds > budget_seconds:
            report.skipped = [[size, "predicted to overrun the time budget"] for size in sizes[i:]]
            break
        _report(progress, i / len(sizes), f"D = {D:,}: timing DDE, KDE and scipy…", report)
        scipy_allowed = (used + kde_seconds + _predicted(report.rows, "scipy", D, repeats) <= budget_seconds
                         and all(r["scipy_seconds"] is not None for r in report.rows))
        X = source.sample(D, seed=seed + i)
        report.rows.append(_time_row(model, X, sigma, queries, repeats, scipy_allowed))
        report.seconds_used = time.perf_counter() - start
    report.seconds_used = time.perf_counter() - start
    _report(progress, 1.0, "done", report)
    return report


@dataclass(frozen=True)
class Crossover:
    """Where the slow method's time first exceeds the fast one's, interpolated on log-log axes.

    D: the crossover size (None unless ``status`` is "interpolated" or "below range",
    where it is the smallest D measured); ratio_at_largest: slow/fast time at largest_D.
    """

    D: float | None
    status: str  # "interpolated", "below range" (slower already at the smallest D), "not reached"
    ratio_at_largest: float
    largest_D: int

    def text(self) -> str:
        """The crossover D for people: "≈ 283", "< 100" (below range) or "> 1,000,000" (not reached)."""
        if self.status == "interpolated":
            return f"≈ {self.D:,.0f}"
        return f"< {self.D:,.0f}" if self.status == "below range" else f"> {self.largest_D:,}"


def crossover(rows: Sequence[dict], slow: str = "kde", fast: str = "dde") -> Crossover:
    """Smallest D with t_slow(D) > t_fast(D), and the ratio t_slow/t_fast at the largest D.

    With r = log(t_slow/t_fast) linear in log D between the last row below 1 and the
    first above: log D* = log D₀ + (0 − r₀)(log D₁ − log D₀)/(r₁ − r₀).
    Rows lacking either time are ignored.
    """
    usable = sorted((r for r in rows if r.get(f"{slow}_seconds") is not None
                     and r.get(f"{fast}_seconds") is not None), key=lambda r: r["D"])
    if not usable:
        raise InputError(f"No row has both {slow} and {fast} times; run the timing first.")
    logs = [(math.log(r["D"]), math.log(r[f"{slow}_seconds"] / r[f"{fast}_seconds"])) for r in usable]
    ratio = math.exp(logs[-1][1])
    largest = int(usable[-1]["D"])
    if logs[0][1] > 0:
        return Crossover(float(usable[0]["D"]), "below range", ratio, largest)
    for (x0, r0), (x1, r1) in zip(logs, logs[1:]):
        if r1 > 0:
            return Crossover(math.exp(x0 + (0.0 - r0) * (x1 - x0) / (r1 - r0)), "interpolated", ratio, largest)
    return Crossover(None, "not reached", ratio, largest)


def timing_rows(rows: Sequence[dict]) -> list[dict]:
    """``TimingReport.rows`` as table rows with readable column names (seconds, calls, |Δ| in nats)."""
    return [{"D": r["D"], "DDE s": r["dde_seconds"], "KDE (ours) s": r["kde_seconds"], "scipy s": r["scipy_seconds"],
             "calls DDE/KDE/scipy": "/".join(str(r["calls"][k]) for k in ("dde", "kde", "scipy")),
             "scipy vs ours max |Δ| nats": r["scipy_max_diff"], "note": r["note"]} for r in rows]


def read_timing_json(path: str | Path) -> dict | None:
    """A benchmark result written by bench/bench_claims.py, or None if there is none yet."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InputError(f"{path.name} is not a readable benchmark result ({error}); run the bench again.") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise InputError(f"{path.name} has no 'rows' list; run `python bench/bench_claims.py` again.")
    return data


# ---------------------------------------------------------------------------
# Claim 2: a normalisable density, scored on held-out data
# ---------------------------------------------------------------------------


def normalising_constants(
    log_f: Callable[[np.ndarray], np.ndarray],
    proposal: GaussianKDE,
    grid: Grid | None = None,
    n: int = 20_000,
    seed: int = 0,
) -> dict:
    """log Z = log ∫ exp f two ways (NOTES §3).

    grid (2-D only, else None): midpoint rule logsumexp f(cells) + log ΔxΔy over the box.
    importance: draws y_j from the fitted ``proposal`` KDE q (pick x_i, add σ-noise;
    log q exact), log Ẑ = logsumexp(f(y_j) − log q(y_j)) − log n, with its standard
    error (delta method) and effective sample size.
    """
    by_grid = None
    if grid is not None and proposal.n_dims_ == 2:
        by_grid = log_z_grid(log_f(grid.points), grid)
    estimate = log_z_importance(log_f, lambda size, rng: proposal.sample(size, rng), proposal.log_density,
                                n=n, seed=seed)
    return {"grid": by_grid, "importance": estimate}


def _entry(values: np.ndarray, **how: Any) -> dict:
    mean, stderr = mean_log_likelihood(values)
    return {"mean": mean, "stderr": stderr, **how}


def _bandwidth_rule_entry(train: np.ndarray, test: np.ndarray, rule: str) -> dict:
    """scipy's gaussian_kde with a bandwidth rule (full data covariance × factor²)."""
    try:
        kde = gaussian_kde(train.T, bw_method=rule)
    except np.linalg.LinAlgError:
        return {"mean": None, "stderr": None, "factor": None,
                "note": "data covariance is singular (points on a line): no full-covariance KDE"}
    return _entry(kde.logpdf(test.T), factor=float(kde.factor))


def held_out_log_likelihoods(
    model: DDE,
    train_points: np.ndarray,
    test_points: np.ndarray,
    sigma: float,
    grid: Grid | None = None,
    n_importance: int = 20_000,
    seed: int = 0,
) -> dict:
    """Mean log-likelihood (nats per point) ± standard error on held-out points (m, d).

    Entries (each with mean, stderr = std/√m, and how it was measured):
    dde_grid: f(test) − log Z with log Z by grid quadrature (2-D with a grid, else None);
        also kde_mass_on_grid (≈ 1 when the box holds the mass).
    dde_importance: f(test) − log Ẑ with log Ẑ by importance sampling from the KDE at σ;
        stderr combines the test-sample and log Ẑ errors, √(se² + se_logZ²).
    kde_sigma: the exact isotropic KDE at the same σ (the DDE's target).
    kde_scott, kde_silverman: scipy's gaussian_kde with Scott's / Silverman's rule
        (full data covariance scaled by the rule's factor, not isotropic).
    """
    sigma = check_sigma(sigma)
    train = check_points(train_points, "train_points", min_points=2, dim=model.n_dims_)
    test = check_points(test_points, "test_points", min_points=2, dim=model.n_dims_)
    kde = GaussianKDE(sigma).fit(train)
    f_test = model.log_density(test)
    z = normalising_constants(model.log_density, kde, grid, n=n_importance, seed=seed)
    estimate: ImportanceEstimate = z["importance"]
    result = {"n_test": len(test), "n_train": len(train), "n_dims": model.n_dims_, "sigma": sigma, "dde_grid": None}
    if z["grid"] is not None:
        result["dde_grid"] = _entry(f_test - z["grid"], log_z=z["grid"], grid_n=grid.n,
                                    kde_mass_on_grid=mass_on_grid(kde.log_density(grid.points), grid))
    importance = _entry(f_test - estimate.log_z, log_z=estimate.log_z, log_z_stderr=estimate.stderr,
                        ess=estimate.ess, n=estimate.n)
    importance["stderr"] = math.hypot(importance["stderr"], estimate.stderr)
    result["dde_importance"] = importance
    result["kde_sigma"] = _entry(kde.log_density(test), bandwidth=sigma)
    result["kde_scott"] = _bandwidth_rule_entry(train, test, "scott")
    result["kde_silverman"] = _bandwidth_rule_entry(train, test, "silverman")
    return result


def likelihood_rows(result: dict) -> list[dict]:
    """``held_out_log_likelihoods`` as table rows: method, mean, ± stderr, how it was measured."""
    m, sigma = result["n_test"], result["sigma"]
    rows = []
    if result["dde_grid"] is not None:
        g = result["dde_grid"]
        rows.append(("DDE, normalised on a grid", g, f"log Z = {g['log_z']:.4f} by midpoint rule on "
                     f"{g['grid_n']}×{g['grid_n']} cells (KDE mass on that grid {g['kde_mass_on_grid']:.4f})"))
    s = result["dde_importance"]
    rows.append(("DDE, importance sampling", s, f"log Z = {s['log_z']:.4f} ± {s['log_z_stderr']:.4f} from "
                 f"{s['n']:,} draws of the KDE at σ (ESS {s['ess']:,.0f})"))
    rows.append((f"Exact KDE, σ = {sigma:g}", result["kde_sigma"], "isotropic kernel σ²I: the DDE's target"))
    for key, name in (("kde_scott", "Scott"), ("kde_silverman", "Silverman")):
        entry = result[key]
        how = entry.get("note") or f"scipy gaussian_kde, full data covariance × factor² ({entry['factor']:.3f})"
        if result["n_dims"] == 2 and entry["mean"] is not None:
            how += "; in 2-D Scott's and Silverman's factors coincide, n^(−1/6)"
        rows.append((f"KDE, {name}'s rule", entry, how))
    return [{"method": name, "mean log-likelihood (nats)": e["mean"], "± stderr": e["stderr"],
             "how measured": f"{how}; {m:,} held-out points"} for name, e, how in rows]


@dataclass
class SweepReport:
    """Result of :func:`sigma_sweep`: rows of sigma, dde_ll, dde_se, kde_ll, kde_se, log_z, method."""

    steps: int
    n_test: int
    n_train: int
    rows: list[dict] = field(default_factory=list)
    stopped: bool = False


def _sweep_row(model: DDE, kde: GaussianKDE, test: np.ndarray, grid: Grid | None, n_importance: int) -> dict:
    """Held-out mean log-likelihood of the normalised DDE and of the KDE at the same σ."""
    if grid is not None and model.n_dims_ == 2:
        log_z = log_z_grid(model.log_density(grid.points), grid)
        method = f"grid {grid.n}×{grid.n}, KDE mass on it {mass_on_grid(kde.log_density(grid.points), grid):.4f}"
    else:
        estimate = normalising_constants(model.log_density, kde, None, n=n_importance)["importance"]
        log_z, method = estimate.log_z, f"importance sampling, {estimate.n:,} draws"
    dde_ll, dde_se = mean_log_likelihood(model.log_density(test) - log_z)
    kde_ll, kde_se = mean_log_likelihood(kde.log_density(test))
    return {"sigma": kde.sigma_, "dde_ll": dde_ll, "dde_se": dde_se, "kde_ll": kde_ll, "kde_se": kde_se,
            "log_z": log_z, "method": method}


def sigma_sweep(
    points: np.ndarray,
    test_points: np.ndarray,
    sigmas: Sequence[float],
    steps: int = 500,
    grid: Grid | None = None,
    n_importance: int = 20_000,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> SweepReport:
    """Held-out log-likelihood against σ for a short-trained DDE and the exact KDE.

    Per σ (ascending): ``DDE(sigma=σ, steps=steps, seed=seed)`` (defaults otherwise)
    trained on points (D, d) in chunks, normalised by grid quadrature (2-D with a
    grid) or importance sampling, then both scored on test_points (m, d).  A σ
    interrupted by ``should_stop`` is left out.  Roughly 1 + steps/100 s per σ on 2 cores.
    """
    steps = check_positive_int(steps, "steps")
    sigmas = sorted({check_sigma(s) for s in sigmas})
    if not sigmas:
        raise InputError("Give at least one σ to sweep, such as 0.1, 0.2, 0.4.")
    points = check_points(points, "points", min_points=2)
    test = check_points(test_points, "test_points", min_points=2, dim=points.shape[1])
    report = SweepReport(steps, len(test), len(points))
    for i, sigma in enumerate(sigmas):
        model = DDE(sigma=sigma, steps=steps, seed=seed)

        def within(fraction: float, message: str, _model: Any, i=i, sigma=sigma) -> None:
            _report(progress, (i + fraction) / len(sigmas), f"σ = {sigma:g}: {message}", report)

        if train_in_chunks(model, points, steps, 100, within, should_stop) < steps:
            report.stopped = True
            break
        report.rows.append(_sweep_row(model, GaussianKDE(sigma).fit(points), test, grid, n_importance))
    _report(progress, 1.0, "done", report)
    return report


# ---------------------------------------------------------------------------
# Claim 3: a conservative field
# ---------------------------------------------------------------------------


def curl(jacobian: np.ndarray) -> np.ndarray:
    """Scalar curl of a 2-D field from its Jacobian J[..., i, j] = ∂s_i/∂x_j, shape (..., 2, 2).

    curl = ∂s₂/∂x₁ − ∂s₁/∂x₂ = J[..., 1, 0] − J[..., 0, 1]; zero for a gradient field
    (J is then a symmetric Hessian).  Units: field units per data unit.
    """
    jacobian = np.asarray(jacobian, dtype=np.float64)
    if jacobian.shape[-2:] != (2, 2):
        raise InputError(f"The curl here needs 2-D Jacobians of shape (..., 2, 2), got {jacobian.shape}.")
    return jacobian[..., 1, 0] - jacobian[..., 0, 1]


@dataclass(frozen=True)
class FieldView:
    """A 2-D field on a grid: curl (n, n) at ``grid`` cells, the field (k, k, 2) at ``arrows``.

    jacobian_scale: the largest |J_ij| on the grid, the yardstick for "curl ≈ 0".
    """

    grid: Grid
    curl: np.ndarray
    jacobian_scale: float
    arrows: Grid
    field: np.ndarray

    @property
    def relative_curl(self) -> float:
        """max |curl| / max |J_ij| over the grid."""
        return float(np.abs(self.curl).max() / self.jacobian_scale) if self.jacobian_scale > 0 else 0.0


def field_view(score: Callable[[np.ndarray], np.ndarray], jacobian: Callable[[np.ndarray], np.ndarray],
               grid: Grid, n_arrows: int = 20) -> FieldView:
    """Curl of the field from ``jacobian`` (m, 2, 2) on ``grid``; ``score`` (m, 2) on an n_arrows² lattice.

    For a DDE pass (model.score, model.hessian); for a ScoreNetwork (net.score, net.jacobian).
    """
    n_arrows = check_positive_int(n_arrows, "n_arrows", minimum=2)
    J = jacobian(grid.points)
    arrows = Grid(grid.x_range, grid.y_range, n_arrows)
    return FieldView(grid, grid.reshape(curl(J)), float(np.abs(J).max()), arrows,
                     arrows.reshape(score(arrows.points)))


def _circle(centre: Sequence[float], radius: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points on the circle (n, 2) at θ_k = 2πk/n and the tangents dp/dθ (n, 2)."""
    theta = 2.0 * np.pi * np.arange(n) / n
    unit = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    tangent = radius * np.stack([-np.sin(theta), np.cos(theta)], axis=1)
    return np.asarray(centre, dtype=np.float64) + radius * unit, tangent


def _check_loop(centre: Sequence[float], radius: float) -> tuple[np.ndarray, float]:
    centre_array = np.asarray(centre, dtype=np.float64)
    if centre_array.shape != (2,) or not np.isfinite(centre_array).all():
        raise InputError(f"The loop's centre must be two finite numbers (x₁, x₂), got {centre!r}.")
    return centre_array, check_positive_float(radius, "The loop's radius")


def loop_integral(field_fn: Callable[[np.ndarray], np.ndarray], centre: Sequence[float], radius: float,
                  n: int = 400) -> float:
    """∮ s · dl counter-clockwise around the circle |x − centre| = radius.

    ∮ = ∫₀^{2π} s(p(θ)) · p'(θ) dθ ≈ (2π/n) Σ_k s(p(θ_k)) · p'(θ_k), the trapezoid rule,
    spectrally accurate for this periodic integrand.  0 for a gradient field (up to
    float error); 2πr²c for the rotation (−c x₂, c x₁).  Units: field × length.
    """
    centre, radius = _check_loop(centre, radius)
    n = check_positive_int(n, "n", minimum=3)
    points, tangents = _circle(centre, radius, n)
    values = np.asarray(field_fn(points), dtype=np.float64)
    return float(np.sum(values * tangents) * 2.0 * np.pi / n)


def disc_integral(values: np.ndarray, grid: Grid, centre: Sequence[float], radius: float) -> float:
    """∬ over the disc of values (n, n) on ``grid``: Σ of the cells whose centre is inside × ΔxΔy.

    With the curl as values, Stokes' theorem says this equals ``loop_integral`` (a
    cross-check; cells cut by the circle make it coarse on a coarse grid).
    """
    centre, radius = _check_loop(centre, radius)
    inside = np.linalg.norm(grid.points - centre, axis=1) <= radius
    return float(np.asarray(values).ravel()[inside].sum() * grid.cell_area)


# ---------------------------------------------------------------------------
# Figures (Plotly; data in, go.Figure out)
# ---------------------------------------------------------------------------

COLORS = {"dde": "#d62728", "kde": "#1f77b4", "scipy": "#7f7f7f", "direct": "#9467bd"}
LABELS = {"dde": "DDE (one network pass)", "kde": "exact KDE (ours, TensorFlow)", "scipy": "scipy gaussian_kde"}


def _base_layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(app_style(), title=dict(text=title, x=0.01, font=TITLE_FONT), height=height,
                         margin=dict(l=50, r=10, t=60, b=50), uirevision="keep-zoom",
                         legend=dict(orientation="h", y=-0.2))
    return figure


def _log_x_marker(figure: go.Figure, x: float, text: str, color: str, where: str) -> None:
    """A dotted vertical line at ``x`` on a log x axis, labelled beside it.

    (Plotly places annotations on a log axis in log10 units, so ``add_vline``'s
    own label would land at 10^x: the label is added here with log10(x).)
    """
    figure.add_vline(x=x, line=dict(color=color, dash="dot"))
    figure.add_annotation(x=math.log10(x), xref="x", y=1.0 if where == "top" else 0.0, yref="paper",
                          text=text, showarrow=False, xanchor="left",
                          yanchor="top" if where == "top" else "bottom", font=dict(color=color))


def timing_figure(rows: Sequence[dict], bench_rows: Sequence[dict] | None = None,
                  at_crossover: float | None = None, n_queries: int | None = None, height: int = 420) -> go.Figure:
    """Seconds against D on log-log axes: DDE, our KDE, scipy (gaps where skipped).

    ``bench_rows`` (same keys) are drawn dashed and faint for comparison; a dotted
    vertical line marks ``at_crossover``.
    """
    figure = go.Figure()
    for runs, dash, suffix, opacity in ((bench_rows or [], "dash", " (bench)", 0.45), (rows, "solid", "", 1.0)):
        if not runs:
            continue
        for method in ("dde", "kde", "scipy"):
            figure.add_trace(go.Scatter(
                x=[r["D"] for r in runs], y=[r[f"{method}_seconds"] for r in runs], mode="lines+markers",
                name=LABELS[method] + suffix, opacity=opacity, connectgaps=False,
                line=dict(color=COLORS[method], dash=dash), marker=dict(size=8),
                hovertemplate="D=%{x:,}<br>%{y:.3g} s<extra>" + LABELS[method] + suffix + "</extra>",
            ))
    if at_crossover is not None:
        _log_x_marker(figure, at_crossover, f"crossover D ≈ {at_crossover:,.0f}", "black", "top")
    queries = f" on {n_queries:,} queries" if n_queries else ""
    figure.update_xaxes(type="log", title_text="training points D")
    figure.update_yaxes(type="log", dtick=1, title_text="seconds (best of repeats)")  # a label per decade
    return _base_layout(figure, f"Time to evaluate log p{queries}", height)


def likelihood_figure(rows: Sequence[dict], optimum: float | None = None, height: int = 320) -> go.Figure:
    """Mean held-out log-likelihood per method (± 1 stderr), with −H(p) as a reference line."""
    shown = [r for r in rows if r["mean log-likelihood (nats)"] is not None]
    figure = go.Figure(go.Scatter(
        x=[r["mean log-likelihood (nats)"] for r in shown], y=[r["method"] for r in shown], mode="markers",
        error_x=dict(type="data", array=[r["± stderr"] for r in shown]), marker=dict(size=10, color="#333"),
        hovertemplate="%{y}: %{x:.4f} nats<extra></extra>",
    ))
    if optimum is not None:
        figure.add_vline(x=optimum, line=dict(color="#2ca02c", dash="dash"),
                         annotation_text=f"best possible −H(p) = {optimum:.3f}")
    figure.update_xaxes(title_text="mean log-likelihood of held-out points, nats (higher is better)")
    figure.update_yaxes(autorange="reversed")
    return _base_layout(figure, "Held-out log-likelihood (± 1 standard error)", height)


def sweep_figure(rows: Sequence[dict], optimum: float | None = None, sigma: float | None = None,
                 height: int = 400) -> go.Figure:
    """Held-out log-likelihood against σ (log axis) for the DDE and the KDE, ± 1 stderr."""
    figure = go.Figure()
    for key, name in (("dde", "DDE (short training, normalised)"), ("kde", "exact KDE at σ")):
        figure.add_trace(go.Scatter(
            x=[r["sigma"] for r in rows], y=[r[f"{key}_ll"] for r in rows], mode="lines+markers", name=name,
            error_y=dict(type="data", array=[r[f"{key}_se"] for r in rows]), line=dict(color=COLORS[key]),
        ))
    if optimum is not None:
        figure.add_hline(y=optimum, line=dict(color="#2ca02c", dash="dash"),
                         annotation_text=f"best possible −H(p) = {optimum:.3f}")
    if sigma is not None:
        _log_x_marker(figure, sigma, "model's σ", "#999", "bottom")
    figure.update_xaxes(type="log", title_text="σ (data units)")
    figure.update_yaxes(title_text="mean held-out log-likelihood (nats)")
    return _base_layout(figure, "Bias–variance trade-off: held-out log-likelihood against σ", height)


def _field_traces(view: FieldView, zmax: float, show_scale: bool) -> list:
    xs, ys = quiver_segments(view.arrows, view.field)
    return [
        go.Heatmap(x=view.grid.xs, y=view.grid.ys, z=view.curl.astype(np.float32), colorscale="RdBu",
                   zmin=-zmax, zmax=zmax, zmid=0.0, showscale=show_scale,
                   colorbar=dict(title=dict(text="curl", side="right"), thickness=12, len=0.8),
                   hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>curl=%{z:.3g}<extra></extra>"),
        go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(20, 20, 20, 0.75)", width=1.1),
                   hoverinfo="skip"),
    ]


def field_figure(views: dict[str, FieldView], centre: Sequence[float], radius: float,
                 integrals: dict[str, float], height: int = 480) -> go.Figure:
    """One panel per field: curl heatmap (RdBu, symmetric, one scale for all), arrows, the loop.

    ``integrals[name]`` (∮ s · dl) is printed in each panel's title.
    """
    names = list(views)
    zmax = max(max(float(np.abs(v.curl).max()) for v in views.values()), 1e-12)
    titles = [f"{name}: ∮ s·dl = {integrals[name]:.3g}" for name in names]
    figure = make_subplots(rows=1, cols=len(names), subplot_titles=titles, horizontal_spacing=0.08)
    circle, _ = _circle(centre, radius, 200)
    circle = np.vstack([circle, circle[:1]])
    for column, name in enumerate(names, start=1):
        for trace in _field_traces(views[name], zmax, column == len(names)):
            figure.add_trace(trace, row=1, col=column)
        figure.add_trace(go.Scatter(x=circle[:, 0], y=circle[:, 1], mode="lines", hoverinfo="skip",
                                    line=dict(color="#2ca02c", width=3)), row=1, col=column)
        grid = views[name].grid
        axis = "x" if column == 1 else f"x{column}"
        figure.update_xaxes(range=list(grid.x_range), constrain="domain", title_text="x₁", row=1, col=column)
        figure.update_yaxes(range=list(grid.y_range), scaleanchor=axis, constrain="domain", title_text="x₂",
                            row=1, col=column)
    figure = _base_layout(figure, "Curl (colour, same scale) and the field (arrows); green: the loop", height)
    figure.update_layout(showlegend=False, margin=dict(t=90))
    return figure
