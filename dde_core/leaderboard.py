"""Estimators side by side on the same data: a leaderboard, learning curves and a dimension sweep.

Each estimator of ``dde_core.estimators`` is fitted on the training points (timed) and
scored by its **held-out mean log-likelihood** (nats per point, higher is better):

    mean = (1/m) Σ_j log q(x_j),   stderr = √(s²/m + se(log Z)²),

s the sample standard deviation of log q(x_j) and se(log Z) the normaliser's standard
error (importance-sampled DDE; 0 for exactly normalised families), by
``metrics.held_out_log_likelihood``.  When the true density p is known (``oracle``) the
row also has the **gap to the oracle** on the same points,

    gap = (1/m) Σ_j [log q(x_j) − log p(x_j)]  (an estimate of −KL(p‖q) ≤ 0),

with its paired standard error (the normaliser's added).  A gap above +3 standard errors
means a density that is not normalised: the correctness guard (docs/science.md §3).

Results come one row at a time (``leaderboard`` is a generator; ``run_leaderboard``
collects them and calls ``on_row``), with ``progress(fraction, message)`` during fits
and ``should_stop()`` checked during them: a stop ends the run with the rows done.
An estimator that cannot take the data gives a "not available" row and the others run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from . import benchmark_data, estimators
from .errors import InputError
from .grid import Grid
from .metrics import LogZ, held_out_log_likelihood, mean_log_likelihood
from .validation import check_points, check_positive_int

__all__ = [
    "Row",
    "Leaderboard",
    "ComparisonSetup",
    "ORACLE",
    "COLUMNS",
    "evaluate",
    "oracle_row",
    "leaderboard",
    "run_leaderboard",
    "learning_curve",
    "LEARNING_CURVE_SIZES",
    "dimension_sweep",
    "densities_on_grid",
    "draw_samples",
]

ORACLE = "oracle"
LEARNING_CURVE_SIZES = (250, 500, 1000, 2000, 5000, 10_000, 20_000)
MAX_TIMED_QUERIES = 2000  # held-out points timed for the per-query cost

Progress = Callable[[float, str], None]  # (fraction of the whole run, message)
StopCheck = Callable[[], bool]
LogDensity = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Row:
    """One estimator's result on one data set (or the oracle's, ``estimator == "oracle"``).

    status: "ok", "oracle" or "not available" (``note`` then says why).  note: what was fitted.
    mean ± stderr: held-out mean log-likelihood, nats/point; stderr includes the normaliser's.
    normaliser: "exact", "grid" or "importance"; log_z_stderr its standard error (nats).
    gap ± gap_stderr: mean of log q − log p on the held-out points (None without an oracle).
    fit_seconds: wall time of ``fit`` (one-off imports excluded); query_microseconds: of a
    second ``log_density`` call per point (warm), on at most 2,000 held-out points.
    model: the fitted estimator (left out of ``to_dict``; None for curves and sweeps).
    """

    estimator: str
    status: str
    note: str
    n_train: int
    n_test: int
    n_dims: int
    mean: float | None = None
    stderr: float | None = None
    normaliser: str = ""
    log_z_stderr: float | None = None
    gap: float | None = None
    gap_stderr: float | None = None
    fit_seconds: float | None = None
    query_microseconds: float | None = None
    can_sample: bool | None = None
    exact_samples: bool | None = None
    has_score: bool | None = None
    score_is_conservative: bool | None = None
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def available(self) -> bool:
        return self.status != "not available"

    def to_dict(self) -> dict:
        """The row as plain values (JSON and CSV), without the model."""
        return {name: getattr(self, name) for name in COLUMNS}


COLUMNS = tuple(column.name for column in fields(Row) if column.name != "model")


@dataclass
class Leaderboard:
    """The rows of a run (oracle first when known), and whether ``should_stop`` ended it early."""

    rows: list[Row] = field(default_factory=list)
    stopped: bool = False


@dataclass(frozen=True)
class _AlreadyApplied:
    """A normaliser for a density already divided by Z: log Z = 0, keeping Z's error and method."""

    log_z_: LogZ

    def log_z(self, log_f: LogDensity) -> LogZ:
        z = self.log_z_
        return LogZ(0.0, z.stderr, z.method, z.n, z.ess)


