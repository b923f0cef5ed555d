"""Live panels' frames, served over plain HTTP (a helper module, not a page).

Any ``LiveTraining`` (dde_app/live_training.py: the Playground's model, the Generate
page's generators) can be watched this way; it draws its own frames (``live_figure``).

While a model trains, the page does not rerun to show each new frame: a rerun costs
the browser more than drawing the frame (Streamlit re-renders its element tree), and
on a 2-core machine that browser work is taken from training. Instead the panel's
chart (assets/live_chart.js) asks ``GET live/<token>?after=<step>`` every
``POLL_SECONDS`` and draws what comes back (while no new frame comes, as when many
sessions share the server, it asks less often, down to once a second):

- 200 ``{"step", "running": true, "figure"}``: a frame newer than ``after``;
- 204: nothing newer yet;
- 200 ``{"running": false}``: training stopped (the page itself then reruns);
- 404: no such session (closed, or the server restarted);
- 429: more than ``FRAME_REQUESTS_PER_SECOND`` requests a second for this session
  (the page asks ten times a second); ``Retry-After`` says when to ask again.

Each request is also the session's heartbeat, but a trainer also checks that its own
tab is still connected, so a client polling a closed tab's token cannot keep it going.
A token is random and known only to the
page of its own session, so one person cannot read another's frames. Sessions are
held weakly: a closed Streamlit session frees its model as before.

The route exists only when the app is started with ``streamlit run app.py``; started
any other way, a playing panel says that its frames cannot be fetched.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field

import plotly.io
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from streamlit import config

from dde_app.live_training import LiveTraining
from dde_core.limits import FRAME_REQUESTS_PER_SECOND

POLL_SECONDS = 0.1  # how often a playing page asks for a new frame


@dataclass
class _Registry:
    """Which session a token belongs to, and each session's last served frame (weakly held)."""

    tokens: weakref.WeakKeyDictionary[LiveTraining, str] = field(default_factory=weakref.WeakKeyDictionary)
    sessions: weakref.WeakValueDictionary[str, LiveTraining] = field(default_factory=weakref.WeakValueDictionary)
    served: weakref.WeakKeyDictionary[LiveTraining, tuple[object, str]] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    budgets: weakref.WeakKeyDictionary[LiveTraining, RequestBudget] = field(default_factory=weakref.WeakKeyDictionary)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class RequestBudget:
    """A token bucket: up to ``rate`` requests a second on average, bursts of ``rate``."""

    rate: float = FRAME_REQUESTS_PER_SECOND
    tokens: float = FRAME_REQUESTS_PER_SECOND
    updated: float = field(default_factory=time.monotonic)

    def allow(self) -> bool:
        """Spend one request if there is one left; False means answer 429."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


_registry = _Registry()


def _current_registry() -> _Registry:
    """The registry the pages use now. After a source file changes, Streamlit re-imports
    this module for the pages, while the route mounted at start-up is the old module's."""
    module = sys.modules.get(__name__)
    return getattr(module, "_registry", _registry)


def token_for(session: LiveTraining) -> str:
    """The session's secret token for the frames route (made on first use)."""
    registry = _current_registry()
    with registry.lock:
        token = registry.tokens.get(session)
        if token is None:
            token = secrets.token_urlsafe(16)
            registry.tokens[session] = token
            registry.sessions[token] = session
        return token


def poll_path(session: LiveTraining) -> str:
    """The frames route of this session, relative to the app's base URL."""
    return f"live/{token_for(session)}"


def _frame_json(session: LiveTraining, frame: object) -> str:
    """The figure JSON of ``frame``, built once (a session's frames are new objects after
    Reset or a new model, even at a step number seen before)."""
    registry = _current_registry()
    served = registry.served.get(session)
    if served is None or served[0] is not frame:
        served = (frame, plotly.io.to_json(session.live_figure(frame), validate=False))
        registry.served[session] = served
    return served[1]


async def live_frame(request: Request) -> Response:
    """``GET live/{token}?after=<step>``: the newest frame, if newer than ``after``."""
    registry = _current_registry()
    session = registry.sessions.get(request.path_params["token"])
    if session is None or not session.has_model:
        return JSONResponse({"error": "This live view has ended: reload the page."}, status_code=404)
    with registry.lock:
        budget = registry.budgets.setdefault(session, RequestBudget())
        allowed = budget.allow()
    if not allowed:
        return JSONResponse(
            {"error": "Too many requests for this live view."}, status_code=429, headers={"Retry-After": "1"}
        )
    session.heartbeat()
    if not session.running:
        return JSONResponse({"running": False})
    try:
        after = int(request.query_params.get("after", "-1"))
    except ValueError:
        return JSONResponse({"error": "'after' must be a whole number (a training step)."}, status_code=400)
    frame = session.latest_frame
    if frame.step <= after:
        return Response(status_code=204)
    figure = await run_in_threadpool(_frame_json, session, frame)
    body = f'{{"running": true, "step": {frame.step:d}, "figure": {figure}}}'
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The HTTP routes to mount beside Streamlit's (see app.py), under the app's base URL
    path (``server.baseUrlPath``) as the pages are, since the charts ask relative to it."""
    base = config.get_option("server.baseUrlPath").strip("/")
    return [Route(f"/{base}/live/{{token}}" if base else "/live/{token}", live_frame, methods=["GET"])]
