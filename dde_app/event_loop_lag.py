"""How late the web server's event loop runs what it is asked to (a helper module, not a page).

One asyncio event loop serves everything a browser asks of the server: every page's
messages over its WebSocket, every frame of the live panels (``live/<token>``), every
health check (``/_stcore/health``) and the load report. Whatever holds that loop (a
slow callback, or Python's interpreter lock held by the other threads: page runs,
trainers) delays all of them by as long. So the loop's **lag** is what a person feels
as the server's slowness, apart from the network and their own browser.

``EventLoopLag.watch`` runs on the loop: it asks to be woken every ``TICK_SECONDS`` and
notes how much later than asked it was woken. The load report (dde_app/load_report.py)
lists the worst lag in each of the last ``KEEP_SECONDS`` whole seconds (Unix time), so
a benchmark can take the worst in the span it measured and tell a slow server from a
slow client (bench/bench_load.py). app.py starts the watch with the server
(``watching_the_event_loop``, Streamlit's ``lifespan`` hook).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator

__all__ = ["EventLoopLag", "event_loop_lag", "watching_the_event_loop"]

TICK_SECONDS = 0.05  # how often the watch asks to be woken
KEEP_SECONDS = 120  # how many whole seconds' worst lags are kept


class EventLoopLag:
    """The worst lag of an event loop in each recent second.

    ``note(lag, at)`` records a lag in seconds, seen at Unix time ``at``; ``worst_by_second()``
    gives ``[(second, worst lag in seconds), ...]``, oldest first, for the last
    ``KEEP_SECONDS`` seconds in which a lag was noted.
    """

    def __init__(self) -> None:
        self._worst: deque[tuple[int, float]] = deque(maxlen=KEEP_SECONDS)

    def note(self, lag: float, at: float) -> None:
        second = int(at)
        if self._worst and self._worst[-1][0] == second:
            self._worst[-1] = (second, max(self._worst[-1][1], lag))
        else:
            self._worst.append((second, lag))

    def worst_by_second(self) -> list[tuple[int, float]]:
        return list(self._worst)

    async def watch(self, tick: float = TICK_SECONDS) -> None:
        """Run on the loop until cancelled, noting each wake-up's lateness."""
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(tick)
            self.note(max(0.0, loop.time() - asked - tick), time.time())


_lag = EventLoopLag()


def event_loop_lag() -> EventLoopLag:
    """The server's one record of its event loop's lag."""
    return _lag


@contextlib.asynccontextmanager
async def watching_the_event_loop(_app: object = None) -> AsyncIterator[None]:
    """Watch the server's event loop while it serves (for ``st.App(lifespan=...)``)."""
    watch = asyncio.get_running_loop().create_task(event_loop_lag().watch())
    try:
        yield
    finally:
        watch.cancel()
