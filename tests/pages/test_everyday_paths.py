"""Everyday paths: leaving a page and coming back, limits on costly input, links that
name what they change, trainers that pause for the right reasons, the app's configuration."""

import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dde_app import live_view
from dde_app.session import PlaygroundSession
from dde_app.sharing import Setup, read_query, to_query
from dde_app.text import plain
from dde_app.widget_state import SETTING_WIDGETS
from dde_core import limits
from dde_core.comparison import REFERENCE_SPEED, SamplerSettings, estimated_seconds
from dde_core.errors import InputError
from dde_core.experiment import Config, Experiment
from dde_core.settings import SETTINGS
from dde_core.validation import check_spread
from tests.live_route import get

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "navigation.py")
PAGES = {"playground": "app_pages/playground.py", "sampling": "app_pages/sampling.py", "claims": "app_pages/claims.py"}
SMALL = {"n_samples": 600, "hidden": (8,), "batch_size": 128}


# ---- leaving a page and coming back ------------------------------------------------------------
def test_every_page_can_be_left_and_returned_to_with_its_settings_kept():
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["n"] = "1000"
    at.run()
    at.select_slider(key="w_sigma").set_value(0.3).run()
    at.button(key="step").click().run()
    steps = at.session_state["playground"].experiment.step
    at.switch_page(PAGES["sampling"]).run()
    assert not at.exception
    at.selectbox(key="sampling_sampler").set_value("MALA").run()
    # every ordered pair of pages: P→S (done), S→P, P→C, C→S, S→C, C→P
    for name in ("playground", "claims", "sampling", "claims", "playground"):
        at.switch_page(PAGES[name]).run()
        assert not at.exception, (name, at.exception)
    assert at.select_slider(key="w_sigma").value == 0.3
    assert at.session_state["playground"].experiment.step == steps
    assert not at.warning  # the kept σ is the model's: no "needs a new model"
    at.switch_page(PAGES["sampling"]).run()
    assert at.selectbox(key="sampling_sampler").value == "MALA"


def test_a_playground_taken_back_by_a_reloaded_tab_opens_before_the_link_is_read():
    """A reloaded tab can take its playground back (dde_app/resume.py) in a run that ends
    before the Playground page first reads the link: the page then opens on that model."""
    kept = PlaygroundSession()
    kept.start(Config(dataset="moons", **SMALL))
    kept.tick(7)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["playground"] = kept
    for key, setting in SETTING_WIDGETS.items():  # as the claim shows them (show_model_settings)
        at.session_state[key] = Setup(kept.experiment.config, 30).value(setting.field)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["playground"] is kept
    shown = kept.experiment.record.snapshot().steps[-1]
    assert shown > 1 and [m.value for m in at.metric if m.label == "Step"] == [f"{shown:,}"]


# ---- links ------------------------------------------------------------------------------------
def test_a_link_names_every_value_it_changed_or_dropped():
    reading = read_query(
        {"lr": "0.0007", "seed": "99999", "n": "100000", "width": "60", "spf": "1000", "dist": "moons"}
    )
    assert reading.setup.config.learning_rate == 1e-3 and reading.setup.config.hidden[0] == 64
    assert reading.setup.config.dataset == "moons"
    notes = " | ".join(reading.notes)
    for text in ("0.0007", "used the nearest, 0.001", "99999", "100000", "60", "1000"):
        assert text in notes
    assert sorted(reading.dropped) == ["n", "seed", "spf"]  # outside what the controls offer
    assert len(reading.notes) == 5  # dist=moons is fine and not mentioned


def test_every_setting_read_from_a_link_fits_its_control():
    """Values a link may carry are those the controls offer (else a slider raises)."""
    for setting in SETTINGS:
        if setting.control in ("slider", "number"):
            for text in (str(int(setting.low)), str(int(setting.high))):
                value, note = setting.parse(text)
                assert setting.low <= value <= setting.high and note is None
            with pytest.raises(InputError):
                setting.parse(str(int(setting.high) + setting.step))
        elif setting.choices:
            assert setting.parse(setting.format(setting.choices[-1]))[0] == setting.choices[-1]
    assert read_query(to_query(Setup())).notes == []


