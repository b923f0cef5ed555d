"""Playground: train a DDE live and watch it converge to the exact KDE at the same σ."""

from __future__ import annotations

import io

import streamlit as st

from app_pages.charts import chart, live_chart
from app_pages.live_view import POLL_SECONDS, dde_panel_figure, poll_path
from dde_core import datasets
from dde_core.animation import Frame
from dde_core.experiment import Config
from dde_core.figures import density_figure, gallery_figure, points_figure, training_curves_figure
from dde_core.model import ACTIVATIONS
from dde_core.session import PlaygroundSession, changed_fields
from dde_core.sharing import (
    BATCH_CHOICES, LEARNING_RATE_CHOICES, SIGMA_CHOICES, WIDTH_CHOICES, Setup, from_query, to_query,
)

UPLOAD = "Your own CSV…"
STATS_SECONDS = 1.0  # the numbers and curves below refresh less often
WIDGETS = {  # session-state key of each control -> how it reads from / writes to a Setup
    "w_dist": lambda s: s.config.dataset,
    "w_n": lambda s: s.config.n_samples,
    "w_dseed": lambda s: s.config.data_seed,
    "w_sigma": lambda s: s.config.sigma,
    "w_width": lambda s: s.config.hidden[0],
    "w_depth": lambda s: len(s.config.hidden),
    "w_act": lambda s: s.config.activation,
    "w_lr": lambda s: s.config.learning_rate,
    "w_batch": lambda s: s.config.batch_size,
    "w_seed": lambda s: s.config.seed,
    "w_spf": lambda s: s.steps_per_frame,
}

state = st.session_state


# ---- state set-up: once per browser session, from the URL ----------------------------
def load_widgets(setup: Setup) -> None:
    for key, read in WIDGETS.items():
        state[key] = read(setup)


if "playground" not in state:
    state.playground = PlaygroundSession()
    setup, ignored = from_query(st.query_params.to_dict())
    load_widgets(setup)
    state.notice = (
        f"Some settings in the link could not be used and fell back to defaults: {', '.join(ignored)}."
        if ignored else None
    )
session: PlaygroundSession = state.playground


# ---- sidebar: data, σ, network ----------------------------------------------------------
def sidebar_data() -> tuple[str, object | None]:
    """The data choice: a toy name, or the uploaded points (None while there are none)."""
    st.sidebar.header("Data")
    names = datasets.names() + [UPLOAD]
    if state.w_dist not in names:
        state.w_dist = "2spirals"
    dist = st.sidebar.selectbox("Distribution", names, key="w_dist",
                                help="Open 'What the distributions look like' below to preview them.")
    if dist != UPLOAD:
        st.sidebar.caption(datasets.describe(dist))
        st.sidebar.slider("Samples", 500, 50_000, step=500, key="w_n")
        st.sidebar.number_input("Data seed", 0, 10_000, step=1, key="w_dseed")
        return dist, None
    return dist, upload_points()


def upload_points():
    """File uploader with validation; returns (file name, PointData) or None, showing any error."""
    upload = st.sidebar.file_uploader("CSV of points", type=["csv", "txt", "tsv"],
                                      help="Two or more numeric columns; a header is optional.")
    if upload is None:
        st.sidebar.info("Upload a file to train on your own points.")
        return None
    try:
        table = datasets.read_csv_table(io.BytesIO(upload.getvalue()))
        names = table.column_names
        x = st.sidebar.selectbox("x column", names, index=0, key="w_csv_x")
        y = st.sidebar.selectbox("y column", names, index=min(1, len(names) - 1), key="w_csv_y")
        standardize = st.sidebar.checkbox("Standardise (mean 0, std 1)", value=True, key="w_csv_std",
                                          help="Recommended when the columns have very different scales.")
        data = datasets.load_csv(io.BytesIO(upload.getvalue()), columns=(x, y), standardize=standardize)
    except ValueError as error:
        st.sidebar.error(f"{upload.name}: {error}")
        return None
    st.sidebar.caption(f"{len(data.points):,} points from {upload.name}")
    return upload.name, data


def sidebar_model() -> None:
    st.sidebar.header("Noise level σ")
    st.sidebar.select_slider(
        "σ (log scale)", options=SIGMA_CHOICES, key="w_sigma", format_func=lambda v: f"{v:g}",
        help="The DDE learns the data blurred by Gaussian noise of this standard deviation: "
        "the exact KDE with bandwidth σ.",
    )
    st.sidebar.header("Network")
    st.sidebar.select_slider("Width", options=WIDTH_CHOICES, key="w_width")
    st.sidebar.slider("Hidden layers", 1, 6, key="w_depth")
    st.sidebar.selectbox("Activation", ACTIVATIONS, key="w_act",
                         help="Twice differentiable, so the Hessian ∇²f exists.")
    st.sidebar.header("Training")
    st.sidebar.select_slider("Learning rate", options=LEARNING_RATE_CHOICES, key="w_lr",
                             format_func=lambda v: f"{v:g}")
    st.sidebar.select_slider("Batch size", options=BATCH_CHOICES, key="w_batch")
    st.sidebar.number_input("Model seed", 0, 10_000, step=1, key="w_seed")
    st.sidebar.slider("Steps per frame", 1, 500, key="w_spf",
                      help="Training steps between two redraws of the view.")


