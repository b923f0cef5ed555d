"""Page logic of the playground, driven headless with Streamlit's AppTest.

AppTest does not fire run_every timers; "Play" is seen through the session's
trainer thread, and the live animation itself is covered by the browser tests.
"""

import io
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "navigation.py")


def open_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"n": "2000", **query}.items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def session(at: AppTest):
    return at.session_state["playground"]


def test_defaults():
    at = open_app()
    assert not at.exception
    assert at.selectbox(key="w_dist").value == "2spirals"
    assert at.select_slider(key="w_sigma").value == 0.2
    assert at.select_slider(key="w_width").value == 64 and at.slider(key="w_depth").value == 3
    assert metric(at, "Step") == "1"
    assert metric(at, "Device").startswith("CPU")
    assert session(at).experiment.config.hidden == (64, 64, 64)
    assert at.query_params["sigma"] == ["0.2"] or at.query_params["sigma"] == "0.2"


def test_step_play_pause_and_reset():
    at = open_app(spf="20")
    at.button(key="step").click().run()
    assert metric(at, "Step") == "21"
    at.button(key="play").click().run()  # playing: the session's trainer thread trains
    assert session(at).running and at.button(key="play").label.endswith("Pause")
    deadline = time.monotonic() + 60
    while session(at).experiment.step < 21 + 3 * 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    at.button(key="play").click().run()
    assert not session(at).running
    step = int(metric(at, "Step"))
    assert step >= 81 and (step - 1) % 20 == 0  # whole frames only
    time.sleep(0.5)
    at.run()
    assert int(metric(at, "Step")) == step == session(at).experiment.step  # paused: nothing trains
    assert session(at).latest_frame.step == step
    at.button(key="reset").click().run()
    assert metric(at, "Step") == "1"
    assert len(session(at).frames) == 1


def test_changing_sigma_before_training_just_starts_over():
    at = open_app()
    at.select_slider(key="w_sigma").set_value(0.5).run()
    assert session(at).experiment.config.sigma == 0.5
    assert not at.warning


def test_changing_sigma_after_training_asks_first():
    at = open_app(spf="10")
    at.button(key="step").click().run()
    at.select_slider(key="w_sigma").set_value(0.5).run()
    assert "needs a new model" in at.warning[0].value and "You changed σ." in at.warning[0].value
    assert session(at).experiment.config.sigma == 0.2  # nothing lost yet
    keep = next(b for b in at.button if b.label == "Keep current model")
    keep.click().run()
    assert at.select_slider(key="w_sigma").value == 0.2
    assert not at.warning and metric(at, "Step") == "11"
    at.select_slider(key="w_width").set_value(32).run()
    next(b for b in at.button if b.label == "Start new model").click().run()
    assert session(at).experiment.config.hidden == (32, 32, 32)
    assert metric(at, "Step") == "1"


def test_every_control_reaches_the_model():
    at = open_app()
    at.selectbox(key="w_dist").set_value("moons")
    at.slider(key="w_n").set_value(1500)
    at.number_input(key="w_dseed").set_value(3)
    at.slider(key="w_depth").set_value(2)
    at.selectbox(key="w_act").set_value("tanh")
    at.select_slider(key="w_lr").set_value(1e-3)
    at.select_slider(key="w_batch").set_value(512)
    at.number_input(key="w_seed").set_value(7).run()  # all at once: one new model, not eight
    config = session(at).experiment.config
    assert (config.dataset, config.n_samples, config.data_seed) == ("moons", 1500, 3)
    assert (config.hidden, config.activation) == ((64, 64), "tanh")
    assert (config.learning_rate, config.batch_size, config.seed) == (1e-3, 512, 7)
    assert at.query_params["dist"] in ("moons", ["moons"])


def test_url_restores_the_setup():
    at = open_app(dist="8gaussians", sigma="0.5", width="32", depth="2", act="tanh", spf="30")
    assert not at.warning
    assert at.selectbox(key="w_dist").value == "8gaussians"
    assert at.select_slider(key="w_sigma").value == 0.5
    assert session(at).experiment.config.hidden == (32, 32)
    assert at.slider(key="w_spf").value == 30


