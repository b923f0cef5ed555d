"""URL sharing and the per-person playground session."""

import numpy as np
import pytest

from dde_app.session import PlaygroundSession, changed_fields
from dde_app.sharing import SIGMA_CHOICES, Setup, from_query, snap, to_query
from dde_core import DDE
from dde_core.experiment import Config


def test_query_round_trip():
    setup = Setup(
        Config(
            dataset="moons",
            n_samples=3000,
            data_seed=4,
            sigma=0.05,
            hidden=(32, 32),
            activation="tanh",
            learning_rate=1e-3,
            batch_size=512,
            seed=9,
        ),
        77,
    )
    restored, ignored = from_query(to_query(setup))
    assert restored == setup and ignored == []


def test_invalid_query_values_fall_back_and_are_listed():
    setup, ignored = from_query(
        {"sigma": "banana", "dist": "nope", "n": "-5", "depth": "99", "act": "relu", "spf": "7", "other": "x"}
    )
    assert sorted(ignored) == ["act", "depth", "dist", "n", "other", "sigma"]
    assert setup.config == Config() and setup.steps_per_frame == 7


def test_values_snap_to_the_controls():
    setup, ignored = from_query({"sigma": "0.21", "lr": "0.0029", "width": "60", "batch": "2000"})
    assert ignored == []
    assert setup.config.sigma == 0.2 and setup.config.learning_rate == 3e-3
    assert setup.config.hidden == (64, 64, 64) and setup.config.batch_size == 2048
    assert snap(0.011, SIGMA_CHOICES) == 0.01
    assert from_query({"sigma": "5"})[1] == ["sigma"]  # outside 0.01..2


def small_config(**changes) -> Config:
    return Config(**{"n_samples": 600, "hidden": (8,), "batch_size": 128, **changes})


def test_session_start_tick_reset():
    session = PlaygroundSession(frame_capacity=4)
    session.start(small_config())
    for _ in range(6):
        session.tick(3)
    assert session.experiment.step == 1 + 18
    assert len(session.frames) <= 4 and session.frames.frames[-1].step == 19
    assert session.experiment.record.steps[-1] == 19
    session.reset()
    assert session.experiment.step == 1 and len(session.frames) == 1


def test_bad_config_keeps_the_previous_model():
    session = PlaygroundSession()
    first = session.start(small_config())
    with pytest.raises(ValueError, match="sigma"):
        session.start(small_config(sigma=-1.0))
    assert session.experiment is first


def test_downloads_are_real_files(tmp_path):
    session = PlaygroundSession()
    session.start(small_config(), metadata={"columns": ["a", "b"]})
    session.tick(5)
    path = tmp_path / "m.keras"
    path.write_bytes(session.model_bytes())
    loaded = DDE.load(path)
    Y = np.zeros((3, 2))
    np.testing.assert_allclose(loaded.log_density(Y), session.experiment.model.log_density(Y), atol=1e-5)
    assert loaded.metadata_["columns"] == ["a", "b"]
    assert '"kl"' in session.metrics_json() and session.replay_gif()[:6] == b"GIF89a"


def test_changed_fields_names_settings():
    assert changed_fields(Config(), Config(sigma=0.5, hidden=(8,))) == ["sigma", "hidden"]


def test_two_sessions_are_independent():
    a, b = PlaygroundSession(), PlaygroundSession()
    a.start(small_config())
    b.start(small_config())
    a.tick(10)
    assert a.experiment.step == 11 and b.experiment.step == 1
    assert a.experiment.model is not b.experiment.model


def test_trainer_thread_plays_pauses_and_stops_when_nobody_watches():
    import time

    session = PlaygroundSession(idle_seconds=1.0)
    session.start(small_config())
    session.play(steps_per_frame=5)
    deadline = time.monotonic() + 30
    while session.experiment.step < 31 and time.monotonic() < deadline:
        session.heartbeat()
        time.sleep(0.05)
    session.pause()
    step = session.experiment.step
    assert step >= 31 and (step - 1) % 5 == 0 and session.latest_frame.step == step
    time.sleep(0.3)
    assert session.experiment.step == step  # paused means paused
    session.play(steps_per_frame=5)  # no heartbeat from now on: it stops by itself
    time.sleep(3.0)
    assert not session.running
    stopped_at = session.experiment.step
    time.sleep(0.5)
    assert session.experiment.step == stopped_at


def test_trainer_reports_a_failed_step(monkeypatch):
    import time

    session = PlaygroundSession()
    session.start(small_config())

    def diverge(steps):
        raise ValueError("Training diverged (the loss became NaN or infinite).")

    monkeypatch.setattr(session.experiment, "train", diverge)
    session.play(steps_per_frame=50)
    deadline = time.monotonic() + 30
    while session.running and time.monotonic() < deadline:
        session.heartbeat()
        time.sleep(0.05)
    assert not session.running and "diverged" in session.last_error
