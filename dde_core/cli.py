"""Command line: ``python -m dde_core train ...`` trains a DDE and writes what it learned.

Outputs in ``--out``: ``model.keras`` (the network and its settings),
``metrics.json`` (KL to the exact KDE, held-out log-likelihoods, steps/s, device)
and ``view.html`` (a self-contained page: data, learned density and gradient
field, the exact KDE, training curves).

Bad input (arguments, the ``--out`` folder, the data, a failed write) prints one
line, ``error: <what is wrong and what to do>``, and exits 2; any other exception
is a bug and shows its traceback. Arguments and ``--out`` are checked before the
data is read and before TensorFlow is imported (about 5 s), so a mistake is
refused at once. TensorFlow's start-up lines are kept out of the output unless
``TF_CPP_MIN_LOG_LEVEL`` is set to 0 or 1 (asking for TensorFlow's logs).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np

from . import datasets
from .activations import ACTIVATIONS
from .config import Config
from .errors import InputError
from .settings import SETTINGS, Setting
from .validation import check_positive_float, check_positive_int, check_sigma

__all__ = ["main"]

DEFAULTS = Config()
CHUNK = 100  # steps between progress-bar updates
MIN_CSV_POINTS = 20  # a CSV needs this many points to train on 90% and test on 10%
_MAX_NAMES_LISTED = 10


# ---------------------------------------------------------------------------
# Arguments: parsed as text, then checked with the engine's validators
# ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``error: ...`` (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


@dataclass(frozen=True)
class Command:
    """What a sub-command does once its arguments are parsed.

    ``check`` converts and validates the arguments (raising InputError before any
    work, and before TensorFlow is imported); ``run`` does the work, writes its
    files to ``args.out`` and returns the one-line summary printed at the end.
    Each command module registers its parser with ``set_defaults(command_steps=Command(...))``.
    """

    check: Callable[[argparse.Namespace], argparse.Namespace]
    run: Callable[[argparse.Namespace], str]


# Modules that add a sub-command: each has ``add_parser(commands, formatter_class)``.
_COMMAND_MODULES: tuple[str, ...] = ("cli_generate", "cli_compare")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None, an off flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m dde_core",
        description="Denoising Density Estimators, checked against the exact Gaussian KDE.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train a DDE on a toy distribution or a CSV file",
        description="Train a DDE and write model.keras, metrics.json and view.html to --out.",
        formatter_class=_HelpFormatter,
    )
    _add_data_options(train)
    _add_model_options(train)
    add_output_options(train)
    train.set_defaults(command_steps=Command(check=_checked, run=_run_train))
    for module in _COMMAND_MODULES:
        importlib.import_module(f".{module}", __package__).add_parser(commands, _HelpFormatter)
    return parser


def add_output_options(command: argparse.ArgumentParser) -> None:
    """``--out`` and ``--quiet``, the same for every command."""
    command.add_argument("--out", type=Path, required=True, help="output folder (created if missing; must be writable)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_setting(where: Any, setting: Setting) -> None:
    """The option of ``setting`` (name, default and help from the table of settings)."""
    default = setting.format(getattr(DEFAULTS, setting.field))
    choices = f"; one of: {', '.join(setting.choices)}" if setting.is_text else ""
    where.add_argument(setting.option, default=default, help=f"{setting.help}{choices}")


def _add_data_options(train: argparse.ArgumentParser) -> None:
    source = train.add_mutually_exclusive_group()
    settings = {setting.option: setting for setting in SETTINGS if setting.option}
    _add_setting(source, settings["--dist"])
    source.add_argument("--csv", type=Path, help="a CSV file of your own points (instead of --dist)")
    train.add_argument(
        "--columns",
        default=None,
        help="with --csv: the two columns to use, by name or 1-based number among the numeric "
        "columns, e.g. 'x,y' or '2,3' (default: the first two numeric columns)",
    )
    train.add_argument(
        "--standardize", action="store_true", help="with --csv: rescale each column to mean 0, std 1 before training"
    )
    for option in ("--n", "--data-seed"):
        _add_setting(train, settings[option])


def _add_model_options(train: argparse.ArgumentParser) -> None:
    settings = {setting.option: setting for setting in SETTINGS if setting.option}
    _add_setting(train, settings["--sigma"])
    train.add_argument(
        "--steps", default=DEFAULTS.steps, help="training steps (the learning rate decays to 0 over them)"
    )
    train.add_argument(
        "--hidden", default=",".join(map(str, DEFAULTS.hidden)), help="hidden layer widths, comma-separated"
    )
    for option in ("--activation", "--learning-rate", "--batch-size", "--seed"):
        _add_setting(train, settings[option])


def _number(text: Any) -> Any:
    """``text`` as an int or a float when it spells one, else unchanged (the check then quotes it)."""
    if not isinstance(text, str):
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parse_hidden(text: str) -> tuple[int, ...]:
    """'64,64,64' -> (64, 64, 64); every width a whole number >= 1."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise InputError("--hidden needs at least one layer width, such as 64,64,64.")
    if not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise InputError(
            f"--hidden must be comma-separated whole numbers of at least 1, such as 64,64,64, got {text!r}."
        )
    return tuple(int(part) for part in parts)


