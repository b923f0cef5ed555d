"""Compare: the DDE among the density-estimator families, on the same data, by held-out log-likelihood.

Engine: dde_core.estimators, benchmark_data, leaderboard, anomaly (docs/science.md §9);
figures: dde_viz.compare. The first view shows the default comparison (page_defaults.COMPARE_SETUP),
computed once per server and shared read-only by every session; a person's own runs stay in
their session. All training goes through the server's scheduler (dde_app/scheduler.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dde_app import page_defaults, widget_state
from dde_app.charts import chart
from dde_app.csv_input import csv_points, remembered_csv_settings
from dde_app.scheduler import scheduler
from dde_app.shared_models import shared_results
from dde_app.text import plain
from dde_app.widget_state import DRAWN, KEEP, UPLOAD, drawing, kept_for
from dde_core import anomaly, benchmark_data, estimators, leaderboard
from dde_core.benchmark_data import BenchmarkSet
from dde_core.device import device_name
from dde_core.errors import InputError
from dde_core.grid import Grid
from dde_core.leaderboard import ORACLE, ComparisonSetup
from dde_viz import compare as figures

GRID_CELLS = 80  # per side of the density heatmaps (80² values per panel keeps the page light)
SAMPLES_SHOWN = 1000  # per estimator in the samples panels
CSV_TEST_FRACTION = 0.2  # of an uploaded file's points, held out
CURVE_DEFAULT_SIZES = [250, 1000, 5000, 20_000]
CURVE_DEFAULT_NAMES = ["dde", "kde-cv"]  # the claim tested: the DDE against the KDE it learns
SWEEP_DEFAULT_NAMES = ["dde", "kde-cv", "gmm"]
SWEEP_N_TEST = 500
state = st.session_state
default = page_defaults.COMPARE_SETUP  # read at every run: tests shrink it
drawn = drawing()
DATA_CHOICES = [*benchmark_data.names(), *([DRAWN] if drawn is not None else []), UPLOAD]
if state.get("compare_data") not in (None, *DATA_CHOICES):
    state.compare_data = default.dataset  # (a drawing chosen before, since replaced by a toy)
widget_state.remember(
    {
        "compare_data": default.dataset,
        "compare_estimators": list(default.names),
        "compare_n": default.n_train,
        "compare_seed": default.seed,
        **remembered_csv_settings("compare"),
        "compare_curve_names": CURVE_DEFAULT_NAMES,
        "compare_curve_sizes": CURVE_DEFAULT_SIZES,
        "compare_sweep_kind": benchmark_data.SYNTHETIC_KINDS[0],
        "compare_sweep_dims": list(benchmark_data.SYNTHETIC_DIMS),
        "compare_sweep_names": SWEEP_DEFAULT_NAMES,
        "compare_sweep_n": 1000,
        "compare_outlier_kind": anomaly.OUTLIER_KINDS[0],
        "compare_outlier_share": 0.1,
        "compare_flag_share": 0.1,
    }
)


@dataclass
class Comparison:
    """One leaderboard run: its setup, its data, the rows done so far (models included) and the 2-D pictures."""

    setup: ComparisonSetup
    data: BenchmarkSet
    rows: list = field(default_factory=list)
    stopped: bool = False
    pool: np.ndarray | None = None  # an uploaded file's training split, uncut (its learning curve)
    pictures: dict | None = None  # grid, densities, samples (2-D), computed once

    @property
    def models(self) -> dict[str, Any]:
        return {row.estimator: row.model for row in self.rows if row.model is not None}


@dataclass
class Curves:
    """A learning-curve or dimension-sweep run: what it was on, its rows (without models), stopped early?"""

    label: str
    rows: list = field(default_factory=list)
    stopped: bool = False


# ---- long runs: progress per estimator, turns of the scheduler, Stop keeps what is done ------------------
RUN_KEYS = ("compare_result", "compare_curve", "compare_sweep")


def mark_interrupted_run() -> None:
    """A run still marked running when the script starts was cut short (Stop, or another click)."""
    key = state.pop("compare_running", None)
    if key in RUN_KEYS and state.get(key) is not None:
        state[key].stopped = True


def run_budget() -> float:
    from dde_core import limits  # read at every run (tests lower it)

    return limits.RUN_BUDGET_SECONDS


def in_turns(work: Callable[[Callable[[float, str], None], Callable[[], bool]], Any], label: str) -> Any:
    """``work(progress, should_stop)`` holding turns of the server's scheduler, with a progress bar.

    Each progress report shows on the bar and lets waiting sessions take their turn first
    (``turns.pass_on``); ``should_stop`` turns true at the run budget (the run keeps what it has).
    """
    bar = st.progress(0.0, f"{label}: waiting for a turn of the server's training pool…")
    started = time.monotonic()
    budget = run_budget()
    with scheduler().taking_turns() as turns:

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), f"{label}: {message}"[:200])
            turns.pass_on()

        try:
            return work(progress, lambda: time.monotonic() - started > budget)
        finally:
            bar.empty()


def run_buttons(run_column, stop_column, key: str, label: str) -> bool:
    """A Run button (True when clicked) beside its Stop button: ``key``_run and ``key``_stop. Stop needs
    no callback: its click reruns the page, which interrupts the run; the rows done are kept."""
    clicked = run_column.button(label, key=f"{key}_run", type="primary", width="stretch")
    stop_column.button("Stop", key=f"{key}_stop", help="Stops the run; what is finished is kept.", width="stretch")
    return clicked


def table(rows: list) -> pd.DataFrame:
    return pd.DataFrame(figures.leaderboard_table(rows))


# ---- data ----------------------------------------------------------------------------------------------
def own_points_comparison(setup: ComparisonSetup, points: Any, described: str) -> Comparison:
    """A person's points (a file's, a drawing's) split (seeded) into training (cut to n_train)
    and held-out points; no oracle."""
    pool, test = benchmark_data.train_test_split(np.asarray(points, np.float64), CSV_TEST_FRACTION, setup.seed)
    data = BenchmarkSet(
        setup.dataset,
        pool[: setup.n_train],
        test,
        None,
        None,
        f"{described}: {len(pool):,} training and {len(test):,} held-out points (a seeded 80/20 split); "
        "no exact density",
    )
    return Comparison(setup, data, pool=pool)


def csv_comparison(setup: ComparisonSetup, name: str, points: Any) -> Comparison:
    """An uploaded file's points (``datasets.load_csv``'s result) as ``own_points_comparison``."""
    columns = ", ".join(points.column_names)
    return own_points_comparison(setup, points.points, f"your file {name} (columns {columns})")


# ---- the default comparison: computed once per server, shared read-only --------------------------------
def pictures(data: BenchmarkSet, models: dict[str, Any], seed: int) -> dict:
    """The 2-D panels: densities on one grid (the true one first, when known) and samples (the data first)."""
    grid = Grid.around(data.train, n=GRID_CELLS)
    densities = {}
    if data.log_density is not None:
        densities["true density"] = grid.reshape(np.exp(data.log_density(grid.points)))
    densities.update(leaderboard.densities_on_grid(models, grid))
    samples = {"data (held-out)": data.test[:SAMPLES_SHOWN], **leaderboard.draw_samples(models, SAMPLES_SHOWN, seed)}
    return {"grid": grid, "densities": densities, "samples": samples}


def compute_default(setup: ComparisonSetup, progress: Callable[[float], None], building: dict) -> Comparison:
    """The default comparison with its pictures, in the shared store's own thread (no Streamlit calls
    here): in turns of the scheduler; ``building`` holds the comparison as it grows and what it is doing."""
    result = building["result"] = Comparison(setup, setup.load())
    with scheduler().taking_turns() as turns:

        def report(fraction: float, message: str) -> None:
            building["message"] = message
            progress(0.9 * fraction)
            turns.pass_on()

        data = result.data
        for row in leaderboard.leaderboard(
            data.train, data.test, setup.names, setup.params_dict(), data.log_density, setup.seed, report
        ):
            result.rows.append(row)
        if result.data.n_dims == 2:
            report(1.0, "drawing the densities and samples")
            result.pictures = pictures(result.data, result.models, setup.seed)
    return result


def default_comparison() -> Comparison:
    """The shared default comparison, computed once per server; this session shows the rows as they
    come when it is the one that started it, else the progress of the computation."""
    setup = page_defaults.COMPARE_SETUP
    building: dict = {}
    bar, live = st.empty(), st.empty()
    shown = [0]

    def report(fraction: float) -> None:
        what = building.get("message", "started for another visitor") if building else "started for another visitor"
        bar.progress(min(fraction, 1.0), f"Computing the default comparison, once for every visitor: {what}…")
        rows = list(building["result"].rows) if "result" in building else []
        if len(rows) != shown[0]:
            shown[0] = len(rows)
            live.dataframe(table(rows), hide_index=True, width="stretch")

    try:
        return shared_results().get(
            ("compare", setup), lambda progress: compute_default(setup, progress, building), report
        )
    finally:
        bar.empty()
        live.empty()


# ---- the page --------------------------------------------------------------------------------------------
def default_steps(name: str) -> int:
    return {**estimators.default_params(name), **default.params_dict().get(name, {})}["steps"]


mark_interrupted_run()
st.title("Compare density estimators")
st.caption(
    "The DDE beside the other families — Gaussian KDEs (Scott's and Silverman's rules, cross-validated "
    "bandwidth), a Gaussian mixture chosen by BIC, a RealNVP normalizing flow and RBIG — fitted on the same "
    "points, each with its defaults and the same tuning budget, and scored by the **mean log-likelihood of "
    "held-out points** (nats per point, higher is better; docs/science.md §9). "
    f"TensorFlow computes on the {device_name()} (the DDE and the flow)."
)

sidebar = st.sidebar
sidebar.header("Data")
choice = sidebar.selectbox(
    "Data",
    DATA_CHOICES,
    key="compare_data",
    persist_state=KEEP,
    label_visibility="collapsed",
    help="2-D toys; synthetic sets with a known density in d = 2 … 32 (mixture-d<d>, spirals-d<d>); "
    "scikit-learn's digits (64-d) and their projections on 8 or 16 principal axes; or your own CSV.",
)
upload = None
if choice == UPLOAD:
    upload = csv_points(sidebar, "compare", "Upload a CSV file to compare the estimators on your own points.")
elif choice == DRAWN:
    sidebar.caption(f"The {len(drawn)} points you drew on the Playground.")
else:
    sidebar.caption(benchmark_data.describe(choice))
columns = sidebar.columns(2)
n_train = columns[0].number_input(
    "Training points",
    100,
    20_000,
    step=500,
    key="compare_n",
    persist_state=KEEP,
    help="Fewer for a quicker run (the DDE's and the flow's training steps do not depend on it).",
)
seed = columns[1].number_input("Seed", 0, 10_000, key="compare_seed", persist_state=KEEP)
sidebar.header("Estimators")
names = sidebar.multiselect(
    "Estimators",
    list(estimators.NAMES),
    key="compare_estimators",
    persist_state=KEEP,
    label_visibility="collapsed",
    help=" ".join(f"{name}: {estimators.describe_family(name)}" for name in estimators.NAMES),
)
buttons = sidebar.columns([3, 2])
run_clicked = run_buttons(buttons[0], buttons[1], "compare", "Run the comparison")
sidebar.caption(
    f"Rows appear as each estimator finishes; Stop keeps them. Runs stop at {run_budget():.0f} s, "
    "keeping the rows done."
)
sidebar.caption(
    f"Shown first, without a click: {default.dataset}, {len(default.names)} estimators at their defaults (the DDE "
    f"and the flow train {default_steps('dde'):,} and {default_steps('flow'):,} steps), {default.n_train:,} training "
    f"and {default.n_test:,} held-out points, seed {default.seed}; about 50 s on 2 CPU cores, computed once per "
    "server and shared by every visitor."
)


def own_setup() -> ComparisonSetup:
    dataset = (
        f"csv:{upload[0]}"
        if choice == UPLOAD and upload is not None
        else f"drawn ({len(drawn)} points)"
        if choice == DRAWN
        else choice
    )
    return ComparisonSetup(dataset, tuple(names), int(n_train), default.n_test, int(seed), default.params)


def run_own() -> None:
    """A person's comparison: rows kept in the session as each finishes (a Stop keeps them)."""
    setup = own_setup()
    if not names:
        st.error("Choose at least one estimator.")
        return
    if choice == UPLOAD and upload is None:
        st.error("Upload a valid CSV file first; the results shown are kept until then.")
        return
    if setup == default:
        state.pop("compare_result", None)  # the shared default comparison is shown
        return
    try:
        if choice == UPLOAD:
            result = csv_comparison(setup, *upload)
        elif choice == DRAWN:
            result = own_points_comparison(setup, drawn, "your drawing")
        else:
            result = Comparison(setup, setup.load())
    except InputError as error:
        st.error(plain(f"Could not compare: {error}"))
        return
    live = st.empty()

    def work(progress, should_stop) -> None:
        data = result.data
        rows = leaderboard.leaderboard(
            data.train, data.test, setup.names, setup.params_dict(), data.log_density, setup.seed, progress, should_stop
        )
        for row in rows:
            result.rows.append(row)
            live.dataframe(table(result.rows), hide_index=True, width="stretch")
        result.stopped = len(result.rows) < len(setup.names) + (data.log_density is not None)

    state.compare_result = result
    state.compare_running = "compare_result"
    try:
        in_turns(work, f"Comparing on {plain(data_label(setup))}")
    except InputError as error:
        st.error(plain(f"Could not compare: {error}"))
    state.compare_running = None
    live.empty()


