"""The sampling page, driven headless with AppTest (tiny sizes so it stays fast)."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dde_app import page_defaults
from dde_app.shared_models import shared_results
from dde_core.comparison import SamplerSettings, initial_points, quality_table, run_side_by_side
from dde_core.experiment import Config, Experiment

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "sampling.py")


@pytest.fixture(scope="module")
def trained_page():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    at.radio(key="sampling_source").set_value("A model trained here").run()
    assert "Train a model here" in [b.label for b in at.button]
    at.number_input(key="sampling_steps").set_value(200)
    next(b for b in at.button if b.label == "Train a model here").click().run()
    assert not at.exception and not at.error
    assert "200 training steps" in at.caption[0].value
    return at


def test_first_visit_shows_the_shared_default_model_and_run_and_two_sessions_compute_them_once():
    shared = shared_results()
    before = shared.computed
    first = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not first.exception and not first.error
    assert first.radio(key="sampling_source").value == "The default model (shared)"
    model = page_defaults.SAMPLING_MODEL
    assert f"DDE on {model.dataset}, σ = {model.sigma:g}, {model.steps:,} training steps" in first.caption[0].value
    assert "read-only" in first.caption[0].value
    table = first.dataframe[0].value  # the default run, without a click
    assert list(table["model"]) == ["DDE", "KDE"] and (table["steps"] == page_defaults.SAMPLING_RUN["n_steps"]).all()
    made = shared.computed - before  # the model and the run: 2, or 0 if an earlier test made them
    assert made in (0, 2)
    second = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not second.exception and shared.computed - before == made  # the second session computes nothing
    assert second.dataframe[0].value.equals(table)
    # changing a sampler setting keeps showing that run (with its own settings) and computes nothing
    second.number_input(key="sampling_chains").set_value(300).run()
    assert second.dataframe[0].value.equals(table) and shared.computed - before == made


def run_samplers(at: AppTest, sampler: str, n_steps: int, **numbers) -> AppTest:
    """Set the sampler, its steps and any other number inputs (by key suffix), then run."""
    at.selectbox(key="sampling_sampler").set_value(sampler)
    for name, value in {"n_steps": n_steps, **numbers}.items():
        at.number_input(key=f"sampling_{name}").set_value(value)
    return at.button(key="sampling_run").click().run()


@pytest.mark.parametrize("sampler", ["ULA", "MALA", "Ozaki"])
def test_run_shows_three_panels_and_the_table(trained_page, sampler):
    at = run_samplers(trained_page, sampler, 20, chains=200)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["model"]) == ["DDE", "KDE"]
    assert (table["steps"] == 20).all() and (table["chains"] == 200).all()
    assert table["MMD²"].notna().all() and table["chain-steps/s"].gt(0).all()
    assert table["τ_int (steps)"].gt(0).all() and table["ESS/s"].gt(0).all()  # every sampler reports mixing
    if sampler == "MALA":
        assert table["acceptance"].between(0, 1).all()
    assert at.slider(key="sampling_scrub").max == 2  # start + two chunks of 10 steps


def test_a_runs_scores_stay_its_own_when_the_seed_changes_afterwards(trained_page):
    at = run_samplers(trained_page, "ULA", 20, seed=0)
    before = at.dataframe[0].value
    at.number_input(key="sampling_seed").set_value(7).run()  # no new run: the table is the old run's
    assert not at.exception
    assert at.dataframe[0].value.equals(before)


def test_exploding_step_is_reported_not_crashed(trained_page):
    trained_page.select_slider(key="sampling_tau").set_value(1.0)
    at = run_samplers(trained_page, "ULA", 30)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("left the plotting box" in text for text in warnings), warnings


def test_same_exact_score_gives_identical_panels():
    """Common random numbers: give both panels the KDE's score and they coincide."""
    experiment = Experiment(Config(n_samples=500, steps=10, hidden=(8,)))
    settings = SamplerSettings("MALA", 1e-3, 20, 50)
    from dde_core import samplers

    class KDEAsDDE(samplers.KDETarget):  # a "DDE" panel that is really the exact KDE
        def __init__(self, _model):
            super().__init__(experiment.kde, 50)

    original = samplers.DDETarget
    import dde_core.comparison as comparison

    comparison.DDETarget = KDEAsDDE
    try:
        *_, runs = run_side_by_side(experiment.model, experiment.kde, experiment.points, settings)
    finally:
        comparison.DDETarget = original
    np.testing.assert_array_equal(runs["DDE"].samples, runs["KDE"].samples)
    rows = quality_table(runs, experiment.points[:300])
    assert rows[0].mmd2 == rows[1].mmd2


def test_initial_points():
    data = np.ones((10, 2))
    assert np.all(np.abs(initial_points("uniform box", 100, data, (-4, 4), 0)) <= 4)
    np.testing.assert_array_equal(initial_points("data", 5, data, (-4, 4), 0), np.ones((5, 2)))
    with pytest.raises(ValueError, match="Unknown start"):
        initial_points("moon", 5, data, (-4, 4), 0)


def test_ozaki_takes_its_hessian_from_each_source(trained_page):
    at = trained_page
    at.selectbox(key="sampling_sampler").set_value("Ozaki").run()
    assert at.selectbox(key="sampling_hessian").options == ["DDE autodiff", "exact KDE"]  # none trained yet
    at.number_input(key="sampling_second_order_steps").set_value(20)
    at.button(key="sampling_train_second_order").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="sampling_hessian").options == ["DDE autodiff", "second-order network", "exact KDE"]
    assert at.selectbox(key="sampling_hessian").value == "second-order network"
    assert at.session_state["sampling_second_order"][1].n_steps_ == 20
    for source in ("second-order network", "exact KDE"):
        at.selectbox(key="sampling_hessian").set_value(source)
        at = run_samplers(at, "Ozaki", 20, chains=100)
        assert not at.exception and not at.error
        assert at.session_state["sampling_runs"][0].hessian == source
        table = at.dataframe[0].value
        assert (table["steps"] == 20).all() and table["ESS/s"].gt(0).all()
