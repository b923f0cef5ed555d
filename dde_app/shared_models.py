"""Results for the default setups, computed once per server and shared by every session.

So that no page opens empty, each page shows a result for its default setup at once:
a trained model, a sampler run. The first visitor starts it (in a thread of its own)
and waits with a progress bar; every session after finds it ready. Two sessions asking at the same
moment compute it once: both wait for it and see its progress.

Only default setups are shared: a person's own model is never put here. A shared
value is read-only: the pages only sample from a shared model and measure it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dde_app.scheduler import scheduler

if TYPE_CHECKING:
    from dde_core.config import Config
    from dde_core.experiment import Experiment

__all__ = ["SharedResults", "shared_results", "shared_experiment", "TRAINING_CHUNK"]

Progress = Callable[[float], None]  # fraction done, 0..1
WAIT_SLICE_SECONDS = 0.1


@dataclass
class _Entry:
    done: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    value: Any = None
    error: BaseException | None = None


class SharedResults:
    """``get(key, compute)``: ``compute(progress)`` once per key for the whole server.

    The computation runs in a thread of its own, not in the asking session's script: a
    person who clicks elsewhere (which interrupts their page's run) does not stop it, and
    the next visitor finds it further along or done.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()
        self.computed = 0  # how many times a value was computed (for tests)

    def get(self, key: Hashable, compute: Callable[[Progress], Any], progress: Progress | None = None) -> Any:
        """The value for ``key``, starting ``compute(progress)`` if no session has.

        Waits for it, calling ``progress(fraction)`` in the calling thread about ten times
        a second. A failed computation is not kept: its error is raised to every caller
        waiting for it, and the next caller starts it again.
        """
        report = progress or (lambda fraction: None)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                threading.Thread(
                    target=self._compute, args=(key, entry, compute), name="dde-shared-result", daemon=True
                ).start()
        while not entry.done.wait(WAIT_SLICE_SECONDS):
            report(entry.fraction)
        if entry.error is not None:
            raise entry.error
        return entry.value

    def ready(self, key: Hashable) -> bool:
        """True when the value for ``key`` is there (no waiting)."""
        entry = self._entries.get(key)
        return entry is not None and entry.done.is_set() and entry.error is None

    def holds(self, value: Any) -> bool:
        """True if ``value`` (this very object) is a shared result."""
        with self._lock:
            return any(entry.value is value for entry in self._entries.values() if entry.done.is_set())

    def _compute(self, key: Hashable, entry: _Entry, compute: Callable[[Progress], Any]) -> None:
        def progress(fraction: float) -> None:
            entry.fraction = fraction

        try:
            entry.value = compute(progress)
            self.computed += 1
        except BaseException as error:  # noqa: BLE001  not kept; raised to every caller waiting
            entry.error = error
            with self._lock:
                self._entries.pop(key, None)
        finally:
            entry.done.set()


_shared: SharedResults | None = None
_made = threading.Lock()


def shared_results() -> SharedResults:
    """The server's one store of shared results."""
    global _shared
    with _made:
        if _shared is None:
            _shared = SharedResults()
        return _shared


TRAINING_CHUNK = 100  # training steps between progress reports (and turns passed on)


def shared_experiment(config: Config, progress: Progress | None = None) -> Experiment:
    """The DDE of ``config`` (default data) trained to ``config.steps`` steps, once per server.

    Read-only for its users. It trains in turns of the server's scheduler (passing its turn
    on every ``TRAINING_CHUNK`` steps), so a class opening the page at once does not stall
    the others; ``progress(fraction)`` as in ``SharedResults.get``.
    """
    from dde_core.experiment import Experiment
    from dde_core.training import run_in_chunks

    def train(report: Progress) -> Experiment:
        experiment = Experiment(config)
        with scheduler().taking_turns() as turns:

            def chunk_done(done: int, total: int) -> None:
                report(done / total)
                turns.pass_on()

            run_in_chunks(experiment.advance, config.steps - experiment.step, TRAINING_CHUNK, chunk_done)
        return experiment

    return shared_results().get(("experiment", config), train, progress)
