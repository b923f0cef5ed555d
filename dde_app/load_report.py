"""What the server is doing, for the people who run it (a helper module, not a page).

``GET _dde/load`` (under the app's base URL path) answers with the scheduler's state
(dde_app/scheduler.py) as JSON, for a monitor, a load balancer's health check or a
benchmark (bench/bench_load.py reads every session's progress from it):

    {"workers": 1, "max_playing_sessions": 8, "turns_running": 1, "turns_waiting": 7,
     "playing": 8, "queued": 0,
     "sessions": [{"id": "3f9a01c2", "step": 1830, "place": 0}, ...],
     "recent_pauses": [{"id": "77b0e415", "seconds": 0.04}, ...],
     "event_loop_lag": [{"second": 1796075042, "worst_ms": 1.3}, ...]}

``sessions`` lists the sessions playing or queued to play, in the order they asked:
``place`` is 0 while training, k ≥ 1 while waiting with k − 1 ahead. A session's ``id``
is a random public name made for this report (``LiveTraining.public_id``): it is not
the private token of its frames route nor its reload key, and nothing of its model,
data or settings is shown.

``recent_pauses`` says how quickly the latest Pauses (up to 256, oldest first) took
effect: the seconds from the Pause (its click's callback on the server) until that
session's trainer had stopped. What a person waits for in all also holds the click's
way to the server and the page's redraw.

``event_loop_lag`` is the worst lateness of the server's event loop in each of the
last two minutes' seconds (Unix time; dde_app/event_loop_lag.py): what every page
message, frame and health check waited for on the server, before its own work.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from streamlit import config

from dde_app.event_loop_lag import EventLoopLag, event_loop_lag
from dde_app.scheduler import Scheduler, scheduler

__all__ = ["load_report", "routes"]


def load_report(schedule: Scheduler, lag: EventLoopLag | None = None) -> dict:
    """The scheduler's state, the progress of each session playing or queued, and the event
    loop's recent lag (JSON-ready)."""
    load = schedule.load()
    sessions = [{"id": owner.public_id, "step": int(owner.step), "place": place} for owner, place in schedule.players()]
    return {
        "workers": load.workers,
        "max_playing_sessions": schedule.max_players,
        "turns_running": load.running,
        "turns_waiting": load.waiting_for_turn,
        "playing": load.playing,
        "queued": load.queued,
        "sessions": sessions,
        "recent_pauses": [{"id": name, "seconds": round(seconds, 4)} for name, seconds in schedule.recent_pauses()],
        "event_loop_lag": [
            {"second": second, "worst_ms": round(1000 * worst, 1)}
            for second, worst in (lag or event_loop_lag()).worst_by_second()
        ],
    }


async def _load(request: Request) -> JSONResponse:
    return JSONResponse(load_report(scheduler()), headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The report's route, under the app's base URL path (``server.baseUrlPath``)."""
    base = config.get_option("server.baseUrlPath").strip("/")
    return [Route(f"/{base}/_dde/load" if base else "/_dde/load", _load, methods=["GET"])]
