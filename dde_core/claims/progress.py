"""How claims measurements report progress and learn that they should stop.

A measurement calls ``progress(fraction, message, partial)`` with ``partial`` the
result so far (keep it and an interrupted run loses nothing), and stops between
steps when ``should_stop()`` returns True.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..training import ChunkProgress

__all__ = ["Progress", "StopCheck", "report", "stopped", "chunk_reporter"]

Progress = Callable[[float, str, Any], None]  # (fraction done in [0, 1], message, result so far)
StopCheck = Callable[[], bool]


def report(progress: Progress | None, fraction: float, message: str, partial: Any) -> None:
    """Call ``progress`` (if any) with ``fraction`` clipped to [0, 1]."""
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message, partial)


def stopped(should_stop: StopCheck | None) -> bool:
    return bool(should_stop is not None and should_stop())


def chunk_reporter(
    progress: Progress | None, partial: Any, within: tuple[float, float] = (0.0, 1.0), prefix: str = ""
) -> ChunkProgress:
    """A training helper's ``progress(done, total)`` as a measurement's report.

    The fraction runs from within[0] to within[1] as done goes from 0 to total;
    the message is "<prefix>step <done> of <total>"; ``partial`` is passed on as is.
    """
    low, high = within

    def report_chunk(done: int, total: int) -> None:
        report(progress, low + (high - low) * done / total, f"{prefix}step {done:,} of {total:,}", partial)

    return report_chunk