@dataclass(frozen=True)
class ComparisonSetup:
    """A comparison to run on a named set of ``benchmark_data``: hashable, so it can key a cache.

    dataset: a name of ``benchmark_data.names()``; names: the estimators, in order;
    n_train, n_test: points drawn (digits: a fixed split, training part cut to n_train);
    seed: of the data and of every estimator; params: ((estimator, ((parameter, value), ...)), ...)
    over the estimators' defaults (``params_dict`` gives them as {name: {parameter: value}}).
    """

    dataset: str = "2spirals"
    names: tuple[str, ...] = estimators.NAMES
    n_train: int = 2000
    n_test: int = 1000
    seed: int = 0
    params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    def params_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dict(values) for name, values in self.params}

    def load(self) -> benchmark_data.BenchmarkSet:
        """The training and held-out points (and the oracle, when known) of this setup."""
        return benchmark_data.load(self.dataset, self.n_train, self.n_test, self.seed)


def _checked_data(train: Any, test: Any) -> tuple[np.ndarray, np.ndarray]:
    train = check_points(train, "training points", min_points=1)
    test = check_points(test, "held-out points", min_points=2, dim=train.shape[1])
    return train, test


def oracle_row(train: np.ndarray, test: np.ndarray, oracle_values: np.ndarray) -> Row:
    """The true density's row: its held-out mean log-likelihood (−entropy estimate) ± stderr."""
    mean, stderr = mean_log_likelihood(oracle_values)
    return Row(
        ORACLE,
        ORACLE,
        "the true density (exact)",
        len(train),
        len(test),
        train.shape[1],
        mean,
        stderr,
        "exact",
        0.0,
        0.0,
        0.0,
    )