def data_label(setup: ComparisonSetup) -> str:
    return setup.dataset.removeprefix("csv:") + (" (your file)" if setup.dataset.startswith("csv:") else "")


if run_clicked:
    run_own()
result: Comparison = state.get("compare_result") or default_comparison()
own = state.get("compare_result") is not None
asked = own_setup()
shown = (
    f"{'Your comparison' if own else 'The default comparison'}: {plain(data_label(result.setup))}, "
    f"d = {result.data.n_dims}, {len(result.data.train):,} training and {len(result.data.test):,} held-out points, "
    f"seed {result.setup.seed}."
)
if (asked.dataset, asked.names, asked.n_train, asked.seed) != (
    result.setup.dataset,
    result.setup.names,
    result.setup.n_train,
    result.setup.seed,
):
    shown += " Press **Run the comparison** to compare on the choices above."
st.success(shown)


# ---- tabs ------------------------------------------------------------------------------------------------
def leaderboard_tab(result: Comparison) -> None:
    rows = result.rows
    if result.stopped:
        st.warning(f"Stopped early: {len(rows)} rows finished; the estimators after them were not run.")
    st.dataframe(table(rows), hide_index=True, width="stretch", key="compare_table")
    for row in rows:
        if not row.available:
            st.info(plain(f"{row.estimator}: {row.note}"))
    if any(row.mean is not None and row.estimator != ORACLE for row in rows):
        chart(figures.leaderboard_figure(rows), key="compare_leaderboard_chart")
    oracle = (
        "the true density's row is the ceiling: no estimator can beat it on average, "
        if any(row.estimator == ORACLE for row in rows)
        else "this set has no known density, so there is no ceiling row; "
    )
    st.caption(
        f"{plain(result.data.description)}. Held-out log-likelihood: mean of log q over the held-out points, "
        "± its standard error (including the normaliser's, for the DDE in d > 2, normalised by importance "
        f"sampling); {oracle}and the gap to it estimates −KL(p‖q). Fit seconds and microseconds per query are "
        "wall-clock on a shared server."
    )