def wanted_config(dist: str, data) -> Config | None:
    """The config the controls describe (None while an upload is missing or invalid)."""
    common = dict(sigma=float(state.w_sigma), hidden=(int(state.w_width),) * int(state.w_depth),
                  activation=state.w_act, learning_rate=float(state.w_lr),
                  batch_size=int(state.w_batch), seed=int(state.w_seed))
    if dist != UPLOAD:
        return Config(dataset=dist, n_samples=int(state.w_n), data_seed=int(state.w_dseed), **common)
    if data is None:
        return None
    file_name, points = data
    x, y = points.column_names
    scaled = ", standardised" if state.w_csv_std else ""
    return Config(dataset=f"csv:{file_name} ({x}, {y}{scaled})", n_samples=len(points.points), **common)


def start_model(config: Config, data) -> None:
    points, metadata = None, {}
    if data is not None:
        _, uploaded = data
        points = uploaded.points
        metadata = {"columns": list(uploaded.column_names),
                    "standardizer": uploaded.standardizer.to_dict()}
    try:
        with st.spinner("Building the model and the exact KDE…"):
            session.start(config, points, metadata)
    except ValueError as error:
        st.error(f"Could not start a model with these settings: {error}")


def keep_current_settings() -> None:
    """Callback: put the controls back to the running model's settings."""
    config = session.experiment.config
    if config.dataset.startswith("csv:"):
        load_widgets(Setup(Config(**{**config.__dict__, "dataset": "2spirals"}), state.w_spf))
        state.w_dist = UPLOAD
    else:
        load_widgets(Setup(config, state.w_spf))


# ---- page ---------------------------------------------------------------------------------
st.title("DDE Playground")
if state.notice:
    st.warning(state.notice)
    state.notice = None

with st.expander("What am I looking at?", expanded=True, icon=":material/school:"):
    st.markdown(
        "A **Denoising Density Estimator** is a network *f(x)* trained so that "
        "*x̃ + σ²∇f(x̃)* removes Gaussian noise of size **σ** from noisy copies *x̃* of the data. "
        "At its optimum, *f* is the log of the data blurred by that noise: exactly the "
        "**Gaussian kernel density estimate (KDE) with bandwidth σ**, shown on the right as the target. "
        "The middle panel is the learned density *exp f* (normalised on the grid) with its gradient "
        "*∇f* as arrows: a gradient field, so it is **conservative** (no curl; arrows point uphill "
        "towards the data). Below, the loss has a floor (noise cannot be removed perfectly); the "
        "*excess loss* over the KDE's optimal denoiser and the KL divergence to the KDE show real progress."
    )
with st.expander("What the distributions look like"):
    chart(gallery_figure({name: datasets.sample(name, 800, 0) for name in datasets.names()}),
          key="gallery", config={"displayModeBar": False})

dist, data = sidebar_data()
sidebar_model()
config = wanted_config(dist, data)
setup_query = to_query(Setup(config or Config(), int(state.w_spf)))
if dist == UPLOAD:
    setup_query["dist"] = "csv"  # uploaded points cannot travel in a link
if st.query_params.to_dict() != setup_query:
    st.query_params.from_dict(setup_query)

if session.experiment is None and config is not None:
    start_model(config, data)
if session.experiment is None:
    st.info("Choose a distribution, or upload a valid CSV, to start.")
    st.stop()
experiment = session.experiment

# Settings that need a new model: say so, and let the person choose.
if config is not None and config != experiment.config:
    if experiment.step <= 1:
        start_model(config, data)
        experiment = session.experiment
    else:
        session.pause()
        st.warning(
            f"You changed {', '.join(changed_fields(experiment.config, config))}. "
            f"That needs a new model; the current one ({experiment.step:,} steps) will be replaced. "
            "Download it first if you want to keep it."
        )
        left, right, _ = st.columns([1, 1, 3])
        if left.button("Start new model", type="primary"):
            start_model(config, data)
            st.rerun()
        right.button("Keep current model", on_click=keep_current_settings)
elif config is None and dist == UPLOAD:
    st.caption("Showing the current model; it stays until valid new data is uploaded.")


# ---- controls -------------------------------------------------------------------------
def set_running(play: bool) -> None:
    """Play or pause. Idempotent on purpose: while the live fragments rerun on a
    timer, one click's callback can be delivered twice, and a toggle would undo itself."""
    if play:
        session.play(int(state.w_spf))
    else:
        session.pause()


def step_once() -> None:
    session.pause()
    try:
        session.tick(int(state.w_spf))
    except ValueError as error:
        state.notice = str(error)


def reset() -> None:
    session.reset()


