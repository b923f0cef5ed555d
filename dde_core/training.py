"""Training in chunks: a few steps at a time, with a report and a chance to stop after each chunk.

The one loop behind every "train with a progress bar" in the project: the CLI's
progress bar, the Sampling and Claims pages' "train here" buttons, the claims'
σ sweep and the fidelity benchmark.  ``run_in_chunks`` drives anything that
advances by a number of steps (an ``Experiment.advance``); ``train_in_chunks``
drives a model's ``partial_fit`` (a ``DDE`` or a ``ScoreNetwork``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import numpy as np

from .validation import check_positive_int

__all__ = ["ChunkProgress", "StopCheck", "run_in_chunks", "train_in_chunks"]

ChunkProgress = Callable[[int, int], None]  # (steps done, steps asked for)
StopCheck = Callable[[], bool]


class PartialFit(Protocol):
    def partial_fit(self, X: np.ndarray | None = None, steps: int = 100) -> Any: ...


Model = TypeVar("Model", bound=PartialFit)


def run_in_chunks(
    advance: Callable[[int], Any],
    steps: int,
    chunk: int = 100,
    progress: ChunkProgress | None = None,
    should_stop: StopCheck | None = None,
) -> int:
    """Call ``advance(n)`` with n = min(chunk, steps left) until ``steps`` steps are done.

    After each call, ``progress(done, steps)``; before each call, ``should_stop()``
    may end the loop early.  Returns the steps done: ``steps`` unless stopped
    (0 steps: nothing is called).
    """
    steps = check_positive_int(steps, "steps", minimum=0)
    chunk = check_positive_int(chunk, "chunk")
    done = 0
    while done < steps and not (should_stop is not None and should_stop()):
        n = min(chunk, steps - done)
        advance(n)
        done += n
        if progress is not None:
            progress(done, steps)
    return done


def train_in_chunks(
    model: Model,
    points: np.ndarray,
    steps: int,
    chunk: int = 100,
    progress: ChunkProgress | None = None,
    should_stop: StopCheck | None = None,
) -> Model:
    """Train ``model`` on points (D, d) for ``steps`` more steps, ``chunk`` at a time; returns it.

    The first chunk is ``model.partial_fit(points, n)`` (which initialises an
    unfitted model), the others ``partial_fit(None, n)`` on the same data.
    ``progress(done, steps)`` after each chunk; ``should_stop()`` before each one.
    """
    data: np.ndarray | None = points

    def advance(n: int) -> None:
        nonlocal data
        model.partial_fit(data, steps=n)
        data = None

    run_in_chunks(advance, steps, chunk, progress, should_stop)
    return model