def pictures_of(result: Comparison) -> dict:
    if result.pictures is None:  # a person's own run (the default comes with its pictures)
        with st.spinner("Drawing the densities and samples…"):
            with scheduler().turn():
                result.pictures = pictures(result.data, result.models, result.setup.seed)
    return result.pictures


def densities_tab(result: Comparison) -> None:
    if result.data.n_dims != 2:
        st.info(f"The heatmaps need 2-D data; this set has d = {result.data.n_dims}. The other tabs work in any d.")
        return
    if not result.models:
        st.info("No estimator has finished yet: run the comparison.")
        return
    drawn = pictures_of(result)
    chart(
        figures.density_panels_figure(drawn["grid"], drawn["densities"], title="Densities on one colour scale"),
        key="compare_densities",
    )
    chart(figures.samples_panels_figure(drawn["grid"], drawn["samples"], title="Samples"), key="compare_samples")
    st.caption(
        "Each estimator's own normalised density p on the same grid and the same colour scale (0 to the largest "
        "value of all panels): a sharper estimate looks brighter, not rescaled. Samples: exact draws for the "
        "KDEs, the mixture, the flow and RBIG; the DDE's are Langevin (MALA) chains, approximate."
    )


def run_series(key: str, label: str, what: str, rows: Callable) -> None:
    """An on-demand run (learning curve, dimension sweep): ``rows(progress, should_stop)`` yields rows,
    kept in ``state[key]`` as they come (a Stop keeps them)."""
    kept = state[key] = Curves(label)
    state.compare_running = key

    def work(progress, should_stop) -> None:
        for row in rows(progress, should_stop):
            kept.rows.append(row)
        kept.stopped = should_stop()

    try:
        in_turns(work, what)
    except InputError as error:
        st.error(plain(f"Could not run the {what.lower()}: {error}"))
    state.compare_running = None


