"""Sampling: Langevin samplers on the learned DDE beside the exact KDE, same start, same noise."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from dde_app import page_defaults, widget_state
from dde_app.charts import chart
from dde_app.scheduler import scheduler
from dde_app.shared_models import shared_experiment, shared_results
from dde_app.widget_state import KEEP
from dde_core import datasets
from dde_core.comparison import (
    HESSIAN_SOURCES,
    INITIALISATIONS,
    REFERENCE_SPEED,
    SAMPLERS,
    TRACED_CHAINS,
    SamplerSettings,
    estimated_seconds,
    measured_speed,
    quality_table,
    run_side_by_side,
    sigma_ladder,
    train_ladder,
)
from dde_core.errors import InputError
from dde_core.experiment import Config, Experiment
from dde_core.limits import MAX_SAMPLER_CHAIN_STEPS, RUN_BUDGET_SECONDS
from dde_core.second_order import TRAINING_STEP_COST, SecondOrderNetwork
from dde_core.settings import SIGMA_CHOICES
from dde_core.training import run_in_chunks, train_in_chunks
from dde_viz.figures import samples_figure

STEP_CHOICES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0)
QUALITY_COLUMNS = {  # label -> SampleQuality field
    "model": "model",
    "chains": "chains",
    "steps": "steps",
    "NaN or infinite": "nonfinite",
    "left the box": "escaped",
    "wall time (s)": "seconds",
    "chain-steps/s": "chain_steps_per_second",
    "acceptance": "acceptance",
    "τ_int (steps)": "iat",
    "ESS/s": "ess_per_second",
    "MMD²": "mmd2",
    "energy distance": "energy",
    "sliced Wasserstein": "sliced_wasserstein",
}
LADDER_STEPS = 1000  # training steps of each extra DDE of an annealing ladder
SECOND_ORDER_BATCH = 512  # the second-order network's batch (its steps cost about 3.5 DDE steps each)
# Before any click the page shows page_defaults.SAMPLING_MODEL, trained once per server and
# shared by all sessions (read-only), with page_defaults.SAMPLING_RUN on it.
DEFAULT_SOURCE = "The default model (shared)"
DEFAULT_MODEL, DEFAULT_RUN = page_defaults.SAMPLING_MODEL, page_defaults.SAMPLING_RUN
state = st.session_state
widget_state.remember(
    {
        "sampling_dist": DEFAULT_MODEL.dataset,
        "sampling_sigma": DEFAULT_MODEL.sigma,
        "sampling_steps": DEFAULT_MODEL.steps,
        "sampling_sampler": DEFAULT_RUN["sampler"],
        "sampling_tau": DEFAULT_RUN["step_size"],
        "sampling_n_steps": DEFAULT_RUN["n_steps"],
        "sampling_chains": DEFAULT_RUN["n_chains"],
        "sampling_init": INITIALISATIONS[0],
        "sampling_seed": DEFAULT_RUN["seed"],
        "sampling_levels": 4,
        "sampling_hessian": HESSIAN_SOURCES[0],
        "sampling_second_order_steps": 1000,
    }
)

st.title("Sampling with Langevin dynamics")
st.markdown(
    "Both panels run **the same sampler from the same starting points with the same random "
    "draws** (common random numbers): on the left it follows the learned score ∇f of the DDE, in "
    "the middle the exact score of the Gaussian KDE at the same σ. Differences come from the "
    "model alone. The DDE costs one network pass per step whatever the data size (O(d)); the KDE "
    "sums over all D training points (O(d·D)): compare the chain-steps per second below."
)


# ---- which model ---------------------------------------------------------------------------
def playground_experiment() -> Experiment | None:
    session = state.get("playground")
    if session is not None and session.experiment is not None and session.experiment.step > 1:
        return session.experiment
    return None


def train_here() -> None:
    with st.form("sampling_train"):
        columns = st.columns(3)
        dist = columns[0].selectbox("Distribution", datasets.names(), key="sampling_dist", persist_state=KEEP)
        sigma = columns[1].select_slider("σ", SIGMA_CHOICES, key="sampling_sigma", persist_state=KEEP)
        steps = columns[2].number_input(
            "Training steps",
            100,
            20_000,
            step=100,
            key="sampling_steps",
            persist_state=KEEP,
            help="About 100 to 150 steps a second on 2 CPU cores.",
        )
        if st.form_submit_button("Train a model here", type="primary"):
            bar = st.progress(0.0, "Training…")
            try:
                experiment = Experiment(Config(dataset=dist, sigma=float(sigma), steps=int(steps)))
                with scheduler().taking_turns() as turns:  # a fair share of the CPU (dde_app/scheduler.py)

                    def chunk_done(done: int, total: int) -> None:
                        bar.progress(experiment.step / steps, f"Training… step {experiment.step:,}")
                        turns.pass_on()

                    run_in_chunks(experiment.advance, int(steps) - experiment.step, 100, chunk_done)
            except InputError as error:
                st.error(f"Could not train: {error}")
                return
            state.sampling_experiment = experiment
            state.pop("sampling_runs", None)
            st.rerun()


def default_experiment() -> Experiment:
    """The shared default model: the first visitor of the server trains it, with a progress bar."""
    bar = st.progress(0.0, "Training the default model (once for everyone who opens this page)…")
    experiment = shared_experiment(
        DEFAULT_MODEL, lambda done: bar.progress(done, f"Training the default model… {done:.0%}")
    )
    bar.empty()
    return experiment


from_playground = playground_experiment()
sources = (["The playground's model"] if from_playground else []) + [DEFAULT_SOURCE, "A model trained here"]
if state.get("sampling_source") not in sources:
    state.sampling_source = sources[0]
source = st.radio("Model", sources, horizontal=True, key="sampling_source", persist_state=KEEP)
if source == "A model trained here":
    train_here()
    experiment = state.get("sampling_experiment")
elif source == DEFAULT_SOURCE:
    experiment = default_experiment()
else:
    experiment = from_playground
if experiment is None:
    st.info("Train a model here, or choose another model above.")
    st.stop()
config = experiment.config
st.caption(
    f"Model: DDE on {config.dataset}, σ = {config.sigma:g}, {experiment.step:,} training steps, "
    f"{len(experiment.points):,} training points, on {experiment.model.device_}"
    + (" (shared by everyone: read-only)." if source == DEFAULT_SOURCE else ".")
)

# ---- sampler settings --------------------------------------------------------------------
columns = st.columns(6)
sampler = columns[0].selectbox("Sampler", SAMPLERS, key="sampling_sampler", persist_state=KEEP)
step_label = "ε (last level's step)" if sampler == "Annealed Langevin" else "Step size τ"
step_size = columns[1].select_slider(
    step_label, STEP_CHOICES, key="sampling_tau", persist_state=KEEP, format_func=lambda v: f"{v:g}"
)
n_steps = columns[2].number_input(
    "Steps" + (" per level" if sampler == "Annealed Langevin" else ""),
    1,
    5000,
    step=50,
    key="sampling_n_steps",
    persist_state=KEEP,
)
n_chains = columns[3].number_input("Chains", 2, 20_000, step=100, key="sampling_chains", persist_state=KEEP)
init = columns[4].selectbox("Start from", INITIALISATIONS, key="sampling_init", persist_state=KEEP)
seed = columns[5].number_input("Seed", 0, 10_000, key="sampling_seed", persist_state=KEEP)
n_levels = 4
if sampler == "Annealed Langevin":
    n_levels = st.slider(
        "Noise levels (σ ladder, ratio 2, ending at the model's σ)", 2, 6, key="sampling_levels", persist_state=KEEP
    )


def second_order_network() -> SecondOrderNetwork | None:
    """The second-order network trained for this model on this page, if any."""
    kept = state.get("sampling_second_order")
    return kept[1] if kept is not None and kept[0] is experiment.model else None


def train_second_order(steps: int) -> None:
    """Train a second-order network for this model (its score held fixed), with a progress bar."""
    model = experiment.model
    params = {**model.get_params(), "steps": steps, "batch_size": min(model.batch_size, SECOND_ORDER_BATCH)}
    net = SecondOrderNetwork(model, **params)
    bar = st.progress(0.0, "Training the second-order network…")
    try:
        train_in_chunks(
            net,
            experiment.points,
            steps,
            100,
            lambda done, total: bar.progress(done / total, f"Second-order network: step {done:,} of {total:,}"),
        )
    except InputError as error:
        st.error(f"Could not train: {error}")
        return
    finally:
        bar.empty()
    state.sampling_second_order = (model, net)
    state.sampling_hessian = "second-order network"


hessian = HESSIAN_SOURCES[0]
if sampler == "Ozaki":
    trained_second = second_order_network()
    sources = [s for s in HESSIAN_SOURCES if s != "second-order network" or trained_second is not None]
    columns = st.columns([2, 1, 2, 3])
    so_steps = columns[1].number_input(
        "Second-order steps", 10, 20_000, step=100, key="sampling_second_order_steps", persist_state=KEEP
    )
    speed = experiment.steps_per_second  # the DDE's own training speed (NaN before it trained in chunks)
    about = TRAINING_STEP_COST * so_steps / (speed if speed > 1.0 else 100.0)
    columns[3].caption(
        "Ozaki needs ∇² log π. The DDE gives ∇²f by automatic differentiation; a **second-order network** "
        "learns it directly by second-order denoising (Meng et al. 2021) with the DDE's score held fixed; the "
        f"exact KDE's is the truth. Training a second-order network takes about {about:,.0f} s."
    )
    if columns[2].button(
        "Train a second-order network" if trained_second is None else "Retrain the second-order network",
        key="sampling_train_second_order",
        help="Same settings as the DDE (batch at most 512), on the same points and σ.",
    ):
        train_second_order(int(so_steps))
        trained_second = second_order_network()
        sources = list(HESSIAN_SOURCES) if trained_second is not None else sources
    if state.get("sampling_hessian") not in sources:
        state.sampling_hessian = sources[0]
    hessian = columns[0].selectbox(
        "Ozaki's Hessian from", sources, key="sampling_hessian", persist_state=KEEP, help="The KDE panel uses its own."
    )
box = (float(experiment.grid.x_range[0]), float(experiment.grid.x_range[1]))
settings = SamplerSettings(
    sampler, float(step_size), int(n_steps), int(n_chains), init, int(seed), box, int(n_levels), hessian
)


def ladder_key() -> tuple:
    return (id(experiment.model), tuple(sigma_ladder(config.sigma, settings.n_levels)))


def ladder_models():
    """The per-level DDEs for annealing, trained once per (model, levels) and kept."""
    key = ladder_key()
    if state.get("sampling_ladder_key") != key:
        bar = st.progress(0.0, "Training the σ ladder (one DDE per level)…")
        state.sampling_ladder = train_ladder(
            experiment.points,
            list(key[1]),
            reuse=experiment.model,
            steps=LADDER_STEPS,
            progress=lambda done, total: bar.progress(done / total, f"Ladder: {done}/{total} levels"),
        )
        state.sampling_ladder_key = key
    return state.sampling_ladder


def estimate() -> float:
    """About how long this run takes (s): sampling at this session's last measured speed (or
    the reference machine's), plus training the annealing ladder when it is not trained yet."""
    seconds = estimated_seconds(settings, len(experiment.points), state.get("sampling_speed", REFERENCE_SPEED))
    if sampler == "Annealed Langevin" and state.get("sampling_ladder_key") != ladder_key():
        seconds += (settings.n_levels - 1) * LADDER_STEPS / max(experiment.steps_per_second, 1.0)
    return seconds


