"""Command line: ``python -m dde_core compare ...`` runs density estimators side by side and writes the leaderboard.

    python -m dde_core compare --dist 2spirals --estimators dde,kde-cv,gmm,flow,rbig --out results
    python -m dde_core compare --data mixture-d8 --set dde.steps=1000 --out results

Data: a toy (``--dist``), a CSV file (``--csv``, split 90/10 as ``train`` does) or a
comparison set (``--data``: mixture-d<d>, spirals-d<d>, digits, digits-pca8, digits-pca16;
see ``dde_core.benchmark_data``).  Toys and synthetic sets with a known density get an
oracle row.  Outputs in ``--out``: ``leaderboard.csv`` (one row per estimator, columns as
``leaderboard.COLUMNS``) and ``leaderboard.json`` (the rows, the data and the settings).

Bad input prints one line, ``error: ...``, and exits 2 (``cli.main``); the arguments, the
estimators' names and parameters and ``--out`` are checked before TensorFlow is imported.
An estimator that cannot take the data gets a "not available" row; the others run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path
from typing import Any

from . import benchmark_data, cli, datasets, estimators
from .cli import (
    Command,
    _add_data_options,
    _number,
    _parse_columns,
    _why_not_writable,
    add_output_options,
    quiet_tensorflow,
)
from .errors import InputError
from .validation import check_positive_int

__all__ = ["add_parser"]

DEFAULT_N_TEST = 2000


def add_parser(commands: Any, formatter_class: type) -> None:
    """Register ``compare`` with the command line's sub-commands."""
    compare = commands.add_parser(
        "compare",
        help="compare density estimators on held-out log-likelihood",
        description="Fit density estimators on the same data and write their held-out log-likelihoods "
        "(and the true density's, when known) to leaderboard.csv and leaderboard.json in --out.",
        formatter_class=formatter_class,
    )
    _add_data_options(compare)
    compare.add_argument(
        "--data",
        default=None,
        help="a comparison set instead of --dist/--csv: mixture-d<d> or spirals-d<d> (d = 2..64), "
        f"{', '.join(benchmark_data.DIGITS_SETS)}",
    )
    compare.add_argument("--n-test", default=DEFAULT_N_TEST, help="held-out points (with --dist or --data)")
    names = ", ".join(estimators.NAMES)
    compare.add_argument("--estimators", default=",".join(estimators.NAMES), help=f"comma-separated, among: {names}")
    compare.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME.PARAM=VALUE",
        help="an estimator's parameter, e.g. dde.steps=1000 or flow.hidden=128,128 (repeat for more)",
    )
    compare.add_argument("--seed", default=0, help="seed of every estimator (weights, draws, splits)")
    add_output_options(compare)
    compare.set_defaults(
        command_steps=Command(check=_checked_compare, run=_run_compare), default_dist=compare.get_default("dist")
    )


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def _value(text: str) -> Any:
    """'1000' -> 1000, '0.5' -> 0.5, '64,64' -> (64, 64), 'none' -> None, 'true'/'false', else the text."""
    lowered = text.strip().lower()
    if lowered in ("none", "true", "false"):
        return {"none": None, "true": True, "false": False}[lowered]
    if "," in text:
        return tuple(_number(part.strip()) for part in text.split(",") if part.strip())
    return _number(text.strip())


def _parse_names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError(f"--estimators needs at least one of: {', '.join(estimators.NAMES)}.")
    for name in names:
        if name not in estimators.NAMES:
            raise InputError(f"--estimators: unknown estimator {name!r}; choose among {', '.join(estimators.NAMES)}.")
    return list(dict.fromkeys(names))


def _parse_settings(items: list[str], names: list[str]) -> dict[str, dict[str, Any]]:
    """--set NAME.PARAM=VALUE items as {name: {param: value}}, each estimator's parameters checked."""
    params: dict[str, dict[str, Any]] = {}
    for item in items:
        key, equals, text = item.partition("=")
        name, dot, param = key.strip().partition(".")
        if not equals or not dot or not param:
            raise InputError(f"--set needs NAME.PARAM=VALUE, such as dde.steps=1000, got {item!r}.")
        if name not in names:
            raise InputError(f"--set {item!r}: {name!r} is not among the estimators compared ({', '.join(names)}).")
        params.setdefault(name, {})[param.strip()] = _value(text)
    for name, values in params.items():
        try:
            estimators.make(name, **values).check_params()  # unknown names and bad values, before any work
        except InputError as error:
            raise InputError(f"--set {name}: {error}") from None
    return params