def show_series(key: str, figure: Callable, column: str, value: Callable) -> None:
    """The chart of the run kept in ``state[key]``, and its rows (``column``: ``value(row)``) in an expander."""
    kept = state.get(key)
    if kept is None or not kept.rows:
        return
    if kept.stopped:
        st.warning("Stopped early: what is not shown was not run.")
    chart(figure(kept.rows), key=f"{key}_chart")
    st.caption(f"On {plain(kept.label)}. Rows not available are left out of the chart.")
    with st.expander("The rows"):
        st.dataframe(table(kept.rows).assign(**{column: [value(row) for row in kept.rows]}), hide_index=True)


def curve_data(result: Comparison, largest: int) -> tuple[np.ndarray, np.ndarray, Any]:
    """Training points (up to ``largest``, in random order), the leaderboard's held-out points, the oracle."""
    if result.pool is not None:  # an uploaded file: its whole training split
        return result.pool, result.data.test, None
    data = replace(result.setup, n_train=largest).load()  # the same held-out points (their own seed)
    return data.train, data.test, data.log_density


def curve_tab(result: Comparison) -> None:
    st.markdown(
        "Held-out log-likelihood against the number of training points, each estimator fitted on nested subsets "
        "and scored on the leaderboard's held-out points: where does the DDE pull away from the KDE it learns?"
    )
    columns = st.columns([2, 2, 1, 1])
    curve_names = columns[0].multiselect(
        "Estimators", list(estimators.NAMES), key="compare_curve_names", persist_state=KEEP
    )
    sizes = columns[1].multiselect(
        "Training-set sizes", list(leaderboard.LEARNING_CURVE_SIZES), key="compare_curve_sizes", persist_state=KEEP
    )
    clicked = run_buttons(columns[2], columns[3], "compare_curve", "Run")
    st.caption(f"On demand; each size costs about one leaderboard row per estimator. Stops at {run_budget():.0f} s.")
    if clicked:
        if not curve_names or not sizes:
            st.error("Choose at least one estimator and one size.")
        else:
            train, test, oracle = curve_data(result, max(sizes))
            skipped = [n for n in sizes if n > len(train)]
            if skipped:
                st.info(f"This data has {len(train):,} training points: sizes {skipped} are left out.")
            params, curve_seed = result.setup.params_dict(), result.setup.seed
            run_series(
                "compare_curve",
                data_label(result.setup),
                "Learning curve",
                lambda progress, should_stop: leaderboard.learning_curve(
                    train, test, sizes, curve_names, params, oracle, curve_seed, progress, should_stop
                ),
            )
    show_series("compare_curve", figures.learning_curve_figure, "n", lambda row: row.n_train)


