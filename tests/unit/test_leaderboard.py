"""dde_core.leaderboard, dde_core.anomaly, ``python -m dde_core compare`` and dde_viz.compare.

The correctness guard of the Compare page: on data whose density is known, no estimator's held-out
log-likelihood may exceed the true density's by more than 3 standard errors (a normalisation bug shows
exactly so: docs/science.md §3).  Small sets and short training keep the file fast.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from dde_core import anomaly, benchmark_data, estimators, leaderboard
from dde_core.errors import InputError
from dde_core.grid import Grid

FAST = {
    "dde": {"steps": 200, "n_importance": 3000, "grid_size": 120},
    "flow": {"steps": 200, "n_couplings": 2, "hidden": (16, 16)},
    "gmm": {"candidates": (1, 2, 4, 8)},
}


@pytest.fixture(scope="module")
def boards() -> dict[str, list[leaderboard.Row]]:
    """Every estimator on three sets with a known density: a 2-D toy (the DDE normalised on a grid)
    and two in higher d (importance sampling)."""
    result = {}
    for name in ("8gaussians", "mixture-d4", "spirals-d8"):
        data = benchmark_data.load(name, 500, 300, seed=0)
        result[name] = list(leaderboard.leaderboard(data.train, data.test, params=FAST, oracle=data.log_density))
    return result


# ---------------------------------------------------------------- the correctness guard


@pytest.mark.parametrize("name", ["8gaussians", "mixture-d4", "spirals-d8"])
def test_no_estimator_beats_the_true_density(boards, name):
    rows = boards[name]
    assert rows[0].estimator == leaderboard.ORACLE and [row.estimator for row in rows[1:]] == list(estimators.NAMES)
    for row in rows[1:]:
        assert row.status == "ok", row.note
        assert row.gap <= 3 * row.gap_stderr, f"{row.estimator} beats the true density: {row.gap:+.3f}"
        assert row.gap == pytest.approx(row.mean - rows[0].mean, abs=1e-9)


def test_rows_carry_errors_times_and_flags(boards):
    by_name = {row.estimator: row for row in boards["mixture-d4"]}
    dde = by_name["dde"]
    assert dde.normaliser == "importance" and dde.log_z_stderr > 0 and dde.stderr > dde.log_z_stderr
    assert boards["8gaussians"][1].normaliser == "grid"
    for name in ("kde-cv", "gmm", "flow", "rbig"):
        assert by_name[name].normaliser == "exact" and by_name[name].log_z_stderr == 0
    for row in boards["mixture-d4"][1:]:
        assert row.fit_seconds > 0 and row.query_microseconds > 0 and row.n_dims == 4 and row.model is not None
        assert set(row.to_dict()) == set(leaderboard.COLUMNS) and "model" not in row.to_dict()
    assert by_name["rbig"].has_score is False and by_name["dde"].exact_samples is False


# ---------------------------------------------------------------- streaming, stopping, refusals


def test_rows_stream_with_progress_and_stop_keeps_what_is_done():
    data = benchmark_data.load("8gaussians", 300, 100, seed=1)
    seen, fractions = [], []
    board = leaderboard.run_leaderboard(
        data.train,
        data.test,
        ["kde-scott", "rbig", "gmm"],
        params=FAST,
        oracle=data.log_density,
        progress=lambda fraction, message: fractions.append(fraction),
        should_stop=lambda: len(seen) >= 2,
        on_row=seen.append,
    )
    assert board.stopped and [row.estimator for row in board.rows] == ["oracle", "kde-scott"] == [
        row.estimator for row in seen
    ]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1


def test_a_fit_is_stopped_midway_and_the_rest_is_kept():
    data = benchmark_data.load("8gaussians", 300, 100, seed=1)
    calls = []

    def stop_during_the_flow() -> bool:
        calls.append(1)
        return len(calls) > 3  # the leaderboard's own checks, then the flow's first training chunks

    rows = list(
        leaderboard.leaderboard(
            data.train, data.test, ["kde-scott", "flow"], {"flow": {"steps": 5000}}, should_stop=stop_during_the_flow
        )
    )
    assert [row.estimator for row in rows] == ["kde-scott"]


def test_data_an_estimator_cannot_take_gives_a_row_and_the_others_run():
    rng = np.random.default_rng(0)
    train, test = rng.standard_normal((12, 4)), rng.standard_normal((10, 4))
    rows = list(leaderboard.leaderboard(train, test, ["gmm", "kde-scott"], {"gmm": {"candidates": (4, 8)}}))
    assert rows[0].status == "not available" and rows[0].note.startswith("not available for 12 points in 4")
    assert rows[0].mean is None and not rows[0].available
    assert rows[1].status == "ok"
    with pytest.raises(InputError, match="Unknown estimator"):
        list(leaderboard.leaderboard(train, test, ["nope"]))


def test_same_seed_same_leaderboard():
    data = benchmark_data.load("moons", 300, 100, seed=2)
    first, second = (
        [row.mean for row in leaderboard.leaderboard(data.train, data.test, ["kde-cv", "gmm", "rbig"], FAST, seed=4)]
        for _ in range(2)
    )
    assert first == second


def test_learning_curve_and_dimension_sweep():
    data = benchmark_data.load("8gaussians", 400, 150, seed=0)
    rows = list(
        leaderboard.learning_curve(data.train, data.test, (100, 400, 20_000), ["kde-cv"], oracle=data.log_density)
    )
    assert [(row.estimator, row.n_train) for row in rows] == [
        ("oracle", 100),
        ("kde-cv", 100),
        ("oracle", 400),
        ("kde-cv", 400),
    ]  # 20,000 > the training points given: skipped
    assert rows[3].mean > rows[1].mean - 3 * rows[1].stderr and all(row.model is None for row in rows)
    sweep = list(leaderboard.dimension_sweep("mixture", (2, 3), ["gmm"], n_train=300, n_test=100, params=FAST))
    assert [(row.estimator, row.n_dims) for row in sweep] == [("oracle", 2), ("gmm", 2), ("oracle", 3), ("gmm", 3)]
    assert all(row.gap <= 3 * row.gap_stderr for row in sweep)


def test_a_comparison_setup_keys_a_cache_and_loads_its_data():
    setup = leaderboard.ComparisonSetup("moons", ("kde-scott",), 120, 50, 3, (("dde", (("steps", 10),)),))
    same = leaderboard.ComparisonSetup("moons", ("kde-scott",), 120, 50, 3, (("dde", (("steps", 10),)),))
    assert hash(setup) == hash(same) and {setup: 1}[same] == 1
    assert setup.params_dict() == {"dde": {"steps": 10}}
    data, direct = setup.load(), benchmark_data.load("moons", 120, 50, 3)
    assert np.array_equal(data.train, direct.train) and np.array_equal(data.test, direct.test)
    default = leaderboard.ComparisonSetup()
    assert default.names == estimators.NAMES and default.params_dict() == {}  # every estimator at its defaults


# ---------------------------------------------------------------- anomaly detection


def test_roc_auc_against_a_known_value_and_scikit_learn():
    """Outliers' log-densities N(−Δ, 1) against inliers' N(0, 1): AUC = Φ(Δ/√2)."""
    rng = np.random.default_rng(0)
    shift, n = 1.2, 20_000
    values = np.concatenate([rng.standard_normal(n), rng.standard_normal(n) - shift])
    labels = np.repeat([False, True], n)
    curve = anomaly.roc_curve(labels, values)
    assert curve.auc == pytest.approx(norm.cdf(shift / np.sqrt(2)), abs=0.006)
    assert curve.auc == pytest.approx(roc_auc_score(labels, -values), abs=1e-12)
    assert curve.false_positive_rate[0] == curve.true_positive_rate[0] == 0
    assert curve.false_positive_rate[-1] == curve.true_positive_rate[-1] == 1
    rounded = np.round(values)  # ties count one half, as in Mann-Whitney
    assert anomaly.roc_curve(labels, rounded).auc == pytest.approx(roc_auc_score(labels, -rounded), abs=1e-12)
    zero_density = np.where(labels, -np.inf, 0.0)  # a zero density is the surest outlier; ties grouped
    assert anomaly.roc_curve(labels, zero_density).auc == 1.0
    assert len(anomaly.roc_curve(labels, zero_density).thresholds) == 3
    with pytest.raises(InputError, match="both inliers and outliers"):
        anomaly.roc_curve(np.zeros(5, bool), np.arange(5.0))


def test_outliers_injected_thresholds_and_flags():
    inliers = np.random.default_rng(1).standard_normal((190, 2))
    for kind in anomaly.OUTLIER_KINDS:
        injected = anomaly.inject_outliers(inliers, share=0.05, kind=kind, seed=2)
        assert len(injected.points) == 200 and injected.is_outlier.sum() == 10
    box = anomaly.inject_outliers(inliers, 0.05, "uniform", seed=2, margin=0.1)
    low, high = inliers.min(axis=0), inliers.max(axis=0)
    assert np.all(box.points >= low - 0.1 * (high - low) - 1e-12)
    values = np.arange(100.0)
    threshold = anomaly.threshold_for_share(values, 0.1)
    assert anomaly.flag(values, threshold).sum() == 10 and threshold == 9.0
    with pytest.raises(InputError):
        anomaly.inject_outliers(inliers, share=1.5)


def test_density_scores_find_a_shifted_cluster(boards):
    models = {row.estimator: row.model for row in boards["8gaussians"][1:]}
    data = benchmark_data.load("8gaussians", 10, 300, seed=5)
    injected = anomaly.inject_outliers(data.test, 0.1, "cluster", seed=0, shift=5.0)
    results = list(anomaly.detect(models, injected))
    assert [result.estimator for result in results] == list(models)
    assert all(result.auc > 0.9 for result in results)


# ---------------------------------------------------------------- figures


def test_figures_are_built_from_results(boards):
    from dde_viz import compare as figures

    rows = boards["8gaussians"]
    table = figures.leaderboard_table(rows)
    assert table[0]["estimator"] == "true density" and table[1]["samples"] == "approximate (MCMC)"
    assert len(figures.leaderboard_figure(rows).data) == 1
    grid = Grid((-4, 4), (-4, 4), 30)
    models = {row.estimator: row.model for row in rows[1:]}
    densities = leaderboard.densities_on_grid(models, grid)
    panels = figures.density_panels_figure(grid, densities)
    assert len(panels.data) == len(models) and {trace.zmax for trace in panels.data} == {
        max(float(p.max()) for p in densities.values())
    }
    samples = {"gmm": models["gmm"].sample(50), "rbig": None}
    assert len(figures.samples_panels_figure(grid, samples).data) == 1
    assert len(figures.learning_curve_figure(rows).data) == len(rows)
    assert len(figures.dimension_figure(boards["mixture-d4"] + boards["spirals-d8"]).data) == len(rows)
    injected = anomaly.inject_outliers(benchmark_data.load("8gaussians", 10, 100).test, 0.1)
    results = list(anomaly.detect({"gmm": models["gmm"]}, injected))
    assert len(figures.roc_figure(results).data) == 2
    flagged = anomaly.flag(results[0].log_density, anomaly.threshold_for_share(results[0].log_density, 0.1))
    assert len(figures.flagged_figure(injected.points, injected.is_outlier, flagged, grid, "flags").data) == 4


# ---------------------------------------------------------------- the command line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dde_core", *args], capture_output=True, text=True, timeout=300)


def test_compare_writes_the_leaderboard(tmp_path):
    result = run_cli(
        "compare",
        "--dist",
        "8gaussians",
        "--n",
        "300",
        "--n-test",
        "100",
        "--estimators",
        "gmm,rbig",
        "--set",
        "gmm.candidates=1,2,8",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout and not result.stderr.strip()
    with open(tmp_path / "leaderboard.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["estimator"] for row in rows] == ["oracle", "gmm", "rbig"]
    saved = json.loads((tmp_path / "leaderboard.json").read_text())
    assert saved["data"]["dataset"] == "8gaussians" and saved["settings"]["params"]["gmm"]["candidates"] == [1, 2, 8]
    assert all(float(row["gap"]) <= 0.5 for row in rows)


BAD_INPUT = [
    (["--estimators", "dde,maf"], "unknown estimator 'maf'"),
    (["--set", "dde.stepz=3"], "no parameter 'stepz'"),
    (["--set", "flow.steps=-1"], "--set flow"),
    (["--data", "mixture-d1"], "d from 2 to 64"),
    (["--data", "digits", "--csv", "{csv}"], "not both"),
]


def test_compare_refuses_bad_input_in_one_line(tmp_path):
    result = run_cli("compare", "--estimators", "dde,maf", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_compare_checks_every_argument_before_tensorflow(tmp_path):
    """Each bad command line exits 2 with its reason, and TensorFlow is never imported (one process)."""
    (tmp_path / "points.csv").write_text("x,y\n1,2\n")
    command_lines = [[arg.format(csv=tmp_path / "points.csv") for arg in args] for args, _ in BAD_INPUT]
    probe = (
        "import contextlib, io, json, sys\nfrom dde_core.cli import main\nresults = []\n"
        f"for args in {command_lines!r}:\n"
        "    error = io.StringIO()\n"
        "    with contextlib.redirect_stderr(error):\n"
        f"        code = main(['compare', *args, '--out', {str(tmp_path / 'out')!r}])\n"
        "    results.append([code, error.getvalue()])\n"
        "print(json.dumps([results, 'tensorflow' in sys.modules]))"
    )
    checked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    results, tensorflow_imported = json.loads(checked.stdout)
    for (code, message), (args, expected) in zip(results, BAD_INPUT):
        assert code == 2 and expected in message and message.count("\n") == 1, (args, message)
    assert not tensorflow_imported and not (tmp_path / "out").exists()
