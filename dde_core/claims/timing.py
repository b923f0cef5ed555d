"""Claim 1: a DDE's inference costs O(d) per query, a KDE's O(d·D).

``inference_timings`` times the DDE, our exact :class:`~dde_core.kde.GaussianKDE`
and scipy's ``gaussian_kde`` (given the same kernel σ²I) on the same queries as the
number of training points D grows; ``crossover`` finds where the KDE becomes
slower; ``read_timing_json`` reads the headless run of ``bench/bench_claims.py``.
Times are wall-clock seconds (time.perf_counter).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..kde import GaussianKDE, scipy_isotropic_kde
from ..model import DDE
from ..validation import check_points, check_positive_float, check_positive_int, check_sigma
from .progress import Progress, StopCheck, report, stopped

__all__ = [
    "TIMING_SIZES",
    "REPEAT_SECONDS",
    "Timed",
    "time_calls",
    "TimingRow",
    "TimingReport",
    "inference_timings",
    "Crossover",
    "crossover",
    "BenchTiming",
    "read_timing_json",
]

TIMING_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
REPEAT_SECONDS = 2.0  # repeats of one measurement stop once this much time was spent
METHODS = ("dde", "kde", "scipy")


@dataclass(frozen=True)
class Timed:
    """Wall times (s) of consecutive calls of one function, and the last call's result."""

    times: list[float]
    result: Any

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def calls(self) -> int:
        return len(self.times)


def time_calls(function: Callable[[], Any], repeats: int, max_seconds: float = REPEAT_SECONDS) -> Timed:
    """Time up to ``repeats`` calls of ``function()``, stopping once ``max_seconds`` were spent.

    At least one call; no warm-up (make an untimed call first if the first one traces).
    """
    times: list[float] = []
    result = None
    while not times or (len(times) < repeats and sum(times) < max_seconds):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return Timed(times, result)


@dataclass(frozen=True)
class TimingRow:
    """Best times (s) of the three evaluators at one training-set size D.

    scipy_seconds is None when scipy was skipped (``note`` says why); calls: the
    timed calls per method ("dde", "kde", "scipy"); scipy_max_diff: max |log p|
    difference, scipy vs ours, in nats on up to 16 probe queries.
    """

    D: int
    dde_seconds: float
    kde_seconds: float
    scipy_seconds: float | None = None
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    scipy_max_diff: float | None = None
    note: str = ""

    def seconds(self, method: str) -> float | None:
        """The time of "dde", "kde" or "scipy"."""
        if method not in METHODS:
            raise InputError(f"The timed methods are {', '.join(METHODS)}; got {method!r}.")
        return getattr(self, f"{method}_seconds")

    @classmethod
    def from_dict(cls, row: Any) -> TimingRow:
        """A row as stored in JSON (``dataclasses.asdict``), its D and times checked; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        try:
            result = cls(**{key: value for key, value in row.items() if key in names})
        except (AttributeError, TypeError):
            raise InputError(f"A timing row needs at least D, dde_seconds and kde_seconds; got {row!r}.") from None
        check_positive_int(result.D, "A timing row's D")
        for method in METHODS:
            if method != "scipy" or result.scipy_seconds is not None:
                check_positive_float(result.seconds(method), f"A timing row's {method}_seconds")
        return result


@dataclass
class TimingReport:
    """Result of :func:`inference_timings`: one row per D measured, in ascending D.

    skipped: [D, reason] never measured; stopped: cut short by ``should_stop``;
    seconds_used: wall time of the whole run.
    """

    n_queries: int
    sigma: float
    budget_seconds: float
    repeats: int
    rows: list[TimingRow] = field(default_factory=list)
    skipped: list[list] = field(default_factory=list)
    stopped: bool = False
    seconds_used: float = 0.0


def _predicted(rows: list[TimingRow], method: str, D: int, repeats: int) -> float:
    """Seconds the timed calls of ``method`` should take at D.

    One call: the last measured one scaled by D (cost ∝ D); calls: as many as
    ``time_calls`` makes, min(repeats, ⌈REPEAT_SECONDS / call⌉), at least one.
    """
    previous = next((r for r in reversed(rows) if r.seconds(method) is not None), None)
    if previous is None:
        return 0.0
    call = previous.seconds(method) * D / previous.D
    return call * min(repeats, max(1, math.ceil(REPEAT_SECONDS / call)))


def _time_row(
    model: DDE, X: np.ndarray, sigma: float, queries: np.ndarray, repeats: int, scipy_allowed: bool
) -> TimingRow:
    """Time the three evaluators of log p at ``queries`` (m, d) for training points X (D, d)."""
    model.log_density(queries)  # warm-up: XLA compiles for this padded shape
    dde = time_calls(lambda: model.log_density(queries), max(repeats, 5))
    ours = GaussianKDE(sigma).fit(X)
    probe = queries[:16]
    ours.log_density(probe)  # warm-up: traces the block reduction
    kde = time_calls(lambda: ours.log_density(queries), repeats)
    calls = {"dde": dde.calls, "kde": kde.calls, "scipy": 0}
    if not scipy_allowed:
        return TimingRow(
            len(X), dde.best, kde.best, None, calls, None, "scipy skipped: predicted to overrun the budget"
        )
    theirs = scipy_isotropic_kde(X, sigma)
    difference = float(np.abs(theirs.logpdf(probe.T) - ours.log_density(probe)).max())
    scipy = time_calls(lambda: theirs.logpdf(queries.T), repeats)
    calls["scipy"] = scipy.calls
    return TimingRow(len(X), dde.best, kde.best, scipy.best, calls, difference)


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
    after an untimed warm-up, within REPEAT_SECONDS per method.  The smallest D always
    runs; a size whose KDE time, extrapolated linearly in D from the last row, would
    overrun ``budget_seconds`` is skipped with every larger one; scipy alone is
    skipped first when only it would.
    """
    sigma = check_sigma(sigma)
    budget_seconds = check_positive_float(budget_seconds, "budget_seconds")
    repeats = check_positive_int(repeats, "repeats")
    sizes = sorted({check_positive_int(D, "each size D", minimum=2) for D in sizes})
    queries = check_points(queries, "queries", dim=model.n_dims_)
    source = GaussianKDE(sigma).fit(points)
    result = TimingReport(len(queries), sigma, budget_seconds, repeats)
    start = time.perf_counter()
    for i, D in enumerate(sizes):
        if stopped(should_stop):
            result.stopped = True
            break
        used = time.perf_counter() - start
        kde_seconds = _predicted(result.rows, "kde", D, repeats)
        if result.rows and used + kde_seconds > budget_seconds:
            result.skipped = [[size, "predicted to overrun the time budget"] for size in sizes[i:]]
            break
        report(progress, i / len(sizes), f"D = {D:,}: timing DDE, KDE and scipy…", result)
        scipy_allowed = used + kde_seconds + _predicted(result.rows, "scipy", D, repeats) <= budget_seconds and all(
            r.scipy_seconds is not None for r in result.rows
        )
        X = source.sample(D, seed=seed + i)
        result.rows.append(_time_row(model, X, sigma, queries, repeats, scipy_allowed))
        result.seconds_used = time.perf_counter() - start
    result.seconds_used = time.perf_counter() - start
    report(progress, 1.0, "done", result)
    return result


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


