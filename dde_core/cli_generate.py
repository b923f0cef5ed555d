"""Command line: ``python -m dde_core generate ...`` trains a generator with two DDEs, a GAN of
the same generator, or both (same initial generator, same latent draws, same step budget).

Outputs in ``--out``, for each method run (``dde``, ``gan``): ``<method>_samples.csv`` (the
generated points), ``<method>.npz`` (the model: ``DDEGenerator.load`` / ``GAN.load``), and one
``metrics.json``: per method the final measures (MMD², energy distance and sliced Wasserstein
to held-out data, KL on the grid between the KDEs at σ of the data and of the samples, and
for 8gaussians and grid25 the modes covered and the share of high-quality samples), their
curves over steps, steps per second and the settings.

Bad input prints one line, ``error: ...``, and exits 2 (``cli.main``); arguments and ``--out``
are checked before the data is read and before TensorFlow is imported.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import cli, datasets
from .activations import ACTIVATIONS
from .cli import (
    Command,
    _add_data_options,
    _add_setting,
    _checked,
    _number,
    _parse_hidden,
    _why_not_writable,
    add_output_options,
    quiet_tensorflow,
)
from .errors import InputError
from .generation.defaults import DDE_GENERATOR, GAN_DEFAULTS
from .grid import Grid
from .settings import SETTINGS
from .validation import check_positive_float, check_positive_int

__all__ = ["add_parser"]

METHODS = {"dde": "DDE generator", "gan": "GAN"}
TOY_BOX = (-4.0, 4.0)  # the toys' view (docs/science.md §1)
GRID_CELLS = 100  # cells per side of the grid KL


def add_parser(commands: Any, formatter_class: type) -> None:
    """Register ``generate`` with the command line's sub-commands."""
    generate = commands.add_parser(
        "generate",
        help="train a generator with two DDEs and/or a GAN of the same generator",
        description="Train a generator with two DDEs (--method dde), a GAN with the same generator (gan), or "
        "both from the same initial generator and latent draws; write samples, models and metrics.json to --out.",
        formatter_class=formatter_class,
    )
    _add_data_options(generate)
    settings = {setting.option: setting for setting in SETTINGS if setting.option}
    generate.add_argument("--method", default="both", help="dde, gan or both")
    _add_setting(generate, settings["--sigma"])
    generate.add_argument("--steps", default=DDE_GENERATOR.steps, help="generator steps of each method")
    generate.add_argument("--latent-dim", default=DDE_GENERATOR.latent_dim, help="size k of the latent z ~ N(0, I_k)")
    generate.add_argument("--hidden", default=_widths(DDE_GENERATOR.hidden), help="the generator's hidden layer widths")
    generate.add_argument(
        "--learning-rate", default=DDE_GENERATOR.learning_rate, help="the generator's Adam step (both methods)"
    )
    _add_setting(generate, settings["--activation"])
    _add_setting(generate, settings["--batch-size"])
    generate.add_argument(
        "--critic-hidden",
        default=_widths(DDE_GENERATOR.critic_hidden),
        help="hidden layer widths of the DDEs (data and sample) and of the GAN's discriminator",
    )
    generate.add_argument(
        "--dde-learning-rate", default=DDE_GENERATOR.critic_learning_rate, help="Adam step of the sample DDE"
    )
    generate.add_argument(
        "--discriminator-learning-rate",
        default=GAN_DEFAULTS.critic_learning_rate,
        help="Adam step of the GAN's discriminator",
    )
    generate.add_argument(
        "--dde-steps", default=DDE_GENERATOR.critic_steps, help="sample-DDE steps before each generator step"
    )
    generate.add_argument(
        "--discriminator-steps", default=GAN_DEFAULTS.critic_steps, help="discriminator steps per generator step"
    )
    generate.add_argument("--data-steps", default=DDE_GENERATOR.data_steps, help="training steps of the data DDE")
    generate.add_argument("--samples", default=2000, help="generated points written and measured")
    generate.add_argument("--metrics-every", default=200, help="generator steps between two measurements")
    _add_setting(generate, settings["--seed"])
    add_output_options(generate)
    generate.set_defaults(
        dist="8gaussians",
        sigma=str(DDE_GENERATOR.sigma),
        batch_size=str(DDE_GENERATOR.batch_size),
        activation=DDE_GENERATOR.activation,
        command_steps=Command(check=_checked_generate, run=_run_generate),
    )


def _widths(widths: tuple[int, ...]) -> str:
    return ",".join(map(str, widths))


def _checked_generate(args: argparse.Namespace) -> argparse.Namespace:
    """Every argument checked and converted (the data options by ``cli._checked``)."""
    if args.method not in (*METHODS, "both"):
        raise InputError(f"--method must be dde, gan or both, got {args.method!r}.")
    if args.activation not in ACTIVATIONS:
        raise InputError(f"--activation must be one of: {', '.join(ACTIVATIONS)}; got {args.activation!r}.")
    shared = _checked(args)
    return argparse.Namespace(
        **{
            **vars(shared),
            "methods": tuple(METHODS) if args.method == "both" else (args.method,),
            "latent_dim": check_positive_int(_number(args.latent_dim), "--latent-dim"),
            "critic_hidden": _parse_hidden(args.critic_hidden),
            "dde_learning_rate": check_positive_float(_number(args.dde_learning_rate), "--dde-learning-rate"),
            "discriminator_learning_rate": check_positive_float(
                _number(args.discriminator_learning_rate), "--discriminator-learning-rate"
            ),
            "dde_steps": check_positive_int(_number(args.dde_steps), "--dde-steps"),
            "discriminator_steps": check_positive_int(_number(args.discriminator_steps), "--discriminator-steps"),
            "data_steps": check_positive_int(_number(args.data_steps), "--data-steps"),
            "samples": check_positive_int(_number(args.samples), "--samples", minimum=2),
            "metrics_every": check_positive_int(_number(args.metrics_every), "--metrics-every"),
        }
    )


