"""The Compare page, driven headless with AppTest (tiny setups so it stays fast).

The default comparison is shrunk by patching ``page_defaults.COMPARE_SETUP`` (the page reads
it at every run); each test gives it its own seed, so the server-wide store of shared
results (one per test process) computes it afresh for that test.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

from dde_app import page_defaults
from dde_app.shared_models import shared_results
from dde_app.widget_state import UPLOAD
from dde_core import leaderboard
from dde_core.leaderboard import ComparisonSetup

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "compare.py")
TINY_DDE = (("steps", 30), ("n_candidates", 4), ("cv_points", 100), ("grid_size", 60), ("sample_steps", 5))
FAST = ["kde-scott", "gmm", "rbig"]  # no training loop: a fraction of a second each on 300 points
_seeds = itertools.count(9001)


@pytest.fixture
def tiny_default(monkeypatch) -> ComparisonSetup:
    """A default with a (tiny) DDE, new to this process's store of shared results."""
    setup = ComparisonSetup("2spirals", ("dde", "kde-scott", "gmm"), 300, 200, next(_seeds), (("dde", TINY_DDE),))
    monkeypatch.setattr(page_defaults, "COMPARE_SETUP", setup)
    return setup


@pytest.fixture
def quick_default(monkeypatch) -> ComparisonSetup:
    """A default without a training loop, for the tests of a person's own runs."""
    setup = ComparisonSetup("2spirals", ("kde-scott", "gmm"), 300, 200, 0)
    monkeypatch.setattr(page_defaults, "COMPARE_SETUP", setup)
    return setup


def visit() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def shown_table(at: AppTest):
    return at.tabs[0].dataframe[0].value  # the Leaderboard tab's table


def use_own_points(at: AppTest, content: bytes, name: str = "mine.csv") -> AppTest:
    at.selectbox(key="compare_data").set_value(UPLOAD)
    at.multiselect(key="compare_estimators").set_value(FAST)
    at.run()
    at.file_uploader(key="compare_csv_upload").set_value((name, content, "text/csv"))
    return at.run()


def test_first_visit_shows_the_shared_default_computed_once(tiny_default):
    before = shared_results().computed
    first = visit()
    table = shown_table(first)
    assert list(table["estimator"]) == ["true density", "dde", "kde-scott", "gmm"]
    assert table["held-out log-likelihood (nats/point)"].str.contains("±").all()
    assert any("TensorFlow computes on the CPU" in caption.value for caption in first.caption)
    assert any("The default comparison: 2spirals" in success.value for success in first.success)
    second = visit()  # another session: the same rows, not computed again
    assert shown_table(second).equals(table)
    assert shared_results().computed == before + 1
    assert not second.error


def test_own_csv_runs_with_an_unavailable_estimator_and_a_bad_file_keeps_the_results(quick_default):
    at = visit()
    points = np.random.default_rng(0).normal(size=(11, 2))  # 9 to train on (2 held out): RBIG needs 10
    at = use_own_points(at, ("x,y\n" + "".join(f"{a:.5f},{b:.5f}\n" for a, b in points)).encode())
    assert not at.error, [e.value for e in at.error]
    at.button(key="compare_run").click().run()
    assert not at.exception and not at.error
    table = shown_table(at)
    assert list(table["estimator"]) == FAST  # no true density for a person's file
    rbig = table[table["estimator"] == "rbig"].iloc[0]
    assert rbig["what was fitted"].startswith("not available for")
    assert rbig["held-out log-likelihood (nats/point)"] == "—"
    assert table[table["estimator"] != "rbig"]["held-out log-likelihood (nats/point)"].str.contains("±").all()
    assert any("rbig" in info.value and "not available for 9 training points" in info.value for info in at.info)

    at = use_own_points(at, b"name,city\nann,paris\nbob,rome\n", "words.csv")
    assert not at.exception
    assert any("words.csv" in error.value for error in at.error)
    at.button(key="compare_run").click().run()
    assert any("Upload a valid CSV" in error.value for error in at.error)
    assert shown_table(at).equals(table)  # the earlier results stay


def test_stop_keeps_the_rows_finished(quick_default, monkeypatch):
    at = visit()
    at.selectbox(key="compare_data").set_value("8gaussians")
    at.multiselect(key="compare_estimators").set_value(FAST)
    evaluate = leaderboard.evaluate

    def stopped_at_gmm(name, *args, **kwargs):
        if name == "gmm":  # what a click on Stop does: the script stops at its next Streamlit call
            raise StopException()
        return evaluate(name, *args, **kwargs)

    monkeypatch.setattr(leaderboard, "evaluate", stopped_at_gmm)
    at.button(key="compare_run").click().run()
    monkeypatch.setattr(leaderboard, "evaluate", evaluate)
    at.run()  # the next run of the page finds the run cut short
    assert not at.exception
    assert list(shown_table(at)["estimator"]) == ["true density", "kde-scott"]
    assert any("Stopped early" in warning.value for warning in at.warning)
    assert any("Your comparison: 8gaussians" in success.value for success in at.success)


def test_learning_curve_and_dimension_sweep_run_on_demand(quick_default):
    at = visit()
    at.multiselect(key="compare_curve_names").set_value(["kde-scott", "gmm"])
    at.multiselect(key="compare_curve_sizes").set_value([250, 500])
    at.button(key="compare_curve_run").click().run()
    assert not at.exception and not at.error
    curve = at.session_state["compare_curve"]
    assert [(row.estimator, row.n_train) for row in curve.rows] == [
        (name, n) for n in (250, 500) for name in ("oracle", "kde-scott", "gmm")
    ]
    assert not curve.stopped
    at.multiselect(key="compare_sweep_names").set_value(["kde-scott"])
    at.multiselect(key="compare_sweep_dims").set_value([2, 4])
    at.number_input(key="compare_sweep_n").set_value(200)
    at.button(key="compare_sweep_run").click().run()
    assert not at.exception and not at.error
    sweep = at.session_state["compare_sweep"]
    assert [(row.estimator, row.n_dims) for row in sweep.rows] == [
        ("oracle", 2),
        ("kde-scott", 2),
        ("oracle", 4),
        ("kde-scott", 4),
    ]
    assert all(row.gap is not None for row in sweep.rows)