def _parse_columns(text: str | None) -> tuple[int | str, int | str] | None:
    """'x,y' -> ('x', 'y'); '2,3' -> (2, 3), numbers counted from 1 as the help says."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"--columns needs exactly two columns such as 'x,y' or '1,2', got {text!r}.")
    columns = tuple(_column(part) for part in parts)
    return columns[0], columns[1]


def _column(part: str) -> int | str:
    """A column name, or a 1-based column number (refused when below 1)."""
    try:
        number = int(part)
    except ValueError:
        return part
    if number < 1:
        raise InputError(f"--columns counts columns from 1 (the first numeric column is 1), got {number}.")
    return number


def _checked(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments with every value checked and converted; raises InputError at the first bad one."""
    if args.csv is None:
        datasets.describe(args.dist)  # raises, listing the toy distributions
    elif not args.csv.is_file():
        raise InputError(f"No CSV file at {str(args.csv)!r}. Check the path given to --csv.")
    if args.activation not in ACTIVATIONS:
        raise InputError(f"--activation must be one of: {', '.join(ACTIVATIONS)}; got {args.activation!r}.")
    return argparse.Namespace(
        **{
            **vars(args),
            "columns": _parse_columns(args.columns),
            "n": check_positive_int(_number(args.n), "--n"),
            "data_seed": check_positive_int(_number(args.data_seed), "--data-seed", minimum=0),
            "sigma": check_sigma(_number(args.sigma)),
            "steps": check_positive_int(_number(args.steps), "--steps"),
            "hidden": _parse_hidden(args.hidden),
            "learning_rate": check_positive_float(_number(args.learning_rate), "--learning-rate"),
            "batch_size": check_positive_int(_number(args.batch_size), "--batch-size"),
            "seed": check_positive_int(_number(args.seed), "--seed", minimum=0),
        }
    )


# ---------------------------------------------------------------------------
# The output folder: usable before anything is computed
# ---------------------------------------------------------------------------


def _prepare_out(out: Path) -> list[Path]:
    """Create ``out`` if needed and check that a file can be created and removed in it.

    Returns the folders it created, deepest first, so that a failed run can remove
    them again. Raises InputError saying what is wrong with the path and what to do.
    """
    if out.exists() and not out.is_dir():
        _refuse_out(out, "it is a file, not a folder")
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out, prefix=".dde-write-check-")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        _remove_empty(created)
        _refuse_out(out, _why_not_writable(out, error))
    return created


def _refuse_out(out: Path, reason: str) -> NoReturn:
    raise InputError(
        f"Cannot write the results to --out {str(out)!r}: {reason}. "
        "Choose a folder you can write to (it is created if missing), e.g. --out results."
    )


def _why_not_writable(out: Path, error: OSError) -> str:
    """What an OSError from creating or writing in ``out`` means, in words."""
    blocking = next((folder for folder in out.parents if folder.is_file()), None)
    if blocking is not None:
        return f"{str(blocking)!r} is a file, not a folder"
    if isinstance(error, PermissionError):
        return "you do not have permission to create or write files there"
    if error.errno == errno.EROFS:
        return "that place is read-only"
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    return f"the system does not allow creating or writing files there ({error.strerror or error})"


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove ``folders`` (deepest first) as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


