"""Playground: train a DDE live and watch it converge to the exact KDE at the same σ."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dde_app import widget_state
from dde_app.charts import chart, live_chart
from dde_app.csv_input import csv_label, csv_points, remembered_csv_settings
from dde_app.drawing import (
    MAX_URL_POINTS,
    check_drawing,
    draw_points,
    drawing_csv,
    drawing_from_query,
    drawing_to_query,
)
from dde_app.live_controls import playback_buttons, stats_seconds, stopped_by_itself
from dde_app.live_view import POLL_SECONDS, poll_path
from dde_app.page_tools import SHORTCUTS_TEXT, copy_link_button, keyboard_shortcuts, lecture_style
from dde_app.playground_state import playground
from dde_app.session import PlaygroundSession, changed_fields
from dde_app.sharing import Setup, read_query, to_query, view_params
from dde_app.text import plain
from dde_app.widget_state import DRAW, KEEP, SETTING_WIDGETS, UPLOAD, show_model_settings, show_setup
from dde_core import datasets
from dde_core.errors import InputError
from dde_core.experiment import Config
from dde_core.settings import BY_FIELD, Setting
from dde_viz.animation import Frame
from dde_viz.figures import density_figure, gallery_figure, points_figure, training_curves_figure

DRAWING_BOX = (-4.0, 4.0)  # the canvas shows [-4, 4]², the toys' extent

state = st.session_state


# ---- state set-up: once per browser session, from the URL ----------------------------
def drawing_from_link(params: dict) -> str | None:
    """Take a drawing out of the link's parameters (``dist=draw&draw=…``) into the session;
    returns a notice if it cannot be used (the default data is kept)."""
    text = params.pop("draw", None)
    if params.get("dist") != "draw":
        return (
            None if text is None else "The link's drawing (draw) was ignored: the link does not choose it (dist=draw)."
        )
    params.pop("dist")
    try:
        state.drawing = check_drawing(drawing_from_query(text or "", DRAWING_BOX))
    except InputError as error:
        return f"The link's drawing could not be used: {error}"
    state.w_dist = DRAW
    return None


if "playground" not in state:
    params = st.query_params.to_dict()
    drawing_notice = drawing_from_link(params)
    reading = read_query(params)
    show_setup(reading.setup)
    if "drawing" in state:
        state.w_dist = DRAW
    state.w_lecture = st.query_params.get("lecture", "") in ("1", "true")
    state.notice = (
        " ".join(
            text
            for text in (
                drawing_notice,
                ("Some values in the link were changed or could not be used: " + "; ".join(reading.notes) + ".")
                if reading.notes
                else None,
            )
            if text
        )
        or None
    )
widget_state.remember({"w_lecture": False, "w_noisy": False, **remembered_csv_settings("w")})
session: PlaygroundSession = playground()


# ---- sidebar: data, σ, network ----------------------------------------------------------
def control(setting: Setting, options: list | None = None):
    """The sidebar control of ``setting`` (its kind, label, help and values from the table)."""
    key, sidebar = f"w_{setting.key}", st.sidebar
    if setting.control == "select":
        return sidebar.selectbox(
            setting.label, options or list(setting.choices), key=key, persist_state=KEEP, help=setting.help
        )
    if setting.control == "select_slider":
        return sidebar.select_slider(
            setting.label,
            options=setting.choices,
            key=key,
            persist_state=KEEP,
            help=setting.help,
            format_func=lambda v: f"{v:g}",
        )
    whole_number = sidebar.slider if setting.control == "slider" else sidebar.number_input
    return whole_number(
        setting.label,
        int(setting.low),
        int(setting.high),
        step=setting.step,
        key=key,
        persist_state=KEEP,
        help=setting.help,
    )


def sidebar_data() -> tuple[str, object | None]:
    """The data choice: a toy name, or the uploaded points (None while there are none)."""
    st.sidebar.header("Data")
    names = datasets.names() + [DRAW, UPLOAD]
    if state.w_dist not in names:
        state.w_dist = "2spirals"
    dist = control(BY_FIELD["dataset"], names)
    if dist == DRAW:
        st.sidebar.caption("Paint points on the canvas below the title; they are your data.")
        return dist, drawn_points()
    if dist != UPLOAD:
        st.sidebar.caption(datasets.describe(dist))
        control(BY_FIELD["n_samples"])
        control(BY_FIELD["data_seed"])
        return dist, None
    return dist, upload_points()


def drawn_points():
    """The drawing (n, 2) from the canvas, or None while it cannot be trained on (said why)."""
    with st.expander("Your drawing", expanded=True, icon=":material/draw:"):
        points = draw_points("drawing_canvas", DRAWING_BOX, initial_points=state.get("drawing"))
        if points is None:
            points = state.get("drawing")
        try:
            points = check_drawing(points if points is not None else [])
        except InputError as error:
            st.warning(plain(str(error)))
            return None  # the current model stays, as for a bad CSV
        state.drawing = points
        st.download_button("Download the drawing (CSV)", drawing_csv(points), "drawing.csv", "text/csv")
        return points


def upload_points():
    """The CSV chooser (dde_app/csv_input.py): (file name, points) or None, showing any error."""
    return csv_points(st.sidebar, "w", "Upload a file to train on your own points.")


def sidebar_model() -> None:
    st.sidebar.header("Noise level σ")
    control(BY_FIELD["sigma"])
    st.sidebar.header("Network")
    for name in ("width", "depth", "activation"):
        control(BY_FIELD[name])
    st.sidebar.header("Training")
    for name in ("learning_rate", "batch_size", "seed", "steps_per_frame"):
        control(BY_FIELD[name])


def wanted_setup(dist: str, data) -> Setup | None:
    """The setup the controls describe (None while an upload is missing or invalid)."""
    values = {setting.field: state[key] for key, setting in SETTING_WIDGETS.items()}
    if dist == DRAW:
        if data is None:
            return None
        values.update(dataset=f"drawn ({len(data)} points)", n_samples=len(data))
    elif dist == UPLOAD:
        if data is None:
            return None
        file_name, points = data
        values.update(dataset=csv_label(file_name, points, state.w_csv_std), n_samples=len(points.points))
    return Setup.from_values(values)


def start_model(config: Config, data) -> bool:
    """Build a new model; on bad input say why and keep the current one. True if started."""
    points, metadata = None, {}
    if isinstance(data, np.ndarray):  # a drawing
        points, metadata = data.astype(np.float32), {"drawn": True}
    elif data is not None:
        _, uploaded = data
        points = uploaded.points
        metadata = {"columns": list(uploaded.column_names), "standardizer": uploaded.standardizer.to_dict()}
    try:
        with st.spinner("Building the model and the exact KDE…"):
            session.start(config, points, metadata)
    except InputError as error:
        st.error(plain(f"Could not start a model with these settings: {error}"))
        return False
    return True


def keep_current_settings() -> None:
    """Callback: put the controls back to the running model's settings."""
    show_model_settings(session.experiment.config, state.w_spf)