def refusal(seconds: float) -> str | None:
    """Why this run is too costly to start, with what to change (None: it may run)."""
    chain_steps = settings.chain_steps
    if chain_steps > MAX_SAMPLER_CHAIN_STEPS:
        return (
            f"This run asks for {chain_steps:,} chain-steps, more than the {MAX_SAMPLER_CHAIN_STEPS:,} "
            "allowed per run. Use fewer chains or fewer steps."
        )
    if seconds > RUN_BUDGET_SECONDS:
        return (
            f"This run would take about {seconds:,.0f} s, more than the {RUN_BUDGET_SECONDS:.0f} s "
            f"allowed per run (the exact KDE's steps cost in proportion to its "
            f"{len(experiment.points):,} training points). Use fewer chains or fewer steps."
        )
    return None


def run() -> None:
    """Run both samplers chunk by chunk, saving after every chunk so a stop keeps the draws;
    stops at the time budget, keeping what was drawn. Takes its turns on the server's
    scheduler between chunks, as training does."""
    state.pop("sampling_runs", None)
    try:
        models = ladder_models() if sampler == "Annealed Langevin" else experiment.model
        bar = st.progress(0.0, "Sampling…")
        started = time.monotonic()
        second = second_order_network()
        with scheduler().taking_turns() as turns:
            for runs in run_side_by_side(models, experiment.kde, experiment.points, settings, second_order=second):
                state.sampling_runs = (settings, runs)
                done = runs["DDE"].steps_done
                total = settings.total_steps
                bar.progress(min(done / total, 1.0), f"Sampling… {done:,} / {total:,} steps")
                if time.monotonic() - started > RUN_BUDGET_SECONDS and done < total:
                    for run in runs.values():
                        run.stopped_early = True
                    st.warning(f"Stopped at the {RUN_BUDGET_SECONDS:.0f} s limit per run.")
                    break
                turns.pass_on()
            else:
                if sampler != "Annealed Langevin":
                    previous = state.get("sampling_speed", REFERENCE_SPEED)
                    state.sampling_speed = measured_speed(settings, runs, len(experiment.points), previous)
        bar.empty()
    except InputError as error:
        st.error(f"Could not sample: {error}")


