"""The command line, run as a person would: a subprocess, its files and exit code."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from dde_core.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dde_core", *args], capture_output=True, text=True, timeout=300)


def test_train_writes_model_metrics_and_view(tmp_path):
    result = run_cli(
        "train",
        "--dist",
        "8gaussians",
        "--sigma",
        "0.3",
        "--steps",
        "300",
        "--n",
        "3000",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip()  # no TensorFlow start-up lines with --quiet
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("kl_to_kde", "test_log_likelihood_dde", "test_log_likelihood_kde", "steps_per_second", "device"):
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
    for option in (
        "--dist",
        "--csv",
        "--columns",
        "--standardize",
        "--sigma",
        "--steps",
        "--hidden",
        "--activation",
        "--learning-rate",
        "--batch-size",
        "--seed",
        "--out",
    ):
        assert option in result.stdout


def test_trains_on_a_csv(tmp_path):
    rows = "\n".join(f"{i};{(i * 7919) % 101 / 10:.2f};{(i * 104729) % 97 / 10:.2f}" for i in range(300))
    (tmp_path / "points.csv").write_text("id;a;b\n" + rows)
    code = main(
        [
            "train",
            "--csv",
            str(tmp_path / "points.csv"),
            "--columns",
            "a,b",
            "--standardize",
            "--steps",
            "20",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ]
    )
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


# ---- refused at once: bad arguments and --out are checked before TensorFlow is imported ----


def env_of_a_person():
    """The environment without the test suite's TF_CPP_MIN_LOG_LEVEL (conftest.py sets it)."""
    return {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}