# Read once: the trainer may stop by itself (idle, error) while this run draws the page.
playing = session.running
controls = st.columns([1, 1, 1, 4])
controls[0].button("Pause" if playing else "Play", on_click=set_running, args=(not playing,),
                   icon=":material/pause:" if playing else ":material/play_arrow:",
                   type="primary", key="play", width="stretch")
controls[1].button("Step", on_click=step_once, key="step", width="stretch",
                   icon=":material/skip_next:",
                   help="Train one frame's worth of steps.")
controls[2].button("Reset", on_click=reset, key="reset", width="stretch",
                   icon=":material/restart_alt:",
                   help="A new untrained model with the same settings and data.")
show_noisy = controls[3].toggle("Show noisy data x + σ·η", key="w_noisy")

zmax = experiment.zmax
sigma_text = f"σ = {experiment.config.sigma:g}"


@st.cache_data(max_entries=4, show_spinner=False)
def noisy_copy(points, sigma: float, seed: int):
    import numpy as np

    return points + sigma * np.random.default_rng(seed).standard_normal(points.shape)


def static_panels(columns) -> None:
    noisy = noisy_copy(experiment.points, experiment.config.sigma, 0) if show_noisy else None
    chart(points_figure(experiment.points, experiment.grid, f"Training data ({len(experiment.points):,} points)", noisy),
          key="data_panel", where=columns[0])
    chart(density_figure(experiment.kde_view, f"Target: exact KDE at {sigma_text}", zmax),
          key="kde_panel", where=columns[2])


def live_panel() -> None:
    """The DDE panel. While playing, its chart fetches each new frame itself
    (app_pages/live_view.py): the page does not rerun per frame, and drawing never
    waits for training. Paused, it shows the density as a heatmap with values on hover."""
    frame = session.latest_frame
    live_chart(dde_panel_figure(session, frame, as_image=playing), key="dde_panel",
               poll=poll_path(session) if playing else None, after=frame.step, every=POLL_SECONDS)


@st.fragment(run_every=STATS_SECONDS if playing else None)
def live_stats() -> None:
    """Numbers and curves below the panels, refreshed once a second while playing.

    When the trainer has stopped by itself (an error, or an idle timeout) the whole
    page reruns to show it paused.
    """
    session.heartbeat()
    if playing and not session.running:  # (playing: as this page was drawn)
        if session.last_error:
            state.notice = f"Training stopped: {session.last_error}"
        st.rerun()
    record = experiment.record.snapshot()
    stats = st.columns(5)
    stats[0].metric("Step", f"{record.steps[-1]:,}")
    speed = experiment.steps_per_second
    stats[1].metric("Steps/s", f"{speed:,.0f}" if record.steps[-1] > 1 and speed == speed else "—",
                    help="Training steps per second of training time (views excluded).")
    stats[2].metric("KL(KDE ‖ DDE)", f"{record.kl[-1]:.4f} nats",
                    help=f"Both densities normalised on the {experiment.grid.n}×{experiment.grid.n} view grid.")
    stats[3].metric("Excess loss", f"{record.excess_loss[-1]:.2e}",
                    help="Denoising loss minus the exact KDE denoiser's loss on the same held-out noisy batch.")
    stats[4].metric("Device", experiment.model.device_, help="Where TensorFlow trains this model.")
    live_chart(training_curves_figure(record.steps, record.loss, record.excess_loss, record.kl),
               key="curves")




panels = st.columns(3)
static_panels(panels)
with panels[1]:
    live_panel()
live_stats()


# ---- replay and downloads (while paused) -------------------------------------------------
st.subheader("Replay and downloads")
if playing:
    st.caption("Pause to scrub through the captured frames and download.")
else:
    frames: list[Frame] = session.frames.frames
    if len(frames) > 1:
        index = st.slider("Captured frame", 0, len(frames) - 1, len(frames) - 1, key="w_replay",
                          help=f"Up to {session.frames.capacity} frames are kept, thinned evenly.")
        frame = frames[index]
        chart(density_figure(frame.as_view(), f"DDE at step {frame.step:,}", zmax, height=430),
              key="replay_panel", where=st.columns(2)[0])
    else:
        st.caption("Train a few frames to capture a replay.")
    columns = st.columns(3)
    name = experiment.config.dataset.replace("csv:", "").split(" ")[0]
    columns[0].download_button("Model (.keras)", session.model_bytes, f"dde-{name}.keras",
                               mime="application/octet-stream")
    columns[1].download_button("Metrics (JSON)", session.metrics_json, f"dde-{name}-metrics.json",
                               mime="application/json")
    if len(frames) > 1 and columns[2].button("Make animated GIF"):
        state.gif = (frames[-1], session.replay_gif())  # made from the frames up to this one
    made_from, gif = state.get("gif", (None, None))
    if frames and made_from is frames[-1]:  # not after more training, a reset or a new model
        columns[2].download_button("Download GIF", gif, f"dde-{name}.gif", mime="image/gif")