def test_link_text_shows_as_written_not_as_markdown():
    name = "[Click here to re-login](http://evil.example)"
    reading = read_query({name: "1", "![x](http://evil.example/p.png)": "1", ":red[**URGENT**]": "1"})
    shown = plain("; ".join(reading.notes))
    for mark in ("[", "]", "(", ")", ":"):
        assert f"\\{mark}" in shown
    assert "](" not in shown.replace("\\]\\(", "")  # no live link syntax left


def test_a_hand_edited_link_with_out_of_range_values_opens_with_a_notice():
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in {"n": "100000", "spf": "1000", "seed": "99999", "lr": "0.0007"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    notice = at.warning[0].value
    assert all(text in notice for text in ("100000", "1000", "99999", "0.0007"))
    assert at.slider(key="w_n").value == 10_000 and at.slider(key="w_spf").value == 30


# ---- degenerate data and limits ---------------------------------------------------------------
@pytest.mark.parametrize(
    "points, words",
    [
        (np.full((50, 2), 3.0), "same point"),
        (np.column_stack([np.arange(50.0), np.full(50, 2.0)]), "same value"),
        (np.column_stack([np.arange(50.0) * 1e299, np.arange(50.0)]), "too large"),
        (np.column_stack([1e6 + 1e-4 * np.arange(50.0), np.arange(50.0)]), "32-bit precision"),
    ],
)
def test_degenerate_points_are_refused_with_what_to_do(points, words):
    with pytest.raises(InputError, match=words):
        check_spread(points, ["x", "y"])
    with pytest.raises(InputError, match=words):
        Experiment(Config(dataset="csv:mine", **SMALL), points)


def test_points_far_wider_than_sigma_are_refused():
    points = np.random.default_rng(0).normal(0, 1e4, (200, 2))
    with pytest.raises(InputError, match="larger σ"):
        Experiment(Config(dataset="csv:mine", **SMALL), points)


def test_user_data_grid_holds_the_kde_mass_however_small_the_spread():
    points = np.random.default_rng(0).normal(0, 1e-3, (200, 2))
    experiment = Experiment(Config(dataset="csv:tiny", sigma=0.2, **SMALL), points)
    low, high = experiment.grid.x_range
    assert high - low > 6 * 0.2  # 3σ on every side
    density = np.exp(experiment.kde_view.log_density)
    assert density.sum() * experiment.grid.cell_area == pytest.approx(1.0, abs=0.01)


def test_upload_limit_matches_the_server_setting():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MB


def test_the_app_watches_no_files():
    """Streamlit's watcher would watch the whole project, .venv included: a busy core at idle."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"].get("runOnSave", False) is False


def test_sampling_estimates_grow_with_chains_steps_and_points():
    base = SamplerSettings("ULA", 1e-3, 100, 1000)
    one = estimated_seconds(base, 10_000)
    assert estimated_seconds(SamplerSettings("ULA", 1e-3, 200, 1000), 10_000) == pytest.approx(2 * one)
    assert estimated_seconds(base, 20_000) > 1.9 * one  # the KDE's steps dominate
    assert estimated_seconds(SamplerSettings("Ozaki", 1e-3, 100, 1000), 10_000) > one
    maxima = SamplerSettings("ULA", 1e-3, 5000, 20_000)
    assert estimated_seconds(maxima, 10_000, REFERENCE_SPEED) > limits.RUN_BUDGET_SECONDS


def test_the_sampling_page_refuses_a_run_over_its_budget_before_it_starts():
    at = AppTest.from_file(str(ROOT / PAGES["sampling"]), default_timeout=300).run()  # the default model
    at.number_input(key="sampling_chains").set_value(20_000)
    at.number_input(key="sampling_n_steps").set_value(5_000).run()
    assert not at.exception
    assert at.button(key="sampling_run").disabled
    assert "allowed per run" in at.error[0].value
    at.number_input(key="sampling_chains").set_value(200)
    at.number_input(key="sampling_n_steps").set_value(20).run()
    assert not at.button(key="sampling_run").disabled
    assert any("Estimated time" in c.value for c in at.caption)


# ---- the trainer and the frames route -----------------------------------------------------------
def wait_until(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_trainer_pauses_when_its_tab_disconnects_and_says_why():
    connected = [True]
    session = PlaygroundSession(is_connected=lambda: connected[0])
    session.start(Config(**SMALL))
    session.play(5)
    assert wait_until(lambda: session.experiment.step > 6)
    connected[0] = False
    assert wait_until(lambda: not session.running)
    reason = session.take_pause_reason()
    assert "lost its connection" in reason and "Play" in reason
    assert session.take_pause_reason() is None  # said once


def test_polling_a_closed_tabs_frames_does_not_keep_its_trainer_going():
    connected = [True]
    session = PlaygroundSession(is_connected=lambda: connected[0])
    session.start(Config(**SMALL))
    session.play(5)
    token = live_view.token_for(session)
    connected[0] = False  # the tab is gone; someone keeps asking for its frames
    for _ in range(20):
        _get(token)
    assert wait_until(lambda: not session.running, 30)


def test_an_idle_trainer_pauses_and_says_so():
    session = PlaygroundSession(idle_seconds=0.3)
    session.start(Config(**SMALL))
    session.play(5)
    assert wait_until(lambda: not session.running, 30)
    assert "nothing on this page was seen" in session.take_pause_reason()


def test_an_unexpected_error_in_training_stops_the_trainer_and_is_shown():
    session = PlaygroundSession()
    session.start(Config(**SMALL))

    def broken(steps):
        raise RuntimeError("disk on fire")

    session.experiment.train = broken
    session.play(5)
    assert wait_until(lambda: not session.running, 30)
    assert "internal error" in session.last_error and "disk on fire" in session.last_error


def _get(token: str):
    return get(token, "after=-1")


def test_the_frames_route_limits_requests_per_session():
    session = PlaygroundSession()
    session.start(Config(**SMALL))
    token = live_view.token_for(session)
    codes = [_get(token).status_code for _ in range(limits.FRAME_REQUESTS_PER_SECOND + 10)]
    assert 429 in codes and codes[0] != 429
    refused = codes.index(429)
    assert refused >= limits.FRAME_REQUESTS_PER_SECOND - 2  # a burst of one second's worth is fine
    other = PlaygroundSession()
    other.start(Config(**SMALL))
    assert _get(live_view.token_for(other)).status_code != 429  # sessions have their own budgets
    time.sleep(1.0)
    assert _get(token).status_code != 429  # and it refills


def test_claims_runs_stop_at_the_budget_keeping_what_they_measured(monkeypatch):
    monkeypatch.setattr(limits, "RUN_BUDGET_SECONDS", 1.0)  # read by the page at each run
    at = AppTest.from_file(str(ROOT / "app_pages" / "claims.py"), default_timeout=300)
    at.session_state["claims_budget"] = 1.0  # (the timing sweep's own budget may not exceed it)
    at.session_state["claims_source"] = "Train one here"
    at.run()
    at.number_input(key="claims_n").set_value(500)
    at.number_input(key="claims_steps").set_value(1000)
    at.button(key="claims_train_run").click().run()
    assert not at.exception
    assert any("Stopped at the 1 s limit per run" in w.value for w in at.warning)
    model = at.session_state["claims_local"].model
    assert 0 < model.n_steps_ < 1000  # what was trained is kept, the rest not run


def test_the_playground_says_why_its_trainer_paused_when_the_person_returns():
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["n"] = "1000"
    at.run()
    session = at.session_state["playground"]
    session.pause_reason = "Training paused at step 1 because this tab lost its connection to the server."
    at.run()  # the person comes back: the page is drawn again
    assert any("lost its connection" in message.value for message in at.info)
    at.run()
    assert not any("lost its connection" in message.value for message in at.info)  # said once