def _import_models() -> Any:
    """Import TensorFlow quietly (as ``cli`` does for train), then the generation package."""
    with quiet_tensorflow():
        from . import generation
        from .generation import dde_generator, gan  # noqa: F401  (imported here, quietly)
    return generation


def _models(args: argparse.Namespace, generation: Any) -> dict[str, Any]:
    """The models asked for, by method, with the same generator settings and seed."""
    generator = {
        "latent_dim": args.latent_dim,
        "hidden": args.hidden,
        "activation": args.activation,
        "learning_rate": args.learning_rate,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "seed": args.seed,
    }
    makers = {
        "dde": lambda: generation.DDEGenerator(
            sigma=args.sigma,
            dde_hidden=args.critic_hidden,
            dde_learning_rate=args.dde_learning_rate,
            dde_steps=args.dde_steps,
            data_steps=args.data_steps,
            **generator,
        ),
        "gan": lambda: generation.GAN(
            discriminator_hidden=args.critic_hidden,
            discriminator_learning_rate=args.discriminator_learning_rate,
            discriminator_steps=args.discriminator_steps,
            **generator,
        ),
    }
    return {method: makers[method]() for method in args.methods}


def _reference(args: argparse.Namespace, train: np.ndarray, test: np.ndarray) -> Any:
    """What the samples are measured against: held-out data, the data's KDE on a grid, the centres."""
    from .generation_metrics import GenerationReference

    modes = datasets.mode_centres(args.dist) if args.csv is None else None
    grid = (
        Grid(TOY_BOX, TOY_BOX, GRID_CELLS) if args.csv is None else Grid.around(train, GRID_CELLS, pad=3 * args.sigma)
    )
    return GenerationReference(
        fresh=test,
        train=train,
        sigma=args.sigma,
        grid=grid if train.shape[1] == 2 else None,
        centres=None if modes is None else modes[0],
        component_std=None if modes is None else modes[1],
    )


def _train(method: str, model: Any, train: np.ndarray, args: argparse.Namespace, reference: Any) -> dict:
    """Fit one model with a progress bar, measuring every --metrics-every steps; its metrics."""
    from tqdm import tqdm

    from .generation_metrics import MetricCurves

    curves = MetricCurves()
    start = time.perf_counter()
    if method == "dde":
        with tqdm(total=args.data_steps, unit="step", disable=args.quiet, desc="data DDE") as bar:
            model.data_model = model.fit_data_model(train, lambda phase, done, total: bar.update(done - bar.n))
    with tqdm(total=args.steps, unit="step", disable=args.quiet, desc=METHODS[method]) as bar:
        model.partial_fit(train, steps=1)
        done = 1
        while done < args.steps:
            chunk = min(args.metrics_every - done % args.metrics_every, args.steps - done)
            model.partial_fit(steps=chunk)
            done += chunk
            bar.update(done - bar.n)
            if done % args.metrics_every == 0 or done == args.steps:
                curves.add(done, reference.measure(model.sample(args.samples), seed=args.seed))
                bar.set_postfix({name: f"{value:.3g}" for name, value in curves.last().items()})
        bar.update(done - bar.n)
    return {
        "method": METHODS[method],
        **curves.last(),
        "steps": model.n_steps_,
        "critic_steps": model.n_critic_steps_,
        "steps_per_second": model.n_steps_ / model.history_.seconds if model.history_.seconds else None,
        "seconds": time.perf_counter() - start,
        "curves": curves.to_dict(),
        "params": {name: value for name, value in model.get_params().items() if name != "data_model"},
    }


def _write_outputs(out: Path, models: dict[str, Any], samples: dict[str, np.ndarray], metrics: dict) -> None:
    """Write each method's samples CSV and model, then metrics.json; a failed write raises InputError."""
    try:
        for method, model in models.items():
            header = ",".join(f"x{j + 1}" for j in range(samples[method].shape[1]))
            np.savetxt(out / f"{method}_samples.csv", samples[method], delimiter=",", header=header, comments="")
            model.save(out / f"{method}.npz")
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"Training finished but writing the results to {str(out)!r} failed: {_why_not_writable(out, error)}. "
            "Free some space or choose another folder with --out."
        ) from None


def _run_generate(args: argparse.Namespace) -> str:
    """Read the data, train each method, write samples, models and metrics; the summary line."""
    _, train, test, info = cli._load_points(args)
    generation = _import_models()
    reference = _reference(args, train, test)
    models = _models(args, generation)
    results = {method: _train(method, model, train, args, reference) for method, model in models.items()}
    samples = {method: model.sample(args.samples) for method, model in models.items()}
    metrics = {**info, "sigma": args.sigma, "seed": args.seed, "methods": results}
    _write_outputs(args.out, models, samples, metrics)
    return "; ".join(_summary(result) for result in results.values()) + f". Wrote {args.out}"


def _summary(result: dict) -> str:
    modes = (
        f"{result['modes_covered']:.0f} modes covered, {100 * result['high_quality']:.0f}% high quality, "
        if "modes_covered" in result
        else ""
    )
    return (
        f"{result['method']}: {modes}MMD² {result['mmd2']:.4f}, sliced W {result['sliced_w']:.3f} "
        f"after {result['steps']} steps ({result['seconds']:.0f} s)"
    )