def changed_labels(old: Config, new: Config) -> str:
    """The changed settings by their controls' names, e.g. "σ (log scale), Width"."""
    labels = {"hidden": "the network's size", "n_samples": "the number of points", "sigma": "σ"}
    return ", ".join(labels.get(name) or BY_FIELD[name].label for name in changed_fields(old, new))


# ---- page ---------------------------------------------------------------------------------
st.title("DDE Playground")
tools = st.columns([1.2, 1, 5], vertical_alignment="center")
tools[0].toggle(
    "Lecture mode",
    key="w_lecture",
    persist_state=KEEP,
    help="Large text and panels for a projector; the controls are folded away. In a link: lecture=1.",
)
with tools[1]:
    copy_link_button("copy_link")
if state.w_lecture:
    lecture_style()
keyboard_shortcuts()
if state.get("notice"):  # unset when a reloaded tab took its playground back before this ran
    st.warning(plain(state.notice))
    state.notice = None
if (reason := session.take_pause_reason()) is not None:
    st.info(reason, icon=":material/pause_circle:")

with st.expander("What am I looking at?", expanded=not state.w_lecture, icon=":material/school:"):
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
    chart(
        gallery_figure({name: datasets.sample(name, 800, 0) for name in datasets.names()}),
        key="gallery",
        config={"displayModeBar": False},
    )

dist, data = sidebar_data()
sidebar_model()
setup = wanted_setup(dist, data)
config = setup.config if setup is not None else None
setup_query = to_query(setup or Setup(steps_per_frame=int(state.w_spf)))
if dist == UPLOAD:
    setup_query["dist"] = "csv"  # uploaded points cannot travel in a link
elif dist == DRAW:
    setup_query["dist"] = "draw"
    link_text = drawing_to_query(data) if data is not None else None
    if link_text is not None:
        setup_query["draw"] = link_text
    elif data is not None:
        st.caption(f"Links carry drawings of up to {MAX_URL_POINTS} points; download the CSV to share this one.")
setup_query.update(view_params(st.query_params.to_dict()))
if state.w_lecture:
    setup_query["lecture"] = "1"
