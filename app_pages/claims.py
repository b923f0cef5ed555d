"""Claims: the DDE's three promises, and one of Meng et al. (2021) about it, measured live against the exact KDE.

Measurements: dde_core.claims (dataclasses); figures: dde_viz.claims; the tables'
column labels are this page's.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dde_app import page_defaults, widget_state
from dde_app.charts import chart
from dde_app.scheduler import scheduler
from dde_app.shared_models import shared_experiment, shared_results
from dde_app.widget_state import KEEP
from dde_core import DDE, claims, datasets
from dde_core.errors import InputError
from dde_core.grid import Grid
from dde_core.limits import RUN_BUDGET_SECONDS
from dde_core.score_network import ScoreNetwork
from dde_core.settings import SIGMA_CHOICES, SIGMA_RANGE
from dde_core.training import train_in_chunks
from dde_viz import claims as figures

BENCH_FILE = Path(__file__).resolve().parents[1] / "bench" / "out" / "claims_inference.json"
HESSIAN_BENCH_FILE = BENCH_FILE.with_name("hessians.json")
RESULT_KEYS = ("claims_timing", "claims_ll", "claims_sweep", "claims_direct", "claims_hessians")  # tied to one model
HESSIAN_MEASURE_SECONDS = 5.0  # the KDE's Hessians, the maps and the timings of claim 4, about
REFERENCE_STEPS_PER_SECOND = 100.0  # the default DDE on 2 CPU cores (bench/RESULTS.md)
SWEEP_MEASURE_SECONDS = 2.0  # normalising and scoring one σ of the sweep, about
DEFAULT_SOURCE = "The default model (shared)"
TABS = (
    "1 · Inference cost O(d) vs O(d·D)",
    "2 · A real, normalisable density",
    "3 · A conservative field",
    "4 · High-order gradients: autodiff or direct?",
)
state = st.session_state
DEFAULTS = {  # every control's first value; with these, each claim first shows a shared result
    "claims_dist": page_defaults.CLAIMS_MODEL.dataset,
    "claims_sigma": page_defaults.CLAIMS_MODEL.sigma,
    "claims_n": page_defaults.CLAIMS_MODEL.n_samples,
    "claims_steps": page_defaults.CLAIMS_MODEL.steps,
    **page_defaults.CLAIMS_CONTROLS,
}
widget_state.remember(DEFAULTS)


class OverBudget(Exception):
    """A run reached the time allowed per run (``RUN_BUDGET_SECONDS``)."""


# ---- long measurements: a run button, a Stop button, a progress bar, results kept as they come ----
def mark_interrupted_run() -> None:
    """A run still marked as running when the script starts was cut short (Stop or another click)."""
    key = state.pop("claims_running", None)
    if key is not None and hasattr(state.get(key), "stopped"):
        state[key].stopped = True


def run_long(
    key: str,
    label: str,
    work: Callable,
    keep: Callable[[Any], None] | None = None,
    help: str | None = None,
    estimate: float | None = None,
    inputs: Sequence[str] | None = None,
    uses: Any = None,
) -> None:
    """Run ``work(progress)`` on a click; each partial result goes to ``keep`` (default state[key]).

    Stop needs no callback: any click reruns the page, which interrupts the running script;
    the next run finds it still marked running (``mark_interrupted_run``) and says so. A run
    that reaches ``RUN_BUDGET_SECONDS`` stops at its next progress report, keeping what it has.
    ``estimate``: about how long the run takes (s), said before it starts.
    ``inputs``: the controls ``work`` reads. While the shared default model is tested and
    they have their default values, the result is the one shared by every session
    (``shared_default``) until the person runs their own. ``uses``: a shared result that
    ``work`` builds on (part of what identifies the shared result), or None.
    """
    keep = keep or (lambda partial: state.__setitem__(key, partial))
    if inputs is not None and state.get(key) is None and testing_the_default(inputs):
        shared_default(key, work, keep, inputs, uses)
    left, right, note = st.columns([3, 1, 4])
    budget = f"runs stop at {RUN_BUDGET_SECONDS:.0f} s, keeping what was measured"
    note.caption(f"About {estimate:,.0f} s ({budget})." if estimate is not None else f"At most {budget}.")
    clicked = left.button(label, key=f"{key}_run", type="primary", help=help, width="stretch")
    right.button(
        "Stop", key=f"{key}_stop", width="stretch", help="Stops between steps; what was measured so far is kept."
    )
    if not clicked:
        return
    state.claims_running = key
    bar = st.progress(0.0, "Starting…")
    started = time.monotonic()

    def progress(fraction: float, message: str, partial: Any) -> None:
        keep(partial)
        bar.progress(fraction, message)
        if time.monotonic() - started > RUN_BUDGET_SECONDS and fraction < 1:
            raise OverBudget
        turns.pass_on()  # the other sessions' work goes first, then this run goes on

    try:
        with scheduler().taking_turns() as turns:  # a fair share of the CPU (dde_app/scheduler.py)
            result = work(progress)
    except InputError as error:
        st.error(f"Could not measure: {error}")
    except OverBudget:
        mark_interrupted_run()
        st.warning(f"Stopped at the {RUN_BUDGET_SECONDS:.0f} s limit per run; what was measured is kept.")
    else:
        keep(result)
    state.claims_running = None
    bar.empty()


def testing_the_default(inputs: Sequence[str]) -> bool:
    """True while the shared default model is tested with ``inputs`` at their default values."""
    return state.get("claims_source") == DEFAULT_SOURCE and all(state.get(name) == DEFAULTS[name] for name in inputs)


def shared_default(key: str, work: Callable, keep: Callable[[Any], None], inputs: Sequence[str], uses: Any) -> None:
    """The result of ``work`` on the default model, measured once per server (in turns of the
    scheduler, in a thread of its own) and shown to every session; ``work`` must not read
    session state (it runs outside this session's script)."""

    def measure(report: Callable[[float], None]) -> Any:
        with scheduler().taking_turns() as turns:

            def progress(fraction: float, message: str, partial: Any) -> None:
                report(fraction)
                turns.pass_on()

            return work(progress)

    bar = st.progress(0.0, "Measuring the default model (once for everyone who opens this page)…")
    setup = ("claims", key, page_defaults.CLAIMS_MODEL, tuple(state[name] for name in inputs), id(uses))
    try:
        result = shared_results().get(setup, measure, lambda done: bar.progress(done, f"Measuring… {done:.0%}"))
    except InputError as error:
        st.error(f"Could not measure the default model: {error}")
        return
    finally:
        bar.empty()
    keep(result)


def training_seconds(steps: int, model: Any = None) -> float:
    """About how long ``steps`` training steps take: at ``model``'s measured speed when it has
    trained, else at the reference machine's (about 100 steps/s for the default DDE)."""
    speed = getattr(getattr(model, "history_", None), "steps_per_second", None)
    return steps / (speed if speed and speed == speed else REFERENCE_STEPS_PER_SECOND)


def table(rows: Sequence[Any], columns: dict[str, Callable[[Any], Any]]) -> pd.DataFrame:
    """A DataFrame with one row per result and one column per label: ``columns[label](result)``."""
    return pd.DataFrame([{label: get(row) for label, get in columns.items()} for row in rows], columns=list(columns))


def train_with_progress(model: Any, points: Any, steps: int, progress: Callable) -> Any:
    """``train_in_chunks`` (100 steps a chunk) reporting to ``run_long``'s progress, the model as partial."""
    return train_in_chunks(model, points, steps, 100, claims.chunk_reporter(progress, model))


def checked_sigma(value: float | None) -> float:
    low, high = SIGMA_RANGE
    if value is None or not low <= value <= high:
        raise InputError(f"σ must be between {low:g} and {high:g} (data units), got {value!r}.")
    return float(value)


# ---- which model is tested -------------------------------------------------------------------------
def playground_subject() -> claims.Subject | None:
    experiment = getattr(state.get("playground"), "experiment", None)
    if experiment is None or experiment.step <= 1:
        return None
    return claims.Subject.from_experiment(experiment)


def train_here() -> None:
    """The form that trains this page's own DDE (kept in state.claims_local)."""
    columns = st.columns(4)
    columns[0].selectbox(
        "Distribution",
        datasets.names(),
        key="claims_dist",
        persist_state=KEEP,
        help="8gaussians and checkerboard have a known best log-likelihood.",
    )
    columns[1].number_input(
        "σ",
        step=0.05,
        format="%.3f",
        key="claims_sigma",
        persist_state=KEEP,
        help=f"Noise level / KDE bandwidth, {SIGMA_RANGE[0]:g} to {SIGMA_RANGE[1]:g}.",
    )
    columns[2].number_input("Samples", 200, 50_000, step=500, key="claims_n", persist_state=KEEP)
    columns[3].number_input(
        "Training steps",
        10,
        20_000,
        step=100,
        key="claims_steps",
        persist_state=KEEP,
        help="About 100 steps per second on 2 CPU cores (batch 2048).",
    )
    try:
        sigma = checked_sigma(state.claims_sigma)
    except InputError as error:
        st.error(str(error))
        return
    dist, steps = state.claims_dist, int(state.claims_steps)
    subject = claims.Subject(
        DDE(sigma=sigma, steps=steps),
        datasets.sample(dist, int(state.claims_n), seed=0),
        sigma,
        dist,
        0,
        Grid(n=100),
        "this page",
    )
    # The new model replaces the old one once its first chunk has trained.
    run_long(
        "claims_train",
        "Train a DDE here",
        lambda progress: train_with_progress(subject.model, subject.points, steps, progress),
        keep=lambda _: state.__setitem__("claims_local", subject) if hasattr(subject.model, "average_") else None,
        help="Default DDE (3×64 softplus, batch 2048) on data seed 0.",
        estimate=training_seconds(steps),
    )


def default_subject() -> claims.Subject:
    """The shared default model: the first visitor of the server trains it, with a progress bar."""
    bar = st.progress(0.0, "Training the default model (once for everyone who opens this page)…")
    experiment = shared_experiment(
        page_defaults.CLAIMS_MODEL, lambda done: bar.progress(done, f"Training the default model… {done:.0%}")
    )
    bar.empty()
    return dataclasses.replace(claims.Subject.from_experiment(experiment), source="default")


def choose_subject() -> claims.Subject | None:
    playground = playground_subject()
    options = (["Playground model"] if playground else []) + [DEFAULT_SOURCE, "Train one here"]
    if state.get("claims_source") not in options:
        state.claims_source = options[0]
    source = st.radio("Model to test", options, key="claims_source", persist_state=KEEP, horizontal=True)
    if source == "Playground model" and playground is not None:
        return playground
    if source == DEFAULT_SOURCE:
        return default_subject()
    with st.container(border=True):
        train_here()
    return state.get("claims_local")


def forget_results_of_other_models(subject: claims.Subject) -> None:
    key = f"{subject.source}:{id(subject.model)}"
    if state.get("claims_subject_key") != key:
        for result in RESULT_KEYS:
            state.pop(result, None)
        state.claims_subject_key = key


def view_grid(subject: claims.Subject, n: int) -> Grid:
    return Grid(subject.grid.x_range, subject.grid.y_range, n)


# ---- claim 1 -------------------------------------------------------------------------------------------
def timing_section(subject: claims.Subject) -> None:
    st.markdown(
        "A DDE answers a query with **one network pass**, whatever the number of training points D; "
        "an exact KDE sums over all D points. Here both, and scipy's `gaussian_kde` with the same "
        "kernel σ²I, evaluate log p on the same queries for training sets of growing size D "
        "(drawn from the KDE of your data)."
    )
    columns = st.columns(3)
    columns[0].select_slider(
        "Largest D", claims.TIMING_SIZES, key="claims_max_d", persist_state=KEEP, format_func=lambda v: f"{v:,}"
    )
    columns[1].number_input(
        "Time budget (s)",
        1.0,
        RUN_BUDGET_SECONDS,
        step=5.0,
        key="claims_budget",
        persist_state=KEEP,
        help="Sizes predicted to overrun it are skipped (scipy first).",
    )
    columns[2].number_input(
        "Query grid side",
        4,
        200,
        step=4,
        key="claims_query_n",
        persist_state=KEEP,
        help="Queries: an n×n grid over the view box (32 → 1,024, as in the bench).",
    )
    sizes = [D for D in claims.TIMING_SIZES if D <= state.claims_max_d]
    queries = view_grid(subject, int(state.claims_query_n)).points
    budget = float(state.claims_budget)
    run_long(
        "claims_timing",
        "Measure inference time",
        lambda progress: claims.inference_timings(
            subject.model, subject.points, subject.sigma, queries, sizes, budget, progress=progress
        ),
        inputs=("claims_max_d", "claims_budget", "claims_query_n"),
    )
    try:
        bench = claims.read_timing_json(BENCH_FILE)
    except InputError as error:
        bench = None
        st.warning(str(error))
    report = state.get("claims_timing")
    if report is None or not report.rows:
        st.info("Press **Measure inference time** to run the sweep.")
    else:
        show_timing(report)
    rows = report.rows if report is not None else []
    if rows or bench is not None:
        chart(
            figures.timing_figure(
                rows, bench.rows if bench else None, timing_crossover(report), report.n_queries if rows else None
            ),
            key="claims_timing_chart",
        )
    if bench is None:
        st.caption("No headless benchmark yet: run `python bench/bench_claims.py` to add its lines (dashed).")
    else:
        settings, machine = bench.settings, bench.machine
        st.caption(
            f"Dashed: `bench/bench_claims.py` run of {machine.get('date', '?')} on "
            f"{machine.get('cpu_count', '?')} CPUs ({machine.get('device', '?')}), "
            f"{settings.get('queries', '?')} queries, σ = {settings.get('sigma', '?')}, "
            f"best of up to {settings.get('repeats', '?')} calls."
        )


def timing_crossover(report: claims.TimingReport | None) -> float | None:
    if report is None or not report.rows:
        return None
    result = claims.crossover(report.rows)
    return result.D if result.status == "interpolated" else None


TIMING_COLUMNS = {
    "D": lambda r: r.D,
    "DDE s": lambda r: r.dde_seconds,
    "KDE (ours) s": lambda r: r.kde_seconds,
    "scipy s": lambda r: r.scipy_seconds,
    "calls DDE/KDE/scipy": lambda r: "/".join(str(r.calls[k]) for k in ("dde", "kde", "scipy")),
    "scipy vs ours max |Δ| nats": lambda r: r.scipy_max_diff,
    "note": lambda r: r.note,
}


def show_timing(report: claims.TimingReport) -> None:
    result = claims.crossover(report.rows)
    columns = st.columns(3)
    columns[0].metric("KDE slower than the DDE from D", result.text(), help="Interpolated on log-log axes.")
    columns[1].metric(f"KDE / DDE time at D = {result.largest_D:,}", f"{result.ratio_at_largest:,.0f}×")
    if any(r.scipy_seconds is not None for r in report.rows):
        scipy = claims.crossover(report.rows, slow="scipy")
        columns[2].metric(f"scipy / DDE time at D = {scipy.largest_D:,}", f"{scipy.ratio_at_largest:,.0f}×")
    seconds = st.column_config.NumberColumn(format="%.4f")
    st.dataframe(
        table(report.rows, TIMING_COLUMNS),
        hide_index=True,
        key="claims_timing_table",
        column_config={
            "D": st.column_config.NumberColumn(format="localized"),
            "DDE s": seconds,
            "KDE (ours) s": seconds,
            "scipy s": seconds,
            "scipy vs ours max |Δ| nats": st.column_config.NumberColumn(format="%.1e"),
        },
    )
    skipped = ", ".join(f"{D:,}" for D, _ in report.skipped)
    st.caption(
        f"{report.n_queries:,} queries; wall time (time.perf_counter), best of up to {report.repeats} calls "
        f"(DDE: 5) after a warm-up, each method ≤ ~{claims.REPEAT_SECONDS:g} s of repeats; σ = {report.sigma:g}; "
        f"{report.seconds_used:.1f} s of the {report.budget_seconds:g} s budget used. Our KDE is TensorFlow float64 "
        "on all cores; scipy's is single-threaded C. scipy's kernel is set to σ²I and checked against ours on 16 "
        "queries (column |Δ|)."
        + (f" Skipped (budget): D = {skipped}." if skipped else "")
        + (" Stopped early: larger sizes were not measured." if report.stopped else "")
    )


# ---- claim 2 -------------------------------------------------------------------------------------------
OPTIMUM_TEXT = (
    "**Sign convention.** Numbers are mean log-likelihoods log p(x) of held-out points in nats per point: "
    "higher is better (the negative log-likelihood, NLL, is the same number with its sign flipped). "
    "No density can beat **−H(p)**, minus the entropy of the true distribution, on average (Gibbs' "
    "inequality): checkerboard −ln 32 = −3.466 nats, 8gaussians ≈ −2.838 (NLL floors 3.466 and 2.838). "
    "A finite sample's mean can land above it by chance, within its standard error."
)


def likelihood_section(subject: claims.Subject) -> None:
    optimum = claims.ANALYTIC_OPTIMUM.get(subject.dataset)
    st.markdown(
        "A DDE's *f* is a log-density up to a constant. Normalised — by quadrature on a grid and, in any "
        "dimension, by importance sampling from the KDE at σ — it scores **fresh samples** like any "
        "density, next to KDEs at the same σ and at the usual rule-of-thumb bandwidths."
    )
    st.markdown(OPTIMUM_TEXT)
    if optimum is None:
        st.caption(f"No analytic optimum is known for {subject.dataset!r}; 8gaussians and checkerboard have one.")
    columns = st.columns(3)
    columns[0].number_input("Held-out points", 100, 100_000, step=1_000, key="claims_n_test", persist_state=KEEP)
    columns[1].number_input("Importance draws", 1_000, 200_000, step=5_000, key="claims_n_is", persist_state=KEEP)
    columns[2].number_input(
        "Quadrature grid side",
        50,
        400,
        step=50,
        key="claims_quad_n",
        persist_state=KEEP,
        help="Over the view box widened by 4σ on every side.",
    )
    n_test, n_is, quadrature_n = int(state.claims_n_test), int(state.claims_n_is), int(state.claims_quad_n)

    def work(progress: Callable) -> claims.LikelihoodReport:
        return claims.held_out_log_likelihoods(
            subject.model,
            subject.points,
            subject.test_points(n_test),
            subject.sigma,
            subject.quadrature_grid(quadrature_n),
            n_is,
        )

    run_long(
        "claims_ll",
        "Measure held-out log-likelihood",
        work,
        help="Normalises the DDE and scores fresh held-out points.",
        inputs=("claims_n_test", "claims_n_is", "claims_quad_n"),
    )
    result = state.get("claims_ll")
    if result is not None:
        show_likelihoods(result, optimum)
    sweep_section(subject, optimum)


LIKELIHOOD_COLUMNS = {
    "method": lambda r: r.method,
    "mean log-likelihood (nats)": lambda r: r.mean_log_likelihood,
    "± stderr": lambda r: r.stderr,
    "how measured": lambda r: r.how_measured,
}


def show_likelihoods(result: claims.LikelihoodReport, optimum: float | None) -> None:
    rows = result.rows()
    best = (
        []
        if optimum is None
        else [
            claims.LikelihoodRow(
                "Best possible, −H(p)", optimum, 0.0, "analytic (minus the entropy of the true distribution)"
            )
        ]
    )
    st.dataframe(
        table(rows + best, LIKELIHOOD_COLUMNS),
        hide_index=True,
        key="claims_ll_table",
        column_config={
            "mean log-likelihood (nats)": st.column_config.NumberColumn(format="%.4f"),
            "± stderr": st.column_config.NumberColumn(format="%.4f"),
            "how measured": st.column_config.TextColumn(width="large"),
        },
    )
    chart(figures.likelihood_figure(rows, optimum), key="claims_ll_chart")
    st.caption(
        f"DDE at training step {result.model_steps:,}; {result.n_train:,} training points; "
        f"{result.n_test:,} fresh samples (a seed apart from the training data); "
        "± is one standard error of the mean (std/√n)."
    )


SWEEP_COLUMNS = {
    "σ": lambda r: r.sigma,
    "DDE mean log-likelihood (nats)": lambda r: r.dde.mean,
    "DDE ± stderr": lambda r: r.dde.stderr,
    "KDE mean log-likelihood (nats)": lambda r: r.kde.mean,
    "KDE ± stderr": lambda r: r.kde.stderr,
    "DDE log Z": lambda r: r.dde.log_z,
    "DDE normalised by": lambda r: r.how_measured,
}


def sweep_section(subject: claims.Subject, optimum: float | None) -> None:
    st.subheader("σ sweep: the bias–variance trade-off")
    st.markdown(
        "Small σ follows the training points closely (variance), large σ blurs the shape (bias). "
        "A fresh, briefly trained DDE per σ against the exact KDE at that σ: where the DDE is above, "
        "its own smoothing helped on new data."
    )
    columns = st.columns([3, 1])
    columns[0].multiselect("σ values", SIGMA_CHOICES, key="claims_sweep_sigmas", persist_state=KEEP)
    columns[1].number_input(
        "Steps per σ",
        10,
        5_000,
        step=100,
        key="claims_sweep_steps",
        persist_state=KEEP,
        help="About 60 s for 6 values at 500 steps on 2 CPU cores.",
    )

    def work(progress):
        test = subject.test_points(int(state.claims_n_test))
        return claims.sigma_sweep(
            subject.points,
            test,
            state.claims_sweep_sigmas,
            int(state.claims_sweep_steps),
            subject.quadrature_grid(int(state.claims_quad_n)),
            int(state.claims_n_is),
            progress=progress,
        )

    sweep_steps = len(state.claims_sweep_sigmas) * int(state.claims_sweep_steps)
    run_long(
        "claims_sweep",
        "Run σ sweep",
        work,
        estimate=training_seconds(sweep_steps, subject.model) + SWEEP_MEASURE_SECONDS * len(state.claims_sweep_sigmas),
    )
    report = state.get("claims_sweep")
    if report is not None and report.rows:
        chart(figures.sweep_figure(report.rows, optimum, subject.sigma), key="claims_sweep_chart")
        st.dataframe(
            table(report.rows, SWEEP_COLUMNS),
            hide_index=True,
            key="claims_sweep_table",
            column_config={name: st.column_config.NumberColumn(format="%.4f") for name in list(SWEEP_COLUMNS)[1:-1]},
        )
        st.caption(
            f"Each DDE: default settings, {report.steps:,} steps on the {report.n_train:,} training points; "
            f"normalised as in the last column; {report.n_test:,} held-out points; error bars ± 1 stderr."
            + (" Stopped early: the σ values after the last row were not run." if report.stopped else "")
        )


# ---- claim 3 -------------------------------------------------------------------------------------------
def field_section(subject: claims.Subject) -> None:
    st.markdown(
        "The DDE's field is the gradient ∇f of a scalar, so its curl ∂s₂/∂x₁ − ∂s₁/∂x₂ (from the "
        "symmetric Hessian) vanishes and its circulation ∮ s·dl around any loop is 0. A **direct score "
        "network** (a vector output trained with the same denoising loss, as score-based models do) "
        "has no such constraint."
    )
    if subject.model.n_dims_ != 2:
        st.info("The curl view needs 2-D data.")
        return
    columns = st.columns(4)
    columns[0].number_input(
        "Direct network steps",
        10,
        20_000,
        step=100,
        key="claims_direct_steps",
        persist_state=KEEP,
        help="Same settings, data and σ as the DDE; only the parametrisation differs.",
    )
    columns[1].number_input("Loop centre x₁", step=0.25, key="claims_loop_x", persist_state=KEEP)
    columns[2].number_input("Loop centre x₂", step=0.25, key="claims_loop_y", persist_state=KEEP)
    columns[3].number_input("Loop radius", step=0.25, key="claims_loop_r", persist_state=KEEP)

    direct_steps = int(state.claims_direct_steps)

    def work(progress):
        net = ScoreNetwork(**{**subject.model.get_params(), "steps": direct_steps})
        return train_with_progress(net, subject.points, direct_steps, progress)

    run_long(
        "claims_direct",
        "Train the direct score network",
        work,
        keep=lambda net: state.__setitem__("claims_direct", net) if hasattr(net, "average_") else None,
        estimate=training_seconds(direct_steps, subject.model),
        inputs=("claims_direct_steps",),
    )
    try:
        show_fields(subject, state.get("claims_direct"))
    except InputError as error:
        st.error(str(error))


def show_fields(subject: claims.Subject, net: ScoreNetwork | None) -> None:
    grid = view_grid(subject, 60)
    centre, radius = (state.claims_loop_x, state.claims_loop_y), state.claims_loop_r
    fields = {"DDE ∇f": (subject.model.score, subject.model.hessian)}
    if net is not None:
        fields["Direct score network"] = (net.score, net.jacobian)
    integrals = {name: claims.loop_integral(score, centre, radius) for name, (score, _) in fields.items()}
    views = {name: claims.field_view(score, jacobian, grid) for name, (score, jacobian) in fields.items()}
    chart(figures.field_figure(views, centre, radius, integrals), key="claims_field_chart")
    columns = st.columns(len(views))
    for column, (name, view) in zip(columns, views.items()):
        column.metric(f"{name}: max |curl| / max |J|", f"{view.relative_curl:.1e}")
        column.caption(
            f"∮ s·dl = {integrals[name]:.3g} (trapezoid rule, 400 points on the circle); Stokes check "
            f"∬ curl dA = {claims.disc_integral(view.curl, grid, centre, radius):.3g} (cells inside)."
        )
    steps = f"direct network {net.n_steps_:,} steps" if net is not None else "direct network not trained yet"
    st.caption(
        f"Curl on a {grid.n}×{grid.n} grid from automatic differentiation (DDE: Hessian of f; direct: "
        f"Jacobian of s), one colour scale for both; float32 rounding alone gives ~1e-7 of max |J|. "
        f"DDE {subject.steps:,} steps; {steps}."
    )


# ---- claim 4 -------------------------------------------------------------------------------------------
def hessian_section(subject: claims.Subject) -> None:
    st.markdown(
        "Meng et al. (2021) claim that second derivatives of log p are **more accurate and cheaper** when a "
        "network learns them directly, by *second-order denoising* (Tweedie's formula on second moments: "
        "E[(x − x̃)(x − x̃)ᵀ | x̃] = σ²I + σ⁴(H + s sᵀ)), than by automatic differentiation of a learned model "
        "— which is exactly how a DDE gets its Hessian ∇²f. Here the truth is known: on the training set, "
        "H = ∇² log p_σ is the exact KDE's Hessian. Three estimates, same data, σ, settings and steps: the "
        "DDE's ∇²f, the Jacobian of a direct score network, and a second-order network (trained with the "
        "DDE's score held fixed)."
    )
    if subject.model.n_dims_ != 2:
        st.info("The error maps and ellipses need 2-D data.")
        return
    columns = st.columns(3)
    columns[0].number_input(
        "Training steps",
        10,
        20_000,
        step=100,
        key="claims_hess_steps",
        persist_state=KEEP,
        help="For the score network (unless claim 3's is trained) and the second-order network.",
    )
    columns[1].number_input(
        "Held-out noisy points", 100, 20_000, step=500, key="claims_hess_n_test", persist_state=KEEP
    )
    columns[2].slider(
        "Ellipses per side", 1, 5, key="claims_hess_ellipses", persist_state=KEEP, help="A small grid of noisy points."
    )
    steps, n_test = int(state.claims_hess_steps), int(state.claims_hess_n_test)
    ellipse_points = claims.ellipse_grid(subject.points, int(state.claims_hess_ellipses))
    direct = state.get("claims_direct")

    def work(progress):
        return claims.hessian_claim(
            subject.points,
            subject.model,
            steps,
            score_network=direct,
            n_test=n_test,
            grid=view_grid(subject, 60),
            ellipse_points=ellipse_points,
            progress=progress,
        )

    to_train = claims.SECOND_ORDER_STEP_COST * steps + (0 if direct is not None else steps)
    run_long(
        "claims_hessians",
        "Measure the three Hessians",
        work,
        help="Trains what is missing, then measures every estimate against the exact KDE's Hessian.",
        estimate=training_seconds(int(to_train), subject.model) + HESSIAN_MEASURE_SECONDS,
        # shared only when built on nothing of the person's own (no direct network, or the shared one)
        inputs=(
            ("claims_hess_steps", "claims_hess_n_test", "claims_hess_ellipses")
            if direct is None or shared_results().holds(direct)
            else None
        ),
        uses=direct,
    )
    report = state.get("claims_hessians")
    if report is None or not report.rows:
        st.info("Press **Measure the three Hessians** to train the networks and compare.")
    else:
        show_hessians(report, subject)
    hessian_bench_section()


HESSIAN_COLUMNS = {
    "estimate": lambda r: r.estimate,
    "relative error ‖Ĥ − H‖/‖H‖": lambda r: r.relative_error,
    "median over points": lambda r: r.median_relative_error,
    "diagonal entries only": lambda r: r.diagonal_error,
    "s per 1,000 Hessians": lambda r: r.seconds_per_1000,
    "training steps": lambda r: r.training_steps,
    "training s": lambda r: r.training_seconds,
}


def hessian_table(rows: Sequence[claims.HessianErrorRow], key: str) -> None:
    error = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(
        table(rows, HESSIAN_COLUMNS),
        hide_index=True,
        key=key,
        column_config={
            "relative error ‖Ĥ − H‖/‖H‖": error,
            "median over points": error,
            "diagonal entries only": error,
            "s per 1,000 Hessians": st.column_config.NumberColumn(format="%.2e"),
            "training s": st.column_config.NumberColumn(format="%.1f"),
        },
    )


def show_hessians(report: claims.HessianReport, subject: claims.Subject) -> None:
    estimates = [r for r in report.rows if r.estimate not in (claims.EXACT, claims.BASELINE)]
    best = min(estimates, key=lambda r: r.relative_error)
    columns = st.columns(len(estimates))
    for column, row in zip(columns, estimates):
        column.metric(
            row.estimate, f"{row.relative_error:.3f}", help="Pooled relative Frobenius error (lower is better)."
        )
    hessian_table(report.rows, "claims_hessians_table")
    if report.maps:
        chart(figures.hessian_error_figure(report.maps, report.grid), key="claims_hessians_maps")
    if report.covariances is not None:
        chart(
            figures.covariance_figure(report.covariances, subject.points, report.grid), key="claims_hessians_ellipses"
        )
        odd = {name: n for name, n in report.covariances.not_covariances.items() if n}
        if odd:
            st.caption(
                "Not a covariance (a negative eigenvalue, drawn as 0) at: "
                + ", ".join(f"{name} {n} point(s)" for name, n in odd.items())
                + "."
            )
    st.caption(
        f"Most accurate here: **{best.estimate}**. Errors on {report.n_test:,} held-out noisy points x̃ = x_i + σ η "
        f"(fresh noise on the {report.n_train:,} training points), against the exact KDE's Hessian at σ = "
        f"{report.sigma:g}; pooled √(Σ‖Ĥ − H‖²/Σ‖H‖²), the median of the per-point ratio, and the diagonal "
        "entries alone. The baseline −I/σ² (one kernel) shows what knowing nothing scores. Times: best of 3 calls "
        "after a warm-up, wall clock; the KDE's grows with the number of training points. Maps on a 60×60 grid "
        "(log colour scale shared by the panels). Ellipses: 2 standard deviations of Cov[x | x̃] = σ²I + σ⁴H, "
        "centred on the exact posterior mean; the grey line joins each noisy point to it."
        + (" Stopped early: the estimates not in the table were not finished." if report.stopped else "")
    )


def hessian_bench_section() -> None:
    try:
        bench = claims.read_hessian_json(HESSIAN_BENCH_FILE)
    except InputError as error:
        st.warning(str(error))
        return
    if bench is None:
        st.caption("No headless benchmark yet: `python bench/bench_hessians.py` measures d = 2, 8 and 16.")
        return
    with st.expander("Higher dimensions: the benchmark's tables (bench/bench_hessians.py)"):
        for n_dims, rows in sorted(bench.items()):
            st.markdown(f"**d = {n_dims}**")
            hessian_table(rows, f"claims_hessians_bench_{n_dims}")


# ---- page ----------------------------------------------------------------------------------------------
mark_interrupted_run()
st.title("Claims: the DDE's promises, measured")
st.caption(
    "Three claims of the seed tutorial, and one that Meng et al. (2021) make against models like it, checked on "
    "your model with numbers and plots; every number says how it was measured."
)
subject = choose_subject()
if subject is None:
    st.info("Train a model here (above), or train one on the Playground page for a few steps, to start.")
    st.stop()
forget_results_of_other_models(subject)
where = {"playground": "the Playground page", "default": "the default setup (shared by everyone, read-only)"}.get(
    subject.source, subject.source
)
st.success(
    f"Testing the DDE from {where}: {subject.dataset}, {len(subject.points):,} points, "
    f"σ = {subject.sigma:g}, {subject.steps:,} training steps."
)
# Only the open tab runs (each may measure the default model the first time it is opened).
tabs = st.tabs(TABS, key="claims_tab", on_change="rerun")
for tab, section in zip(tabs, (timing_section, likelihood_section, field_section, hessian_section), strict=True):
    if tab.open:
        with tab:
            section(subject)