def timed_cli(*args, env: dict | None = None):
    """(finished process, wall-clock seconds) of ``python -m dde_core *args``, run as a person
    would (or with ``env``)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dde_core", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env or env_of_a_person(),
    )
    return result, time.perf_counter() - start


def refused_without_tensorflow(tmp_path, *args):
    """The finished ``python -m dde_core *args`` with TensorFlow made unimportable (a stand-in
    package first on the path that raises on import): a refusal that imported TensorFlow (about
    5 s) would end in that error instead of its own message."""
    blocker = tmp_path / "blocked"
    (blocker / "tensorflow").mkdir(parents=True)
    (blocker / "tensorflow" / "__init__.py").write_text('raise ImportError("TensorFlow was imported")\n')
    env = env_of_a_person()
    env["PYTHONPATH"] = os.pathsep.join([str(blocker), *filter(None, [env.get("PYTHONPATH")])])
    result, _ = timed_cli(*args, env=env)
    assert "TensorFlow was imported" not in result.stderr, result.stderr
    return result


def assert_one_error_line(result, *fragments):
    """Exit 2 and stderr exactly one line, ``error: ...``, containing every fragment."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_importing_the_cli_and_refusing_arguments_need_no_tensorflow():
    script = (
        "import sys, dde_core, dde_core.cli\n"
        "assert 'tensorflow' not in sys.modules, 'import'\n"
        "try:\n"
        "    dde_core.cli.main(['train', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert dde_core.cli.main(['train', '--sigma', '-1', '--out', '.']) == 2\n"
        "assert 'tensorflow' not in sys.modules, 'help or refusal'\n"
        "assert 'keras' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_the_package_still_offers_its_names():
    import dde_core
    from dde_core import ACTIVATIONS, DDE, GaussianKDE, Grid, datasets  # noqa: F401

    assert dde_core.__all__ == [
        "ACTIVATIONS",
        "DDE",
        "DDEGenerator",
        "GAN",
        "GaussianKDE",
        "Grid",
        "anomaly",
        "benchmark_data",
        "datasets",
        "estimators",
        "leaderboard",
    ]
    assert DDE.__module__ == "dde_core.model" and GaussianKDE.__module__ == "dde_core.kde"
    assert set(dde_core.__all__) <= set(dir(dde_core))
    with pytest.raises(AttributeError):
        _ = dde_core.no_such_name


def test_the_cli_options_come_from_the_table_of_settings():
    """Defaults are Config's and help texts the table's, so the app and the CLI say the same."""
    from dde_core import cli
    from dde_core.config import Config
    from dde_core.model import ACTIVATIONS
    from dde_core.settings import SETTINGS

    assert cli.ACTIVATIONS == ACTIVATIONS
    train = cli._parser()._subparsers._group_actions[0].choices["train"]
    options = {option: action for action in train._actions for option in action.option_strings}
    for setting in SETTINGS:
        if setting.option:
            action = options[setting.option]
            assert action.default == setting.format(getattr(Config(), setting.field))
            assert action.help.startswith(setting.help)
    args = cli._checked(cli._parser().parse_args(["train", "--out", "x"]))
    assert (args.dist, args.n, args.sigma, args.learning_rate) == ("2spirals", 10_000, 0.2, 3e-3)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sigma", "-1"], "sigma must be a finite number greater than 0"),
        (["--steps", "0"], "--steps must be a whole number >= 1, got 0"),
        (["--steps", "abc"], "--steps must be a whole number >= 1, got 'abc'"),
        (["--n", "-5"], "--n must be a whole number >= 1, got -5"),
        (["--batch-size", "0"], "--batch-size must be a whole number >= 1"),
        (["--hidden", "a,b"], "--hidden"),
        (["--hidden", "64,0"], "--hidden"),
        (["--learning-rate", "0"], "--learning-rate must be a finite number greater than 0"),
        (["--seed", "-1"], "--seed must be a whole number >= 0"),
        (["--dist", "nope"], "Choose one of: 8gaussians"),
        (["--activation", "relu"], "--activation must be one of: softplus"),
        (["--columns", "x"], "--columns needs exactly two columns"),
        (["--bogus", "1"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_refused_at_once_in_one_line(tmp_path, args, message):
    result = refused_without_tensorflow(tmp_path, "train", *args, "--out", str(tmp_path / "out"), "--quiet")
    assert_one_error_line(result, message)
    assert not (tmp_path / "out").exists()


def bad_out_folders(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    return {
        "in /proc": ("/proc/x", "/proc/x"),
        "under a file": (str(a_file / "x"), "is a file, not a folder"),
        "a file": (str(a_file), "is a file, not a folder"),
    }


@pytest.mark.parametrize("case", ["in /proc", "under a file", "a file"])
def test_an_unusable_out_folder_is_refused_before_training(tmp_path, case):
    if case == "in /proc" and not os.path.isdir("/proc/self"):
        pytest.skip("no /proc on this system")
    out, message = bad_out_folders(tmp_path)[case]
    result = refused_without_tensorflow(tmp_path, "train", "--dist", "8gaussians", "--out", out)  # before training
    assert_one_error_line(result, "--out", message, "Choose a folder you can write to")
    assert result.stdout == ""
    assert (tmp_path / "a_file.txt").read_text() == "not a folder"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a disk that is always full)")
def test_a_failed_write_is_one_line_without_tensorflow_noise(tmp_path):
    (tmp_path / "metrics.json").symlink_to("/dev/full")  # writing it fails: "No space left on device"
    result, _ = timed_cli(
        "train", "--dist", "8gaussians", "--steps", "10", "--n", "300", "--out", str(tmp_path), "--quiet"
    )
    assert_one_error_line(result, "the disk is full", "--out")


# ---- --columns counts from 1 ----


def points_csv(folder):
    rows = "\n".join(f"{i};{(i * 7919) % 101 / 10:.2f};{(i * 104729) % 97 / 10:.2f}" for i in range(300))
    (folder / "points.csv").write_text("id;a;b\n" + rows)
    return str(folder / "points.csv")


def test_column_number_zero_is_explained_in_1_based_terms(tmp_path):
    result = refused_without_tensorflow(
        tmp_path, "train", "--csv", points_csv(tmp_path), "--columns", "0,1", "--out", str(tmp_path / "out")
    )
    assert_one_error_line(result, "--columns counts columns from 1 (the first numeric column is 1), got 0.")
    assert "-1" not in result.stderr


def test_a_column_number_too_large_names_the_1_based_range(tmp_path):
    result = refused_without_tensorflow(
        tmp_path, "train", "--csv", points_csv(tmp_path), "--columns", "1,9", "--out", str(tmp_path / "out")
    )
    assert_one_error_line(result, "--columns 9", "1 to 3", "'id'", "'a'", "'b'")
    assert "0 to" not in result.stderr


# ---- degenerate data is refused (datasets.load_csv's checks) ----


def test_identical_points_are_refused(tmp_path):
    (tmp_path / "same.csv").write_text("x,y\n" + "1.5,2.5\n" * 300)
    result, _ = timed_cli(
        "train", "--csv", str(tmp_path / "same.csv"), "--steps", "50", "--out", str(tmp_path / "new" / "run"), "--quiet"
    )
    assert_one_error_line(result)
    assert "same" in result.stderr.lower()
    assert not (tmp_path / "new").exists()  # the folders made for the results are removed again


def test_values_too_large_for_the_model_are_refused(tmp_path):
    rows = "".join(f"{(i % 17) * 1e299},{(i % 13) * 1e299}\n" for i in range(300))
    (tmp_path / "huge.csv").write_text("x,y\n" + rows)
    result, _ = timed_cli(
        "train", "--csv", str(tmp_path / "huge.csv"), "--steps", "50", "--out", str(tmp_path / "out"), "--quiet"
    )
    assert_one_error_line(result)
    assert "large" in result.stderr.lower()


# ---- only bad input is "bad input" ----


def test_a_bug_is_not_reported_as_bad_input(tmp_path, monkeypatch):
    from dde_core import cli

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_load_points", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["train", "--out", str(tmp_path), "--quiet"])


def test_a_file_larger_than_a_model_trains_on_is_subsampled_with_a_note(tmp_path, capsys):
    """(Reads the file as the command does, without training on 50,000 points.)"""
    from dde_core import cli
    from dde_core.limits import MAX_TRAINING_POINTS

    rows = np.random.default_rng(0).standard_normal((MAX_TRAINING_POINTS + 5_000, 2))
    np.savetxt(tmp_path / "big.csv", rows, fmt="%.4f", delimiter=",", header="a,b", comments="")
    args = cli._checked(cli._parser().parse_args(["train", "--csv", str(tmp_path / "big.csv"), "--out", str(tmp_path)]))
    _, train, test, info = cli._load_points(args)
    note = capsys.readouterr().err
    assert f"{MAX_TRAINING_POINTS + 5_000:,} rows" in note and f"{MAX_TRAINING_POINTS:,}" in note
    assert info["rows_in_file"] == MAX_TRAINING_POINTS + 5_000
    assert len(train) + len(test) == MAX_TRAINING_POINTS
