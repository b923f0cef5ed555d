"""The playground's settings, one row each: what the URL, the controls and their parsing share.

As in TensorFlow Playground's ``state.ts``, one table drives everything that names a
setting: its URL key, the control that sets it (label, help, the values offered), how a
link's text is read back, and the command line's option for it (its defaults are
``Config()``'s; the command line accepts any valid value, not only those offered here).
A link is text anyone can edit, so ``Setting.parse`` either returns the value to use,
with a note when it had to change it (snapped to the nearest value offered), or raises
``InputError`` saying why it cannot be used.

Every value range here is one the controls offer, so a value read from a link can
always be shown by its control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from .activations import ACTIVATIONS
from .datasets import names as toy_names
from .errors import InputError
from .limits import MAX_TRAINING_POINTS

__all__ = ["Setting", "SETTINGS", "BY_FIELD", "BY_KEY", "SIGMA_CHOICES", "SIGMA_RANGE", "snap"]

# The values the controls offer; a link's numbers snap to the nearest one (log scale).
SIGMA_CHOICES = (
    0.01,
    0.013,
    0.016,
    0.02,
    0.025,
    0.03,
    0.04,
    0.05,
    0.06,
    0.08,
    0.1,
    0.13,
    0.16,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.8,
    1.0,
    1.3,
    1.6,
    2.0,
)
SIGMA_RANGE = (SIGMA_CHOICES[0], SIGMA_CHOICES[-1])
LEARNING_RATE_CHOICES = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2)
WIDTH_CHOICES = (8, 16, 32, 64, 128, 256)
BATCH_CHOICES = (128, 256, 512, 1024, 2048, 4096)

Control = Literal["select", "select_slider", "slider", "number"]


def snap(value: float, choices: tuple) -> float:
    """The choice nearest to ``value`` on a log scale (all choices are > 0)."""
    return min(choices, key=lambda c: abs(math.log(c) - math.log(value)))


@dataclass(frozen=True)
class Setting:
    """One setting of the playground.

    ``field``: its name in ``sharing.Setup`` (a ``Config`` field, or width, depth,
    steps_per_frame); ``key``: its URL parameter; ``label``/``help``: its control's text
    (``help`` is also the command line's, for settings with an ``option``).
    Values are either one of ``choices`` (text settings must match exactly; numbers snap
    to the nearest) or, for whole numbers, any multiple of ``step`` in [``low``, ``high``].
    """

    field: str
    key: str
    label: str
    help: str
    control: Control
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    step: int = 1
    option: str | None = None  # the command line's option, if it has one (python -m dde_core train)

    @property
    def is_text(self) -> bool:
        return bool(self.choices) and isinstance(self.choices[0], str)

    def format(self, value: Any) -> str:
        """The URL text of ``value`` (short: ``0.2``, ``3000``)."""
        return value if isinstance(value, str) else f"{value:g}"

    def parse(self, text: str) -> tuple[Any, str | None]:
        """The value ``text`` asks for, and a note if it was changed to one the control offers.

        Raises ``InputError`` (saying why) when ``text`` cannot be used at all.
        """
        if self.is_text:
            if text not in self.choices:
                raise InputError(f"{text!r} is not one of the choices")
            return text, None
        number = self._number(text)
        if self.choices:
            value = snap(number, self.choices)
            value = type(self.choices[0])(value)
        else:
            value = int(round(number / self.step) * self.step)
        note = None if value == number else f"{text} is not offered: used the nearest, {self.format(value)}"
        return value, note

    def _number(self, text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            raise InputError(f"{text!r} is not a number") from None
        whole = not self.choices or isinstance(self.choices[0], int)
        if not math.isfinite(number) or (whole and not self.choices and not number.is_integer()):
            raise InputError(f"{text!r} is not a whole number" if whole else f"{text!r} is not a finite number")
        if not self.low <= number <= self.high:
            raise InputError(f"{text} is outside {self.format(self.low)} to {self.format(self.high)}")
        return number


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "dataset",
        "dist",
        "Distribution",
        "Open 'What the distributions look like' below to preview them.",
        "select",
        choices=tuple(toy_names()),
        option="--dist",
    ),
    Setting(
        "n_samples",
        "n",
        "Samples",
        "Training points drawn from the distribution.",
        "slider",
        low=500,
        high=MAX_TRAINING_POINTS,
        step=500,
        option="--n",
    ),
    Setting(
        "data_seed",
        "dseed",
        "Data seed",
        "Seed of the drawn points (and of the held-out split).",
        "number",
        low=0,
        high=10_000,
        option="--data-seed",
    ),
    Setting(
        "sigma",
        "sigma",
        "σ (log scale)",
        "The DDE learns the data blurred by Gaussian noise of this standard deviation: the exact KDE with bandwidth σ.",
        "select_slider",
        choices=SIGMA_CHOICES,
        low=SIGMA_RANGE[0],
        high=SIGMA_RANGE[1],
        option="--sigma",
    ),
    Setting(
        "width",
        "width",
        "Width",
        "Units in each hidden layer.",
        "select_slider",
        choices=WIDTH_CHOICES,
        low=4,
        high=512,
    ),
    Setting("depth", "depth", "Hidden layers", "Number of hidden layers.", "slider", low=1, high=6),
    Setting(
        "activation",
        "act",
        "Activation",
        "Twice differentiable, so the Hessian ∇²f exists.",
        "select",
        choices=ACTIVATIONS,
        option="--activation",
    ),
    Setting(
        "learning_rate",
        "lr",
        "Learning rate",
        "Adam's step size.",
        "select_slider",
        choices=LEARNING_RATE_CHOICES,
        low=1e-5,
        high=1.0,
        option="--learning-rate",
    ),
    Setting(
        "batch_size",
        "batch",
        "Batch size",
        "Noisy points per training step.",
        "select_slider",
        choices=BATCH_CHOICES,
        low=16,
        high=8192,
        option="--batch-size",
    ),
    Setting(
        "seed",
        "seed",
        "Model seed",
        "Seed of the initial weights and of the noise.",
        "number",
        low=0,
        high=10_000,
        option="--seed",
    ),
    Setting(
        "steps_per_frame",
        "spf",
        "Steps per frame",
        "Training steps between two redraws of the view.",
        "slider",
        low=1,
        high=500,
    ),
)
BY_FIELD = {setting.field: setting for setting in SETTINGS}
BY_KEY = {setting.key: setting for setting in SETTINGS}