def sweep_tab() -> None:
    st.markdown(
        "Each estimator's gap to the true density, mean of log q − log p on held-out points (0 is the truth, "
        "below is worse), on the synthetic sets of d = 2 … 32 dimensions."
    )
    columns = st.columns([1, 2, 2, 1, 1, 1])
    kind = columns[0].selectbox("Sets", benchmark_data.SYNTHETIC_KINDS, key="compare_sweep_kind", persist_state=KEEP)
    dims = columns[1].multiselect(
        "Dimensions", list(benchmark_data.SYNTHETIC_DIMS), key="compare_sweep_dims", persist_state=KEEP
    )
    sweep_names = columns[2].multiselect(
        "Estimators", list(estimators.NAMES), key="compare_sweep_names", persist_state=KEEP
    )
    n = columns[3].number_input("Training points", 100, 20_000, step=500, key="compare_sweep_n", persist_state=KEEP)
    clicked = run_buttons(columns[4], columns[5], "compare_sweep", "Run")
    st.caption(
        f"{SWEEP_N_TEST:,} held-out points per d. On demand; stops at {run_budget():.0f} s, "
        "keeping the dimensions done."
    )
    if clicked:
        if not sweep_names or not dims:
            st.error("Choose at least one estimator and one dimension.")
        else:
            params, sweep_seed = default.params_dict(), int(seed)
            run_series(
                "compare_sweep",
                f"{kind}-d<d>, {int(n):,} training points",
                "Dimension sweep",
                lambda progress, should_stop: leaderboard.dimension_sweep(
                    kind, sorted(dims), sweep_names, int(n), SWEEP_N_TEST, params, sweep_seed, progress, should_stop
                ),
            )
    show_series("compare_sweep", figures.dimension_figure, "d", lambda row: row.n_dims)


