"""The Generate page's session (dde_app/generate_session.py): live training, both methods from
one generator, part-wise steps, divergence, the frames route, downloads. Tiny networks."""

import io
import json
import time

import numpy as np
import pytest

from dde_app import live_view
from dde_app.generate_session import DDE_LABEL, GAN_LABEL, GenerateSession, GenerateSettings
from dde_core.errors import InputError
from dde_core.generation import GAN, DDEGenerator
from tests.live_route import get
from tests.waiting import wait_until

TINY = {
    "n_samples": 600,
    "width": 8,
    "depth": 2,
    "critic_width": 8,
    "batch_size": 64,
    "data_steps": 20,
    "steps_per_frame": 3,
    "sigma": 0.3,
}


def tiny(**changes) -> GenerateSettings:
    return GenerateSettings(**{**TINY, **changes})


@pytest.fixture(scope="module")
def both() -> GenerateSession:
    """A "both" session past its data DDE (shared by the tests that only read or step it)."""
    session = GenerateSession()
    session.start(tiny(method="both"))
    session.tick(3)  # Step while the data DDE learns: all its (20) steps at once
    assert session.data_ready
    return session


def generator_weights(model) -> list[np.ndarray]:
    return [w.numpy().copy() for w in model.generator_.weights]


def critic_weights(model) -> list[np.ndarray]:
    network = model.sample_model_.network_ if isinstance(model, DDEGenerator) else model.discriminator_
    return [w.numpy().copy() for w in network.weights]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_first_frame_is_the_untrained_generator_over_the_data_without_training():
    session = GenerateSession()
    frame = session.start(tiny(method="dde"))
    assert session.has_model and session.step == 0 and frame.generator_step == 0 and frame.step == 0
    method = frame.methods[DDE_LABEL]
    assert method.samples.shape == (300, 2) and method.push is None  # no push before f_data is trained
    assert method.critic.shape == (64, 64) and "data DDE" in method.critic_title
    assert "data DDE first" in frame.phase
    assert {"mmd2", "modes_covered", "high_quality", "kl_grid"} <= set(method.metrics)  # 8gaussians: known modes
    figure = session.panel_figure(frame)
    assert figure.layout.title.text.startswith("Generate: training the data DDE")
    with pytest.raises(InputError, match="data DDE is still learning"):
        session.step_part("generator")


def test_both_start_from_one_generator_and_see_the_same_latent_draws(both):
    dde, gan = both.models[DDE_LABEL], both.models[GAN_LABEL]
    assert isinstance(dde, DDEGenerator) and isinstance(gan, GAN)
    first = both.frames.frames[0].methods
    np.testing.assert_array_equal(first[DDE_LABEL].samples, first[GAN_LABEL].samples)  # same initial generator
    assert both.curves[DDE_LABEL].values["mmd2"][0] == both.curves[GAN_LABEL].values["mmd2"][0]
    np.testing.assert_array_equal(dde.latent(5), gan.latent(5))


@pytest.mark.parametrize("part", ["critic", "generator"])
def test_stepping_one_part_moves_only_that_part(both, part):
    before = {label: (generator_weights(m), critic_weights(m)) for label, m in both.models.items()}
    steps = both.step
    both.step_part(part, 2)
    for label, model in both.models.items():
        generator_same = same(before[label][0], generator_weights(model))
        critic_same = same(before[label][1], critic_weights(model))
        assert (generator_same, critic_same) == ((True, False) if part == "critic" else (False, True)), label
    assert both.step == steps + (2 if part == "generator" else 0)
    assert "alone" in both.latest_frame.phase and both.latest_frame.step > both.frames.frames[-2].step


def test_play_trains_in_the_background_and_pause_stops():
    session = GenerateSession()
    session.start(tiny(method="gan"))
    session.play(3)
    assert wait_until(lambda: session.step >= 9, 60), "three frames of training"
    session.pause()
    assert not session.running and session.last_error is None
    step, frames = session.step, len(session.frames)
    time.sleep(0.3)
    assert session.step == step and len(session.frames) == frames  # paused: nothing trains
    assert step % 3 == 0 and session.latest_frame.generator_step == step


def test_divergence_stops_with_a_message_and_keeps_the_last_good_frame(both):
    dde = both.models[DDE_LABEL]
    saved = dde.learning_rate
    dde.learning_rate = 1000.0  # (what the message quotes) and the step the optimiser takes:
    dde.generator_optimizer_.learning_rate.assign(1000.0)
    try:
        last_good, count = both.latest_frame, len(both.frames)
        with pytest.raises(
            InputError, match="DDE generator: .*diverged.*Lower the generator's learning rate.*raise sigma"
        ):
            both.step_part("generator", 50)
        assert both.latest_frame is last_good and len(both.frames) == count and not both.running
    finally:
        dde.learning_rate = saved
        dde.generator_optimizer_.learning_rate.assign(saved)


def test_the_frames_route_serves_this_sessions_frames(both):
    both.running = True  # as if its trainer thread were running
    try:
        token = live_view.token_for(both)
        response = get(token, "after=-1")
        body = json.loads(response.body)
        assert response.status_code == 200 and body["step"] == both.latest_frame.step
        layout = body["figure"]["layout"]
        assert layout["title"]["text"].startswith("Generate: generator step")
        # both methods' samples and critics as pictures; no markers to redraw
        assert [image["source"][:22] for image in layout["images"]] == ["data:image/png;base64,"] * 4
        assert not body["figure"]["data"]
        assert get(token, f"after={both.latest_frame.step}").status_code == 204
    finally:
        both.running = False


def test_bad_settings_are_refused_naming_the_problem_and_the_run_is_kept(both):
    frame, models = both.latest_frame, both.models
    for changes, words in [
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": float("nan")}, "sigma"),
        ({"width": 0}, "layer width"),
        ({"latent_dim": 99}, "latent size"),
        ({"method": "vae"}, "method"),
    ]:
        with pytest.raises(InputError, match=words):
            both.start(tiny(**changes))
    assert both.latest_frame is frame and both.models is models


def test_downloads_reset_and_gif(both, tmp_path):
    rows = both.samples_csv(10).splitlines()
    assert (
        rows[0] == "method,x1,x2" and len(rows) == 21 and {r.split(",")[0] for r in rows[1:]} == {DDE_LABEL, GAN_LABEL}
    )
    metrics = json.loads(both.metrics_json())
    assert set(metrics["methods"]) == {DDE_LABEL, GAN_LABEL} and metrics["settings"]["method"] == "both"
    path = tmp_path / "gan.npz"
    path.write_bytes(both.model_bytes(GAN_LABEL))
    np.testing.assert_allclose(GAN.load(path).sample(5, seed=3), both.models[GAN_LABEL].sample(5, seed=3), atol=1e-6)
    from PIL import Image

    gif = Image.open(io.BytesIO(both.replay_gif()))
    assert gif.format == "GIF" and gif.n_frames == len(both.frames) and gif.size == (640, 320)
    data_dde = both.data_dde
    both.reset()
    assert both.step == 0 and len(both.frames) == 1 and both.data_dde is data_dde  # the trained f_data is kept
    assert both.data_ready and both.latest_frame.methods[DDE_LABEL].push is not None
