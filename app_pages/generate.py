"""Generate: train a generator with two DDEs, live, beside a GAN of the same generator."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dde_app import widget_state
from dde_app.charts import chart, live_chart
from dde_app.csv_input import csv_label, csv_points, remembered_csv_settings
from dde_app.generate_session import DDE_LABEL, GAN_LABEL, GenerateSession, GenerateSettings
from dde_app.live_controls import playback_buttons, stats_seconds, stopped_by_itself
from dde_app.live_training import streamlit_connection
from dde_app.live_view import POLL_SECONDS, poll_path
from dde_app.text import plain
from dde_app.widget_state import DRAWN, KEEP, UPLOAD, drawing
from dde_core import datasets
from dde_core.errors import InputError
from dde_core.generation_metrics import METRIC_LABELS
from dde_viz.generate import metric_curves_figure

METHOD_NAMES = {"dde": "DDE generator", "gan": "GAN", "both": "Both, side by side"}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
STEP_CHOICES = (0, 1, 2, 5, 10, 20, 50)  # steps per frame; 0: auto
DEFAULTS = GenerateSettings()
state = st.session_state

widget_state.remember(
    {
        "gen_dist": DEFAULTS.dataset,
        "gen_n": DEFAULTS.n_samples,
        "gen_data_seed": DEFAULTS.data_seed,
        "gen_sigma": DEFAULTS.sigma,
        "gen_latent": DEFAULTS.latent_dim,
        "gen_width": DEFAULTS.width,
        "gen_depth": DEFAULTS.depth,
        "gen_critic_width": DEFAULTS.critic_width,
        "gen_lr": DEFAULTS.learning_rate,
        "gen_method": DEFAULTS.method,
        "gen_seed": DEFAULTS.seed,
        "gen_spf": DEFAULTS.steps_per_frame,
        "gen_data_steps": DEFAULTS.data_steps,
        **remembered_csv_settings("gen"),
    }
)
if "generate_session" not in state:  # one per browser session: nobody shares a generator
    state.generate_session = GenerateSession(is_connected=streamlit_connection())
session: GenerateSession = state.generate_session


# ---- sidebar ------------------------------------------------------------------------------
def uploaded_points():
    """The upload as (label, points, metadata), or None while there is no valid file (said why)."""
    found = csv_points(st.sidebar, "gen", "Upload a file to generate points like yours.")
    if found is None:
        return None
    name, data = found
    metadata = {"columns": list(data.column_names), "standardizer": data.standardizer.to_dict()}
    return csv_label(name, data, state.gen_csv_std), data.points, metadata


def sidebar() -> tuple[GenerateSettings, object]:
    """The settings the controls describe, and the uploaded points (None: a toy)."""
    bar = st.sidebar
    bar.header("Data")
    drawn = drawing()
    names = datasets.names() + ([DRAWN] if drawn is not None else []) + [UPLOAD]
    if state.get("gen_dist") not in names:
        state.gen_dist = DEFAULTS.dataset
    dist = bar.selectbox(
        "Distribution", names, key="gen_dist", persist_state=KEEP, help="Draw your own points on the Playground page."
    )
    upload = None
    if dist == UPLOAD:
        upload = uploaded_points()
    elif dist == DRAWN:
        upload = (f"drawn ({len(drawn)} points)", drawn, {"drawn": True})
        bar.caption(f"The {len(drawn)} points you drew on the Playground.")
    else:
        bar.caption(datasets.describe(dist))
        bar.number_input("Points", step=1000, key="gen_n", persist_state=KEEP)
        bar.number_input("Data seed", step=1, key="gen_data_seed", persist_state=KEEP)
    bar.header("Method")
    bar.radio("Train", list(METHOD_NAMES), format_func=METHOD_NAMES.get, key="gen_method", persist_state=KEEP)
    bar.number_input(
        "σ of both DDEs",
        step=0.05,
        format="%g",
        key="gen_sigma",
        persist_state=KEEP,
        help="The noise level of the data DDE and the sample DDE (data units). 0.1 suits the toys.",
    )
    bar.header("Networks")
    bar.number_input("Latent size k", step=1, key="gen_latent", persist_state=KEEP, help="z ~ N(0, I_k).")
    bar.number_input("Generator width", step=16, key="gen_width", persist_state=KEEP)
    bar.number_input("Generator layers", step=1, key="gen_depth", persist_state=KEEP)
    bar.number_input(
        "Critic width",
        step=16,
        key="gen_critic_width",
        persist_state=KEEP,
        help="Width of the 3 layers of the DDEs and of the GAN's discriminator.",
    )
    bar.header("Training")
    bar.select_slider(
        "Generator learning rate", LEARNING_RATES, key="gen_lr", persist_state=KEEP, format_func=lambda v: f"{v:g}"
    )
    bar.number_input(
        "Data DDE steps",
        step=100,
        key="gen_data_steps",
        persist_state=KEEP,
        help="Training steps of f_data before the generator starts; too few give wrong pushes away from the data.",
    )
    bar.number_input("Seed", step=1, key="gen_seed", persist_state=KEEP, help="Initial weights and latent draws.")
    bar.selectbox(
        "Steps per frame",
        STEP_CHOICES,
        key="gen_spf",
        persist_state=KEEP,
        format_func=lambda v: "auto" if v == 0 else str(v),
        help="Generator steps between two frames; auto: as many as keep the view at 5 or more frames a second.",
    )
    dataset = upload[0] if upload is not None else dist
    settings = GenerateSettings(
        dataset=dataset,
        n_samples=len(upload[1]) if upload is not None else state.gen_n,
        data_seed=state.gen_data_seed if upload is None else 0,
        sigma=state.gen_sigma,
        latent_dim=state.gen_latent,
        width=state.gen_width,
        depth=state.gen_depth,
        critic_width=state.gen_critic_width,
        learning_rate=state.gen_lr,
        method=state.gen_method,
        seed=state.gen_seed,
        steps_per_frame=state.gen_spf,
        data_steps=state.gen_data_steps,
    )
    return settings, (None if dist not in (UPLOAD, DRAWN) else upload or False)


def start(settings: GenerateSettings, upload) -> bool:
    """A new run; on bad input say why and keep the current one. True if started."""
    points, metadata = (upload[1], upload[2]) if upload else (None, {})
    try:
        with st.spinner("Building the generator and its critic…"):
            session.start(settings, points, metadata)
    except InputError as error:
        st.error(plain(f"Could not start with these settings: {error}"), icon=":material/error:")
        return False
    return True


def run_changes(old: GenerateSettings, new: GenerateSettings) -> bool:
    """True if the settings that define a run differ (steps per frame does not)."""
    return replace(new, steps_per_frame=old.steps_per_frame) != old


# ---- page ---------------------------------------------------------------------------------
st.title("Generate")
if (notice := state.pop("gen_notice", None)) is not None:
    st.warning(notice)  # (the page's own words, and the engine's)
if (reason := session.take_pause_reason()) is not None:
    st.info(reason, icon=":material/pause_circle:")
with st.expander("What am I looking at?", icon=":material/school:"):
    st.markdown(
        "A **generator** g maps random latent points z ~ N(0, I) to points x = g(z). Here it learns to "
        "produce points like the data **without an adversary**: a *data DDE* f_data learns log p_σ of the "
        "data (first, while the generator waits), and a *sample DDE* f_gen keeps learning log q_σ of "
        "the generator's own samples. Each generator step moves every sample along its **push** "
        "∇f_data − ∇f_gen (the short lines): towards the data and away from where the generator already "
        "puts too much mass, which minimises KL(q_σ ‖ p_σ) (docs/science.md §10). The **GAN** beside it "
        "has the same generator, the same initial weights and the same random draws; its samples follow "
        "the discriminator's gradient ∇log D instead (red: D believes *data*, blue: *generated*). "
        "Step each part alone to see who moves what; the curves below measure the samples against the "
        "data, and on 8gaussians and the 5×5 grid count the modes covered (≥ 1% of samples within 3 "
        "standard deviations of a centre)."
    )

settings, upload = sidebar()
wanted_ok = upload is not False  # False: an upload is chosen but not valid (yet)
if not session.has_model:
    first = settings if wanted_ok else GenerateSettings()
    if not start(first, upload if wanted_ok else None) and not start(GenerateSettings(), None):
        st.stop()  # (the default setup cannot fail; said why if it did)
elif wanted_ok and run_changes(session.settings, settings):
    if session.step == 0 and not session.running:
        start(settings, upload)  # nothing trained yet: follow the controls
    else:
        session.pause()
        st.warning(
            f"The settings changed. That needs a new run; the current one ({session.step:,} generator steps) "
            "will be replaced. Download it first if you want to keep it."
        )
        if st.button("Start the new run", type="primary", key="gen_restart") and start(settings, upload):
            st.rerun()
elif wanted_ok and settings.steps_per_frame != session.settings.steps_per_frame:
    try:
        session.set_steps_per_frame(settings.steps_per_frame)
    except InputError as error:
        st.error(plain(str(error)))
elif not wanted_ok:
    st.caption("Showing the current run; it stays until a valid file is uploaded.")


# ---- controls -------------------------------------------------------------------------------
def step_part(part: str) -> None:
    session.pause()
    try:
        session.step_part(part)
    except InputError as error:
        state.gen_notice = str(error)


labels = session.settings.labels
critic_name = {DDE_LABEL: "sample DDE", GAN_LABEL: "discriminator"}
critic_words = " and ".join(critic_name[label] for label in labels)
controls = st.columns([1, 1, 1, 1.6, 1.6])
playing = playback_buttons(
    session,
    controls,
    ("gen_play", "gen_step", "gen_reset"),
    lambda: session.settings.steps_per_frame or 10,
    "gen_notice",
    "New untrained generator(s), same settings and data (a trained data DDE is kept).",
)
controls[3].button(
    f"Step the {critic_words} only",
    on_click=step_part,
    args=("critic",),
    key="gen_step_critic",
    width="stretch",
    help="Train the critic alone for one frame's steps, the generator held fixed (as GAN Lab steps D).",
)
controls[4].button(
    "Step the generator only",
    on_click=step_part,
    args=("generator",),
    key="gen_step_generator",
    width="stretch",
    help="Move the generator alone for one frame's steps, its critic held fixed: the samples follow their pushes.",
)

frame = session.latest_frame
live_chart(
    session.panel_figure(frame, as_image=playing),
    key="gen_panel",
    poll=poll_path(session) if playing else None,
    after=frame.step,
    every=POLL_SECONDS,
)
st.caption(
    "Grey-blue: the data; red: generated points g(z) of fixed latent draws; lines: each point's push "
    "(where its next generator step moves it; lengths relative). Right: what pushes it, on the same box."
)


@st.fragment(run_every=stats_seconds(session) if playing else None)
def live_stats() -> None:
    """The numbers and measure curves, refreshed once a second while playing."""
    stopped_by_itself(session, playing, "gen_notice")
    latest = session.latest_frame
    stats = st.columns(5)
    stats[0].metric("Generator step", f"{latest.generator_step:,}")
    if session.data_dde is not None:
        stats[1].metric(
            "Data DDE step",
            f"{session.data_steps_done:,} / {session.settings.data_steps:,}",
            help="f_data learns the data first; the generator(s) wait for it.",
        )
    for column, label in zip(stats[2:4], labels):
        values = latest.methods[label].metrics
        if "modes_covered" in values:
            column.metric(
                f"{label}: modes",
                f"{values['modes_covered']:.0f}, {100 * values['high_quality']:.0f}% good",
                help="Modes covered, and the share of high-quality samples (within 3 stds of a centre).",
            )
        else:
            column.metric(f"{label}: MMD²", f"{values.get('mmd2', float('nan')):.3g}")
    stats[4].metric("Device", session.device, help="Where TensorFlow trains these networks.")
    curves = session.curves_snapshot()
    names = [name for name in METRIC_LABELS if any(name in c.values for c in curves.values())]
    live_chart(metric_curves_figure(curves, names, height=460), key="gen_curves")


live_stats()


# ---- replay and downloads (paused) ---------------------------------------------------------------
st.subheader("Replay and downloads")
if playing:
    st.caption("Pause to scrub through the captured frames and download.")
else:
    frames = session.frames.frames
    if len(frames) > 1:
        index = st.slider("Captured frame", 0, len(frames) - 1, len(frames) - 1, key="gen_replay")
        shown = frames[index]
        chart(session.panel_figure(shown), key="gen_replay_panel")
    else:
        st.caption("Train a few frames to capture a replay.")
    name = session.settings.dataset.replace("csv:", "").split(" ")[0]
    columns = st.columns(4)
    for label in labels:
        tag = "dde-generator" if label == DDE_LABEL else "gan"
        columns[0].download_button(
            f"{label} model (.npz)",
            lambda label=label: session.model_bytes(label),
            f"{tag}-{name}.npz",
            mime="application/octet-stream",
            key=f"gen_download_{tag}",
        )
    columns[1].download_button("Samples (CSV)", session.samples_csv, f"generated-{name}.csv", mime="text/csv")
    columns[2].download_button("Metrics (JSON)", session.metrics_json, f"generate-{name}.json", mime="application/json")
    if len(frames) > 1 and columns[3].button("Make animated GIF", key="gen_make_gif"):
        state.gen_gif = (frames[-1], session.replay_gif())
    made_from, gif = state.get("gen_gif", (None, None))
    if frames and made_from is frames[-1]:
        columns[3].download_button("Download GIF", gif, f"generate-{name}.gif", mime="image/gif")