def evaluate(
    name: str,
    train: Any,
    test: Any,
    params: Mapping[str, Any] | None = None,
    oracle_values: np.ndarray | None = None,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> Row:
    """Fit estimator ``name`` (with ``params``) on train (n, d) and score it on test (m, d).

    ``oracle_values``: the true log p at the test points (m,), for the gap.  A refusal
    (``InputError``: "not available for ...", or a density that is zero at a held-out
    point) becomes a "not available" row; ``estimators.FitStopped`` propagates.
    """
    train, test = _checked_data(train, test)
    model = estimators.make(name, **dict(params or {}))
    shape = dict(n_train=len(train), n_test=len(test), n_dims=train.shape[1])
    try:
        model.load_backend()  # one-off imports, not the fit's cost
        start = time.perf_counter()
        model.fit(train, progress, should_stop)
        fit_seconds = time.perf_counter() - start
        values = model.log_density(test)
        score = held_out_log_likelihood(lambda _: values, test, _AlreadyApplied(model.log_z_))
        timed = test[:MAX_TIMED_QUERIES]
        start = time.perf_counter()
        model.log_density(timed)  # warm: the first call above paid any one-off cost
        query_microseconds = 1e6 * (time.perf_counter() - start) / len(timed)
        gap = gap_stderr = None
        if oracle_values is not None:
            gap, paired = mean_log_likelihood(values - oracle_values)
            gap_stderr = math.hypot(paired, score.log_z_stderr)
    except InputError as error:
        return Row(name, "not available", str(error), **shape)
    return Row(
        name,
        "ok",
        model.describe(),
        **shape,
        mean=score.mean,
        stderr=score.stderr,
        normaliser=score.method,
        log_z_stderr=score.log_z_stderr,
        gap=gap,
        gap_stderr=gap_stderr,
        fit_seconds=fit_seconds,
        query_microseconds=query_microseconds,
        can_sample=model.can_sample,
        exact_samples=model.exact_samples if model.can_sample else None,
        has_score=model.has_score,
        score_is_conservative=model.score_is_conservative if model.has_score else None,
        model=model,
    )


def _params_for(name: str, params: Mapping[str, Mapping[str, Any]] | None, seed: int) -> dict:
    """The estimator's parameters: ``seed`` unless given, then those given for ``name``."""
    return {"seed": seed, **dict((params or {}).get(name, {}))}


def _checked_names(names: Iterable[str]) -> list[str]:
    names = list(names)
    if not names:
        raise InputError(f"Choose at least one estimator among: {', '.join(estimators.NAMES)}.")
    for name in names:
        estimators.make(name)  # refuses unknown names
    return names


def _within(progress: Progress | None, low: float, high: float, prefix: str) -> Progress | None:
    """A fit's ``progress(fraction, message)`` mapped into [low, high] of the run."""
    if progress is None:
        return None
    return lambda fraction, message: progress(low + (high - low) * fraction, f"{prefix}{message}")


def leaderboard(
    train: Any,
    test: Any,
    names: Sequence[str] = estimators.NAMES,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    oracle: LogDensity | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> Iterator[Row]:
    """Rows one at a time: the oracle's first (when ``oracle``, the true log-density, is given),
    then each estimator of ``names`` in order.  ``params``: {name: {parameter: value}}.

    A stop request (``should_stop()`` True) ends the generator after the rows done so far.
    """
    train, test = _checked_data(train, test)
    names = _checked_names(names)
    seed = check_positive_int(seed, "seed", minimum=0)
    oracle_values = None
    if oracle is not None:
        oracle_values = np.asarray(oracle(test), dtype=np.float64)
        yield oracle_row(train, test, oracle_values)
    for i, name in enumerate(names):
        if should_stop is not None and should_stop():
            return
        within = _within(progress, i / len(names), (i + 1) / len(names), f"{name}: ")
        try:
            row = evaluate(name, train, test, _params_for(name, params, seed), oracle_values, within, should_stop)
        except estimators.FitStopped:
            return
        yield row


def run_leaderboard(
    train: Any,
    test: Any,
    names: Sequence[str] = estimators.NAMES,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    oracle: LogDensity | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
    on_row: Callable[[Row], None] | None = None,
) -> Leaderboard:
    """``leaderboard`` collected, calling ``on_row(row)`` as each row is done; ``stopped`` says
    whether a stop request cut it short."""
    result = Leaderboard()
    for row in leaderboard(train, test, names, params, oracle, seed, progress, should_stop):
        result.rows.append(row)
        if on_row is not None:
            on_row(row)
    expected = len(names) + (oracle is not None)
    result.stopped = len(result.rows) < expected
    return result


def learning_curve(
    train: Any,
    test: Any,
    sizes: Sequence[int] = LEARNING_CURVE_SIZES,
    names: Sequence[str] = estimators.NAMES,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    oracle: LogDensity | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> Iterator[Row]:
    """Held-out log-likelihood against training-set size: rows (without models) for each size
    n in ``sizes`` (ascending; sizes above len(train) are skipped) and each estimator, fitted on
    the first n training points (nested sets: give ``train`` in random order), all scored on
    the same ``test``; an oracle row per size when ``oracle`` is given."""
    train, test = _checked_data(train, test)
    names = _checked_names(names)
    sizes = sorted({check_positive_int(n, "training-set size", minimum=2) for n in sizes if n <= len(train)})
    if oracle is not None:
        values = np.asarray(oracle(test), dtype=np.float64)
        oracle = lambda _: values  # the same held-out points at every size: evaluated once
    for i, n in enumerate(sizes):
        within = _within(progress, i / len(sizes), (i + 1) / len(sizes), f"n = {n:,}, ")
        for row in leaderboard(train[:n], test, names, params, oracle, seed, within, should_stop):
            yield _without_model(row)
        if should_stop is not None and should_stop():
            return


def dimension_sweep(
    kind: str = "mixture",
    dims: Sequence[int] = benchmark_data.SYNTHETIC_DIMS,
    names: Sequence[str] = estimators.NAMES,
    n_train: int = 2000,
    n_test: int = 1000,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> Iterator[Row]:
    """Each estimator's gap to the oracle on the synthetic sets ``<kind>-d<d>`` for d in ``dims``:
    per d, the oracle's row then one row (without the model) per estimator."""
    if kind not in benchmark_data.SYNTHETIC_KINDS:
        raise InputError(f"kind must be one of {', '.join(benchmark_data.SYNTHETIC_KINDS)}, got {kind!r}.")
    names = _checked_names(names)
    dims = list(dims)
    for i, d in enumerate(dims):
        data = benchmark_data.load(f"{kind}-d{d}", n_train, n_test, seed)
        span = (i / len(dims), (i + 1) / len(dims))
        for row in leaderboard(
            data.train,
            data.test,
            names,
            params,
            data.log_density,
            seed,
            _within(progress, *span, f"d = {d}, "),
            should_stop,
        ):
            yield _without_model(row)
        if should_stop is not None and should_stop():
            return


def _without_model(row: Row) -> Row:
    return Row(**{**row.to_dict(), "model": None})


def densities_on_grid(models: Mapping[str, Any], grid: Grid) -> dict[str, np.ndarray]:
    """Each fitted 2-D model's own normalised density p on ``grid``, (n, n), rows along y.

    Not renormalised on the grid: ``normalization.mass_on_grid`` of its log (Σ p · cell area)
    shows how much of each density lies in the box.
    """
    return {name: grid.reshape(np.exp(model.log_density(grid.points))) for name, model in models.items()}


def draw_samples(models: Mapping[str, Any], n: int, seed: int = 0) -> dict[str, np.ndarray | None]:
    """``n`` samples (n, d) from each fitted model that can sample; None for the others."""
    return {name: model.sample(n, seed) if model.can_sample else None for name, model in models.items()}
