"""The claims page (app_pages/claims.py) driven headless with Streamlit's AppTest, with tiny sizes.

AppTest renders no charts; each chart's Plotly spec is read from its element instead.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dde_app import page_defaults
from dde_app.session import PlaygroundSession
from dde_app.shared_models import shared_results
from dde_core import claims
from dde_core.claims import BASELINE, DDE_HESSIAN, EXACT, JACOBIAN, SECOND_ORDER
from dde_core.experiment import Config

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "claims.py")
DEFAULT_SOURCE = "The default model (shared)"
TABS = {  # the page's tabs: only the open one runs
    1: "1 · Inference cost O(d) vs O(d·D)",
    2: "2 · A real, normalisable density",
    3: "3 · A conservative field",
    4: "4 · High-order gradients: autodiff or direct?",
}


def open_page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def show_tab(at: AppTest, number: int) -> AppTest:
    at.session_state["claims_tab"] = TABS[number]
    return at.run()


def charts(at: AppTest) -> dict:
    """Title text -> Plotly spec of every chart on the page."""
    specs = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def table_with(at: AppTest, column: str):
    """The first table (pandas DataFrame) that has ``column``."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def errors(at: AppTest) -> list[str]:
    return [element.value for element in at.error]


@pytest.fixture(scope="module")
def trained():
    """The page after "Train a DDE here" (20 steps on 1,000 points of 8gaussians)."""
    at = open_page(claims_source="Train one here", claims_n=1000, claims_steps=20)
    assert "Train a model here" in at.info[0].value  # nothing trained here yet
    assert at.button(key="claims_train_run").label == "Train a DDE here"
    assert at.button(key="claims_train_stop").label == "Stop"
    at.button(key="claims_train_run").click().run()
    return at


def test_first_visit_tests_the_shared_default_model_and_each_tab_shows_its_shared_result():
    shared = shared_results()
    before = shared.computed
    at = open_page()
    assert not at.exception and not errors(at)
    assert at.radio(key="claims_source").options == [DEFAULT_SOURCE, "Train one here"]
    assert at.radio(key="claims_source").value == DEFAULT_SOURCE
    model = page_defaults.CLAIMS_MODEL
    assert "the default setup (shared by everyone, read-only)" in at.success[0].value
    assert f"{model.n_samples:,} points" in at.success[0].value
    assert [row.D for row in at.session_state["claims_timing"].rows] == [100, 1000]  # tab 1, no click
    first_made = shared.computed - before  # the model and the timing: 2 (0 if an earlier test made them)
    assert first_made in (0, 2)
    other = open_page()  # a second session: everything is there, nothing is computed again
    assert not other.exception and shared.computed - before == first_made
    assert other.session_state["claims_timing"] is at.session_state["claims_timing"]
    shown = {2: "Held-out log-likelihood (± 1 standard error)", 3: "Curl", 4: "Relative error of each Hessian"}
    for number, key in ((2, "claims_ll"), (3, "claims_direct"), (4, "claims_hessians")):
        show_tab(at, number)
        assert not at.exception and not errors(at), number
        assert at.session_state[key] is not None, key
        assert any(title.startswith(shown[number]) for title in charts(at)), (number, list(charts(at)))
    made = shared.computed - before
    show_tab(other, 2)
    assert other.session_state["claims_ll"] is at.session_state["claims_ll"] and shared.computed - before == made


def test_train_here_trains_a_model(trained):
    assert not trained.exception and not errors(trained)
    subject = trained.session_state["claims_local"]
    assert subject.steps == 20 and len(subject.points) == 1000 and subject.dataset == "8gaussians"
    assert "20 training steps" in trained.success[0].value
    # The sections and their run buttons, each with a Stop next to it.
    for number, keys in ((2, ("claims_ll", "claims_sweep")), (3, ("claims_direct",)), (1, ("claims_timing",))):
        show_tab(trained, number)
        for key in keys:
            assert trained.button(key=f"{key}_run") and trained.button(key=f"{key}_stop").label == "Stop"
        if number == 3:  # before the direct network exists, the DDE's curl panel is shown alone
            curl = next(spec for title, spec in charts(trained).items() if title.startswith("Curl"))
            assert len([trace for trace in curl["data"] if trace["type"] == "heatmap"]) == 1