def true_samples(n: int, seed: int) -> tuple[np.ndarray, str]:
    if config.dataset in datasets.names():
        return datasets.sample(config.dataset, n, seed=10_000 + seed), f"fresh draws of {config.dataset}"
    picks = np.random.default_rng(seed).choice(len(experiment.points), min(n, len(experiment.points)), replace=False)
    return experiment.points[picks], "the uploaded points (no generator is known for them)"


def scored(used: SamplerSettings, runs: dict) -> tuple[np.ndarray, str, list[dict]]:
    """True samples and the quality table of these runs, with the run's own seed; computed
    once per run (reruns, e.g. scrubbing, reuse them)."""
    cached = state.get("sampling_scores")
    if cached is None or cached[0] is not runs:
        truth, label = true_samples(max(used.n_chains, 1000), used.seed)
        cached = state.sampling_scores = (runs, truth, label, quality_table(runs, truth, seed=used.seed))
    return cached[1:]


def default_run() -> None:
    """The default sampler run on the default model, made once per server and shown to every
    session that has not run its own (so the page never opens empty)."""

    def sample_and_score(report) -> tuple:
        with scheduler().taking_turns() as turns:
            for runs in run_side_by_side(experiment.model, experiment.kde, experiment.points, settings):
                report(0.9 * runs["DDE"].steps_done / settings.total_steps)
                turns.pass_on()
        truth, label = true_samples(max(settings.n_chains, 1000), settings.seed)
        return runs, truth, label, quality_table(runs, truth, seed=settings.seed)

    bar = st.progress(0.0, "Running the default sampler (once for everyone)…")
    scores = shared_results().get(("sampling-run", DEFAULT_MODEL, settings), sample_and_score, bar.progress)
    bar.empty()
    state.sampling_runs, state.sampling_scores = (settings, scores[0]), scores


