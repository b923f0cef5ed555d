"""Classroom features (AppTest): a drawing in a link, a drawing as data on the other pages,
lecture mode, view parameters that are not settings."""

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from dde_app import page_defaults
from dde_app.drawing import check_drawing, drawing_to_query
from dde_core.leaderboard import ComparisonSetup

APP = str(Path(__file__).resolve().parents[2] / "navigation.py")
SMALL = {"width": "8", "depth": "1", "batch": "128"}


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in {**SMALL, **params}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_drawing_in_a_link_becomes_the_data_of_a_model():
    drawn = np.array([[x, y] for x in (-1.0, 0.0, 1.0) for y in (-1.0, 0.5, 2.0)]) + [[0.013, -0.021]]
    at = _open({"dist": "draw", "draw": drawing_to_query(drawn)})
    assert at.selectbox(key="w_dist").value == "Draw your own…"
    experiment = at.session_state.playground.experiment
    assert experiment.config.dataset == "drawn (9 points)"
    np.testing.assert_allclose(experiment.points, drawn, atol=5e-4)
    assert at.query_params["dist"] == "draw" and at.query_params["draw"] == drawing_to_query(drawn)
    assert not at.warning


def test_a_malformed_drawing_in_a_link_is_named_and_the_default_data_kept():
    at = _open({"dist": "draw", "draw": "not*base64!"})
    assert "drawing could not be used" in at.warning[0].value
    assert at.session_state.playground.experiment.config.dataset == "2spirals"


def test_a_drawing_of_one_repeated_point_is_refused_with_what_to_do():
    at = _open({"dist": "draw", "draw": drawing_to_query(np.zeros((5, 2)) + 0.5)})
    assert "drawing could not be used" in at.warning[0].value
    assert at.session_state.playground.experiment.config.dataset == "2spirals"


def test_lecture_and_embed_parameters_are_kept_and_not_called_unknown():
    at = _open({"lecture": "1", "embed": "true"})
    assert at.toggle(key="w_lecture").value is True
    assert not at.warning  # not "not a setting of this page"
    assert at.query_params["lecture"] == "1"
    at.toggle(key="w_lecture").set_value(False).run()
    assert "lecture" not in at.query_params


ROOT = Path(__file__).resolve().parents[2]
DRAWN = "Your drawing (from the Playground)"


def drawing(n: int = 40) -> np.ndarray:
    """What the Playground keeps of a drawing: checked points in the canvas box."""
    return check_drawing(np.random.default_rng(3).uniform(-2, 2, (n, 2)))


def test_a_drawing_is_data_on_the_generate_page():
    at = AppTest.from_file(str(ROOT / "app_pages" / "generate.py"), default_timeout=300)
    assert DRAWN not in at.run().selectbox(key="gen_dist").options  # nothing drawn yet
    at.session_state["drawing"] = points = drawing()
    at.run()
    at.selectbox(key="gen_dist").set_value(DRAWN).run()
    assert not at.exception and not at.error
    session = at.session_state["generate_session"]
    assert session.settings.dataset == "drawn (40 points)"
    np.testing.assert_allclose(session.points, points, rtol=1e-6)  # (kept as float32)


def test_a_drawing_is_data_on_the_compare_page(monkeypatch):
    monkeypatch.setattr(page_defaults, "COMPARE_SETUP", ComparisonSetup("2spirals", ("kde-scott",), 300, 200, 0))
    at = AppTest.from_file(str(ROOT / "app_pages" / "compare.py"), default_timeout=300)
    at.session_state["drawing"] = drawing()
    at.run()
    at.selectbox(key="compare_data").set_value(DRAWN)
    at.multiselect(key="compare_estimators").set_value(["kde-scott"])
    at.button(key="compare_run").click().run()
    assert not at.exception and not at.error
    result = at.session_state["compare_result"]
    assert result.setup.dataset == "drawn (40 points)"
    assert len(result.data.train) + len(result.data.test) == 40 and len(result.rows) == 1
