"""Giving a closed session's memory back: cyclic garbage collected, frozen start-up objects."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
import weakref

from dde_app.memory import return_freed_memory, return_freed_memory_in_turn
from dde_app.scheduler import Scheduler


class _Node:
    """An object that can be put in a reference cycle (and referred to weakly)."""

    other: _Node | None = None


def _cycle() -> weakref.ref:
    """Two objects referring to each other, no longer reachable: garbage only the cyclic
    collector frees. Returns a weak reference to one of them."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_freed_memory_is_collected_and_can_be_given_back_on_this_system():
    gc.disable()  # as when the automatic collector has not come round to it yet
    try:
        gone = _cycle()
        assert gone() is not None
        assert return_freed_memory() is True  # glibc: the server's memory figures rely on it
        assert gone() is None
    finally:
        gc.enable()


def test_garbage_made_while_collecting_is_collected_by_the_next_call():
    """A finalizer run by one collection can leave new garbage (as a session's objects can):
    a call collects once, so that the interpreter lock is held no longer than one collection;
    the next call collects the rest."""
    made: list[weakref.ref] = []

    class Maker(_Node):
        def __del__(self):
            made.append(_cycle())

    gc.disable()
    try:
        maker = Maker()
        maker.other = maker
        del maker
        return_freed_memory()
        assert len(made) == 1 and made[0]() is not None
        return_freed_memory()
        assert made[0]() is None
    finally:
        gc.enable()


def test_the_memory_thread_collects_in_a_turn_of_the_scheduler():
    """While a trainer holds the one turn, nothing is collected; once it is released, the
    collection runs (alone: no trainer shares the CPU with it)."""
    schedule = Scheduler(workers=1, max_players=1)
    gc.disable()
    try:
        with schedule.turn():
            gone = _cycle()
            collecting = threading.Thread(target=return_freed_memory_in_turn, args=(schedule,), daemon=True)
            collecting.start()
            collecting.join(0.3)
            assert collecting.is_alive() and gone() is not None  # waiting for its turn
        collecting.join(10)
        assert not collecting.is_alive() and gone() is None
        assert schedule.load().running == 0  # the turn was given back
    finally:
        gc.enable()


def test_the_server_freezes_its_start_up_objects_and_collects_what_sessions_leave():
    script = textwrap.dedent(
        """
        import gc, sys, time, weakref
        from dde_app.memory import APP_PACKAGES, freeze_startup_objects, keep_returning_freed_memory

        frozen = freeze_startup_objects()
        assert frozen > 100_000, frozen  # TensorFlow and Keras among them
        assert all(name in sys.modules for name in ("tensorflow", "dde_core.model", "dde_app.session"))

        class Node:
            other = None

        gc.disable()  # only the thread below collects
        keep_returning_freed_memory(0.05)
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        deadline = time.monotonic() + 10
        while gone() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone() is None, "a closed session's garbage was not collected"
        print("ok", frozen)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")