# ---------------------------------------------------------------------------
# Data: drawn from a toy distribution or read from a CSV file (numpy only)
# ---------------------------------------------------------------------------


def _load_points(args: argparse.Namespace) -> tuple[str, np.ndarray, np.ndarray, dict]:
    """Training points, held-out test points, and a description of where they came from."""
    if args.csv is None:
        train = datasets.sample(args.dist, args.n, args.data_seed)
        test = datasets.sample(args.dist, min(args.n, 5000), args.data_seed + 1)
        return args.dist, train, test, {"dataset": args.dist}
    data = _load_csv(args.csv, args.columns, args.standardize, args.data_seed)
    if data.subsampled:
        print(
            f"note: {args.csv.name} has {data.n_rows:,} rows; using a random {len(data.points):,} of them "
            "(the most a model trains on; README.md, Limits).",
            file=sys.stderr,
        )
    if len(data.points) < MIN_CSV_POINTS:
        raise InputError(
            f"{args.csv.name!r} has {len(data.points)} points; at least {MIN_CSV_POINTS} are needed to train and test."
        )
    order = np.random.default_rng(args.data_seed).permutation(len(data.points))
    n_test = max(2, len(order) // 10)
    info = {
        "dataset": f"csv:{args.csv.name}",
        "columns": list(data.column_names),
        "standardizer": data.standardizer.to_dict(),
        "rows_in_file": data.n_rows,
    }
    return info["dataset"], data.points[order[n_test:]], data.points[order[:n_test]], info


def _load_csv(path: Path, columns: tuple | None, standardize: bool, seed: int) -> datasets.PointData:
    """``datasets.load_csv`` with --columns' 1-based numbers; refusals speak of 1-based numbers.
    Files with more rows than a model trains on are subsampled with ``seed``."""
    zero_based = (
        None if columns is None else tuple(column - 1 if isinstance(column, int) else column for column in columns)
    )
    try:
        return datasets.load_csv(path, columns=zero_based, standardize=standardize, seed=seed)
    except ValueError:
        _check_column_numbers(path, columns)
        raise
    except OSError as error:
        raise InputError(f"Cannot read the CSV file {str(path)!r}: {error.strerror or error}.") from None


def _check_column_numbers(path: Path, columns: tuple | None) -> None:
    """Raise InputError if a --columns number is beyond the file's numeric columns."""
    numbers = [column for column in columns or () if isinstance(column, int)]
    if not numbers:
        return
    names = datasets.read_csv_table(path).column_names
    too_large = [number for number in numbers if number > len(names)]
    if too_large:
        listed = ", ".join(f"{i} = {name!r}" for i, name in enumerate(names[:_MAX_NAMES_LISTED], 1))
        more = f" and {len(names) - _MAX_NAMES_LISTED} more" if len(names) > _MAX_NAMES_LISTED else ""
        raise InputError(
            f"--columns {too_large[0]} is out of range: the file has {len(names)} numeric columns, "
            f"numbered 1 to {len(names)}: {listed}{more}."
        ) from None


# ---------------------------------------------------------------------------
# Training and writing (TensorFlow is imported here, after every check)
# ---------------------------------------------------------------------------


def _wants_tensorflow_logs() -> bool:
    """True if TF_CPP_MIN_LOG_LEVEL asks for TensorFlow's info or warning lines (0 or 1)."""
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2").strip() in ("0", "1")


@contextlib.contextmanager
def _native_stderr_silenced(silence: bool) -> Iterator[None]:
    """Send what native code writes to stderr (file descriptor 2) to /dev/null meanwhile.

    TensorFlow's C++ start-up lines ("Could not find cuda drivers ...") are written
    before its log level applies; only this keeps them out. Python exceptions still
    propagate, and stderr is restored before they are shown.
    """
    if not silence:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def quiet_tensorflow() -> Iterator[None]:
    """Import TensorFlow with its start-up lines kept out of the output (unless asked for);
    modules that use it are best imported inside the ``with`` block too. Every command's one way."""
    silence = "tensorflow" not in sys.modules and not _wants_tensorflow_logs()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    with _native_stderr_silenced(silence):
        import tensorflow as tf

        tf.config.list_physical_devices()  # CUDA's probe logs its failure once, here
        yield
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)