def test_hand_edited_url_falls_back_with_a_notice():
    at = open_app(dist="nope", sigma="banana", width="-3", bogus="1")
    assert not at.exception
    notice = at.warning[0].value
    assert all(key in notice for key in ("dist", "sigma", "width", "bogus"))
    assert at.selectbox(key="w_dist").value == "2spirals"
    assert at.select_slider(key="w_sigma").value == 0.2


BAD_UPLOADS = {
    "empty.csv": (b"", "empty"),
    "text.csv": (b"name,city\nann,paris\nbob,rome\n", "numeric"),
    "one.csv": (b"x\n1\n2\n3\n", "two numeric columns"),
    "nan.csv": (b"x,y\n1,2\nnan,3\n4,5\n", "NaN"),
    "binary.csv": (bytes(range(256)) * 10, ""),
}


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_upload_shows_a_message_and_keeps_the_model(name):
    content, words = BAD_UPLOADS[name]
    at = open_app(spf="5")
    at.button(key="step").click().run()
    at.selectbox(key="w_dist").set_value("Your own CSV…").run()
    at.sidebar.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert errors and name in errors[0] and words in errors[0]
    assert session(at).experiment.config.dataset == "2spirals"
    assert metric(at, "Step") == "6"
    at.button(key="step").click().run()  # still usable
    assert metric(at, "Step") == "11"


def test_enormous_upload_is_subsampled_with_a_notice():
    rows = np.random.default_rng(0).standard_normal((60_050, 2))  # more rows than any choice of points
    buffer = io.BytesIO()
    np.savetxt(buffer, rows, fmt="%.3f", delimiter=",")
    at = open_app()
    at.selectbox(key="w_dist").set_value("Your own CSV…").run()
    at.sidebar.file_uploader[0].set_value(("big.csv", buffer.getvalue(), "text/csv")).run()
    assert not at.exception and not at.sidebar.error
    assert any("a random 20,000 of its 60,050 rows" in c.value for c in at.sidebar.caption)
    assert len(session(at).experiment.points) == 20_000
    at.number_input(key="w_csv_points").set_value(5_000).run()  # the person chooses the size
    assert any("a random 5,000 of its 60,050 rows" in c.value for c in at.sidebar.caption)
    assert len(session(at).experiment.points) == 5_000


def test_valid_upload_trains_on_the_chosen_columns():
    rng = np.random.default_rng(1)
    table = np.column_stack([rng.normal(100, 10, 400), rng.normal(0, 1, 400), rng.normal(5, 2, 400)])
    content = ("a,b,c\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in table)).encode()
    at = open_app()
    at.selectbox(key="w_dist").set_value("Your own CSV…").run()
    at.sidebar.file_uploader[0].set_value(("mine.csv", content, "text/csv")).run()
    at.selectbox(key="w_csv_x").set_value("a").run()
    at.selectbox(key="w_csv_y").set_value("c").run()
    assert not at.exception and not at.sidebar.error
    experiment = session(at).experiment
    assert experiment.config.dataset == "csv:mine.csv (a, c, standardised)"
    assert len(experiment.points) == 400
    np.testing.assert_allclose(experiment.points.mean(axis=0), 0, atol=1e-4)  # standardised
    assert session(at).extra_metadata["columns"] == ["a", "c"]
    assert at.query_params["dist"] in ("csv", ["csv"])


def test_downloads_offered_when_paused():
    at = open_app(spf="5")
    at.button(key="step").click().run()
    labels = [b.label for b in at.get("download_button")]
    assert "Model (.keras)" in labels and "Metrics (JSON)" in labels
    assert at.slider(key="w_replay").max == 1


def test_gif_is_offered_for_the_frames_it_was_made_from_only():
    at = open_app(spf="5")
    at.button(key="step").click().run()
    gif_button = next(b for b in at.button if b.label == "Make animated GIF")
    gif_button.click().run()
    assert not at.exception
    assert "Download GIF" in [b.label for b in at.get("download_button")]
    at.button(key="step").click().run()  # one more frame: that GIF no longer shows it
    assert "Download GIF" not in [b.label for b in at.get("download_button")]
    next(b for b in at.button if b.label == "Make animated GIF").click().run()
    assert "Download GIF" in [b.label for b in at.get("download_button")]
    at.button(key="reset").click().run()
    assert "Download GIF" not in [b.label for b in at.get("download_button")]