def test_timing_button_measures_and_plots(trained):
    trained.select_slider(key="claims_max_d").set_value(10_000)
    trained.number_input(key="claims_query_n").set_value(8)
    trained.button(key="claims_timing_run").click().run()
    assert not trained.exception and not errors(trained)
    report = trained.session_state["claims_timing"]
    assert [row.D for row in report.rows] == [100, 1000, 10_000] and report.n_queries == 64
    figure = charts(trained)["Time to evaluate log p on 64 queries"]
    assert figure["layout"]["xaxis"]["type"] == "log" and figure["layout"]["yaxis"]["type"] == "log"
    labels = [metric.label for metric in trained.metric]
    assert "KDE slower than the DDE from D" in labels and "KDE / DDE time at D = 10,000" in labels
    assert any("64 queries" in caption.value and "best of up to 3" in caption.value for caption in trained.caption)


def test_likelihood_and_sweep_buttons_fill_tables_and_plots(trained):
    show_tab(trained, 2)
    trained.number_input(key="claims_n_test").set_value(200)
    trained.number_input(key="claims_n_is").set_value(1000)
    trained.number_input(key="claims_quad_n").set_value(50)
    trained.button(key="claims_ll_run").click().run()
    assert not trained.exception and not errors(trained)
    table = table_with(trained, "method")
    assert list(table["method"])[-1] == "Best possible, −H(p)"
    assert table["mean log-likelihood (nats)"].iloc[-1] == pytest.approx(-2.838)
    assert "Held-out log-likelihood (± 1 standard error)" in charts(trained)
    trained.multiselect(key="claims_sweep_sigmas").set_value([0.2, 0.4])
    trained.number_input(key="claims_sweep_steps").set_value(10)
    trained.button(key="claims_sweep_run").click().run()
    assert not trained.exception and not errors(trained)
    assert list(table_with(trained, "σ")["σ"]) == [0.2, 0.4]
    sweep = charts(trained)["Bias–variance trade-off: held-out log-likelihood against σ"]
    assert [trace["name"] for trace in sweep["data"]][:2] == ["DDE (short training, normalised)", "exact KDE at σ"]


def test_direct_network_button_adds_its_curl_panel(trained):
    show_tab(trained, 3)
    trained.number_input(key="claims_direct_steps").set_value(20)
    trained.button(key="claims_direct_run").click().run()
    assert not trained.exception and not errors(trained)
    assert trained.session_state["claims_direct"].n_steps_ == 20
    figure = next(spec for title, spec in charts(trained).items() if title.startswith("Curl"))
    heatmaps = [trace for trace in figure["data"] if trace["type"] == "heatmap"]
    assert len(heatmaps) == 2 and heatmaps[0]["zmax"] == heatmaps[1]["zmax"] == -heatmaps[0]["zmin"]
    titles = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    assert titles[0].startswith("DDE ∇f: ∮ s·dl =") and titles[1].startswith("Direct score network: ∮ s·dl =")
    curl_metrics = [m for m in trained.metric if "max |curl|" in m.label]
    assert float(curl_metrics[0].value) < 1e-5 < float(curl_metrics[1].value)


def test_bad_input_shows_errors_and_keeps_the_model(trained):
    show_tab(trained, 3)
    trained.number_input(key="claims_loop_r").set_value(-1.0).run()
    assert not trained.exception
    assert any("radius must be a finite number greater than 0" in e for e in errors(trained))
    trained.number_input(key="claims_loop_r").set_value(1.5)
    trained.number_input(key="claims_sigma").set_value(-1.0).run()
    assert not trained.exception
    assert errors(trained) == ["σ must be between 0.01 and 2 (data units), got -1.0."]
    assert trained.session_state["claims_local"].steps == 20  # the trained model stays