def _import_engine() -> tuple[ModuleType, ModuleType]:
    """Import TensorFlow quietly, then the modules that use it: (the experiment, the HTML report
    of the view package dde_viz, which only the command line's output step needs)."""
    with quiet_tensorflow():
        from dde_viz import report

        from . import experiment
    return experiment, report


def _train(args: argparse.Namespace, name: str, train_points: np.ndarray, experiment_module: ModuleType) -> Any:
    """A trained ``Experiment``, with a progress bar on stderr unless --quiet."""
    from tqdm import tqdm

    from .training import run_in_chunks

    config = experiment_module.Config(
        dataset=name,
        n_samples=len(train_points),
        data_seed=args.data_seed,
        sigma=args.sigma,
        hidden=args.hidden,
        activation=args.activation,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        steps=args.steps,
        seed=args.seed,
    )
    experiment = experiment_module.Experiment(config, train_points)
    with tqdm(total=args.steps, unit="step", disable=args.quiet, desc="training") as bar:
        bar.update(experiment.step)

        def show(done: int, total: int) -> None:
            bar.update(experiment.step - bar.n)
            bar.set_postfix(kl=f"{experiment.record.kl[-1]:.3f}")

        run_in_chunks(experiment.advance, args.steps - experiment.step, CHUNK, show)
    return experiment


def _metrics(experiment: Any, test_points: np.ndarray, info: dict, evaluate: Any) -> dict:
    """What metrics.json holds: the data's description, the final figures, the settings."""
    return {
        **info,
        **evaluate(experiment, test_points),
        "steps": experiment.step,
        "steps_per_second": experiment.steps_per_second,
        "training_seconds": experiment.model.history_.seconds,
        "device": experiment.model.device_,
        "params": experiment.model.get_params(),
    }


def _write_outputs(out: Path, experiment: Any, metrics: dict, info: dict, report: ModuleType) -> None:
    """Write model.keras, metrics.json and view.html; a failed write raises InputError."""
    try:
        experiment.model.save(out / "model.keras", metadata=info)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        report.write_html_report(experiment, metrics, out / "view.html")
    except OSError as error:
        raise InputError(
            f"Training finished but writing the results to {str(out)!r} failed: "
            f"{_why_not_writable(out, error)}. Free some space or choose another folder with --out."
        ) from None


def _run_train(args: argparse.Namespace) -> str:
    """Read the data, train, write the outputs; returns the summary line."""
    name, train_points, test_points, info = _load_points(args)
    experiment_module, report = _import_engine()
    experiment = _train(args, name, train_points, experiment_module)
    metrics = _metrics(experiment, test_points, info, experiment_module.evaluate)
    _write_outputs(args.out, experiment, metrics, info, report)
    return _summary(metrics, args.out)


def _summary(metrics: dict, out: Path) -> str:
    return (
        f"KL(KDE‖DDE) = {metrics['kl_to_kde']:.4f} nats; held-out log-likelihood "
        f"DDE {metrics['test_log_likelihood_dde']:.3f}, KDE {metrics['test_log_likelihood_kde']:.3f} "
        f"nats/point; {metrics['steps_per_second']:.0f} steps/s on {metrics['device']}. "
        f"Wrote {out}/model.keras, metrics.json, view.html"
    )


def _one_line(message: str) -> str:
    """``message`` with any line breaks turned into spaces."""
    return " ".join(message.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input, 130 interrupted).

    A malformed command line (unknown option, missing --out) exits 2 through argparse.
    """
    args = _parser().parse_args(argv)
    created: list[Path] = []
    try:
        steps = args.command_steps
        args = steps.check(args)
        created = _prepare_out(args.out)
        summary = steps.run(args)
    except ValueError as error:  # InputError and the engine's other refusals of bad input
        _remove_empty(created)
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _remove_empty(created)
        print("error: interrupted; the results in --out may be missing or incomplete.", file=sys.stderr)
        return 130
    print(summary)
    return 0