if (
    source == DEFAULT_SOURCE
    and "sampling_runs" not in state
    and settings == SamplerSettings(init=INITIALISATIONS[0], box=box, **DEFAULT_RUN)
):
    default_run()

seconds = estimate()
too_costly = refusal(seconds)
buttons = st.columns([1, 1, 5])
if buttons[0].button("Run samplers", type="primary", key="sampling_run", disabled=too_costly is not None):
    run()
buttons[1].button("Stop", key="sampling_stop", help="Stops the run; what was drawn so far is kept.")
if too_costly:
    buttons[2].error(too_costly)
else:
    buttons[2].caption(f"Estimated time: about {seconds:,.1f} s (runs stop at {RUN_BUDGET_SECONDS:.0f} s).")


# ---- results ----------------------------------------------------------------------------
if "sampling_runs" in state:
    used, runs = state.sampling_runs
    if any(run.stopped_early for run in runs.values()):
        st.warning(f"Stopped early at step {runs['DDE'].steps_done:,}; showing what was drawn so far.")
    for name, run in runs.items():
        if run.nonfinite or run.escaped:
            st.warning(
                f"{name}: {run.nonfinite} of {len(run.samples):,} chains turned NaN or infinite "
                f"and {run.escaped} left the plotting box: a step size too large for this σ, "
                "or a model that is poor far from the data (Ozaki stops a chain whose Hessian or step is not "
                "finite). They are left out of the distances and of the mixing figures."
            )
    n_frames = len(runs["DDE"].trajectory)
    upto = (
        st.slider("Scrub the chains over time (recorded frames)", 0, n_frames - 1, n_frames - 1, key="sampling_scrub")
        if n_frames > 1
        else None
    )
    truth, truth_label, rows = scored(used, runs)
    zmax = experiment.zmax
    panels = st.columns(3)
    dde_label = "DDE (learned score)" + (f", H: {used.hessian}" if used.sampler == "Ozaki" else "")
    for column, (name, view, label) in zip(
        panels, (("DDE", experiment.view, dde_label), ("KDE", experiment.kde_view, "Exact KDE"))
    ):
        run = runs[name]
        chart(
            samples_figure(
                view,
                experiment.grid,
                run.samples,
                run.trajectory,
                f"{label}: {used.sampler}, {run.steps_done:,} steps",
                zmax,
                upto,
            ),
            key=f"sampling_panel_{name}",
            where=column,
        )
    chart(
        samples_figure(None, experiment.grid, truth, None, f"True distribution ({truth_label})"),
        key="sampling_panel_truth",
        where=panels[2],
    )
    st.dataframe(
        pd.DataFrame([{label: getattr(row, field) for label, field in QUALITY_COLUMNS.items()} for row in rows]),
        hide_index=True,
        width="stretch",
        column_config={
            "MMD²": st.column_config.NumberColumn(format="%.2e"),
            "energy distance": st.column_config.NumberColumn(format="%.4f"),
            "sliced Wasserstein": st.column_config.NumberColumn(format="%.4f"),
            "wall time (s)": st.column_config.NumberColumn(format="%.2f"),
            "chain-steps/s": st.column_config.NumberColumn(format="%.3g"),
            "acceptance": st.column_config.NumberColumn(
                format="%.3f", help="Fraction of proposals accepted (MALA only: the other samplers accept every step)."
            ),
            "τ_int (steps)": st.column_config.NumberColumn(
                format="%.1f", help="Integrated autocorrelation time, the slowest of the test functions."
            ),
            "ESS/s": st.column_config.NumberColumn(
                format="%.3g", help="Effective samples per second, the slowest of the test functions."
            ),
        },
    )
    st.caption(
        f"Distances compare each model's finite final samples with {len(truth):,} {truth_label}: "
        "MMD² (unbiased, RBF kernel, median-distance bandwidth, at most 2,000 points each), energy "
        "distance and sliced Wasserstein-1 (128 random directions). Lower is better; two samples of the "
        "same distribution give ≈ 0. Wall time covers the compiled sampling steps only. Mixing: the "
        "integrated autocorrelation time τ_int (Geyer's initial monotone sequence, pooled over chains) of three "
        "test functions — the position along the data's main axis, the squared distance to the data's mean, and "
        f"which side of the data's main split a chain is on — measured on the first {TRACED_CHAINS} chains over the "
        "second half of the run (the first half is warm-up); the table shows the slowest function. ESS/s = chains × "
        "steps kept / τ_int / wall time. Annealing has no stationary chain: no mixing figures."
    )