def crossover(rows: Sequence[TimingRow], slow: str = "kde", fast: str = "dde") -> Crossover:
    """Smallest D with t_slow(D) > t_fast(D), and the ratio t_slow/t_fast at the largest D.

    With r = log(t_slow/t_fast) linear in log D between the last row below 1 and the
    first above: log D* = log D₀ + (0 − r₀)(log D₁ − log D₀)/(r₁ − r₀).
    Rows lacking either time are ignored.
    """
    usable = sorted((r for r in rows if r.seconds(slow) is not None and r.seconds(fast) is not None), key=lambda r: r.D)
    if not usable:
        raise InputError(f"No row has both {slow} and {fast} times; run the timing first.")
    logs = [(math.log(r.D), math.log(r.seconds(slow) / r.seconds(fast))) for r in usable]
    ratio = math.exp(logs[-1][1])
    largest = int(usable[-1].D)
    if logs[0][1] > 0:
        return Crossover(float(usable[0].D), "below range", ratio, largest)
    for (x0, r0), (x1, r1) in zip(logs, logs[1:]):
        if r1 > 0:
            return Crossover(math.exp(x0 + (0.0 - r0) * (x1 - x0) / (r1 - r0)), "interpolated", ratio, largest)
    return Crossover(None, "not reached", ratio, largest)


@dataclass(frozen=True)
class BenchTiming:
    """A headless run of bench/bench_claims.py: its rows, settings and machine (free-form dicts)."""

    rows: list[TimingRow]
    settings: dict = field(default_factory=dict)
    machine: dict = field(default_factory=dict)


def read_timing_json(path: str | Path) -> BenchTiming | None:
    """The benchmark result written by bench/bench_claims.py, or None if there is none yet.

    The file is a JSON object with a "rows" list of ``asdict(TimingRow)`` objects and
    optional "settings" and "machine" objects (bench_claims writes more; it is ignored).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InputError(f"{path.name} is not a readable benchmark result ({error}); run the bench again.") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise InputError(f"{path.name} has no 'rows' list; run `python bench/bench_claims.py` again.")
    try:
        rows = [TimingRow.from_dict(row) for row in data["rows"]]
    except InputError as error:
        raise InputError(f"{path.name}: {error} Run `python bench/bench_claims.py` again.") from None
    settings, machine = (data.get(key) for key in ("settings", "machine"))
    return BenchTiming(
        rows, settings if isinstance(settings, dict) else {}, machine if isinstance(machine, dict) else {}
    )