def _checked_compare(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments checked and converted; raises InputError at the first bad one."""
    if args.data is not None:
        if args.csv is not None:
            raise InputError("Give --data or --csv, not both.")
        if args.dist != args.default_dist:
            raise InputError("Give --data or --dist, not both.")
        benchmark_data.describe(args.data)  # refuses unknown names
    elif args.csv is None:
        datasets.describe(args.dist)
    elif not args.csv.is_file():
        raise InputError(f"No CSV file at {str(args.csv)!r}. Check the path given to --csv.")
    names = _parse_names(args.estimators)
    return argparse.Namespace(
        **{
            **vars(args),
            "columns": _parse_columns(args.columns),
            "n": check_positive_int(_number(args.n), "--n", minimum=2),
            "n_test": check_positive_int(_number(args.n_test), "--n-test", minimum=2),
            "data_seed": check_positive_int(_number(args.data_seed), "--data-seed", minimum=0),
            "seed": check_positive_int(_number(args.seed), "--seed", minimum=0),
            "estimators": names,
            "params": _parse_settings(args.set, names),
        }
    )


# ---------------------------------------------------------------------------
# Running and writing (TensorFlow is imported here, after every check)
# ---------------------------------------------------------------------------


def _data(args: argparse.Namespace) -> tuple[str, Any, Any, Any, dict]:
    """(name, train, test, oracle or None, description) of the data asked for."""
    if args.csv is not None:
        name, train, test, info = cli._load_points(args)
        return name, train, test, None, info
    name = args.data if args.data is not None else args.dist
    data = benchmark_data.load(name, args.n, args.n_test, args.data_seed)
    info = {"dataset": name, "description": data.description, "n_dims": data.n_dims, "oracle": data.has_oracle}
    return name, data.train, data.test, data.log_density, info


def _run(args: argparse.Namespace, train: Any, test: Any, oracle: Any) -> list:
    from tqdm import tqdm

    from .leaderboard import run_leaderboard

    with tqdm(total=1000, disable=args.quiet, bar_format="{l_bar}{bar}| {elapsed} {postfix}") as bar:

        def show(fraction: float, message: str) -> None:
            bar.update(round(1000 * fraction) - bar.n)
            bar.set_postfix_str(message[:60])

        result = run_leaderboard(train, test, args.estimators, args.params, oracle, args.seed, show)
    return result.rows


def _finite(value: Any) -> Any:
    """NaN and infinities as None (JSON has neither)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _write(out: Path, rows: list, info: dict, args: argparse.Namespace) -> None:
    from .leaderboard import COLUMNS

    records = [{key: _finite(value) for key, value in row.to_dict().items()} for row in rows]
    settings = {"estimators": args.estimators, "params": args.params, "seed": args.seed, "n_test": args.n_test}
    try:
        with open(out / "leaderboard.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(records)
        payload = {"data": info, "settings": settings, "rows": records}
        (out / "leaderboard.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"The comparison finished but writing to {str(out)!r} failed: {_why_not_writable(out, error)}. "
            "Free some space or choose another folder with --out."
        ) from None


def _run_compare(args: argparse.Namespace) -> str:
    """Read the data, fit and score every estimator, write the files; returns the summary line."""
    name, train, test, oracle, info = _data(args)
    if any(estimators.make(estimator).uses_tensorflow for estimator in args.estimators):
        with quiet_tensorflow():  # imported now, with its start-up lines kept out of the output
            pass
    rows = _run(args, train, test, oracle)
    _write(args.out, rows, info, args)
    return _summary(rows, args.out)


def _summary(rows: list, out: Path) -> str:
    scored = [row for row in rows if row.status == "ok"]
    parts = []
    if scored:
        best = max(scored, key=lambda row: row.mean)
        parts.append(f"best held-out log-likelihood: {best.estimator} {best.mean:.3f} ± {best.stderr:.3f} nats/point")
    oracle = next((row for row in rows if row.status == "oracle"), None)
    if oracle is not None:
        parts.append(f"true density {oracle.mean:.3f}")
    missing = [row.estimator for row in rows if not row.available]
    if missing:
        parts.append(f"not available: {', '.join(missing)}")
    return "; ".join(parts) + f". Wrote {out}/leaderboard.csv, leaderboard.json"