else:
    setup_query.pop("lecture", None)
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
            f"You changed {changed_labels(experiment.config, config)}. "
            f"That needs a new model; the current one ({experiment.step:,} steps) will be replaced. "
            "Download it first if you want to keep it."
        )
        left, right, _ = st.columns([1, 1, 3])
        if left.button("Start new model", type="primary") and start_model(config, data):
            st.rerun()  # (a refusal stays on screen: start_model has said why)
        right.button("Keep current model", on_click=keep_current_settings)
elif config is None and dist == UPLOAD:
    st.caption("Showing the current model; it stays until valid new data is uploaded.")


# ---- controls -------------------------------------------------------------------------
controls = st.columns([1, 1, 1, 4])
playing = playback_buttons(
    session,
    controls,
    ("play", "step", "reset"),
    lambda: int(state.w_spf),
    "notice",
    "A new untrained model with the same settings and data.",
)
show_noisy = controls[3].toggle("Show noisy data x + σ·η", key="w_noisy", persist_state=KEEP)
st.caption(SHORTCUTS_TEXT)

zmax = experiment.zmax
sigma_text = f"σ = {experiment.config.sigma:g}"


@st.cache_data(max_entries=4, show_spinner=False)
def noisy_copy(points, sigma: float, seed: int):
    import numpy as np

    return points + sigma * np.random.default_rng(seed).standard_normal(points.shape)


def static_panels(columns) -> None:
    noisy = noisy_copy(experiment.points, experiment.config.sigma, 0) if show_noisy else None
    title = f"Training data ({len(experiment.points):,} points)"
    chart(points_figure(experiment.points, experiment.grid, title, noisy), key="data_panel", where=columns[0])
    chart(
        density_figure(experiment.kde_view, f"Target: exact KDE at {sigma_text}", zmax),
        key="kde_panel",
        where=columns[2],
    )


def live_panel() -> None:
    """The DDE panel. While playing, its chart fetches each new frame itself
    (dde_app/live_view.py): the page does not rerun per frame, and drawing never
    waits for training. Paused, it shows the density as a heatmap with values on hover."""
    frame = session.latest_frame
    live_chart(
        session.panel_figure(frame, as_image=playing),
        key="dde_panel",
        poll=poll_path(session) if playing else None,
        after=frame.step,
        every=POLL_SECONDS,
    )


@st.fragment(run_every=stats_seconds(session) if playing else None)
def live_stats() -> None:
    """Numbers and curves below the panels, refreshed once a second while playing.

    When the trainer has stopped by itself (an error, or an idle timeout) the whole
    page reruns to show it paused.
    """
    stopped_by_itself(session, playing, "notice")
    record = experiment.record.snapshot()
    stats = st.columns(5)
    stats[0].metric("Step", f"{record.steps[-1]:,}")
    speed = experiment.steps_per_second
    stats[1].metric(
        "Steps/s",
        f"{speed:,.0f}" if record.steps[-1] > 1 and speed == speed else "—",
        help="Training steps per second of training time (views excluded).",
    )
    stats[2].metric(
        "KL(KDE ‖ DDE)",
        f"{record.kl[-1]:.4f} nats",
        help=f"Both densities normalised on the {experiment.grid.n}×{experiment.grid.n} view grid.",
    )
    stats[3].metric(
        "Excess loss",
        f"{record.excess_loss[-1]:.2e}",
        help="Denoising loss minus the exact KDE denoiser's loss on the same held-out noisy batch.",
    )
    stats[4].metric("Device", experiment.model.device_, help="Where TensorFlow trains this model.")
    live_chart(training_curves_figure(record.steps, record.loss, record.excess_loss, record.kl), key="curves")


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
        index = st.slider(
            "Captured frame",
            0,
            len(frames) - 1,
            len(frames) - 1,
            key="w_replay",
            help=f"Up to {session.frames.capacity} frames are kept, thinned evenly.",
        )
        frame = frames[index]
        chart(
            density_figure(frame.as_view(), f"DDE at step {frame.step:,}", zmax, height=430),
            key="replay_panel",
            where=st.columns(2)[0],
        )
    else:
        st.caption("Train a few frames to capture a replay.")
    columns = st.columns(3)
    name = experiment.config.dataset.replace("csv:", "").split(" ")[0]
    columns[0].download_button(
        "Model (.keras)", session.model_bytes, f"dde-{name}.keras", mime="application/octet-stream"
    )
    columns[1].download_button(
        "Metrics (JSON)", session.metrics_json, f"dde-{name}-metrics.json", mime="application/json"
    )
    if len(frames) > 1 and columns[2].button("Make animated GIF"):
        state.gif = (frames[-1], session.replay_gif())  # made from the frames up to this one
    made_from, gif = state.get("gif", (None, None))
    if frames and made_from is frames[-1]:  # not after more training, a reset or a new model
        columns[2].download_button("Download GIF", gif, f"dde-{name}.gif", mime="image/gif")