def anomaly_results(result: Comparison, kind: str, share: float) -> tuple[anomaly.OutlierSet, list]:
    """Outliers injected among the held-out points and each fitted model's ROC: once per choice."""

    def make():
        outliers = anomaly.inject_outliers(result.data.test, share, kind, result.setup.seed)
        with scheduler().turn():
            return outliers, list(anomaly.detect(result.models, outliers))

    return kept_for("compare_anomalies", (id(result), len(result.rows), kind, share), make)


def anomalies_tab(result: Comparison) -> None:
    st.markdown(
        "The held-out points are the inliers; outliers are added among them, and each estimator flags the "
        "points of lowest log-density. The ROC curve sweeps the threshold; the area under it (AUC) is the "
        "chance that a random outlier gets a lower density than a random inlier."
    )
    if not result.models:
        st.info("No estimator has finished yet: run the comparison.")
        return
    columns = st.columns([1, 2])
    kind = columns[0].radio(
        "Outliers",
        anomaly.OUTLIER_KINDS,
        key="compare_outlier_kind",
        persist_state=KEEP,
        horizontal=True,
        format_func=lambda k: {"uniform": "uniform on a box", "cluster": "a shifted cluster"}.get(k, k),
    )
    share = columns[1].slider(
        "Share of outliers", 0.01, 0.5, step=0.01, key="compare_outlier_share", persist_state=KEEP, format="%.2f"
    )
    try:
        outliers, detected = anomaly_results(result, kind, float(share))
    except InputError as error:
        st.error(plain(f"Could not score the outliers: {error}"))
        return
    chart(figures.roc_figure(detected), key="compare_roc")
    st.dataframe(
        pd.DataFrame([{"estimator": d.estimator, "AUC": round(d.auc, 4)} for d in detected]),
        hide_index=True,
        key="compare_auc",
    )
    if result.data.n_dims != 2:
        st.caption(f"The flagged-points picture needs 2-D data; this set has d = {result.data.n_dims}.")
        return
    columns = st.columns([1, 2])
    which = columns[0].selectbox("Flag with", [d.estimator for d in detected], key="compare_flag_estimator")
    flagged_share = columns[1].slider(
        "Flag the lowest-density share of the points (sets the threshold)",
        0.0,
        1.0,
        step=0.01,
        key="compare_flag_share",
        persist_state=KEEP,
        format="%.2f",
    )
    scores = next(d for d in detected if d.estimator == which).log_density
    threshold = anomaly.threshold_for_share(scores, max(float(flagged_share), 1e-9))
    flagged = anomaly.flag(scores, threshold) if flagged_share > 0 else np.zeros(len(scores), bool)
    found = int((flagged & outliers.is_outlier).sum())
    false_alarms = int((flagged & ~outliers.is_outlier).sum())
    title = (
        f"{which}: flag log p ≤ {threshold:.2f} — {found} of {int(outliers.is_outlier.sum())} outliers found, "
        f"{false_alarms} false alarms"
    )
    box = Grid.around(outliers.points, n=2)  # the picture's box holds every point, outliers included
    chart(
        figures.flagged_figure(outliers.points, outliers.is_outlier, flagged, box, title),
        key="compare_flagged",
    )


tabs = st.tabs(["Leaderboard", "Densities", "Learning curve", "Dimensions", "Anomalies"])
with tabs[0]:
    leaderboard_tab(result)
with tabs[1]:
    densities_tab(result)
with tabs[2]:
    curve_tab(result)
with tabs[3]:
    sweep_tab()
with tabs[4]:
    anomalies_tab(result)
