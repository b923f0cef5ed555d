"""Giving a closed session's memory back to the system (a helper module, not a page).

Three things keep a closed session's memory in the server if nothing is done:

1. **Python's cyclic garbage is collected late.** A session's objects (its page runs'
   globals, its Keras model, its Streamlit state) form reference cycles, so they are freed
   only by a full collection of the cyclic garbage collector, and Python runs one only when
   the objects that survived earlier collections have grown by a quarter. With TensorFlow
   loaded the process holds about 400,000 such objects, so full collections are rare, and
   each one costs about 0.2 s (which is also why Streamlit's collection after every script
   run is off: ``runner.postScriptGC`` in .streamlit/config.toml). ``freeze_startup_objects``
   moves everything the process holds once the app's modules are imported into a permanent
   generation (``gc.freeze``): collections then scan only what sessions made (under a
   millisecond for an idle server; 20–70 ms with 16 sessions playing, bench/RESULTS.md §9),
   and ``return_freed_memory`` collects every time it runs.
2. **The C allocator keeps freed pages.** glibc's malloc keeps freed memory for later use,
   so the resident memory does not go down; ``return_freed_memory`` asks it to hand every
   free page back (``malloc_trim``).
3. **Many malloc arenas scatter it.** With one arena per thread, many sessions' threads
   leave their memory scattered over many arenas, where it cannot be given back; the server
   starts with at most two (``MALLOC_ARENA_MAX=2`` in the Makefile's ``app``).

app.py freezes at start and starts ``keep_returning_freed_memory``, a thread that calls
``return_freed_memory`` every ``RETURN_SECONDS``: what Streamlit drops when a closed tab's
session ends (two minutes after the tab closes: ``server.disconnectedSessionTTL``) is
collected and given back within that time after; so are the models the reload store
(dde_app/resume.py) frees when their grace period is over.

A collection holds Python's interpreter lock from start to end, so the web server's event
loop waits for it (dde_app/event_loop_lag.py). So each call collects once (garbage that the
collection's own finalizers leave is collected by the next call), and the thread collects
in a turn of the training scheduler (dde_app/scheduler.py), as other heavy work does: no
trainer shares the CPU with it meanwhile, so the lock is held no longer than the collection
needs. With 16 sessions playing on one core, up to three collections back to back, beside a
trainer, held the event loop for up to 142 ms.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import importlib
import pkgutil
import threading
import time

from dde_app.scheduler import Scheduler, scheduler

__all__ = [
    "freeze_startup_objects",
    "keep_returning_freed_memory",
    "return_freed_memory",
    "return_freed_memory_in_turn",
]

APP_PACKAGES = ("dde_core", "dde_viz", "dde_app")  # every page's imports come from these
RETURN_SECONDS = 15.0  # how often the server collects and gives memory back


def freeze_startup_objects(packages: tuple[str, ...] = APP_PACKAGES) -> int:
    """Import every module of ``packages`` (and so TensorFlow, Keras, Plotly, ...), collect,
    then freeze what the process holds: it lives as long as the server, and the garbage
    collector no longer scans it. Call once at server start, before any session exists
    (a session's objects frozen with it would never be freed). Returns how many objects
    were frozen."""
    for name in packages:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.endswith(".__main__"):  # a command line, not a library
                importlib.import_module(module.name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on a system without it."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def return_freed_memory() -> bool:
    """Collect Python's cyclic garbage, then give the allocator's free pages back to the
    system; False where the last is not possible. A finalizer run by the collection can
    leave new garbage (a session's objects can): the next call collects it."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


_returning = threading.Lock()
_returner: threading.Thread | None = None


def keep_returning_freed_memory(seconds: float = RETURN_SECONDS) -> None:
    """Call ``return_freed_memory`` every ``seconds``, in a turn of the server's scheduler,
    in a background thread (started once per process; later calls do nothing)."""
    global _returner
    with _returning:
        if _returner is None:
            _returner = threading.Thread(target=_return_forever, args=(seconds,), name="dde-memory", daemon=True)
            _returner.start()


def return_freed_memory_in_turn(schedule: Scheduler) -> bool:
    """``return_freed_memory`` once ``schedule`` grants a turn (no trainer runs meanwhile)."""
    with schedule.turn():
        return return_freed_memory()


def _return_forever(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        return_freed_memory_in_turn(scheduler())