def test_uses_the_playground_model_and_explains_missing_fresh_samples():
    session = PlaygroundSession()
    points = np.random.default_rng(0).standard_normal((500, 2)).astype(np.float32)
    session.start(Config(dataset="csv:mine.csv (x, y)", n_samples=500, batch_size=128), points)
    session.tick(5)
    at = open_page(playground=session)
    assert not at.exception
    assert at.radio(key="claims_source").value == "Playground model"
    assert "from the Playground page" in at.success[0].value and "6 training steps" in at.success[0].value
    show_tab(at, 2)
    at.button(key="claims_ll_run").click().run()
    assert not at.exception
    assert any("toy distribution" in e for e in errors(at))


def test_a_run_cut_short_keeps_its_rows_and_says_so(trained):
    """Stop (or any click) interrupts a running script; the next run finds the run still marked."""
    row = claims.TimingRow(100, dde_seconds=1e-3, kde_seconds=2e-3, calls={"dde": 5, "kde": 3, "scipy": 0})
    report = claims.TimingReport(64, 0.2, 30.0, 3, rows=[row])
    trained.session_state["claims_timing"] = report
    trained.session_state["claims_running"] = "claims_timing"
    show_tab(trained, 1)
    assert not trained.exception and trained.session_state["claims_timing"].stopped
    assert any("Stopped early: larger sizes were not measured." in c.value for c in trained.caption)
    assert table_with(trained, "DDE s")["D"].tolist() == [row.D for row in report.rows]


def test_hessian_claim_measures_three_estimates_with_maps_and_ellipses(trained):
    trained.number_input(key="claims_sigma").set_value(0.2)  # an earlier test leaves a bad σ in the form
    show_tab(trained, 4)
    trained.number_input(key="claims_hess_steps").set_value(20)
    trained.number_input(key="claims_hess_n_test").set_value(200)
    trained.slider(key="claims_hess_ellipses").set_value(2)
    trained.button(key="claims_hessians_run").click().run()
    assert not trained.exception and not errors(trained)
    report = trained.session_state["claims_hessians"]
    assert [row.estimate for row in report.rows] == [EXACT, BASELINE, DDE_HESSIAN, JACOBIAN, SECOND_ORDER]
    assert report.row(SECOND_ORDER).training_steps == 20 and report.n_test == 200
    table = table_with(trained, "relative error ‖Ĥ − H‖/‖H‖")
    assert list(table["estimate"]) == [row.estimate for row in report.rows] and table.iloc[0, 1] == 0.0
    figures = charts(trained)
    maps = next(spec for title, spec in figures.items() if title.startswith("Relative error of each Hessian"))
    heatmaps = [trace for trace in maps["data"] if trace["type"] == "heatmap"]
    assert len(heatmaps) == 3 and len({(h["zmin"], h["zmax"]) for h in heatmaps}) == 1  # one colour scale
    ellipses = next(spec for title, spec in figures.items() if title.startswith("Denoising uncertainty"))
    names = [trace.get("name") for trace in ellipses["data"]]
    assert {EXACT, DDE_HESSIAN, JACOBIAN, SECOND_ORDER} <= set(names)
    assert report.covariances.noisy.shape == (4, 2)
    assert any("Most accurate here" in caption.value for caption in trained.caption)
    # a run cut short keeps the estimates it finished and says so
    partial = claims.HessianReport(0.3, 2, 1000, 200, rows=report.rows[:3], grid=report.grid)
    trained.session_state["claims_hessians"] = partial
    trained.session_state["claims_running"] = "claims_hessians"
    trained.run()
    assert not trained.exception and trained.session_state["claims_hessians"].stopped
    assert list(table_with(trained, "relative error ‖Ĥ − H‖/‖H‖")["estimate"]) == [EXACT, BASELINE, DDE_HESSIAN]
    assert any("Stopped early" in caption.value for caption in trained.caption)
