"""One scheduler for all the heavy work of the server: fair turns, a bounded pool, a queue.

Many people train at once in a classroom; if each trainer ran whenever it liked,
eight of them would share two cores with the web server and all would stall. So
every chunk of heavy work (a frame's worth of training steps, a block of sampler
steps, one model of a claims run) runs inside a **turn**:

    with scheduler().turn(is_cancelled=lambda: not running):
        experiment.advance(steps_per_frame)

At most ``workers`` turns run at once (the pool; by default one fewer than the
cores, so one core is left to serve pages and frames), and turns are granted in
the order they were asked for. A trainer asks again after each chunk, so it goes
to the back of the line: the sessions take turns round-robin, each advances
every few chunks, and the total work never exceeds what the pool can do. A
waiting thread sleeps; Pause cancels its wait at once.

A frame's steps can be more than one turn's worth when many play: a turn should last
about ``turn_seconds()`` (``ROUND_SECONDS`` × workers / sessions playing), so that every
playing session trains at least once in ``ROUND_SECONDS``, however many there are
(dde_app/live_training.py spreads a frame's steps over several turns).

Playing is also limited to ``max_players`` sessions: the next ones wait in a
queue (``place`` says how many are ahead) and start, in order, when someone
pauses or leaves, rather than slowing everyone down.

Both sizes are read from the environment when the server starts:
``DDE_TRAINING_WORKERS`` and ``DDE_MAX_PLAYING_SESSIONS`` (README "Serving a class").
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Cancelled", "Scheduler", "Turns", "scheduler", "default_workers", "default_max_players"]

WAIT_SLICE_SECONDS = 0.05  # how often a waiting thread checks whether it was cancelled
ROUND_SECONDS = 2.0  # every playing session trains at least once in this long (turn_seconds)
RECENT_PAUSES = 256  # how many Pauses' times the scheduler keeps for the load report


class Cancelled(Exception):
    """A wait for a turn or a playing slot was given up (Pause, a closed tab)."""


def default_workers() -> int:
    """Turns at once: ``DDE_TRAINING_WORKERS``, else one fewer than the cores this process may
    use (at least 1; ``taskset`` or a container may give it fewer than the machine has)."""
    return _positive_env("DDE_TRAINING_WORKERS", max(1, usable_cores() - 1))


def usable_cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


PLAYERS_PER_WORKER = 8  # one training core gives 8 sessions about 10 steps/s each (bench/RESULTS.md §9)


def default_max_players() -> int:
    """Sessions playing at once: ``DDE_MAX_PLAYING_SESSIONS``, else ``PLAYERS_PER_WORKER`` per worker."""
    return _positive_env("DDE_MAX_PLAYING_SESSIONS", PLAYERS_PER_WORKER * default_workers())


def _positive_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of at least 1; got {text!r}.") from None
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1; got {text!r}.")
    return value


@dataclass(frozen=True)
class Load:
    """What the scheduler is doing now (for the page and the benchmarks)."""

    workers: int
    running: int  # turns being taken now
    waiting_for_turn: int
    playing: int  # sessions holding a playing slot
    queued: int  # sessions waiting for one


class Scheduler:
    """Fair turns on a pool of ``workers``, and at most ``max_players`` playing sessions."""

    def __init__(self, workers: int, max_players: int):
        if workers < 1 or max_players < 1:
            raise ValueError("A scheduler needs at least one worker and one playing slot.")
        self.workers = workers
        self.max_players = max_players
        self._changed = threading.Condition()
        self._running = 0
        self._line: deque[object] = deque()  # tickets of the threads waiting for a turn
        self._players: list[object] = []  # owners in the order they asked to play
        self._pauses: deque[tuple[str, float]] = deque(maxlen=RECENT_PAUSES)  # (name, seconds)

    # -- turns ----------------------------------------------------------------------------
    @contextmanager
    def turn(self, is_cancelled: Callable[[], bool] = lambda: False) -> Iterator[None]:
        """Wait for a turn (first come, first served), hold it for the ``with`` block.

        Raises ``Cancelled`` if ``is_cancelled()`` becomes true while waiting.
        """
        ticket = object()
        with self._changed:
            self._line.append(ticket)
            try:
                while not (self._running < self.workers and self._line[0] is ticket):
                    if is_cancelled():
                        raise Cancelled
                    self._changed.wait(WAIT_SLICE_SECONDS)
            finally:
                self._line.remove(ticket)
                self._changed.notify_all()  # the next in line may go (or move up)
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    @contextmanager
    def taking_turns(self, is_cancelled: Callable[[], bool] = lambda: False) -> Iterator[Turns]:
        """Hold a turn for a long run that reports progress between chunks; the run calls
        ``turns.pass_on()`` after each chunk, which lets the others take their turns first:

            with scheduler().taking_turns() as turns:
                sample(..., progress=lambda done, total: turns.pass_on())
        """
        turns = Turns(self, is_cancelled)
        turns.take()
        try:
            yield turns
        finally:
            turns.release()

    def turn_seconds(self) -> float:
        """How long one turn should last: ``ROUND_SECONDS`` × workers / sessions playing (all of
        ``ROUND_SECONDS`` with one session a worker), so a round of turns takes ``ROUND_SECONDS``."""
        with self._changed:
            playing = min(len(self._players), self.max_players)
        return ROUND_SECONDS * self.workers / max(1, playing)

    # -- playing slots --------------------------------------------------------------------
    def join_players(self, owner: object) -> None:
        """Ask for a playing slot for ``owner`` (no effect if it already asked)."""
        with self._changed:
            if owner not in self._players:
                self._players.append(owner)

    def leave_players(self, owner: object) -> None:
        """Give up ``owner``'s slot or its place in the queue."""
        with self._changed:
            if owner in self._players:
                self._players.remove(owner)
                self._changed.notify_all()

    def note_pause(self, name: str, seconds: float) -> None:
        """Keep how long a Pause took to take effect: ``seconds`` from the Pause to the
        trainer of the session called ``name`` having stopped (for the load report)."""
        with self._changed:
            self._pauses.append((name, seconds))

    def recent_pauses(self) -> list[tuple[str, float]]:
        """(name, seconds) of the latest ``RECENT_PAUSES`` Pauses, oldest first."""
        with self._changed:
            return list(self._pauses)

    def place(self, owner: object) -> int | None:
        """0 if ``owner`` may play now; k ≥ 1 if it waits with k − 1 sessions ahead of it;
        None if it has not asked."""
        with self._changed:
            if owner not in self._players:
                return None
            return self._place_at(self._players.index(owner))

    def wait_to_play(self, owner: object, is_cancelled: Callable[[], bool] = lambda: False) -> None:
        """Block until ``owner`` (which has joined) holds a playing slot; ``Cancelled`` if given up."""
        with self._changed:
            while True:
                if owner not in self._players:
                    raise Cancelled
                if self._players.index(owner) < self.max_players:
                    return
                if is_cancelled():
                    raise Cancelled
                self._changed.wait(WAIT_SLICE_SECONDS)

    def players(self) -> list[tuple[object, int]]:
        """(owner, place) of every owner holding a playing slot or queued for one, in the
        order they asked (``place`` as ``place`` says), read at one moment."""
        with self._changed:
            return [(owner, self._place_at(index)) for index, owner in enumerate(self._players)]

    def _place_at(self, index: int) -> int:
        return max(0, index - self.max_players + 1)

    def load(self) -> Load:
        with self._changed:
            playing = min(len(self._players), self.max_players)
            return Load(self.workers, self._running, len(self._line), playing, len(self._players) - playing)


class Turns:
    """A long run's hold on the scheduler, passed on between its chunks (``taking_turns``)."""

    def __init__(self, schedule: Scheduler, is_cancelled: Callable[[], bool]):
        self._schedule, self._is_cancelled = schedule, is_cancelled
        self._held: contextlib.AbstractContextManager | None = None

    def take(self) -> None:
        held = self._schedule.turn(self._is_cancelled)
        held.__enter__()
        self._held = held

    def release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)

    def pass_on(self) -> None:
        """Let everyone waiting take a turn, then continue (``Cancelled`` if given up meanwhile)."""
        self.release()
        self.take()


_scheduler: Scheduler | None = None
_made = threading.Lock()


def scheduler() -> Scheduler:
    """The server's one scheduler, sized from the environment the first time it is asked for."""
    global _scheduler
    with _made:
        if _scheduler is None:
            _scheduler = Scheduler(default_workers(), default_max_players())
        return _scheduler
