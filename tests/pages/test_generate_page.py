"""The Generate page, driven headless with AppTest (tiny networks so it stays fast).

AppTest does not fire run_every timers; Play is covered by the unit and browser tests."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "generate.py")
TINY = {
    "gen_n": 600,
    "gen_width": 8,
    "gen_depth": 2,
    "gen_critic_width": 8,
    "gen_data_steps": 20,
    "gen_sigma": 0.3,
    "gen_spf": 2,
}


def open_page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for key, value in {**TINY, **state}.items():
        at.session_state[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = open_page()
    assert not at.exception and not at.error
    return at


def test_first_visit_shows_the_panels_without_a_click(page):
    assert metric(page, "Generator step") == "0" and metric(page, "Data DDE step") == "1 / 20"
    assert metric(page, "Device").startswith("CPU")
    assert metric(page, "DDE generator: modes").endswith("% good")  # 8gaussians: its modes are known
    session = page.session_state["generate_session"]
    assert len(session.frames) == 1 and "data DDE first" in session.latest_frame.phase
    assert page.button(key="gen_play").label == "Play"


def test_step_advances_and_each_part_steps_alone(page):
    at = page.button(key="gen_step").click().run()  # the data DDE: all of its 20 steps
    assert not at.exception and metric(at, "Data DDE step") == "20 / 20"
    at = at.button(key="gen_step").click().run()
    assert metric(at, "Generator step") == "2"
    session = at.session_state["generate_session"]
    critic_steps = session.models["DDE generator"].n_critic_steps_
    at = at.button(key="gen_step_critic").click().run()
    assert metric(at, "Generator step") == "2" and session.models["DDE generator"].n_critic_steps_ == critic_steps + 2
    at = at.button(key="gen_step_generator").click().run()
    assert metric(at, "Generator step") == "4" and session.models["DDE generator"].n_critic_steps_ == critic_steps + 2
    assert not at.exception and not at.warning
    assert at.slider(key="gen_replay").max == len(session.frames) - 1 == 4


def test_bad_sigma_says_so_and_keeps_the_run(page):
    session = page.session_state["generate_session"]
    frame = session.latest_frame
    at = page.number_input(key="gen_sigma").set_value(-0.1).run()
    assert not at.exception
    if any(b.key == "gen_restart" for b in at.button):  # a trained run: the page asks before replacing it
        at = at.button(key="gen_restart").click().run()
    assert any("sigma" in e.value for e in at.error), [e.value for e in at.error]
    assert session.latest_frame is frame
    at = at.number_input(key="gen_sigma").set_value(0.3).run()
    assert not at.error


def test_method_both_shows_both_side_by_side():
    at = open_page(gen_method="both")
    assert not at.exception and not at.error
    frame = at.session_state["generate_session"].latest_frame
    assert list(frame.methods) == ["DDE generator", "GAN"]
    labels = [m.label for m in at.metric]
    assert "DDE generator: modes" in labels and "GAN: modes" in labels
    assert at.button(key="gen_step_critic").label == "Step the sample DDE and discriminator only"


def test_a_bad_csv_says_why_and_keeps_the_run(page):
    session = page.session_state["generate_session"]
    frame = session.latest_frame
    page.session_state["gen_csv_file"] = ("bad", "broken.csv", b"a,b\n1,x\n2,3\n")
    at = page.selectbox(key="gen_dist").set_value("Your own CSV…").run()
    assert not at.exception
    assert any("broken.csv" in e.value for e in at.sidebar.error), [e.value for e in at.sidebar.error]
    assert session.latest_frame is frame and session.settings.dataset == "8gaussians"
