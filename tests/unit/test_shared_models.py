"""Results for default setups: computed once per server, shared by the sessions."""

from __future__ import annotations

import threading
import time

import pytest

from dde_app.shared_models import SharedResults


def test_two_sessions_asking_at_once_compute_once_and_the_second_sees_progress():
    shared, started = SharedResults(), threading.Event()
    waiter_progress: list[float] = []

    def slow(progress):
        started.set()
        for i in range(1, 6):
            time.sleep(0.05)
            progress(i / 5)
        return object()

    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", shared.get("default", slow)))
    first.start()
    started.wait(5)
    results["second"] = shared.get("default", slow, progress=waiter_progress.append)
    first.join()
    assert results["first"] is results["second"]
    assert shared.computed == 1
    assert waiter_progress and max(waiter_progress) > 0
    assert shared.get("default", slow) is results["first"]  # later sessions: at once
    assert shared.ready("default") and not shared.ready("other")


def test_a_failed_computation_is_not_kept():
    shared, calls = SharedResults(), []

    def flaky(progress):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("stopped")
        return "model"

    with pytest.raises(RuntimeError):
        shared.get("k", flaky)
    assert not shared.ready("k")
    assert shared.get("k", flaky) == "model" and len(calls) == 2


def test_different_setups_are_different_entries():
    shared = SharedResults()
    assert shared.get(("2spirals", 0.2), lambda p: 1) == 1
    assert shared.get(("moons", 0.2), lambda p: 2) == 2
    assert shared.computed == 2


def test_a_viewer_who_leaves_does_not_stop_the_computation():
    """A click elsewhere interrupts the viewer's script (here: its progress callback raises);
    the computation goes on in its own thread and the next viewer gets its value."""
    shared, release = SharedResults(), threading.Event()

    def slow(progress):
        progress(0.5)
        release.wait(5)
        return "model"

    def leave(fraction):
        raise KeyboardInterrupt  # what a rerun does to the waiting script

    with pytest.raises(KeyboardInterrupt):
        shared.get("k", slow, progress=leave)
    release.set()
    assert shared.get("k", slow) == "model" and shared.computed == 1
