"""The command line, run as a person would: a subprocess, its files and exit code."""

import json
import subprocess
import sys

import pytest

from dde_core.cli import main


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "dde_core", *args], capture_output=True, text=True, timeout=300
    )


def test_train_writes_model_metrics_and_view(tmp_path):
    result = run_cli("train", "--dist", "8gaussians", "--sigma", "0.3", "--steps", "300",
                     "--n", "3000", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("kl_to_kde", "test_log_likelihood_dde", "test_log_likelihood_kde",
                "steps_per_second", "device"):
        assert key in metrics
    assert metrics["steps"] == 300 and metrics["kl_to_kde"] < 0.5
    assert metrics["kde_mass_on_grid"] == pytest.approx(1.0, abs=0.01)
    html = (tmp_path / "view.html").read_text()
    assert "plotly" in html.lower() and "<script src=" not in html  # self-contained
    assert (tmp_path / "model.keras").stat().st_size > 1000
    from dde_core import DDE

    assert DDE.load(tmp_path / "model.keras").sigma_ == 0.3


def test_help_explains_every_option():
    result = run_cli("train", "--help")
    assert result.returncode == 0
    for option in ("--dist", "--csv", "--columns", "--standardize", "--sigma", "--steps",
                   "--hidden", "--activation", "--learning-rate", "--batch-size", "--seed", "--out"):
        assert option in result.stdout


def test_trains_on_a_csv(tmp_path):
    rows = "\n".join(f"{i};{(i * 7919) % 101 / 10:.2f};{(i * 104729) % 97 / 10:.2f}" for i in range(300))
    (tmp_path / "points.csv").write_text("id;a;b\n" + rows)
    code = main(["train", "--csv", str(tmp_path / "points.csv"), "--columns", "a,b", "--standardize",
                 "--steps", "20", "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["columns"] == ["a", "b"] and metrics["n_test_points"] == 30


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dist", "nope"], "Choose one of: 8gaussians"),
        (["--sigma", "-1"], "sigma"),
        (["--sigma", "nan"], "sigma"),
        (["--hidden", "a,b"], "--hidden"),
        (["--csv", "missing.csv"], "No CSV file"),
        (["--steps", "0"], "steps"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    code = main(["train", *args, "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and message in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_non_numeric_csv_is_refused(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("name,city\nann,paris\nbob,rome\n")
    assert main(["train", "--csv", str(tmp_path / "bad.csv"), "--out", str(tmp_path), "--quiet"]) == 2
    assert "numeric" in capsys.readouterr().err
