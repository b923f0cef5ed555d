"""Command line: ``python -m dde_core train ...`` trains a DDE and writes what it learned.

Outputs in ``--out``: ``model.keras`` (the network and its settings),
``metrics.json`` (KL to the exact KDE, held-out log-likelihoods, steps/s, device)
and ``view.html`` (a self-contained page: data, learned density and gradient
field, the exact KDE, training curves).  Bad input prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from . import datasets
from .experiment import Config, Experiment, evaluate
from .model import ACTIVATIONS

__all__ = ["main"]

DEFAULTS = Config()
CHUNK = 100  # steps between progress-bar updates


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dde_core",
        description="Denoising Density Estimators, checked against the exact Gaussian KDE.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train a DDE on a toy distribution or a CSV file",
        description="Train a DDE and write model.keras, metrics.json and view.html to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    source = train.add_mutually_exclusive_group()
    source.add_argument(
        "--dist", default=DEFAULTS.dataset,
        help=f"toy distribution, one of: {', '.join(datasets.names())}",
    )
    source.add_argument("--csv", type=Path, help="a CSV file of your own points (instead of --dist)")
    train.add_argument(
        "--columns", default=None,
        help="with --csv: the two columns to use, by name or 1-based number, e.g. 'x,y' or '2,3' "
        "(default: the first two numeric columns)",
    )
    train.add_argument("--standardize", action="store_true",
                       help="with --csv: rescale each column to mean 0, std 1 before training")
    train.add_argument("--n", type=int, default=DEFAULTS.n_samples,
                       help="with --dist: number of training points")
    train.add_argument("--data-seed", type=int, default=DEFAULTS.data_seed,
                       help="seed of the drawn data (and of the held-out split)")
    train.add_argument("--sigma", type=float, default=DEFAULTS.sigma,
                       help="noise level σ in data units; the model converges to the KDE with bandwidth σ")
    train.add_argument("--steps", type=int, default=DEFAULTS.steps, help="training steps")
    train.add_argument("--hidden", default=",".join(map(str, DEFAULTS.hidden)),
                       help="hidden layer widths, comma-separated")
    train.add_argument("--activation", default=DEFAULTS.activation, choices=ACTIVATIONS,
                       help="twice-differentiable activation")
    train.add_argument("--learning-rate", type=float, default=DEFAULTS.learning_rate,
                       help="Adam's peak learning rate (cosine decay over --steps)")
    train.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size, help="points per step")
    train.add_argument("--seed", type=int, default=DEFAULTS.seed, help="seed of weights and noise")
    train.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _parse_hidden(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated whole numbers such as 64,64,64, got {text!r}.") from None
    if not widths:
        raise ValueError("--hidden needs at least one layer width, such as 64,64,64.")
    return widths


def _parse_columns(text: str | None) -> tuple | None:
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"--columns needs exactly two columns such as 'x,y' or '1,2', got {text!r}.")
    return tuple(int(p) - 1 if p.isdigit() else p for p in parts)


def _load_points(args: argparse.Namespace) -> tuple[str, np.ndarray, np.ndarray, dict]:
    """Training points, held-out test points, and a description of where they came from."""
    if args.csv is None:
        train = datasets.sample(args.dist, args.n, args.data_seed)
        test = datasets.sample(args.dist, min(args.n, 5000), args.data_seed + 1)
        return args.dist, train, test, {"dataset": args.dist}
    if not args.csv.is_file():
        raise ValueError(f"No CSV file at {str(args.csv)!r}.")
    data = datasets.load_csv(args.csv, columns=_parse_columns(args.columns), standardize=args.standardize)
    if len(data.points) < 20:
        raise ValueError(f"{args.csv.name!r} has {len(data.points)} points; at least 20 are needed to train and test.")
    order = np.random.default_rng(args.data_seed).permutation(len(data.points))
    n_test = max(2, len(order) // 10)
    info = {
        "dataset": f"csv:{args.csv.name}",
        "columns": list(data.column_names),
        "standardizer": data.standardizer.to_dict(),
    }
    return info["dataset"], data.points[order[n_test:]], data.points[order[:n_test]], info


def _train(args: argparse.Namespace) -> dict:
    name, train_points, test_points, info = _load_points(args)
    config = Config(
        dataset=name, n_samples=len(train_points), data_seed=args.data_seed, sigma=args.sigma,
        hidden=_parse_hidden(args.hidden), activation=args.activation,
        learning_rate=args.learning_rate, batch_size=args.batch_size, steps=args.steps,
        seed=args.seed,
    )
    experiment = Experiment(config, train_points)
    from tqdm import tqdm

    with tqdm(total=args.steps, unit="step", disable=args.quiet, desc="training") as bar:
        bar.update(experiment.step)
        while experiment.step < args.steps:
            chunk = min(CHUNK, args.steps - experiment.step)
            experiment.advance(chunk)
            bar.update(chunk)
            bar.set_postfix(kl=f"{experiment.record.kl[-1]:.3f}")
    metrics = {
        **info,
        **evaluate(experiment, test_points),
        "steps": experiment.step,
        "steps_per_second": experiment.steps_per_second,
        "training_seconds": experiment.model.history_.seconds,
        "device": experiment.model.device_,
        "params": experiment.model.get_params(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    experiment.model.save(args.out / "model.keras", metadata=info)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    from .report import write_html_report

    write_html_report(experiment, metrics, args.out / "view.html")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        metrics = _train(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"KL(KDE‖DDE) = {metrics['kl_to_kde']:.4f} nats; held-out log-likelihood "
        f"DDE {metrics['test_log_likelihood_dde']:.3f}, KDE {metrics['test_log_likelihood_kde']:.3f} "
        f"nats/point; {metrics['steps_per_second']:.0f} steps/s on {metrics['device']}. "
        f"Wrote {args.out}/model.keras, metrics.json, view.html"
    )
    return 0
