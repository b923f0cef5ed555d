"""The event loop's lag (dde_app/event_loop_lag.py): the worst lateness in each second."""

import asyncio
import time

from dde_app import load_report
from dde_app.event_loop_lag import EventLoopLag, event_loop_lag, watching_the_event_loop
from dde_app.scheduler import Scheduler
from tests.waiting import run_on_a_fresh_loop


def test_the_worst_lag_of_each_second_is_kept_and_old_seconds_are_dropped():
    lag = EventLoopLag()
    lag.note(0.002, at=100.1)
    lag.note(0.030, at=100.5)
    lag.note(0.001, at=100.9)
    lag.note(0.004, at=101.0)
    assert lag.worst_by_second() == [(100, 0.030), (101, 0.004)]
    for second in range(102, 102 + 200):
        lag.note(0.0, at=second)
    kept = lag.worst_by_second()
    assert len(kept) == 120 and kept[-1] == (301, 0.0) and kept[0] == (182, 0.0)


async def _watch_while_blocking(lag: EventLoopLag, blocked_seconds: float) -> None:
    watch = asyncio.get_running_loop().create_task(lag.watch(tick=0.01))
    await asyncio.sleep(0.2)  # quiet ticks first
    time.sleep(blocked_seconds)  # a callback that holds the loop
    await asyncio.sleep(0.1)
    watch.cancel()


def test_a_callback_holding_the_loop_shows_as_that_much_lag():
    lag = EventLoopLag()
    run_on_a_fresh_loop(_watch_while_blocking(lag, 0.3))
    worst = [seconds for _, seconds in lag.worst_by_second()]
    assert 0.25 <= max(worst) <= 1.0, worst
    assert sorted(worst)[0] < 0.05, worst  # the quiet seconds show almost none


def test_the_report_lists_the_lag_in_milliseconds_by_second():
    lag = EventLoopLag()
    lag.note(0.0123, at=1_800_000_000.4)
    report = load_report.load_report(Scheduler(workers=1, max_players=1), lag)
    assert report["event_loop_lag"] == [{"second": 1_800_000_000, "worst_ms": 12.3}]


async def _serve_briefly() -> list:
    async with watching_the_event_loop():
        await asyncio.sleep(0.3)
    return event_loop_lag().worst_by_second()


def test_the_server_watches_its_loop_while_it_serves():
    kept = run_on_a_fresh_loop(_serve_briefly())
    assert kept and all(0.0 <= worst < 1.0 for _, worst in kept)
